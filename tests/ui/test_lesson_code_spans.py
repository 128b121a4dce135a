"""A lesson's code spans are drawn as code, not as backticks: its Markdown prose always was, but the
checkpoints' questions, answers and explanations showed the raw `MOVD R20, RSP` (seen in tmux at 80x24,
lesson 3's second checkpoint and lesson 6's third explanation). Read from the painted lesson text.

Truth: the lesson files themselves: every ``- [ ]`` line with a code span, painted with the span's text
in place and no backtick anywhere on the text's side of the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import RadioSet

from explainer.course.facts import render
from explainer.course.lesson import lessons_dir, load
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.screens.progress_store import ProgressStore

from .painted import region, settle


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _text(app: ExplainerApp) -> str:
    """The lesson's text column as painted, top to bottom, one line, its spaces one."""
    return " ".join(" ".join(region(app, app.screen.query_one("#text"))).split())


@pytest.mark.parametrize(("lesson", "checkpoint"), [("03-frame", 1), ("06-race", 2)])
async def test_checkpoints_draw_code_spans_without_backticks(lesson: str, checkpoint: int) -> None:
    les = load(lessons_dir() / f"{lesson}.md")
    cp = les.checkpoints[checkpoint]
    right = next(k for k, o in enumerate(cp.options) if o.correct)
    spans = [o.text for o in cp.options if "`" in o.text] + [cp.options[right].explanation]
    assert any("`" in t for t in spans)  # the file has code spans here
    app = ExplainerApp()
    async with app.run_test(size=(120, 60)) as pilot:
        app.push_screen(LessonScreen(les, ProgressStore()))
        await settle(pilot)
        box = app.screen.query_one(f"#checkpoint-{checkpoint}")
        app.screen.query_one(f"#answers-{checkpoint}", RadioSet).focus()
        for _ in range(right):
            await pilot.press("down")
        await pilot.press("space")  # answered right: its explanation is drawn
        await settle(pilot)
        box.scroll_visible(animate=False, immediate=True)
        await settle(pilot)
        painted = " ".join(" ".join(region(app, box)).split())
        assert "`" not in painted, painted
        for t in spans:  # each span's words in place, its backticks gone
            words = " ".join(render(t).replace("`", "").split())
            assert words[:40] in painted, (words, painted)
        assert "`" not in _text(app)
