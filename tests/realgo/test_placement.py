"""The crashing PC of every real crash log, placed on what ``explainer scan`` finds in the same binary.

The fixtures (tests/fixtures, built as ``explainer repro`` builds: byte for byte the same for
fast_nonleaf go1.23.4) are the binaries that crashed; the logs (../shared/reference/crashes) are what
they printed under qemu. Neither comes from this code: if the scanner's pcs or the parser's PC were off
by one instruction, the sentence would not say "second half".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.realgo import crashlog
from explainer.realgo.placement import place

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CRASHES = ROOT.parent / "shared" / "reference" / "crashes"

CASES = [
    ("fast_nonleaf-go1.23.4-linux-arm64", "fast_nonleaf-go1.23.4-singlestep.log", 0x77CA0, "nonleaf-split"),
    ("fast_nonleaf-go1.23.4-linux-arm64-stripped", "fast_nonleaf-go1.23.4.log", 0x77CA0, "nonleaf-split"),
    ("fast_leaf-go1.25.0-linux-arm64", "fast_leaf-go1.25.0-singlestep.log", 0x7D134, "leaf-split"),
    ("fast_leaf-go1.25.0-linux-arm64-stripped", "fast_leaf-go1.25.0.log", 0x7D134, "leaf-split"),
    ("fast_leaf-go1.27.3-linux-arm64-stripped", "fast_leaf-go1.27.3-singlestep.log", 0x8831C, "leaf-split"),
]


@pytest.mark.parametrize(("fixture", "log", "pc", "status"), CASES, ids=[c[1] for c in CASES])
def test_crash_is_at_the_second_half(fixture: str, log: str, pc: int, status: str) -> None:
    from explainer.binary import load, scan

    findings = scan(load(FIXTURES / fixture)).findings
    crash = crashlog.parse((CRASHES / log).read_text())
    assert crash is not None
    sentence = place(crash, findings)
    assert sentence.startswith(f"the crash is at the second half of the split release in main.big_stack "
                               f"(frame {65584 if status == 'nonleaf-split' else 65552:,} B, {status}), "
                               f"{pc:#x}: the first half ({pc - 4:#x}) had moved SP")


def test_a_fixed_binary_has_nothing_to_place_on() -> None:
    """go1.25.0's non-leaf release is one ADD through R27: the old crash's PC lands on no split."""
    from explainer.binary import load, scan

    findings = scan(load(FIXTURES / "fast_nonleaf-go1.25.0-linux-arm64-stripped")).findings
    crash = crashlog.parse((CRASHES / "fast_nonleaf-go1.23.4-singlestep.log").read_text())
    assert crash is not None
    assert place(crash, findings) == ("main.big_stack was interrupted at 0x77ca0; "
                                      "the scanner found no split release in main.big_stack")
