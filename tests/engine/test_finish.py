"""finishInternal's check, exactly: a walk that ends anywhere but at gp.stktopsp throws (issue 20, item 8).

Go: ``if u.flags&(unwindPrintErrors|unwindSilentErrors) == 0 && u.frame.sp != gp.stktopsp {`` (go1.23.4
and go1.25.0 src/runtime/traceback.go:563, tests/data/realgo/go_sources.json ``finish_condition``):
equality, no slack. The walks here start in runtime.goexit, a top frame (no return address is read:
the walk ends where it starts), at stktopsp and 16 bytes either side. The stack is the one of
../shared/reference/crashes/fast_leaf-go1.23.4.log (``top=0x40000cdfd0``, ``stack=[0x40000ae000-
0x40000ce000``, lines 1-2), and the throw's three lines are that log's lines 1-3 with frame.sp
computed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.outcome import Outcome
from explainer.engine.runtime.unwind import Goroutine, Trigger, walk

REALGO = Path(__file__).resolve().parents[1] / "data" / "realgo"
SRC = json.loads((REALGO / "go_sources.json").read_text())["versions"]
TOP, LO, HI = 0x40000CDFD0, 0x40000AE000, 0x40000CE000


def _walk_from_goexit(sp: int, trigger: Trigger):  # type: ignore[no-untyped-def]
    s = Session(parse("go1.23.4/65552/leaf"))
    assert (s.bounds.lo, s.bounds.hi, s.bounds.stktopsp) == (LO, HI, TOP)  # the real log's stack
    goexit = s.program.by_name["runtime.goexit"]
    gp = Goroutine(goid=1, stack_lo=LO, stack_hi=HI, stktopsp=TOP, sched_pc=goexit.entry + 4, sched_sp=sp)
    return walk(s.program, gp, lambda addr: 0, trigger, 0x118, s.scenario.version)


@pytest.mark.parametrize("version", ["go1.23.4", "go1.25.0"])
def test_the_check_is_equality_in_the_go_sources(version: str) -> None:
    fact = SRC[version]["finish_condition"]
    assert fact["at"] == "runtime/traceback.go:563"
    assert fact["text"].endswith("&& u.frame.sp != gp.stktopsp {")


def test_a_walk_ending_at_stktopsp_is_complete() -> None:
    w = _walk_from_goexit(TOP, Trigger.GC)
    assert w.outcome is Outcome.CLEAN and w.output == ()


@pytest.mark.parametrize("sp", [TOP - 16, TOP + 16], ids=["16-short", "16-past"])
def test_a_walk_ending_16_bytes_off_stktopsp_throws(sp: int) -> None:
    w = _walk_from_goexit(sp, Trigger.GC)
    assert w.outcome is Outcome.CRASH
    assert w.output == (f"runtime: g1: frame.sp={sp:#x} top=0x40000cdfd0",
                        "\tstack=[0x40000ae000-0x40000ce000",
                        "fatal error: traceback did not unwind completely")


def test_with_error_flags_the_same_walk_is_not_checked() -> None:
    """A traceback (unwindPrintErrors) skips the check: the same short walk ends quietly."""
    w = _walk_from_goexit(TOP - 16, Trigger.TRACEBACK)
    assert w.outcome is Outcome.CLEAN and w.output == ()
