"""Lesson 06's real step tells the story its real run is asked: the lab's unwind panel shows the model's GC
scan between the two ADDs, not the walk of the step before (a CPU profile's clean walk, beside a real
panel that runs a GC scan and crashes). Read from the painted lab, with no real tools needed.

Truth: the real go1.23.4 run of fast_nonleaf preempted between the two ADDs and scanned by the GC
(../shared/reference/crashes) ended with "fatal error: traceback did not unwind completely"; the second
ADD is the real objdump's second write to RSP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.course.lesson import lessons_dir, load
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.screens.progress_store import ProgressStore
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import region, settle
from .truth import REF, listing, rsp_writes

OBJDUMP = "fast_nonleaf-go1.23.4.txt"


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _unwind(app: ExplainerApp) -> str:
    """The unwind panel as painted (its title line included), one line, its spaces one."""
    lines = region(app, app.screen.query_one(UnwindPanel))
    return " ".join(" ".join(ln.strip("│▁▂▃▄▅▆▇█ ") for ln in lines).split())


async def test_the_real_step_shows_the_models_gc_scan_beside_the_real_one() -> None:
    lesson = load(lessons_dir() / "06-race.md")
    real = next(s for s in lesson.steps if s.real)
    assert real.real == ("sp2", "gc")
    entry = listing(OBJDUMP)[0][0]
    second_add = rsp_writes(OBJDUMP)[1]
    last_words = (REF / "crashes" / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()[2]
    assert last_words == "fatal error: traceback did not unwind completely"
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(LessonScreen(lesson, ProgressStore()))
        await settle(pilot)
        pane = app.screen.query_one(LabPane)
        for step in lesson.steps:
            await pilot.press("enter")
            await settle(pilot)
            if pane.asking:  # a prediction first: answer it, and the step plays
                outcome = pane.prediction.question.kind.value == "outcome"  # type: ignore[union-attr]
                await pilot.press(*(["1"] if outcome else ["down", "enter"]))  # a row or line: pick, answer
                await settle(pilot)
            said = _unwind(app)
            if step is lesson.steps[-2]:  # the step before the real one: a CPU profile walks it clean
                assert "CPU profile" in said and "crashed" not in said, said
        said = _unwind(app)
        assert said.startswith("╭─ Unwind: GC stack scan"), said
        assert f"the runtime crashed: {last_words}" in said, said
        assert f"SIGURG at +{second_add - entry:#06x} ADD $(16<<12), RSP, RSP" in said, said
