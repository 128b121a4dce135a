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


def _joined(*logs: str, between: str = "") -> str:
    """Real logs one after the other, the next starting right after the last line of the one before."""
    return between.join((CRASHES / name).read_text().rstrip("\n") + "\n" for name in logs)


def test_a_second_report_straight_after_the_first_lends_it_nothing() -> None:
    """cloudflare_shape-go1.23.4's SIGSEGV report ends on a frame's line and qemu's own, no blank
    line; fast_leaf-go1.27.3's report (another goroutine 1, gp=0x6586ab79a1e0, interrupted at 0x8831c)
    follows. The first report's values, read by hand off its last lines: goroutine 1 gp=0x40000021c0
    [runnable (scan)] interrupted in main.big_stack at pc=0x77c04, sp=0x40000bdf20; it has no
    ``fatal error:`` and no ``frame.sp=`` line."""
    for between in ("", "\n"):  # without a blank line between them, and with one
        crash = crashlog.parse(_joined("cloudflare_shape-go1.23.4-singlestep.log",
                                       "fast_leaf-go1.27.3-singlestep.log", between=between))
        assert crash is not None
        assert crash.describe() == "SIGSEGV: segmentation violation addr=0x118 in runtime.(*unwinder).next"
        assert (crash.fatal, crash.frame_sp, crash.top, crash.stack) == (None, None, None, None)
        assert crash.victim is not None and (crash.victim.gp, crash.victim.status) == (0x40000021C0,
                                                                                        "runnable (scan)")
        assert crash.interrupted is not None
        assert (crash.interrupted.pc, crash.interrupted.sp) == (0x77C04, 0x40000BDF20)


def test_a_goroutine_header_straight_after_a_frame_starts_its_own_block() -> None:
    """The same log with the blank line before ``goroutine 1 gp=0x40000021c0`` taken out: goroutine 19's
    block must still end at its ``created by`` line, and goroutine 1 be the one preempted."""
    text = (CRASHES / "cloudflare_shape-go1.23.4-singlestep.log").read_text()
    assert "\n\ngoroutine 1 gp=0x40000021c0" in text
    crash = crashlog.parse(text.replace("\n\ngoroutine 1 gp=", "\ngoroutine 1 gp="))
    assert crash is not None and crash.victim is not None
    assert crash.victim.id == 1
    assert [f.function for f in crash.victim.frames] == ["runtime.asyncPreempt2", "runtime.asyncPreempt",
                                                        "main.big_stack"]
    assert crash.interrupted is not None and crash.interrupted.pc == 0x77C04
