"""Arm64 instructions spelled the way ``go tool objdump`` prints them.

The explainer sets each instruction beside the line a reader knows from
``go tool objdump``: ``MOVD.P 48(RSP), R30`` for capstone's ``ldr x30, [sp],
#0x30``. Go's disassembler (golang.org/x/arch/arm64/arm64asm) decodes a word
into an ARM-manual instruction (opcode, operands in manual order); then
``GoSyntax`` (plan9x.go) renames the opcode, reorders and spells the operands.
The engine keeps that shape, so each half can be checked against the Go source:
``armform.manual_form`` rebuilds arm64asm's instruction from capstone's operand
details, and ``_plan9`` here mirrors ``GoSyntax`` case by case.

Words Go's decoder does not know (LSE atomics, SVE, half precision, the zero
word) read ``?``, as in objdump. Capstone rejects a few UNPREDICTABLE encodings
arm64asm still decodes (``LDAR`` with stray bits in unused fields, ``LDP`` of one
register twice); the compiler never emits them, and they read ``?`` here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..releases.versions import GoVersion
from . import cpu
from .armform import FP_COMPARE, Arg, UnsupportedForm, manual_form, opset

__all__ = ["Decoded", "SymbolFor", "UnsupportedForm", "disassemble", "go_syntax"]

SymbolFor = Callable[[int], "str | None"]
"""Name of the symbol that starts exactly at an address, or None."""


@dataclass(frozen=True)
class Decoded:
    """One instruction word, as capstone and as ``go tool objdump`` spell it."""

    address: int
    """Where the word sits."""
    word: int
    """The 32-bit instruction word."""
    hex: str
    """The word as objdump's third column prints it, e.g. ``914043ff``."""
    go: str
    """Go assembler syntax, objdump's last column (``?`` if Go cannot decode it)."""
    arm: str
    """Capstone's ``mnemonic op_str`` (empty if capstone cannot decode it)."""


# GoSyntax's noSuffixOpSet: no W suffix even with W registers.
_NO_W_SUFFIX = opset(
    "AESD AESE AESIMC AESMC CRC32B CRC32CB CRC32CH CRC32CW CRC32CX CRC32H CRC32W CRC32X LDARB "
    "LDARH LDAXRB LDAXRH LDTRH LDXRB LDXRH SHA1C SHA1H SHA1M SHA1P SHA1SU0 SHA1SU1 SHA256H "
    "SHA256H2 SHA256SU0 SHA256SU1"
)
# Before x/arch 44bec3c (Release.objdump_suffixes_everywhere) only these opcodes got their .W/.P
# (VLD4R.P printed as VLD4R).
_EARLY_SUFFIX_OPS = opset("LDR LDRB LDRH LDRSB LDRSH LDRSW STR STRB STRH STUR STURB STURH LD1 ST1 STP LDP")
_FP_ARITH = opset("FADD FSUB FMUL FNMUL FDIV FMAX FMIN FMAXNM FMINNM FCSEL FMADD FMSUB FNMADD FNMSUB")
_FP_UNARY = opset("FABS FNEG FSQRT FRINTN FRINTP FRINTM FRINTZ FRINTA FRINTX FRINTI")
_FP_KINDS = "bhsdq"


def disassemble(
    code: bytes,
    address: int,
    symbol_for: SymbolFor | None = None,
    *,
    go_version: GoVersion | None = None,
) -> list[Decoded]:
    """Decode every 32-bit word of code, as objdump lists them.

    Args:
        code: little-endian instruction words; a trailing partial word is ignored.
        address: address of code[0].
        symbol_for: name of the symbol starting exactly at an address, or None.
        go_version: the release whose objdump to imitate; None for the newest.

    Returns:
        One Decoded per word; words neither disassembler knows read ``?``.
    """
    cs = cpu.disassembler()
    out = []
    for offset in range(0, len(code) - 3, 4):
        chunk, pc = code[offset : offset + 4], address + offset
        word = int.from_bytes(chunk, "little")
        # One word per call: capstone stops at the first word it cannot decode.
        insns = list(cs.disasm(chunk, pc, 1))
        if insns:
            arm = f"{insns[0].mnemonic} {insns[0].op_str}".strip()
            go = go_syntax(insns[0], symbol_for, go_version=go_version)
        else:
            arm, go = "", "?"
        out.append(Decoded(pc, word, f"{word:08x}", go, arm))
    return out


