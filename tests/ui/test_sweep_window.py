"""The sweep's window spans the first to the last unsafe instruction, not their count (issue 20, item 4).

No scenario the engine models today has two unsafe instructions apart (each split has one
instruction between its ADDs), so the summary line is read on points made here, each outcome
written by hand, the window counted by hand: unsafe at instructions 1 and 4 of 6 spans 1..4.
"""

from __future__ import annotations

from explainer.engine.experiments.sweep import Point
from explainer.engine.runtime.outcome import Outcome
from explainer.engine.runtime.safepoint import Reason
from explainer.ui.screens.sweep import summary_line


def _points(*outcomes: Outcome) -> list[Point]:
    return [Point(pc=0x77c00 + 4 * k, offset=4 * k, go="NOP", role="epilogue", outcome=o,
                  reason=Reason.UNSAFE_SEQUENCE if o is Outcome.REFUSED else Reason.SAFE_POINT,
                  why="", message=None) for k, o in enumerate(outcomes)]


C, X, R = Outcome.CLEAN, Outcome.CRASH, Outcome.REFUSED


def test_two_unsafe_instructions_apart_span_a_window_of_four() -> None:
    line = summary_line(_points(C, X, C, R, X, C))
    assert line == "2 unsafe instructions out of 6 · window: 4 instructions"


def test_two_unsafe_instructions_side_by_side_span_two() -> None:
    assert summary_line(_points(C, X, X, C)) == "2 unsafe instructions out of 4 · window: 2 instructions"


def test_one_unsafe_instruction_and_none() -> None:
    assert summary_line(_points(C, X, C)) == "1 unsafe instruction out of 3 · window: 1 instruction"
    assert summary_line(_points(C, R, C)) == "0 unsafe instructions out of 3 · window: none"
