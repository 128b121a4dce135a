"""Issue 22, item 4: a step costs the same however long the trace is.

Before, ``Session._insert`` rebuilt the whole trace on every step and every moment kept its stack
drawing: 10,000 steps took 18 s and 90 MB (three ``step 10000`` lines on a 1 MiB frame: past 400 s).
Time is the bench's to measure (``bench/step_bench.py``); what is held here is the shape that makes a
step O(1) amortised (the next moment is appended to storage the trace shares, never copied) and the
memory a moment holds.
"""

from __future__ import annotations

import tracemalloc

from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session

FRAME = "go1.23.4/1048576"  # its body runs 196,887 instructions: every step below is a new one


def test_recording_the_next_step_shares_the_traces_storage() -> None:
    s = Session(parse(FRAME))
    for _ in range(3):
        s.step()
    before = s.trace
    s.step()
    after = s.trace
    assert after is not before and len(after) == len(before) + 1
    assert after._moments is before._moments  # appended, not copied
    assert [m.snapshot.step for m in before.moments] == [0, 1, 2, 3]  # the old value is unchanged
    assert [m.snapshot.step for m in after.moments] == [0, 1, 2, 3, 4]


def test_a_gap_filled_later_copies_and_keeps_step_order() -> None:
    s = Session(parse(FRAME))
    s.goto(10)
    s.goto(5)  # between the entry and step 10: a copy with 5 in its place
    assert [m.snapshot.step for m in s.trace.moments] == [0, 5, 10]
    assert s.trace.index_of(5) == 1 and s.trace.index_of(7) is None
    s.step()
    assert [m.snapshot.step for m in s.trace.moments] == [0, 5, 6, 10]


def test_a_long_trace_holds_little_per_moment() -> None:
    """Each moment keeps its registers and what changed, not a drawing of a 1 MiB stack."""
    s = Session(parse(FRAME))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(5000):
        s.step()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert len(s.trace) == 5001
    assert held / 5000 < 1500, f"{held / 5000:.0f} B a moment"
    assert s.current.stack.rows  # and the drawing is there when asked for
