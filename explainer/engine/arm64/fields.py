"""An arm64 word split into the fields of its encoding class, and what the instruction does.

The classes are those of the Arm Architecture Reference Manual (DDI 0487), chapter C4 "A64 Instruction
Set Encoding": each is recognised by the fixed bits the manual's tables give (``mask``/``bits``) and
split into the named fields of its diagram. Every class main.big_stack uses in any release is here
(tests/engine/test_fields.py checks each against the manual's layout, worked by hand from assembler
text, and against capstone's decoding of the same word); a word of another class (a real binary's, in
``explainer open``) is named by its top-level group (C4.1's op0 bits) and left unsplit.

The effect is said in Go's register names (R28 is g, R27 REGTMP, 31 is RSP or ZR as the class says),
from the fields alone: what the instruction does to registers and memory, not what values it finds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One field of an encoding: bits hi..lo of the word."""

    name: str
    hi: int
    lo: int
    value: int
    means: str = ""
    """The value read as the manual reads it (``31: SP``, ``1: LSL #12``), when there is more to say."""

    @property
    def width(self) -> int:
        return self.hi - self.lo + 1

    @property
    def bits(self) -> str:
        """The value in binary, one digit a bit."""
        return format(self.value, f"0{self.width}b")


@dataclass(frozen=True)
class Decoded:
    """A word, its encoding class and fields, and the instruction's effect."""

    word: int
    klass: str
    """The manual's name of the encoding class (``Add/subtract (immediate)``)."""
    group: str
    """The top-level group it belongs to (C4.1): ``Data Processing -- Immediate`` ..."""
    fields: tuple[Field, ...]
    """High bits first; empty for a class this module does not split."""
    effect: str
    """What it does to registers and memory, in Go's register names ("" when unknown)."""


#: C4.1, the main encoding table: op0 (bits 28..25) to the group.
_GROUPS = (
    (0b1110, 0b0000, "Reserved / SME"), (0b1110, 0b0010, "SVE"),
    (0b1110, 0b1000, "Data Processing -- Immediate"), (0b1110, 0b1010, "Branches, Exception, System"),
    (0b0101, 0b0100, "Loads and Stores"), (0b0111, 0b0101, "Data Processing -- Register"),
    (0b0111, 0b0111, "Data Processing -- Scalar Floating-Point and Advanced SIMD"),
)

_CONDITIONS = ("EQ", "NE", "HS", "LO", "MI", "PL", "VS", "VC", "HI", "LS", "GE", "LT", "GT", "LE", "AL", "NV")
#: Go's names for the conditions (BCC is B.LO, BCS B.HS): cmd/internal/obj/arm64 anames.
_GO_COND = {"HS": "CS", "LO": "CC"}
_SHIFTS = ("LSL", "LSR", "ASR", "ROR")
_EXTENDS = ("UXTB", "UXTH", "UXTW", "UXTX", "SXTB", "SXTH", "SXTW", "SXTX")
_SIZES = {0: "1 byte", 1: "2 bytes", 2: "4 bytes", 3: "8 bytes"}


def _bits(word: int, hi: int, lo: int) -> int:
    return (word >> lo) & ((1 << (hi - lo + 1)) - 1)


def _signed(value: int, width: int) -> int:
    return value - (1 << width) if value >> (width - 1) else value


def reg(n: int, sp: bool) -> str:
    """Register n in Go's names: 31 is RSP where the class reads it as SP, else ZR; R28 is g."""
    if n == 31:
        return "RSP" if sp else "ZR"
    return f"R{n}"


def _reg_means(n: int, sp: bool) -> str:
    name = reg(n, sp)
    return {"RSP": "RSP (SP)", "R28": "R28 (g)", "R27": "R27 (REGTMP)", "R29": "R29 (FP)",
            "R30": "R30 (LR)"}.get(name, name)


def _pc(offset: int) -> str:
    """PC plus a byte offset, signed: ``PC + 24``, ``PC - 8``."""
    return f"PC {'-' if offset < 0 else '+'} {abs(offset):,}"


def _f(word: int, name: str, hi: int, lo: int, means: str = "") -> Field:
    return Field(name, hi, lo, _bits(word, hi, lo), means)


