"""The crash is the first report in the output, every field of it (issue 20, item 11).

A text can hold more than one report (a log file kept over several runs); ``crashlog.parse`` names
the first crash, so each of its fields must come from the first report, not some from the first and
some from the last. Truth: two real logs in one text, a blank line between
(../shared/reference/crashes/fast_leaf-go1.23.4.log, then fast_nonleaf-go1.23.4.log); the values
are the first log's lines 1-3, read by hand.
"""

from __future__ import annotations

from pathlib import Path

from explainer.realgo import crashlog

CRASHES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "crashes"


def test_two_reports_give_the_first_ones_frame_sp_top_and_stack() -> None:
    first = (CRASHES / "fast_leaf-go1.23.4.log").read_text()
    second = (CRASHES / "fast_nonleaf-go1.23.4.log").read_text()
    assert first.splitlines()[0] == "runtime: g1: frame.sp=0x40000bdf20 top=0x40000cdfd0"
    assert second.splitlines()[0] == "runtime: g1: frame.sp=0x40000abf20 top=0x40000bbfd0"
    crash = crashlog.parse(first + "\n" + second)
    assert crash is not None
    assert crash.fatal == "traceback did not unwind completely"
    assert (crash.frame_sp, crash.top) == (0x40000BDF20, 0x40000CDFD0)
    assert crash.stack == (0x40000AE000, 0x40000CE000)