def go_syntax(
    insn: cpu.CsInsn,
    symbol_for: SymbolFor | None = None,
    *,
    go_version: GoVersion | None = None,
    strict: bool = False,
) -> str:
    """Spell a capstone arm64 instruction as ``go tool objdump`` does.

    Args:
        insn: an instruction from ``cpu.disassembler()`` (operand details on).
        symbol_for: name of the symbol starting exactly at an address, or None;
            a branch there prints as ``CALL main.f(SB)``, others as ``5(PC)``.
        go_version: the release whose objdump to imitate; None for the newest.
            Before go1.27 fewer opcodes get their ``.P``/``.W``.
        strict: raise UnsupportedForm instead of falling back.

    Returns:
        The Go syntax; ``?`` where Go's decoder does not know the word; the
        upper-cased capstone text for a form this module cannot spell.

    Raises:
        UnsupportedForm: only when strict is set.
    """
    try:
        form = manual_form(insn)
        if form is None:
            return "?"
        every = go_version is None or go_version.release.objdump_suffixes_everywhere
        return _plan9(*form, insn.address, symbol_for or _no_symbol, every)
    except (LookupError, ValueError, StopIteration) as err:  # UnsupportedForm is a ValueError
        if strict:
            raise UnsupportedForm(f"{insn.mnemonic} {insn.op_str}: {err!r}") from err
        return f"{insn.mnemonic} {insn.op_str}".strip().upper()


def _no_symbol(_: int) -> str | None:
    return None

# --- arm64asm's instruction -> Go syntax (mirrors GoSyntax in plan9x.go) ----------


def _spell(op: str, arg: Arg, pc: int, symbol_for: SymbolFor) -> str:
    """plan9Arg: one operand in Go syntax."""
    if arg.kind == "reg" and arg.reg in _FP_KINDS:
        f_named = op.startswith("F") or op.endswith("CVTF") or op in ("LDP", "STP")
        return f"{'F' if f_named else 'V'}{arg.num}"
    if arg.kind == "reg":
        return ("RSP" if arg.sp else "ZR") if arg.num == 31 else f"R{arg.num}"
    if arg.kind == "pcrel":
        name = symbol_for(pc + arg.num)
        return f"{name}(SB)" if name else f"{int(arg.num / 4)}(PC)"
    if arg.kind == "cond":
        return {"CS": "HS", "CC": "LO"}.get(arg.text, arg.text)
    if arg.kind == "vidx" and arg.num >= 0:
        return f"{arg.text}[{arg.num}]"
    return arg.text