def _fixed(word: int, hi: int, lo: int) -> Field:
    """Bits the class fixes (its opcode): shown as one field named by their value."""
    return Field("fixed", hi, lo, _bits(word, hi, lo), "the class's fixed bits")


def _r(word: int, name: str, hi: int, lo: int, sp: bool) -> Field:
    return _f(word, name, hi, lo, _reg_means(_bits(word, hi, lo), sp))


def decode(word: int) -> Decoded:
    """The word's class, fields and effect (Decoded with no fields for a class not modelled)."""
    for mask, bits, parse in _CLASSES:
        if word & mask == bits:
            klass, group, fields, effect = parse(word)
            return Decoded(word, klass, group, tuple(fields), effect)
    op0 = _bits(word, 28, 25)
    group = next((g for m, b, g in _GROUPS if op0 & m == b), "Unallocated")
    return Decoded(word, "not split here", group, (), "")


# --- Data Processing -- Immediate ---

def _add_sub_imm(w: int) -> tuple[str, str, list[Field], str]:
    sf, op, s, sh = _bits(w, 31, 31), _bits(w, 30, 30), _bits(w, 29, 29), _bits(w, 22, 22)
    imm, rn, rd = _bits(w, 21, 10) << (12 * sh), _bits(w, 9, 5), _bits(w, 4, 0)
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "op", 30, 30, "SUB" if op else "ADD"),
              _f(w, "S", 29, 29, "sets the flags" if s else ""), _fixed(w, 28, 23),
              _f(w, "sh", 22, 22, "imm12 << 12" if sh else "imm12 as is"),
              _f(w, "imm12", 21, 10, f"{imm:,}" if sh else ""),
              _r(w, "Rn", 9, 5, True), _r(w, "Rd", 4, 0, not s)]
    sign = "-" if op else "+"
    if s:
        effect = f"flags ← {reg(rn, True)} {sign} {imm:,}" if rd == 31 else \
            f"{reg(rd, False)} ← {reg(rn, True)} {sign} {imm:,}, and the flags"
    elif imm == 0 and not op:
        effect = f"{reg(rd, True)} ← {reg(rn, True)} (a move: ADD #0)"
    else:
        effect = f"{reg(rd, True)} ← {reg(rn, True)} {sign} {imm:,}"
    return "Add/subtract (immediate)", "Data Processing -- Immediate", fields, effect


def _decode_bit_masks(n: int, imms: int, immr: int, width: int) -> int:
    """DecodeBitMasks (Arm ARM J1 pseudocode), the wmask of a logical immediate."""
    length = (n << 6 | (~imms & 0x3F)).bit_length() - 1
    size = 1 << length
    levels = size - 1
    s, r = imms & levels, immr & levels
    welem = (1 << (s + 1)) - 1
    elem = ((welem >> r) | (welem << (size - r))) & ((1 << size) - 1)
    out = 0
    for k in range(0, width, size):
        out |= elem << k
    return out


def _logical_imm(w: int) -> tuple[str, str, list[Field], str]:
    sf, opc = _bits(w, 31, 31), _bits(w, 30, 29)
    n, immr, imms = _bits(w, 22, 22), _bits(w, 21, 16), _bits(w, 15, 10)
    rn, rd = _bits(w, 9, 5), _bits(w, 4, 0)
    value = _decode_bit_masks(n, imms, immr, 64 if sf else 32)
    op = ("AND", "ORR", "EOR", "ANDS")[opc]
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "opc", 30, 29, op), _fixed(w, 28, 23),
              _f(w, "N", 22, 22, f"N:immr:imms = bitmask {value:#x}"), _f(w, "immr", 21, 16, "rotate right"),
              _f(w, "imms", 15, 10, "run of ones"), _r(w, "Rn", 9, 5, False), _r(w, "Rd", 4, 0, opc != 3)]
    if op == "ORR" and rn == 31:
        effect = f"{reg(rd, True)} ← {value:#x} ({value:,}), a bitmask immediate"
    elif op == "ANDS":
        effect = f"flags ← {reg(rn, False)} AND {value:#x}" if rd == 31 else \
            f"{reg(rd, False)} ← {reg(rn, False)} AND {value:#x}, and the flags"
    else:
        effect = f"{reg(rd, True)} ← {reg(rn, False)} {op} {value:#x}"
    return "Logical (immediate)", "Data Processing -- Immediate", fields, effect


