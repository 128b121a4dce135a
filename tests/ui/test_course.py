"""The course as a learner uses it: lesson 6 played by its own steps, its checkpoints answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import RadioSet

from explainer.course.lesson import lessons_dir, load
from explainer.course.predict import Kind
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.course import CourseScreen
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.unwind import UnwindPanel

from .truth import last_line


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


async def _open_lesson(pilot, app: ExplainerApp, lesson_id: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("l")
    assert isinstance(app.screen, CourseScreen)
    ids = [lesson.id for lesson in app.screen.lessons]
    for _ in range(ids.index(lesson_id)):
        await pilot.press("down")
    await pilot.press("enter")
    assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == lesson_id


async def test_lesson_6_end_to_end(state_dir: Path) -> None:
    lesson = load(lessons_dir() / "06-race.md")
    app = ExplainerApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await _open_lesson(pilot, app, lesson.id)
        for k in range(len(lesson.steps)):
            await pilot.press("enter")
            pane = app.screen.query_one(LabPane)
            if pane.asking:  # a prediction: answered with what is offered first (1, or the first ↓'s pick)
                assert pane.prediction is not None
                outcome = pane.prediction.question.kind is Kind.OUTCOME
                await pilot.press(*(["1"] if outcome else ["down", "enter"]))
            step = app.screen.query_one(f"#step-{k}")
            assert "✓ done" in str(step.content), str(step.content)
            if lesson.steps[k].do == ("unwind gc",):
                # The lab beside the lesson printed what the real go1.23.4 run printed.
                assert last_line("fast_nonleaf-go1.23.4.log") in app.screen.query_one(UnwindPanel).plain
        assert any(s.do == ("unwind gc",) for s in lesson.steps)
        for i, checkpoint in enumerate(lesson.checkpoints):
            right = next(k for k, o in enumerate(checkpoint.options) if o.correct)
            app.screen.query_one(f"#answers-{i}", RadioSet).focus()
            for _ in range(right):
                await pilot.press("down")
            await pilot.press("space")
            assert "✓ right" in str(app.screen.query_one(f"#explain-{i}").content)
        await pilot.pause()
    saved = json.loads((state_dir / "progress.json").read_text())
    assert lesson.id in saved["done"]


async def test_a_wrong_answer_is_explained_and_saved(state_dir: Path) -> None:
    lesson = load(lessons_dir() / "06-race.md")
    wrong = next(k for k, o in enumerate(lesson.checkpoints[0].options) if not o.correct)
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_lesson(pilot, app, lesson.id)
        app.screen.query_one("#answers-0", RadioSet).focus()
        for _ in range(wrong):
            await pilot.press("down")
        await pilot.press("space")
        assert "✗ not quite" in str(app.screen.query_one("#explain-0").content)
    saved = json.loads((state_dir / "progress.json").read_text())
    assert lesson.id not in saved["done"]


async def test_corrupt_progress_is_kept_aside_and_reported(state_dir: Path) -> None:
    (state_dir / "progress.json").write_text("{not json")
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        assert app.screen.store.warning and "corrupt" in app.screen.store.warning
    assert list(state_dir.glob("progress.json.corrupt-*"))


async def test_every_shipped_lesson_opens(state_dir: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        count = len(app.screen.lessons)
        for _ in range(count):
            await pilot.press("enter")
            assert isinstance(app.screen, LessonScreen)
            await pilot.press("escape")
            await pilot.press("down")
        assert count >= 8
