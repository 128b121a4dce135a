"""A binary's own names in a BinaryError are data: the message stays one line (found by bench/fuzz_bench.py).

At 10,000 inputs the loader fuzz made a Mach-O whose segment and section names held a newline; the
error quoted them raw, so the CLI's "one line and exit 2" printed two lines, the second forged by the file.
The fixture is the real go1.25.0 darwin/arm64 build; the offsets are those of Mach-O's
segment_command_64 (segname at +8, nsects at +64) and section_64 (sectname at +0, size at +40).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from explainer.binary import load
from explainer.binary.errors import BinaryError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "fast_leaf-go1.25.0-darwin-arm64-stripped"
LC_SEGMENT_64 = 0x19


def _segment_at(data: bytes, name: bytes) -> int:
    at = data.index(name.ljust(16, b"\0")) - 8
    assert struct.unpack_from("<I", data, at)[0] == LC_SEGMENT_64
    return at


def _fails_with(tmp_path: Path, data: bytearray) -> str:
    path = tmp_path / "server"
    path.write_bytes(bytes(data))
    with pytest.raises(BinaryError) as err:
        load(path)
    return str(err.value)


def test_a_segment_name_with_a_newline_is_shown_escaped(tmp_path: Path) -> None:
    data = bytearray(FIXTURE.read_bytes())
    at = _segment_at(data, b"__TEXT")
    data[at + 8: at + 24] = b"__T\nXT".ljust(16, b"\0")
    struct.pack_into("<I", data, at + 64, 768)  # more sections than the command has room for
    message = _fails_with(tmp_path, data)
    assert "\n" not in message
    assert "segment __T\\nXT claims 768 sections" in message


def test_a_section_name_with_a_newline_is_shown_escaped(tmp_path: Path) -> None:
    data = bytearray(FIXTURE.read_bytes())
    at = _segment_at(data, b"__TEXT")
    section = at + 72  # the segment's first section_64
    data[section: section + 16] = b"__te\nxt".ljust(16, b"\0")
    struct.pack_into("<Q", data, section + 40, 1 << 40)  # a size that runs past the end of the file
    message = _fails_with(tmp_path, data)
    assert "\n" not in message
    assert "section __te\\nxt ends at" in message