def _move_wide(w: int) -> tuple[str, str, list[Field], str]:
    sf, opc, hw = _bits(w, 31, 31), _bits(w, 30, 29), _bits(w, 22, 21)
    imm, rd = _bits(w, 20, 5), _bits(w, 4, 0)
    op = {0: "MOVN", 2: "MOVZ", 3: "MOVK"}.get(opc, "?")
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "opc", 30, 29, op), _fixed(w, 28, 23),
              _f(w, "hw", 22, 21, f"shift {16 * hw}"), _f(w, "imm16", 20, 5, f"{imm:#x}"),
              _r(w, "Rd", 4, 0, False)]
    r, v = reg(rd, False), imm << (16 * hw)
    if op == "MOVZ":
        effect = f"{r} ← {v:#x} ({v:,}); the other bits zero"
    elif op == "MOVN":
        effect = f"{r} ← NOT {v:#x}"
    else:
        effect = f"bits {16 * hw + 15}..{16 * hw} of {r} ← {imm:#x}; the other bits kept"
    return "Move wide (immediate)", "Data Processing -- Immediate", fields, effect


def _bitfield(w: int) -> tuple[str, str, list[Field], str]:
    sf, opc = _bits(w, 31, 31), _bits(w, 30, 29)
    immr, imms, rn, rd = _bits(w, 21, 16), _bits(w, 15, 10), _bits(w, 9, 5), _bits(w, 4, 0)
    op = ("SBFM", "BFM", "UBFM", "?")[opc]
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "opc", 30, 29, op), _fixed(w, 28, 23),
              _f(w, "N", 22, 22), _f(w, "immr", 21, 16), _f(w, "imms", 15, 10),
              _r(w, "Rn", 9, 5, False), _r(w, "Rd", 4, 0, False)]
    if op == "UBFM" and imms >= immr:
        width = imms - immr + 1
        effect = f"{reg(rd, False)} ← bits {imms}..{immr} of {reg(rn, False)}, zero-extended ({width} bits)"
    else:
        effect = f"{reg(rd, False)} ← a bitfield of {reg(rn, False)} ({op} #{immr}, #{imms})"
    return "Bitfield", "Data Processing -- Immediate", fields, effect


def _pc_rel(w: int) -> tuple[str, str, list[Field], str]:
    op, lo, hi, rd = _bits(w, 31, 31), _bits(w, 30, 29), _bits(w, 23, 5), _bits(w, 4, 0)
    off = _signed(hi << 2 | lo, 21)
    fields = [_f(w, "op", 31, 31, "ADRP" if op else "ADR"), _f(w, "immlo", 30, 29), _fixed(w, 28, 24),
              _f(w, "immhi", 23, 5, f"immhi:immlo = {off}"), _r(w, "Rd", 4, 0, False)]
    rd_name = reg(rd, False)
    effect = f"{rd_name} ← the 4 KiB page of PC, {off} pages on" if op else f"{rd_name} ← {_pc(off)}"
    return "PC-rel. addressing", "Data Processing -- Immediate", fields, effect


# --- Branches, Exception, System ---

def _branch_imm(w: int) -> tuple[str, str, list[Field], str]:
    op, off = _bits(w, 31, 31), _signed(_bits(w, 25, 0), 26)
    fields = [_f(w, "op", 31, 31, "BL (CALL)" if op else "B (JMP)"), _fixed(w, 30, 26),
              _f(w, "imm26", 25, 0, f"{off} instructions")]
    effect = f"R30 (LR) ← PC + 4; PC ← {_pc(4 * off)}" if op else f"PC ← {_pc(4 * off)}"
    return "Unconditional branch (immediate)", "Branches, Exception, System", fields, effect


