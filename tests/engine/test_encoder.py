"""The encoder against encodings worked by hand from the ARM ARM and real objdump words."""

from __future__ import annotations

import pytest

from explainer.engine.arm64.encoder import encode_add_sp
from explainer.engine.arm64.immediates import AddPlan
from explainer.engine.errors import ExplainerError


def _add_imm(imm12: int, shifted: bool, rn: int = 31, rd: int = 31) -> str:
    """ADD (immediate), 64-bit: sf=1 op=0 S=0 100010 sh imm12 Rn Rd (ARM ARM C6.2.4)."""
    word = (1 << 31) | (0b100010 << 23) | (int(shifted) << 22) | (imm12 << 10) | (rn << 5) | rd
    return f"{word:08x}"


def test_65552_splits_into_the_two_adds_objdump_shows() -> None:
    e = encode_add_sp(65552)
    assert e.plan is AddPlan.SPLIT and e.writes_to_sp == 2
    assert [i.hex for i in e.instructions] == [_add_imm(16, False), _add_imm(16, True)]
    assert [i.hex for i in e.instructions] == ["910043ff", "914043ff"]  # fast_leaf-go1.23.4.txt
    assert [c.name for c in e.checks] == ["isaddcon", "movcon", "isbitcon", "isaddcon2"]


def test_4112_is_one_movz_into_r27_then_one_add() -> None:
    e = encode_add_sp(4112)
    movz = (0b110100101 << 23) | (0x1010 << 5) | 27  # MOVZ X27, #0x1010 (ARM ARM C6.2.191)
    add_reg = (0b10001011001 << 21) | (27 << 16) | (0b011 << 13) | (31 << 5) | 31  # ADD X(SP), SP, X27, UXTX
    assert [i.word for i in e.instructions] == [movz, add_reg]
    assert e.writes_to_sp == 1


@pytest.mark.parametrize("c, imm12, shifted", [(16, 16, False), (4095, 4095, False), (4096, 1, True),
                                                (1048576, 256, True)])
def test_single_add_fields(c: int, imm12: int, shifted: bool) -> None:
    e = encode_add_sp(c)
    (f,) = e.fields
    assert f is not None and (f.imm12, f.sh, f.rn, f.rd) == (imm12, int(shifted), 31, 31)
    assert e.instructions[0].hex == _add_imm(imm12, shifted)


def test_bad_constant_is_our_error() -> None:
    with pytest.raises(ExplainerError):
        encode_add_sp(0)