def _plan9(op: str, a: Sequence[Arg], pc: int, symbol_for: SymbolFor, every_suffix: bool) -> str:
    """GoSyntax: rename the opcode, reorder the operands (destination last), spell them."""
    args = [_spell(op, arg, pc, symbol_for) for arg in a]
    first = a[0] if a else Arg("none")
    w = "W" if first.reg == "w" and first.kind == "reg" else ""
    suffix = "".join({"pre": ".W", "post": ".P"}.get(arg.mode, "") for arg in a if arg.kind == "mem")
    if not every_suffix and op not in _EARLY_SUFFIX_OPS:
        suffix = ""
    fp_move = {"b": "FMOVB", "h": "FMOVH", "s": "FMOVS", "d": "FMOVD", "q": "FMOVQ"}

    if op in ("LDR", "LDRB", "LDRH", "LDRSB", "LDRSH", "LDRSW") and a[1].kind == "pcrel":
        name = symbol_for(pc + a[1].num)  # a PC-relative load of a symbol's address
        if name and first.kind == "reg":
            args[1] = f"${name}(SB)"

    if op == "BL":
        return "CALL " + args[0]
    if op in ("BLR", "BR"):
        return f"{'CALL' if op == 'BLR' else 'JMP'} (R{first.num & 31})"
    if op == "RET" and first.reg == "x" and first.num == 30:
        return "RET"
    if op == "B":
        return f"B{first.text} {args[1]}" if first.kind == "cond" else "JMP " + args[0]
    if op in ("LDAXP", "LDXP"):
        return f"{op}{w} {args[2]}, ({args[0]}, {args[1]})"
    if op in ("STP", "LDP"):
        pair = f"({args[0]}, {args[1]})"
        if first.reg in ("s", "d", "q"):
            op = "F" + op + first.reg.upper()
        op += w + suffix
        return f"{op} {pair}, {args[2]}" if "STP" in op else f"{op} {args[2]}, {pair}"
    if op in ("STLXP", "STXP"):
        w = "W" if a[1].reg == "w" else ""
        return f"{op}{w} ({args[1]}, {args[2]}), {args[3]}, {args[0]}"
    if op == "SYSL":
        return f"SYSL {args[1]}, {args[0]}"

    if op == "MOV":
        op = {"w": "MOVW", "x": "MOVD"}.get(first.reg, op) if first.kind in ("reg", "text") else op
        if first.kind in ("varr", "vidx") or a[1].kind == "vidx":
            op = "VMOV"
    elif op in ("LDR", "LDUR", "STR", "STUR"):
        store = op.startswith("ST")
        if first.reg in fp_move:
            op, args[0] = fp_move[first.reg] + suffix, f"F{first.num}"
        else:
            op = ("MOVD" if not w else "MOVW" if store else "MOVWU") + suffix
        if store:
            args[0], args[1] = args[1], args[0]
    elif op in ("LDRB", "LDRH", "LDRSW"):
        op = {"LDRB": "MOVBU", "LDRH": "MOVHU", "LDRSW": "MOVW"}[op] + suffix
    elif op in ("LDRSB", "LDRSH"):
        op = ("MOVB" if op == "LDRSB" else "MOVH") + w + suffix
    elif op in ("STRB", "STURB", "STRH", "STURH"):
        op = ("MOVB" if op.endswith("B") else "MOVH") + suffix
        args[0], args[1] = args[1], args[0]
    elif op in ("TBNZ", "TBZ"):
        args[0], args[1], args[2] = args[2], args[0], args[1]
    elif op in ("MADD", "MSUB", "SMADDL", "SMSUBL", "UMADDL", "UMSUBL"):
        op += w
        args[2], args[3] = args[3], args[2]
    elif op in ("STLR", "STLRB", "STLRH"):
        op += w if op == "STLR" else ""
        args[0], args[1] = args[1], args[0]
    elif op in ("STLXR", "STXR", "STLXRB", "STLXRH", "STXRB", "STXRH"):
        op += "W" if op in ("STLXR", "STXR") and a[1].reg == "w" else ""
        args[1], args[2] = args[2], args[1]
    elif op in ("BFI", "BFXIL", "SBFIZ", "SBFX", "UBFIZ", "UBFX"):
        op += w
        args[1], args[2], args[3] = args[3], args[1], args[2]
    elif op in _FP_ARITH or op in FP_COMPARE:
        if op in ("FCCMP", "FCCMPE"):
            args[0], args[1] = args[1], args[0]
        if op in FP_COMPARE and a[1].kind == "imm":
            args[1] = "$(0.0)"
        if op.endswith("MADD") or op.endswith("MSUB"):
            args[2], args[3] = args[3], args[2]
        op += first.reg.upper() if first.kind == "reg" and first.reg in ("s", "d") else ""
    elif op == "FCVT":
        op += "".join(x.reg.upper() for x in (a[1], a[0]) if x.reg in ("h", "s", "d"))
    elif op in _FP_UNARY:
        op += a[1].reg.upper() if a[1].kind == "reg" and a[1].reg in ("s", "d") else ""
    elif op in ("FCVTZS", "FCVTZU", "SCVTF", "UCVTF"):
        if not (len(a) > 2 and a[2].kind == "imm"):
            for x in (a[1], a[0]):
                op += {"s": "S", "d": "D", "w": "W"}.get(x.reg, "") if x.kind == "reg" else ""
    elif op == "FMOV":
        op += next((x.reg.upper() for x in a[:2] if x.kind == "reg" and x.reg in ("s", "d")), "")
    elif op in ("CBNZ", "CBZ"):
        op += w
        args[0], args[1] = args[1], args[0]
    elif op in ("ADR", "ADRP"):
        args[1] = f"{a[1].num}(PC)"
    elif op == "MSR":
        args[0] = first.alt or first.text
    elif op in ("LD1", "ST1"):
        op = "V" + op + suffix
        if op.startswith("VST"):
            args[0], args[1] = args[1], args[0]
    elif op in ("UMOV", "NOP"):
        op = "VMOV" if op == "UMOV" else "NOOP"
    elif op in _NO_W_SUFFIX:
        op += suffix
    else:
        scalar_simd = first.kind == "reg" and first.reg in _FP_KINDS and not op.startswith("F")
        op = ("V" if first.kind == "varr" or scalar_simd else "") + op + w + suffix

    if len(a) > 3 and a[3].kind == "cond":  # CSEL-like: Rn before Rm; CCMP: cond first
        if a[2].kind == "reg":
            args[1], args[2] = args[2], args[1]
        else:
            args[0], args[2] = args[2], args[0]
    args.reverse()
    return f"{op} {', '.join(args)}" if args else op