def _branch_cond(w: int) -> tuple[str, str, list[Field], str]:
    off, cond = _signed(_bits(w, 23, 5), 19), _bits(w, 3, 0)
    name = _CONDITIONS[cond]
    fields = [_fixed(w, 31, 24), _f(w, "imm19", 23, 5, f"{off} instructions"), _f(w, "o0", 4, 4),
              _f(w, "cond", 3, 0, f"{name} (Go: B{_GO_COND.get(name, name)})")]
    return ("Conditional branch (immediate)", "Branches, Exception, System", fields,
            f"if {name} (read from the flags): PC ← {_pc(4 * off)}; else on to the next instruction")


def _compare_branch(w: int) -> tuple[str, str, list[Field], str]:
    sf, op, off, rt = _bits(w, 31, 31), _bits(w, 24, 24), _signed(_bits(w, 23, 5), 19), _bits(w, 4, 0)
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _fixed(w, 30, 25),
              _f(w, "op", 24, 24, "CBNZ" if op else "CBZ"), _f(w, "imm19", 23, 5, f"{off} instructions"),
              _r(w, "Rt", 4, 0, False)]
    test = "!= 0" if op else "== 0"
    return ("Compare and branch (immediate)", "Branches, Exception, System", fields,
            f"if {reg(rt, False)} {test}: PC ← {_pc(4 * off)} (flags untouched)")


def _branch_reg(w: int) -> tuple[str, str, list[Field], str]:
    opc, rn = _bits(w, 24, 21), _bits(w, 9, 5)
    op = {0: "BR (JMP)", 1: "BLR (CALL)", 2: "RET"}.get(opc, f"opc {opc}")
    fields = [_fixed(w, 31, 25), _f(w, "opc", 24, 21, op), _f(w, "op2", 20, 16), _f(w, "op3", 15, 10),
              _r(w, "Rn", 9, 5, False), _f(w, "op4", 4, 0)]
    target = reg(rn, False) + (" (LR)" if rn == 30 else "")
    effect = {0: f"PC ← {target}", 1: f"R30 (LR) ← PC + 4; PC ← {target}",
              2: f"PC ← {target}: return to the caller"}.get(opc, "")
    return "Unconditional branch (register)", "Branches, Exception, System", fields, effect


def _exception(w: int) -> tuple[str, str, list[Field], str]:
    fields = [_fixed(w, 31, 24), _f(w, "opc", 23, 21, "BRK" if _bits(w, 23, 21) == 1 else ""),
              _f(w, "imm16", 20, 5), _f(w, "op2", 4, 2), _f(w, "LL", 1, 0)]
    return "Exception generation", "Branches, Exception, System", fields, "stops: a breakpoint exception"


def _hint(w: int) -> tuple[str, str, list[Field], str]:
    fields = [_fixed(w, 31, 12), _f(w, "CRm", 11, 8), _f(w, "op2", 7, 5), _fixed(w, 4, 0)]
    return "Hints", "Branches, Exception, System", fields, "nothing (NOP)" if w == 0xD503201F else ""


# --- Data Processing -- Register ---

def _shifted(w: int) -> tuple[list[Field], str]:
    """The shift, Rm and imm6 fields of a shifted-register class, and its second operand in words."""
    shift, rm, imm6 = _bits(w, 23, 22), _bits(w, 20, 16), _bits(w, 15, 10)
    name = _SHIFTS[shift]
    operand = reg(rm, False) + (f" {name} #{imm6}" if imm6 else "")
    fields = [_f(w, "shift", 23, 22, name), _r(w, "Rm", 20, 16, False),
              _f(w, "imm6", 15, 10, f"shift amount {imm6}")]
    return fields, operand


