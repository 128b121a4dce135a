"""The timeline: marks where RSP changed, where SIGURG preempted, where the unwinder read a wrong slot.

Truth is the real ``go tool objdump`` of the reproducer: the PCs of the instructions that write RSP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.engine.experiments import timeline
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.unwind import Trigger
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.timeline import Timeline
from explainer.ui.widgets.unwind import UnwindPanel

from .truth import last_line, listing, objdump_line, rsp_writes

OBJDUMP = "fast_nonleaf-go1.23.4.txt"


def test_rsp_marks_follow_exactly_the_instructions_that_write_rsp() -> None:
    s = Session(parse("go1.23.4/65584"))
    for step in range(1, 16):  # stack check and prologue, one instruction at a time
        s.goto(step)
    s.run_to("epilogue")  # one stop for the whole body
    for _ in range(4):  # LDP, ADD, ADD, RET
        s.step()
    found = timeline.marks(s.trace, {}, *timeline.return_of(s))
    # the instruction that ran between two stops one step apart, where the later stop has an RSP mark
    ran = [s.trace[i - 1].snapshot.pc for i in sorted(found) if timeline.Mark.RSP in found[i]
           and s.trace[i].snapshot.step == s.trace[i - 1].snapshot.step + 1]
    real = [pc for pc, _, text in listing(OBJDUMP) if text.endswith(", RSP")]
    assert len(real) == 3  # MOVD R20, RSP; ADD $48, RSP, RSP; ADD $(16<<12), RSP, RSP
    assert ran == real


async def test_jump_to_the_preempted_mark_reads_back_the_second_rsp_write() -> None:
    second = rsp_writes(OBJDUMP)[-1]  # ADD $(16<<12), RSP, RSP at 0x77ca0 in the real build
    entry = listing(OBJDUMP)[0][0]
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g", "s", "s", "0", "s", "s")  # preempt at sp2, step past it, start again
        pane = app.screen.query_one(LabPane)
        timeline_widget = pane.query_one(Timeline)
        for _ in range(6):  # next mark until the preempted one
            await pilot.press("greater_than_sign")
            if "preempted" in timeline_widget.render().plain:
                break
        await pilot.pause()
        moment = pane.session.current
        assert moment.snapshot.pc == second
        assert moment.snapshot.pc - entry == second - entry == 0xC0
        word, text = objdump_line(OBJDUMP, second)
        cursor = next(ln for ln in pane.query_one(DisassemblyPanel).plain.splitlines() if ln.startswith("▶"))
        assert word in cursor and text in cursor and f"+{second - entry:#06x}" in cursor
        assert f"PC{second:#x}" in "".join(pane.query_one(RegistersPanel).content.plain.split())
        # the preemption and its unwind come back with the snapshot
        assert last_line("fast_nonleaf-go1.23.4.log") in pane.query_one(UnwindPanel).plain
        assert "bad slot read" in timeline_widget.render().plain


async def test_stops_keys_and_a_click_move_over_recorded_steps() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        pane = app.screen.query_one(LabPane)
        sp2 = pane.session.current.snapshot.step
        await pilot.press("comma")
        assert pane.session.current.snapshot.step == 0  # over the whole run, not one instruction back
        await pilot.press("full_stop")
        assert pane.session.current.snapshot.step == sp2
        tl = pane.query_one(Timeline)
        await pilot.click(Timeline, offset=(1 + tl.column_of(0), 0))  # the left padding, then the first stop
        assert pane.session.current.snapshot.step == 0
        await pilot.click(Timeline, offset=(1 + tl.column_of(1), 0))
        assert pane.session.current.snapshot.step == sp2
        await pilot.press("less_than_sign")  # the entry has no mark: there is none before sp2
        assert pane.session.current.snapshot.step == sp2


def test_a_clean_unwind_marks_preempted_but_no_bad_read() -> None:
    s = Session(parse("go1.23.4/65584"))
    s.run_to("body")
    p = s.preempt(Trigger.GC)
    assert p.outcome.value == "clean"
    found = timeline.marks(s.trace, {s.current.snapshot.step: p}, *timeline.return_of(s))
    assert found[s.index] == {timeline.Mark.PREEMPTED, timeline.Mark.RSP}


async def test_a_lesson_lab_scrubs_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from explainer.ui.screens.lesson import LessonScreen

    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    app = ExplainerApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("l", *["down"] * 5, "enter")  # lesson 6, the race
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "06-race"
        # run to sp2, preempt, then the GC scan: its slot prediction asked, a row picked (↓), answered
        await pilot.press("enter", "enter", "enter", "down", "enter")
        pane = app.screen.query_one(LabPane)
        await pilot.press("comma")
        assert pane.session.current.snapshot.step == 0
        assert "fatal error" not in pane.query_one(UnwindPanel).plain
        await pilot.press("greater_than_sign")
        assert pane.session.current.snapshot.pc == rsp_writes(OBJDUMP)[-1]
        assert last_line("fast_nonleaf-go1.23.4.log") in pane.query_one(UnwindPanel).plain
