"""How Go's arm64 assembler materialises ``ADD $c, Rn, Rd`` and ``MOVD $c, Rd``.

Mirrors cmd/internal/obj/arm64/asm7.go: the constant classifier (``aclass`` with
``con64class`` up to go1.24, ``conclass`` from go1.25; the checks and their order
are the same), ``isaddcon``, ``isaddcon2``, ``isbitcon`` and ``movcon``, and the
optab rows for ``AADD``/``ASUB``. The order of the checks is the whole story:

1. ``isaddcon``: a 12-bit immediate, or one shifted left by 12 -> one ADD (case 2).
2. ``movcon(c)`` or ``movcon(^c)``: one MOVZ/MOVN builds it -> ``MOVD $c, R27``
   then ``ADD R27, Rn, Rd`` (case 62). 4112 = 0x1010 lands here.
3. ``isbitcon``: a bitmask immediate -> ``ORR $c, ZR, R27`` then the ADD (case 62).
4. ``isaddcon2`` (0 <= c <= 0xFFFFFF): class C_ADDCON2, flagged NOTUSETMP ->
   **case 48**: ``ADD $(c&0xfff)`` then ``ADD $(c&0xfff000)``: two writes to Rd.
   65552 = 0x10010 lands here; so the split needs c >= 64 KiB (else step 2 wins),
   c < 16 MiB, and c neither a multiple of 4 KiB below 16 MiB (step 1) nor a
   bitmask (step 3). "Over 4096" is not the threshold.
5. otherwise MOVZ + MOVK(s) into R27, then the ADD (case 13).

Flag-setting SUBS/ADDS never split: ``oplook`` reclassifies C_ADDCON2 as C_LCON.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

_MASK64 = (1 << 64) - 1


def isaddcon(v: int) -> bool:
    """asm7.go ``isaddcon``: an unsigned 12-bit immediate, optionally shifted by 12."""
    if v < 0:
        return False
    if v & 0xFFF == 0:
        v >>= 12
    return v <= 0xFFF


def isaddcon2(v: int) -> bool:
    """asm7.go ``isaddcon2``: fits in 24 bits, so two ADDs can build it."""
    return 0 <= v <= 0xFFFFFF


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (64 - n))) & _MASK64


def _sext(x: int, bits: int) -> int:
    x &= (1 << bits) - 1
    if x >> (bits - 1):
        x -= 1 << bits
    return x & _MASK64


def _sequence_of_ones(x: int) -> bool:
    y = x & (-x & _MASK64)
    y = (y + x) & _MASK64
    return ((y - 1) & y) == 0


def isbitcon(x: int) -> bool:
    """asm7.go ``isbitcon``: encodable as an arm64 logical (bitmask) immediate."""
    x &= _MASK64
    if x in (0, _MASK64):
        return False
    if x != _rotr(x, 32):
        pass  # period 64
    elif x != _rotr(x, 16):
        x = _sext(x, 32)
    elif x != _rotr(x, 8):
        x = _sext(x, 16)
    elif x != _rotr(x, 4):
        x = _sext(x, 8)
    else:
        return True  # period 4 or 2: always encodable
    return _sequence_of_ones(x) or _sequence_of_ones(~x & _MASK64)


def movcon(v: int) -> int:
    """asm7.go ``movcon``: the 16-bit field index if ``v`` is one aligned 16-bit value, else -1."""
    v &= _MASK64
    for s in range(0, 64, 16):
        if v & ~(0xFFFF << s) & _MASK64 == 0:
            return s // 16
    return -1


class ConstClass(enum.Enum):
    """The operand classes of asm7.go (``C_*``) that a positive constant can take."""

    ZCON = "C_ZCON"
    ABCON0 = "C_ABCON0"
    ADDCON0 = "C_ADDCON0"
    ABCON = "C_ABCON"
    AMCON = "C_AMCON"
    ADDCON = "C_ADDCON"
    MBCON = "C_MBCON"
    MOVCON = "C_MOVCON"
    BITCON = "C_BITCON"
    ADDCON2 = "C_ADDCON2"
    LCON = "C_LCON"
    VCON = "C_VCON"


_ADDCON_FAMILY = {ConstClass.ZCON, ConstClass.ABCON0, ConstClass.ADDCON0, ConstClass.ABCON,
                  ConstClass.AMCON, ConstClass.ADDCON}


def conclass(v: int) -> ConstClass:
    """Classify a 64-bit constant exactly as asm7.go's ``aclass``/``conclass`` do."""
    if v == 0:
        return ConstClass.ZCON
    notv = ~v
    if isaddcon(v):
        if v <= 0xFFF:
            return ConstClass.ABCON0 if isbitcon(v) else ConstClass.ADDCON0
        if isbitcon(v):
            return ConstClass.ABCON
        if movcon(v) >= 0 or movcon(notv) >= 0:
            return ConstClass.AMCON
        return ConstClass.ADDCON
    if movcon(v) >= 0 or movcon(notv) >= 0:
        return ConstClass.MBCON if isbitcon(v) else ConstClass.MOVCON
    if isbitcon(v):
        return ConstClass.BITCON
    if isaddcon2(v):
        return ConstClass.ADDCON2
    if v & _MASK64 == v & 0xFFFFFFFF or -(1 << 31) <= v < (1 << 31):
        return ConstClass.LCON
    return ConstClass.VCON