def _logical_reg(w: int) -> tuple[str, str, list[Field], str]:
    sf, opc, n, rn, rd = _bits(w, 31, 31), _bits(w, 30, 29), _bits(w, 21, 21), _bits(w, 9, 5), _bits(w, 4, 0)
    op = (("AND", "BIC"), ("ORR", "ORN"), ("EOR", "EON"), ("ANDS", "BICS"))[opc][n]
    shifted, operand = _shifted(w)
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "opc", 30, 29, op),
              _fixed(w, 28, 24), shifted[0], _f(w, "N", 21, 21, "operand inverted" if n else ""),
              *shifted[1:], _r(w, "Rn", 9, 5, False), _r(w, "Rd", 4, 0, False)]
    if op == "ORR" and rn == 31 and operand == "ZR":
        effect = f"{reg(rd, False)} ← 0 (MOVD ZR: ZR ORR ZR)"
    elif op == "ORR" and rn == 31 and operand == reg(_bits(w, 20, 16), False):
        effect = f"{reg(rd, False)} ← {operand} (a move: ZR ORR {operand})"
    elif opc == 3:
        effect = f"flags ← {reg(rn, False)} {op[:-1]} {operand}" if rd == 31 else \
            f"{reg(rd, False)} ← {reg(rn, False)} {op[:-1]} {operand}, and the flags"
    else:
        effect = f"{reg(rd, False)} ← {reg(rn, False)} {op} {operand}"
    return "Logical (shifted register)", "Data Processing -- Register", fields, effect


def _add_sub_reg(w: int, extended: bool) -> tuple[str, str, list[Field], str]:
    sf, op, s, rm, rn, rd = (_bits(w, 31, 31), _bits(w, 30, 30), _bits(w, 29, 29), _bits(w, 20, 16),
                             _bits(w, 9, 5), _bits(w, 4, 0))
    head = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "op", 30, 30, "SUB" if op else "ADD"),
            _f(w, "S", 29, 29, "sets the flags" if s else "")]
    if extended:
        option, imm3 = _bits(w, 15, 13), _bits(w, 12, 10)
        ext = _EXTENDS[option]
        operand = reg(rm, False) + ("" if ext in ("UXTX", "LSL") and not imm3 else f" {ext} #{imm3}")
        fields = [*head, _fixed(w, 28, 21), _r(w, "Rm", 20, 16, False),
                  _f(w, "option", 15, 13, ext + (" (LSL: a 64-bit register as is)" if ext == "UXTX" else "")),
                  _f(w, "imm3", 12, 10, f"shift {imm3}"), _r(w, "Rn", 9, 5, True), _r(w, "Rd", 4, 0, not s)]
        klass, sp_rd = "Add/subtract (extended register)", not s
    else:
        shifted, operand = _shifted(w)
        fields = [*head, _fixed(w, 28, 24), shifted[0], _f(w, "0", 21, 21), *shifted[1:],
                  _r(w, "Rn", 9, 5, False), _r(w, "Rd", 4, 0, False)]
        klass, sp_rd = "Add/subtract (shifted register)", False
    sign = "-" if op else "+"
    src = reg(rn, extended)
    if s:
        effect = f"flags ← {src} {sign} {operand}" if rd == 31 else \
            f"{reg(rd, False)} ← {src} {sign} {operand}, and the flags"
    else:
        effect = f"{reg(rd, sp_rd)} ← {src} {sign} {operand}"
    return klass, "Data Processing -- Register", fields, effect


def _dp3(w: int) -> tuple[str, str, list[Field], str]:
    sf, rm, o0, ra, rn, rd = (_bits(w, 31, 31), _bits(w, 20, 16), _bits(w, 15, 15), _bits(w, 14, 10),
                              _bits(w, 9, 5), _bits(w, 4, 0))
    op = "MSUB" if o0 else "MADD"
    fields = [_f(w, "sf", 31, 31, "64-bit" if sf else "32-bit"), _f(w, "op54", 30, 29), _fixed(w, 28, 24),
              _f(w, "op31", 23, 21), _r(w, "Rm", 20, 16, False), _f(w, "o0", 15, 15, op),
              _r(w, "Ra", 14, 10, False), _r(w, "Rn", 9, 5, False), _r(w, "Rd", 4, 0, False)]
    product = f"{reg(rn, False)} × {reg(rm, False)}"
    if ra == 31:
        effect = f"{reg(rd, False)} ← {'-' if o0 else ''}{product} (MUL: {op} with Ra = ZR)"
    else:
        effect = f"{reg(rd, False)} ← {reg(ra, False)} {'-' if o0 else '+'} {product}"
    return "Data-processing (3 source)", "Data Processing -- Register", fields, effect


# --- Loads and Stores ---

