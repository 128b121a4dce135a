"""A lesson is done only when every step is played and every checkpoint answered right (mutation u6).

The right option is the one the lesson file marks ``- [x]`` (lessons/06-race.md); the learner plays
each step by keys, answers with the radio buttons, and what counts is what the progress file says
afterwards, as the next run reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import RadioSet

from explainer.course.lesson import lessons_dir, load
from explainer.course.predict import Kind
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.lab_pane import LabPane

from .test_course import _open_lesson


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _done(state_dir: Path) -> list[str]:
    path = state_dir / "progress.json"
    return json.loads(path.read_text())["done"] if path.exists() else []


async def test_every_step_played_but_a_wrong_answer_is_not_done_until_it_is_right(state_dir: Path) -> None:
    lesson = load(lessons_dir() / "06-race.md")
    app = ExplainerApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await _open_lesson(pilot, app, lesson.id)
        pane = app.screen.query_one(LabPane)
        for _ in lesson.steps:
            await pilot.press("enter")
            if pane.asking and pane.prediction is not None:  # a prediction first: any answer plays the step
                outcome = pane.prediction.question.kind is Kind.OUTCOME
                await pilot.press(*(["1"] if outcome else ["down", "enter"]))
        assert not pane.asking
        for i, checkpoint in enumerate(lesson.checkpoints):
            wrong = next(k for k, o in enumerate(checkpoint.options) if not o.correct)
            app.screen.query_one(f"#answers-{i}", RadioSet).focus()
            await pilot.press(*["down"] * wrong, "space")
            assert "✗ not quite" in str(app.screen.query_one(f"#explain-{i}").content)
        await pilot.pause()
        assert lesson.id not in _done(state_dir)
        for i, checkpoint in enumerate(lesson.checkpoints):
            wrong = next(k for k, o in enumerate(checkpoint.options) if not o.correct)
            right = next(k for k, o in enumerate(checkpoint.options) if o.correct)
            app.screen.query_one(f"#answers-{i}", RadioSet).focus()
            moves = ["down"] * (right - wrong) if right > wrong else ["up"] * (wrong - right)
            await pilot.press(*moves, "space")
            assert "✓ right" in str(app.screen.query_one(f"#explain-{i}").content)
        await pilot.pause()
    assert lesson.id in _done(state_dir)
