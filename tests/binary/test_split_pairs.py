"""Which adjacent SP adjustments are a split: the same direction only (issue 20, item 9).

A split is one pseudo-instruction ``ADD $c, RSP, RSP`` (or SUB) that asm7.go's case 48 expands into
two words, both with the Prog's own op: ``o1 = c.oaddi(p, p.As, ...&0x000fff, ...)`` and
``o2 = c.oaddi(p, p.As, ...&0xfff000, ...)`` (go1.23.4 src/cmd/internal/obj/arm64/asm7.go:4423-4424,
go1.25.0 :4380-4381). The pcsp table changes only after the pair, which is the hazard. An ADD next
to a SUB is two Progs, each followed by its own pcsp entry: no split, nothing to report. The words are
assembled here from text by keystone, an assembler independent of the scanner.
"""

from __future__ import annotations

import keystone
import pytest

from explainer.binary import scanner

BASE = 0x10000


def _code(text: str) -> bytes:
    ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
    encoding, _ = ks.asm(text, BASE)
    return bytes(encoding)


@pytest.mark.parametrize("text", [
    "add sp, sp, #0x30; add sp, sp, #0x10, lsl #12",  # fast_nonleaf's go1.23.4 release of 65,584 B
    "sub sp, sp, #0x30; sub sp, sp, #0x10, lsl #12",  # the same constant taken off SP
])
def test_a_pair_in_one_direction_is_a_split(text: str) -> None:
    code = _code("nop; " + text + "; ret")
    assert scanner.candidate_pairs(BASE, code) == [BASE + 4]


@pytest.mark.parametrize("text", [
    "add sp, sp, #0x30; sub sp, sp, #0x10, lsl #12",
    "sub sp, sp, #0x30; add sp, sp, #0x10, lsl #12",
    "add sp, sp, #0x30; sub sp, sp, #0x30",
])
def test_an_add_next_to_a_sub_is_not(text: str) -> None:
    code = _code("nop; " + text + "; ret")
    assert len(code) == 16 and scanner.candidate_pairs(BASE, code) == []
