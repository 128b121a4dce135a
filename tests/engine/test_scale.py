"""Scale maths against arithmetic done by hand."""

from __future__ import annotations

from explainer.engine.experiments.scale import Assumptions, crashes_per_day, measured
from explainer.engine.experiments.scenario import parse


def test_formula_by_hand() -> None:
    a = Assumptions(machines=100, preemptions_per_second=0.2, window=1, instructions_per_call=1000,
                    p_unwound=0.25)
    assert crashes_per_day(a) == 100 * 0.2 * (1 / 1000) * 0.25 * 86400  # = 432


def test_the_fix_closes_the_window() -> None:
    window_before, _ = measured(parse("go1.23.4/65584"))
    window_after, _ = measured(parse("go1.25.0/65584"))
    assert (window_before, window_after) == (1, 0)
    assert crashes_per_day(Assumptions(window=0)) == 0