class AddPlan(enum.Enum):
    """How ``ADD $c, Rn, Rd`` becomes machine code: the asm7.go optab case."""

    IMM12 = "one ADD, 12-bit immediate"
    IMM12_SHIFTED = "one ADD, immediate shifted left by 12"
    R27_MOVZ = "MOVZ/MOVN into R27, then ADD R27"
    R27_ORR = "ORR (bitmask) into R27, then ADD R27"
    SPLIT = "two ADDs: low 12 bits, then high 12 bits (case 48)"
    R27_MOVK = "MOVZ + MOVK into R27, then ADD R27"


def add_plan(c: int, sets_flags: bool = False) -> AddPlan:
    """The optab row ``ADD``/``SUB`` (or ``ADDS``/``SUBS``) picks for constant ``c`` >= 0."""
    cls = conclass(c)
    if sets_flags and cls is ConstClass.ADDCON2:
        cls = ConstClass.LCON  # oplook: "do not break C_ADDCON2 when S bit is set"
    if cls in _ADDCON_FAMILY:
        return AddPlan.IMM12 if c <= 0xFFF else AddPlan.IMM12_SHIFTED
    if cls in (ConstClass.MOVCON, ConstClass.MBCON):
        return AddPlan.R27_MOVZ
    if cls is ConstClass.BITCON:
        return AddPlan.R27_ORR
    if cls is ConstClass.ADDCON2:
        return AddPlan.SPLIT
    return AddPlan.R27_MOVK


@dataclass(frozen=True)
class Fields:
    """The bit fields of one ``ADD (immediate)`` encoding, for the lessons' encoder."""

    sf: int
    """1 for 64-bit."""
    op: int
    """0 for ADD, 1 for SUB."""
    s: int
    """1 if flags are set."""
    sh: int
    """1 if imm12 is shifted left by 12."""
    imm12: int
    """The 12-bit immediate."""
    rn: int
    """Source register number (31 = SP)."""
    rd: int
    """Destination register number (31 = SP)."""


def add_imm_fields(word: int) -> Fields:
    """Split an ``ADD/SUB (immediate)`` machine word into its fields (ARM ARM C6.2.4)."""
    return Fields(
        sf=(word >> 31) & 1, op=(word >> 30) & 1, s=(word >> 29) & 1, sh=(word >> 22) & 1,
        imm12=(word >> 10) & 0xFFF, rn=(word >> 5) & 31, rd=word & 31,
    )


def movk_chunks(c: int) -> list[tuple[int, int]]:
    """``omovlconst`` for MOVD: the (value, shift) chunks, MOVZ first then MOVKs.

    Only the zero-count form is modelled (positive constants below 2**48).
    """
    chunks = [((c >> s) & 0xFFFF, s) for s in range(0, 64, 16)]
    return [(v, s) for v, s in chunks if v != 0] or [(0, 0)]


_REG = {"RSP": "sp", "R29": "x29", "R20": "x20", "R17": "x17", "R27": "x27", "ZR": "xzr"}


def _arm_reg(name: str) -> str:
    """Go register name to ARM: R1 -> x1, RSP -> sp (ARM names pass through)."""
    if name in _REG:
        return _REG[name]
    return "x" + name[1:] if name[:1] == "R" and name[1:].isdigit() else name


def movd_const(c: int, rd: str) -> tuple[str, ...]:
    """``MOVD $c, Rd`` as asm7.go builds it: one MOVZ/MOVN, an ORR bitmask, or MOVZ+MOVKs."""
    if conclass(c) in (ConstClass.ABCON0, ConstClass.ABCON, ConstClass.BITCON):
        return (f"orr {rd}, xzr, #{c:#x}",)  # omovconst: a bitmask class goes through ORR
    if movcon(c) >= 0:
        v, s = movk_chunks(c)[0]
        return (f"movz {rd}, #{v:#x}, lsl #{s}",)
    if movcon(~c) >= 0:
        n = ~c & ((1 << 64) - 1)
        s = 16 * movcon(n)
        return (f"movn {rd}, #{(n >> s) & 0xFFFF:#x}, lsl #{s}",)
    first, *rest = movk_chunks(c)
    return (f"movz {rd}, #{first[0]:#x}, lsl #{first[1]}",) + tuple(
        f"movk {rd}, #{v:#x}, lsl #{s}" for v, s in rest
    )


def add_const(op: str, c: int, rn: str, rd: str, *, sets_flags: bool = False) -> tuple[tuple[str, ...], bool]:
    """``ADD/SUB $c, Rn, Rd`` expanded as the optab does.

    Returns:
        The ARM lines, and whether the assembler inserted R27 (a restartable sequence).
    """
    mnem = op.lower() + ("s" if sets_flags else "")
    arn, ard = _arm_reg(rn), _arm_reg(rd)
    plan = add_plan(c, sets_flags)
    if plan is AddPlan.IMM12:
        return (f"{mnem} {ard}, {arn}, #{c:#x}",), False
    if plan is AddPlan.IMM12_SHIFTED:
        return (f"{mnem} {ard}, {arn}, #{c >> 12:#x}, lsl #12",), False
    if plan is AddPlan.SPLIT:  # case 48: low part first, then the high part into Rd
        return (
            f"{mnem} {ard}, {arn}, #{c & 0xFFF:#x}",
            f"{mnem} {ard}, {ard}, #{(c >> 12) & 0xFFF:#x}, lsl #12",
        ), False
    return movd_const(c, "x27") + (f"{mnem} {ard}, {arn}, x27",), True