def _ls_common(w: int) -> tuple[int, int, int, int, str]:
    size, opc, rn, rt = _bits(w, 31, 30), _bits(w, 23, 22), _bits(w, 9, 5), _bits(w, 4, 0)
    return size, opc, rn, rt, "SIMD&FP" if _bits(w, 26, 26) else "general"


def _access(size: int, opc: int, rt: int, address: str, v: bool) -> str:
    width = _SIZES[size]
    r = f"V{rt}" if v else reg(rt, False)
    if opc == 0:
        return f"writes {width} of {r} to memory at {address}"
    signed = " sign-extended" if opc >= 2 and not v else ""
    return f"{r} ← {width} read from memory at {address}{signed}"


def _ls_head(w: int) -> list[Field]:
    size = _bits(w, 31, 30)
    return [_f(w, "size", 31, 30, _SIZES[size]), _fixed(w, 29, 27),
            _f(w, "V", 26, 26, "SIMD&FP register" if _bits(w, 26, 26) else "general register")]


def _ls_opc(w: int) -> Field:
    opc = _bits(w, 23, 22)
    means = ("store", "load", "load, sign-extended to 64", "load, sign-extended to 32")[opc]
    return _f(w, "opc", 23, 22, means)


def _ls_unsigned(w: int) -> tuple[str, str, list[Field], str]:
    size, opc, rn, rt, _ = _ls_common(w)
    off = _bits(w, 21, 10) << size
    fields = [*_ls_head(w), _f(w, "01", 25, 24), _ls_opc(w),
              _f(w, "imm12", 21, 10, f"× {1 << size} = offset {off}"), _r(w, "Rn", 9, 5, True),
              _r(w, "Rt", 4, 0, False)]
    address = f"{reg(rn, True)} + {off:,}" if off else reg(rn, True)
    return ("Load/store register (unsigned immediate)", "Loads and Stores", fields,
            _access(size, opc, rt, address, bool(_bits(w, 26, 26))))


def _ls_imm9(w: int) -> tuple[str, str, list[Field], str]:
    size, opc, rn, rt, _ = _ls_common(w)
    mode, off = _bits(w, 11, 10), _signed(_bits(w, 20, 12), 9)
    klass = {0: "Load/store register (unscaled immediate)", 1: "Load/store register (immediate post-indexed)",
             3: "Load/store register (immediate pre-indexed)"}[mode]
    fields = [*_ls_head(w), _f(w, "00", 25, 24), _ls_opc(w), _f(w, "0", 21, 21),
              _f(w, "imm9", 20, 12, f"offset {off}"),
              _f(w, "idx", 11, 10, {0: "unscaled", 1: "post-index", 3: "pre-index"}[mode]),
              _r(w, "Rn", 9, 5, True), _r(w, "Rt", 4, 0, False)]
    base = reg(rn, True)
    v = bool(_bits(w, 26, 26))
    if mode == 0:
        effect = _access(size, opc, rt, f"{base} {'-' if off < 0 else '+'} {abs(off):,}", v)
    elif mode == 3:
        effect = f"{base} ← {base} {'-' if off < 0 else '+'} {abs(off):,} first; then " + \
            _access(size, opc, rt, base, v)
    else:
        step = f"{base} ← {base} {'-' if off < 0 else '+'} {abs(off):,}"
        effect = f"{_access(size, opc, rt, base, v)}; then {step}"
    return klass, "Loads and Stores", fields, effect


def _ls_regoff(w: int) -> tuple[str, str, list[Field], str]:
    size, opc, rn, rt, _ = _ls_common(w)
    rm, option, s = _bits(w, 20, 16), _bits(w, 15, 13), _bits(w, 12, 12)
    ext = _EXTENDS[option]
    fields = [*_ls_head(w), _f(w, "00", 25, 24), _ls_opc(w), _f(w, "1", 21, 21), _r(w, "Rm", 20, 16, False),
              _f(w, "option", 15, 13, ext + (" (LSL: as is)" if ext == "UXTX" else "")),
              _f(w, "S", 12, 12, f"Rm × {1 << size}" if s else "Rm as is"), _f(w, "10", 11, 10),
              _r(w, "Rn", 9, 5, True), _r(w, "Rt", 4, 0, False)]
    index = reg(rm, False) + (f" × {1 << size}" if s else "")
    return ("Load/store register (register offset)", "Loads and Stores", fields,
            _access(size, opc, rt, f"{reg(rn, True)} + {index}", bool(_bits(w, 26, 26))))


