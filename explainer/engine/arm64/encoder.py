"""``ADD $c, RSP, RSP`` for any constant: the checks asm7.go makes, the words keystone assembles.

Lesson 2's encoder: the user types a constant and sees, in order, which of the
assembler's checks it passes (``isaddcon``, ``movcon``, ``isbitcon``,
``isaddcon2``), the instructions Go emits, and each ADD word's bit fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ExplainerError
from .asm import Instruction, Prog, assemble
from .fields import Decoded, decode
from .immediates import (
    AddPlan,
    ConstClass,
    Fields,
    add_const,
    add_imm_fields,
    add_plan,
    conclass,
    isaddcon,
    isaddcon2,
    isbitcon,
    movcon,
)

#: Where the encoder's instructions are placed (any address: ADD immediates do not depend on it).
_BASE = 0x10000
#: ADD/SUB (immediate), 64-bit: bits 28..23 are 100010 (ARM ARM C4.1.92).
_ADD_IMM_MASK, _ADD_IMM_BITS = 0x1F800000, 0x11000000


@dataclass(frozen=True)
class Check:
    """One of the assembler's checks, in the order it makes them."""

    name: str
    """The asm7.go function: isaddcon, movcon, isbitcon, isaddcon2."""
    passed: bool
    why: str


@dataclass(frozen=True)
class Encoding:
    """How Go's assembler releases a frame of ``constant`` bytes."""

    constant: int
    conclass: ConstClass
    plan: AddPlan
    checks: tuple[Check, ...]
    """The checks up to and including the first that decides."""
    instructions: tuple[Instruction, ...]
    fields: tuple[Fields | None, ...]
    """The ADD-immediate fields of each word (None for MOVZ/MOVK/ORR/register ADD)."""
    decoded: tuple[Decoded, ...] = ()
    """Every word in its encoding class's fields (``fields.decode``): MOVZ, MOVK, ORR and register ADD too."""

    @property
    def writes_to_sp(self) -> int:
        """How many instructions write RSP: 2 means SP stands mid-frame between them."""
        return sum(1 for i in self.instructions if i.writes_sp)


def encode_add_sp(c: int) -> Encoding:
    """``ADD $c, RSP, RSP`` as Go's assembler emits it (c between 1 and 2**48 - 1)."""
    if not 0 < c < 1 << 48:
        raise ExplainerError(f"bad constant {c}: give a number from 1 to 2**48 - 1")
    lines, _ = add_const("ADD", c, "RSP", "RSP")
    prog = Prog(f"ADD ${c}, RSP, RSP", lines, "epilogue", spadj=-c)
    insns = tuple(assemble([prog], _BASE, {}, {}))
    fields = tuple(add_imm_fields(i.word) if i.word & _ADD_IMM_MASK == _ADD_IMM_BITS else None for i in insns)
    decoded = tuple(decode(i.word) for i in insns)
    return Encoding(c, conclass(c), add_plan(c), _checks(c), insns, fields, decoded)


def _checks(c: int) -> tuple[Check, ...]:
    out = []
    lo, hi = c & 0xFFF, c >> 12
    fits = isaddcon(c)
    out.append(Check("isaddcon", fits,
                     f"{c} fits in 12 bits" if c <= 0xFFF else
                     f"{c} = {hi} << 12 fits in 12 bits shifted by 12" if fits else
                     f"{c} > 4095 and its low 12 bits are {lo:#x}, not 0" if lo else
                     f"{c} >> 12 = {hi} does not fit in 12 bits"))
    if fits:
        return tuple(out)
    mov = movcon(c) >= 0 or movcon(~c) >= 0
    out.append(Check("movcon", mov, f"{c:#x} is one 16-bit chunk: one MOVZ/MOVN builds it" if mov else
                     f"{c:#x} needs more than one 16-bit chunk"))
    if mov:
        return tuple(out)
    bit = isbitcon(c)
    out.append(Check("isbitcon", bit, f"{c:#x} is a repeating run of ones: a bitmask immediate" if bit else
                     f"{c:#x} is not a bitmask immediate"))
    if bit:
        return tuple(out)
    two = isaddcon2(c)
    out.append(Check("isaddcon2", two, f"{c:#x} < 1<<24: low 12 bits {lo:#x}, high 12 bits {hi:#x}, two ADDs"
                     if two else f"{c:#x} needs more than 24 bits"))
    return tuple(out)
