"""Mutated real binaries: the scanner raises BinaryError or nothing, never anything else.

Over 5,000 cases in a few seconds, by mutating in memory the bytes each layer reads:

- the container (LIEF plus our own header checks): the first 4 KiB of each fixture (ELF header,
  program and section headers, Mach-O load commands), and truncation at any length;
- the function table, the pc-value tables and the code, end to end through ``parse`` and ``scan``:
  to keep a case at a few milliseconds, the table's function count is first cut to the first 24
  functions (a valid, smaller table: the functab's next entry ends the last one), then bytes are
  overwritten inside what those functions use (header, functab, _func records, names, pc-value
  tables) and the code gets random words and SP-adjustment pairs, so findings are judged on
  corrupt tables.
"""

from __future__ import annotations

import struct

import lief
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.binary import BinaryError, parse, scan
from explainer.binary.buildinfo import go_version
from explainer.binary.container import open_container

from .truth import FIXTURES

FILES = ("fast_leaf-go1.25.0-linux-arm64-stripped", "fast_leaf-go1.27.3-linux-arm64-stripped",
         "fast_leaf-go1.25.0-darwin-arm64-stripped", "fast_nonleaf-go1.23.4-linux-arm64")
DATA = tuple((FIXTURES / f).read_bytes() for f in FILES)
KEEP = 24  # functions left in the cut-down table
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _cut_down(data: bytes) -> tuple[bytes, list[tuple[int, int]], tuple[int, int]]:
    """The file with a KEEP-function table, the file ranges that table uses, and the code's range."""
    binary = lief.parse(data)
    tab = next(s for s in binary.sections if str(s.name).endswith("gopclntab"))
    text = next(s for s in binary.sections if str(s.name) in (".text", "__text"))
    base = tab.offset
    out = bytearray(data)
    out[base + 8 : base + 16] = struct.pack("<Q", KEEP)
    nfunc_was, = struct.unpack_from("<Q", data, base + 8)
    name_off, pctab_off, pcln_off = (struct.unpack_from("<Q", data, base + 8 + 8 * i)[0] for i in (3, 6, 7))
    regions = [(base, base + 72), (base + pcln_off, base + pcln_off + 8 * (KEEP + 1))]
    for i in range(KEEP):
        func_off, = struct.unpack_from("<I", data, base + pcln_off + 8 * i + 4)
        at = base + pcln_off + func_off
        regions.append((at, at + 44 + 4 * 8))
        pcsp, = struct.unpack_from("<I", data, at + 16)
        regions.append((base + pctab_off + pcsp, base + pctab_off + pcsp + 24))
        name, = struct.unpack_from("<i", data, at + 4)
        regions.append((base + name_off + name, base + name_off + name + 24))
    assert nfunc_was > KEEP
    return bytes(out), regions, (text.offset, text.offset + text.size)


CUT = tuple(_cut_down(d) for d in DATA)

#: Edits as hypothesis bytes (cheap to draw, and they shrink): every 4 bytes are a 24-bit position and
#: a value. Each example mutates two files, so 5,000 files cost 2,500 examples.
_edits = st.binary(min_size=4, max_size=64)


def _pairs(edits: bytes) -> list[tuple[int, int]]:
    return [(int.from_bytes(edits[i : i + 3], "little"), edits[i + 3]) for i in range(0, len(edits) - 3, 4)]


def _check(run) -> None:  # type: ignore[no-untyped-def]
    try:
        run()
    except BinaryError as err:
        assert "\n" not in str(err) and str(err)


def _container(data: bytes) -> None:
    box = open_container(data, "fuzzed")
    go_version(box)


def test_container_layer_survives_mutated_headers_and_truncation() -> None:
    seen = 0

    @settings(max_examples=1500, **SETTINGS)
    @given(st.integers(0, len(DATA) - 1), _edits, st.integers(0, 2**24))
    def case(which: int, edits: bytes, cut: int) -> None:
        nonlocal seen
        data = bytearray(DATA[which])
        for pos, value in _pairs(edits):
            data[pos % 4096] = value
        mutated = bytes(data)
        for variant in (mutated, mutated[: cut % len(mutated)]):  # as is, and truncated
            seen += 1
            _check(lambda v=variant: _container(v))

    case()
    assert seen >= 3000


def _end_to_end(data: bytes) -> None:
    binary = parse(data, "fuzzed")
    report = scan(binary)
    report.to_json()
    report.lines()
    for f in binary.functions:
        f.pcsp()
        f.pcdata(0)
        _ = f.frame_size, f.leaf, f.has_locals_pointer_maps
    binary.func_named(binary.functions[0].name)


def test_table_and_scanner_survive_mutated_tables_and_code() -> None:
    seen = 0

    @settings(max_examples=1000, **SETTINGS)
    @given(st.integers(0, len(CUT) - 1), _edits, st.lists(st.integers(0, 10**6), max_size=3))
    def case(which: int, edits: bytes, pairs: list[int]) -> None:
        nonlocal seen
        for k in (which, (which + 1) % len(CUT)):  # the same edits on two fixtures
            base, regions, (text_lo, text_hi) = CUT[k]
            data = bytearray(base)
            for i, (pos, value) in enumerate(_pairs(edits)):
                lo, hi = regions[(pos + i) % len(regions)]
                data[lo + (pos >> 8) % (hi - lo)] = value
            for p in pairs:  # ADD $16, RSP, RSP ; ADD $(16<<12), RSP, RSP somewhere in the code
                at = text_lo + (p * 4) % (text_hi - text_lo - 8)
                data[at : at + 8] = bytes.fromhex("ff430091ff434091")
            seen += 1
            _check(lambda d=bytes(data): _end_to_end(d))

    case()
    assert seen >= 2000