def _ls_pair(w: int) -> tuple[str, str, list[Field], str]:
    opc, v, mode, load = _bits(w, 31, 30), _bits(w, 26, 26), _bits(w, 24, 23), _bits(w, 22, 22)
    scale = 2 + (opc >> 1) if not v else 2 + opc
    off = _signed(_bits(w, 21, 15), 7) << scale
    rt2, rn, rt = _bits(w, 14, 10), _bits(w, 9, 5), _bits(w, 4, 0)
    name = {0: "no-allocate", 1: "post-index", 2: "signed offset", 3: "pre-index"}[mode]
    fields = [_f(w, "opc", 31, 30, "64-bit registers" if opc == 2 else ""), _fixed(w, 29, 27),
              _f(w, "V", 26, 26, "SIMD&FP" if v else "general registers"), _f(w, "0", 25, 25),
              _f(w, "idx", 24, 23, name), _f(w, "L", 22, 22, "load" if load else "store"),
              _f(w, "imm7", 21, 15, f"× {1 << scale} = offset {off}"),
              _r(w, "Rt2", 14, 10, False), _r(w, "Rn", 9, 5, True), _r(w, "Rt", 4, 0, False)]
    base, pair = reg(rn, True), f"{reg(rt, False)} and {reg(rt2, False)}"
    n = 2 << scale
    step = f"{base} ← {base} {'-' if off < 0 else '+'} {abs(off):,}"
    at = f"{base} {'-' if off < 0 else '+'} {abs(off):,}" if off and mode in (0, 2) else base
    access = (f"{pair} ← {n} bytes read from memory at {at}" if load else
              f"writes {pair} ({n} bytes) to memory at {at}")
    if mode == 1:
        access += f"; then {step}"
    elif mode == 3:
        access = f"{step} first; then {access}"
    return "Load/store register pair", "Loads and Stores", fields, access


def _ls_literal(w: int) -> tuple[str, str, list[Field], str]:
    opc, off, rt = _bits(w, 31, 30), _signed(_bits(w, 23, 5), 19), _bits(w, 4, 0)
    fields = [_f(w, "opc", 31, 30), _fixed(w, 29, 27), _f(w, "V", 26, 26), _f(w, "00", 25, 24),
              _f(w, "imm19", 23, 5, f"{off} instructions"), _r(w, "Rt", 4, 0, False)]
    return ("Load register (literal)", "Loads and Stores", fields,
            f"{reg(rt, False)} ← {4 << (opc & 1)} bytes read from memory at {_pc(4 * off)} (a literal pool)")


_CLASSES = (
    (0x1F800000, 0x11000000, _add_sub_imm),
    (0x1F800000, 0x12000000, _logical_imm),
    (0x1F800000, 0x12800000, _move_wide),
    (0x1F800000, 0x13000000, _bitfield),
    (0x1F000000, 0x10000000, _pc_rel),
    (0x7C000000, 0x14000000, _branch_imm),
    (0xFF000010, 0x54000000, _branch_cond),
    (0x7E000000, 0x34000000, _compare_branch),
    (0xFE000000, 0xD6000000, _branch_reg),
    (0xFF000000, 0xD4000000, _exception),
    (0xFFFFF01F, 0xD503201F, _hint),
    (0x1F000000, 0x0A000000, _logical_reg),
    (0x1F200000, 0x0B000000, lambda w: _add_sub_reg(w, False)),
    (0x1F200000, 0x0B200000, lambda w: _add_sub_reg(w, True)),
    (0x1F000000, 0x1B000000, _dp3),
    (0x3A000000, 0x28000000, _ls_pair),
    (0x3B000000, 0x39000000, _ls_unsigned),
    (0x3B200C00, 0x38200800, _ls_regoff),
    (0x3B200000, 0x38000000, lambda w: _ls_imm9(w) if _bits(w, 11, 10) != 2 else
     ("Load/store register (unprivileged)", "Loads and Stores", [], "")),
    (0x3B000000, 0x18000000, _ls_literal),
)
