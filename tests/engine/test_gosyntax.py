"""go_syntax against real ``go tool objdump`` output, line by line.

The truth is objdump itself: every instruction line of the reference objdumps
(../shared/reference/objdump) and of the ones recorded from more Go releases
(tests/data/realgo/objdump), decoded again from the word in its third column at
the PC in its second. Symbols come only from the same file: its TEXT headers,
and the targets of branches it prints as ``name(SB)``, worked out from the
encoding here. Forms no Go program in those files uses are written as assembly
text, assembled with keystone, and checked against strings that
golang.org/x/arch/arm64/arm64asm's GoSyntax printed for the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explainer.engine.arm64 import cpu
from explainer.engine.arm64.gosyntax import UnsupportedForm, disassemble, go_syntax
from explainer.engine.releases.versions import GoVersion

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "objdump"
REALGO = ROOT / "tests" / "data" / "realgo" / "objdump"
OBJDUMPS = sorted(REFERENCE.glob("*.txt")) + sorted(REALGO.glob("*.txt"))

#: Objdump lines go_syntax may spell differently, by encoding, each with the
#: reason. Empty: every line of every file must match exactly.
ALLOWED_MISMATCHES: dict[str, str] = {}

_LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")
_SYMBOL = re.compile(r"([^\s,$]+)\(SB\)")
_VERSION = re.compile(r"go(1\.\d+\.\d+)")
PC = 0x10000


@dataclass(frozen=True)
class Line:
    """One instruction line of an objdump file."""

    pc: int
    word: int
    go: str
    function: str


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def branch_target(word: int, pc: int) -> int | None:
    """Where a B, BL, B.cond, CBZ/CBNZ or TBZ/TBNZ goes (ARM manual C4.1.65)."""
    if word & 0x7C000000 == 0x14000000:  # B, BL: imm26
        return pc + 4 * _signed(word & 0x3FFFFFF, 26)
    if word & 0xFF000010 == 0x54000000 or word & 0x7E000000 == 0x34000000:  # imm19
        return pc + 4 * _signed((word >> 5) & 0x7FFFF, 19)
    if word & 0x7E000000 == 0x36000000:  # TBZ/TBNZ: imm14
        return pc + 4 * _signed((word >> 5) & 0x3FFF, 14)
    return None


@cache
def parse(path: Path) -> tuple[tuple[Line, ...], dict[int, str]]:
    """The instruction lines of an objdump file, and the symbols it names."""
    lines: list[Line] = []
    symbols: dict[int, str] = {}
    function = ""
    for text in path.read_text().splitlines():
        if text.startswith("TEXT "):
            function = text.split()[1].removesuffix("(SB)")
            continue
        m = _LINE.match(text)
        if not m:
            continue
        line = Line(int(m[1], 16), int(m[2], 16), m[3], function)
        if not lines or lines[-1].function != function:
            symbols[line.pc] = function
        lines.append(line)
    for line in lines:
        target, named = branch_target(line.word, line.pc), _SYMBOL.search(line.go)
        if target is not None and named:
            symbols.setdefault(target, named[1])
    return tuple(lines), symbols


def version_of(path: Path) -> GoVersion:
    m = _VERSION.search(path.name)
    assert m, f"{path.name} does not name its Go release"
    return GoVersion.parse(m[1])


def decode(word: int, pc: int) -> cpu.CsInsn | None:
    insns = list(cpu.disassembler().disasm(word.to_bytes(4, "little"), pc, 1))
    return insns[0] if insns else None


@cache
def check(path: Path) -> tuple[int, list[str]]:
    """(lines matched, mismatches) for one objdump file; fallbacks count as mismatches."""
    lines, symbols = parse(path)
    version = version_of(path)
    matched, wrong = 0, []
    for line in lines:
        insn = decode(line.word, line.pc)
        try:
            got = go_syntax(insn, symbols.get, go_version=version, strict=True) if insn else "?"
        except UnsupportedForm as err:
            got = f"<unsupported: {err}>"
        if got == line.go:
            matched += 1
        elif f"{line.word:08x}" not in ALLOWED_MISMATCHES:
            wrong.append(f"{line.pc:#x} {line.word:08x}: objdump {line.go!r}, go_syntax {got!r}")
    return matched, wrong


@pytest.mark.reference  # reads ../shared/reference (tests/conftest.py)
def test_reference_objdumps_are_there() -> None:
    files = sorted(REFERENCE.glob("*.txt"))
    assert len(files) >= 11, f"reference objdumps missing from {REFERENCE}"
    assert all(parse(f)[0] for f in files)


@pytest.mark.parametrize("path", OBJDUMPS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_objdump_line(path: Path, record_property: Callable[[str, object], None]) -> None:
    lines, _ = parse(path)
    if not lines:
        pytest.skip(f"{path.name} has no instruction lines yet")
    matched, wrong = check(path)
    record_property("pass_rate", f"{matched}/{len(lines)}")
    shown = "\n  ".join(wrong[:15])
    assert not wrong, f"{path.name}: {matched}/{len(lines)} lines match; mismatches:\n  {shown}"


def test_pass_rate_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    """Each file's rate is 100% but for the lines ALLOWED_MISMATCHES excuses (none today), and every
    objdump file with instructions has its row: the rates printed are the ones asserted."""
    rows, short = [], []
    for path in OBJDUMPS:
        lines, _ = parse(path)
        if lines:
            matched, _ = check(path)
            excused = sum(f"{line.word:08x}" in ALLOWED_MISMATCHES for line in lines)
            rate = 100 * matched / len(lines)
            rows.append(f"  {matched:6}/{len(lines):<6} {rate:6.2f}%  {path.name}")
            if matched != len(lines) - excused:
                short.append(f"{path.name}: {rate:.2f}% ({matched}/{len(lines)}, {excused} excused)")
    with capsys.disabled():
        print("\ngo_syntax against go tool objdump, per file:\n" + "\n".join(rows))
    assert len(rows) == sum(1 for p in OBJDUMPS if parse(p)[0]) >= 11
    assert not short, short
    if not ALLOWED_MISMATCHES:
        assert all(row.split()[1] == "100.00%" for row in rows), rows


def test_disassemble_a_whole_function_as_objdump_lists_it() -> None:
    lines, symbols = parse(REFERENCE / "fast_nonleaf-go1.23.4.txt")
    body = [line for line in lines if line.function == "main.big_stack"]
    code = b"".join(line.word.to_bytes(4, "little") for line in body)
    decoded = disassemble(code, body[0].pc, symbols.get, go_version=GoVersion.parse("1.23.4"))
    assert [(d.address, d.hex, d.go) for d in decoded] == [
        (line.pc, f"{line.word:08x}", line.go) for line in body
    ]
    assert decoded[0].arm == "ldr x16, [x28, #0x10]"


# Forms the reference programs do not use: runtime.asyncPreempt's FP pairs and
# flag saves, atomics, barriers, vector code. Each expected string is what
# arm64asm's GoSyntax printed for keystone's encoding at PC 0x10000.
HAND_CHECKED = [
    ("ldr x30, [sp], #48", "MOVD.P 48(RSP), R30"),
    ("str x30, [sp, #-48]!", "MOVD.W R30, -48(RSP)"),
    ("stp x29, x30, [sp, #-16]!", "STP.W (R29, R30), -16(RSP)"),
    ("stp d0, d1, [sp, #16]", "FSTPD (F0, F1), 16(RSP)"),
    ("ldp d30, d31, [sp, #488]", "FLDPD 488(RSP), (F30, F31)"),
    ("str d0, [sp, #8]", "FMOVD F0, 8(RSP)"),
    ("ldr s1, [x0, #4]", "FMOVS 4(R0), F1"),
    ("mrs x0, nzcv", "MRS $23056, R0"),
    ("msr nzcv, x0", "MSR R0, S3_3_C4_C2_0"),
    ("mrs x0, fpsr", "MRS $23073, R0"),
    ("msr fpsr, x0", "MSR R0, S3_3_C4_C4_1"),
    ("mrs x0, tpidr_el0", "MRS $24194, R0"),
    ("nop", "NOOP"),
    ("yield", "YIELD"),
    ("hint #34", "HINT $34"),
    ("dmb ish", "DMB $11"),
    ("isb", "ISB $15"),
    ("dsb sy", "DSB $15"),
    ("svc #0", "SVC $0"),
    ("brk #0", "BRK $0"),
    ("movn x0, #0", "MOVD $-1, R0"),
    ("movz x0, #0, lsl #16", "MOVZ $(0<<16), R0"),
    ("movk w0, #3, lsl #16", "MOVKW $(3<<16), R0"),
    ("orr x2, xzr, #0x3ff", "ORR $1023, ZR, R2"),
    ("orr x0, xzr, #0x5555555555555555", "MOVD $6148914691236517205, R0"),
    ("orr w0, wzr, #0xff00ff", "MOVW $16711935, R0"),
    ("add x0, sp, #0", "MOVD RSP, R0"),
    ("sub sp, sp, x27", "SUB R27, RSP, RSP"),
    ("add x0, x1, x2, lsl #3", "ADD R2<<3, R1, R0"),
    ("add x0, x1, w2, sxtw #2", "ADD R2.SXTW<<2, R1, R0"),
    ("cmp w1, w2, uxtb", "CMPW R2.UXTB, R1"),
    ("eor x0, x1, x2, ror #7", "EOR R2@>7, R1, R0"),
    ("orr x0, x1, x2, lsr #0", "ORR R2>>0, R1, R0"),
    ("mvn w0, w1", "MVNW R1, R0"),
    ("tst x0, #0xff", "TST $255, R0"),
    ("ldr x0, [x1, x2, lsl #3]", "MOVD (R1)(R2<<3), R0"),
    ("ldr w0, [x1, w2, uxtw #2]", "MOVWU (R1)(R2.UXTW<<2), R0"),
    ("ldrb w3, [x2, x0, lsl #0]", "MOVBU (R2)(R0<<0), R3"),
    ("ldrsw x0, [x1, #4]", "MOVW 4(R1), R0"),
    ("ldrsb w0, [x1]", "MOVBW (R1), R0"),
    ("ldrsh x0, [x1, #-2]!", "MOVH.W -2(R1), R0"),
    ("ldur x0, [x1, #-3]", "MOVD -3(R1), R0"),
    ("strh w0, [x1], #2", "MOVH.P R0, 2(R1)"),
    ("and w3, w3, #0xffff", "ANDW $65535, R3, R3"),
    ("lsr w0, w1, #31", "LSRW $31, R1, R0"),
    ("sxtw x0, w1", "SXTW R1, R0"),
    ("uxtb w0, w1", "UXTBW R1, R0"),
    ("bfi x0, x1, #8, #4", "BFI $8, R1, $4, R0"),
    ("bfc x8, #31, #15", "BFM $14, $33, ZR, R8"),
    ("extr x0, x1, x2, #7", "EXTR $7, R2, R1, R0"),
    ("madd x0, x1, x2, x3", "MADD R2, R3, R1, R0"),
    ("msub w0, w1, w2, w3", "MSUBW R2, R3, R1, R0"),
    ("umulh x0, x1, x2", "UMULH R2, R1, R0"),
    ("csel x0, x1, x2, lo", "CSEL LO, R1, R2, R0"),
    ("cset w0, hs", "CSETW HS, R0"),
    ("cinc x0, x1, ne", "CINC NE, R1, R0"),
    ("ccmp x0, #5, #4, ne", "CCMP NE, R0, $5, $4"),
    ("ccmp x0, x1, #0, lt", "CCMP LT, R0, R1, $0"),
    ("tbz w1, #3, 0x10014", "TBZ $3, R1, 5(PC)"),
    ("tbnz x1, #63, 0xfff8", "TBNZ $63, R1, -2(PC)"),
    ("cbz x0, 0x10008", "CBZ R0, 2(PC)"),
    ("b.hs 0x10008", "BCS 2(PC)"),
    ("ldaxr x1, [x0]", "LDAXR (R0), R1"),
    ("stlxr w2, x1, [x0]", "STLXR R1, (R0), R2"),
    ("ldar w0, [x1]", "LDARW (R1), R0"),
    ("stlr x0, [x1]", "STLR R0, (R1)"),
    ("stlrb w0, [x1]", "STLRB R0, (R1)"),
    ("ldaxrb w0, [x1]", "LDAXRB (R1), R0"),
    ("stlxrb w2, w1, [x0]", "STLXRB R1, (R0), R2"),
    ("ldxp x0, x1, [x2]", "LDXP (R2), (R0, R1)"),
    ("stxp w3, x0, x1, [x2]", "STXP (R0, R1), (R2), R3"),
    ("ret x1", "RET R1"),
    ("blr x0", "CALL (R0)"),
    ("br x1", "JMP (R1)"),
    ("bl 0x10010", "CALL 4(PC)"),
    ("ldr x1, 0x10020", "MOVD 8(PC), R1"),
    ("prfm pldl1keep, [x0]", "PRFM (R0), PLDL1KEEP"),
    ("prfm pstl2strm, [x0, x1]", "PRFM (R0)(R1), PSTL2STRM"),
    ("dc zva, x0", "DC ZVA, R0"),
    ("fmov d0, x1", "FMOVD R1, F0"),
    ("fmov d0, #1.0", "FMOVD $1., F0"),
    ("fmov s0, #-0.25", "FMOVS $-0.25, F0"),
    ("scvtf d0, x1", "SCVTFD R1, F0"),
    ("fcvtzs x0, d1", "FCVTZSD F1, R0"),
    ("fcmp d0, #0.0", "FCMPD $(0.0), F0"),
    ("fmadd d0, d1, d2, d3", "FMADDD F2, F3, F1, F0"),
    ("fcvt s0, d1", "FCVTDS F1, F0"),
    ("fcsel d0, d1, d2, eq", "FCSELD EQ, F1, F2, F0"),
    ("ld1 {v0.16b, v1.16b}, [x0], #32", "VLD1.P 32(R0), [V0.B16, V1.B16]"),
    ("st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [x1], #64", "VST1.P [V0.B16, V1.B16, V2.B16, V3.B16], 64(R1)"),
    ("ld1 {v1.b}[3], [x0]", "VLD1 (R0), V1.B[3]"),
    ("ld4r {v4.4s, v5.4s, v6.4s, v7.4s}, [x0], #16", "VLD4R.P 16(R0), [V4.S4, V5.S4, V6.S4, V7.S4]"),
    ("mov x4, v8.d[0]", "VMOV V8.D[0], R4"),
    ("mov v1.s[2], w0", "VMOV R0, V1.S[2]"),
    ("umov w0, v1.b[3]", "VMOV V1.B[3], R0"),
    ("dup v0.16b, w1", "VDUP R1, V0.B16"),
    ("tbl v12.16b, {v12.16b}, v31.16b", "VTBL V31.B16, [V12.B16], V12.B16"),
    ("eor v0.16b, v1.16b, v2.16b", "VEOR V2.B16, V1.B16, V0.B16"),
    ("cmeq v0.16b, v1.16b, #0", "VCMEQ $0, V1.B16, V0.B16"),
    ("uaddlv h0, v1.16b", "VUADDLV V1.B16, V0"),
    ("movi v0.2d, #0xff00ff00ff00ff00", "VMOVI $-71777214294589696, V0.D2"),
    ("ushll v0.8h, v1.8b, #0", "VUXTL V1.B8, V0.H8"),
    ("mov v0.16b, v1.16b", "VMOV V1.B16, V0.B16"),
]


def assemble(source: str, pc: int = PC) -> cpu.CsInsn:
    encoding, _ = cpu.assembler().asm(source, pc)
    insn = decode(int.from_bytes(bytes(encoding), "little"), pc)
    assert insn is not None, source
    return insn


@pytest.mark.parametrize(("source", "expected"), HAND_CHECKED)
def test_hand_checked_form(source: str, expected: str) -> None:
    assert go_syntax(assemble(source), strict=True) == expected


def test_branches_name_symbols_only_at_their_entry() -> None:
    symbols = {0x10010: "main.sink", 0x10100: "main.big_stack", 0x10020: "runtime.x"}.get
    assert go_syntax(assemble("bl 0x10010"), symbols) == "CALL main.sink(SB)"
    assert go_syntax(assemble("b 0x10100"), symbols) == "JMP main.big_stack(SB)"
    assert go_syntax(assemble("b.ls 0x10100"), symbols) == "BLS main.big_stack(SB)"
    assert go_syntax(assemble("b 0x10104"), symbols) == "JMP 65(PC)"
    assert go_syntax(assemble("ldr x1, 0x10020"), symbols) == "MOVD $runtime.x(SB), R1"
    assert go_syntax(assemble("adrp x0, 0x19000"), symbols) == "ADRP 36864(PC), R0"


def test_post_index_suffixes_follow_the_go_release() -> None:
    # x/arch gave every post-indexed operand its .P in Go 1.27; the go1.23.4
    # runtime's objdump prints this aeshash load as VLD4R 16(R0), [...].
    insn = assemble("ld4r {v4.4s, v5.4s, v6.4s, v7.4s}, [x0], #16")
    old = go_syntax(insn, go_version=GoVersion.parse("1.23.4"))
    assert old == "VLD4R 16(R0), [V4.S4, V5.S4, V6.S4, V7.S4]"
    assert go_syntax(insn, go_version=GoVersion.parse("1.27.3")).startswith("VLD4R.P ")


# Words keystone cannot assemble, encoded from the ARM manual: LSE atomics
# (C6.2.41 CASAL, C6.2.96 LDADDAL, C6.2.317 SWPAL) and SVE ADD (vectors,
# predicated). Go's decoder knows none of them, so objdump prints "?".
LSE_AND_SVE = {
    "casal x1, x2, [x0]": 0xC8E0FC00 | 1 << 16 | 0 << 5 | 2,
    "ldaddal x2, x3, [x1]": 0xF8E00000 | 2 << 16 | 1 << 5 | 3,
    "swpal w1, w2, [x0]": 0xB8E08000 | 1 << 16 | 0 << 5 | 2,
    "add z0.b, p0/m, z0.b, z2.b": 0x04000000 | 2 << 5 | 0,
}


@pytest.mark.parametrize(("arm", "word"), LSE_AND_SVE.items())
def test_words_go_cannot_decode_read_question_mark(arm: str, word: int) -> None:
    insn = decode(word, PC)
    assert insn is not None and f"{insn.mnemonic} {insn.op_str}" == arm
    assert go_syntax(insn, strict=True) == "?"


def test_the_zero_word_reads_question_mark() -> None:
    (decoded,) = disassemble(bytes(4), PC)
    assert (decoded.hex, decoded.go) == ("00000000", "?")


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_go_syntax_never_raises(word: int) -> None:
    insn = decode(word, PC)
    assume(insn is not None)
    text = go_syntax(insn)
    assert text and text == text.strip()
    try:
        go_syntax(insn, strict=True)
    except UnsupportedForm:
        pass  # the only error strict mode may raise


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.integers(min_value=0, max_value=2**40).map(lambda a: a * 4))
def test_disassemble_lists_every_whole_word(code: bytes, address: int) -> None:
    decoded = disassemble(code, address)
    assert [d.address for d in decoded] == [address + 4 * i for i in range(len(code) // 4)]
    for d in decoded:
        assert d.hex == f"{d.word:08x}" and d.go
