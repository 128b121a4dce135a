"""Issue 18, help: ``?`` shows the help of the screen in front, and the painted help matches its bindings.

For each screen (lab, split view, course, lesson, sweep, presenter) the help is opened by ``?`` and read
as painted. Every binding of the screen must be there with what it does; the keys a user types are
checked by the names written on the keyboard (``]``, not ``right_square_bracket``); and each screen's
help says what that screen is, not the lab's words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.containers import VerticalScroll

from explainer.course.lesson import lessons_dir, load
from explainer.engine.experiments.scenario import parse
from explainer.talk import script
from explainer.ui.app import ExplainerApp
from explainer.ui.presenter import PresenterApp
from explainer.ui.screens.help import HelpScreen

from .painted import region, settle

SIZE = (150, 100)  # tall enough that every help fits without scrolling
TALK = Path(__file__).resolve().parents[2] / "assets" / "talks" / "split-epilogue.toml"


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The painted help box's lines (cut out of the screen by its region), borders off, spaces collapsed."""
    box = app.screen.query_one(VerticalScroll)
    return [" ".join(line.strip(" │╭╮╰╯▁▂▃▄▅▆▇█").split()) for line in region(app, box)]


def _said(binding: Binding) -> str:
    return binding.tooltip or binding.description


async def _help_of(pilot, app, *keys: str) -> tuple[object, list[str]]:  # type: ignore[no-untyped-def]
    """Press ``keys`` to reach a screen, then ``?``: (the screen, the painted help's rows)."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    shown = app.screen
    await pilot.press("question_mark")
    await settle(pilot)
    assert isinstance(app.screen, HelpScreen)
    return shown, _rows(app)


def _key_row(rows: list[str], key: str, said: str) -> str:
    """The painted row that starts with ``key`` and goes on with the start of ``said``."""
    start = " ".join(said.split())[:30]
    found = [r for r in rows if r.startswith(f"{key} ") and start in r]
    assert found, (key, said, [r for r in rows if r][:60])
    return found[0]


def _every_binding_listed(screen_obj: object, rows: list[str]) -> None:
    text = " ".join(rows).lower()
    for b in screen_obj.BINDINGS:
        if isinstance(b, Binding):
            assert " ".join(_said(b).split())[:30].lower() in text, (b.key, _said(b))
    assert not re.search(r"right_square_bracket|left_square_bracket|question_mark|full_stop", text)


async def test_the_lab_help_lists_its_keys_and_the_reading_keys() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=SIZE) as pilot:
        lab, rows = await _help_of(pilot, app)
        _every_binding_listed(lab, rows)
        assert "─ Help · esc closes" in rows[0]
        _key_row(rows, "s / space / →", "Execute one instruction")
        _key_row(rows, "tab", "Move to the next panel")
        _key_row(rows, "pgdn", "Scroll the panel in focus down a page (the end of a long Unwind panel)")
        _key_row(rows, "?", "Help")
        _key_row(rows, "ctrl+p", "Command palette")
        assert "step a large-frame Go function on arm64" in " ".join(rows)


async def test_the_split_view_help_says_it_is_the_split_view() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=SIZE) as pilot:
        _, rows = await _help_of(pilot, app, "v")
        text = " ".join(rows)
        assert "The split view: the same frame before the fix (left) and after it (right)" in text
        assert any(r.startswith("Split view (v) Left: the scenario as its release builds it") for r in rows)


async def test_the_course_help_says_how_to_open_a_lesson() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=SIZE) as pilot:
        course, rows = await _help_of(pilot, app, "l")
        _every_binding_listed(course, rows)
        assert "Course help · esc closes" in " ".join(rows)
        _key_row(rows, "enter", "Open the highlighted lesson")
        _key_row(rows, "↓", "Highlight the lesson below")
        _key_row(rows, "h", "Save the highlighted lesson as a Markdown handout")
        assert "The course: ten short lessons" in " ".join(rows)
        assert "Disassembly" not in " ".join(rows)  # the lab's panels are not the course's


async def test_the_lesson_help_lists_enter_answers_handout_restart_and_reading() -> None:
    app = ExplainerApp(lesson=load(lessons_dir() / "01-arm64.md"))
    async with app.run_test(size=SIZE) as pilot:
        lesson, rows = await _help_of(pilot, app)
        _every_binding_listed(lesson, rows)
        assert "Lesson help · esc closes" in " ".join(rows)
        _key_row(rows, "enter", "Do the next step")
        _key_row(rows, "1-3", "Answer the checkpoint: the first one not yet answered right")
        _key_row(rows, "h", "Save this lesson as a Markdown handout")
        _key_row(rows, "ctrl+r", "Restart the lesson")
        _key_row(rows, "tab", "Move to the next panel")
        _key_row(rows, "pgup", "Scroll the panel in focus up a page")
        _key_row(rows, "pgdn", "Scroll the panel in focus down a page (the end of a long Unwind panel)")
        assert sum(r.startswith("1-3 ") for r in rows) == 1  # nine keys, one row
        assert any(r.startswith("Checkpoint Press an answer's number, or click it") for r in rows)


async def test_the_sweep_help_lists_its_tabs() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=SIZE) as pilot:
        sweep, rows = await _help_of(pilot, app, "x")
        _every_binding_listed(sweep, rows)
        assert "Sweep help · esc closes" in " ".join(rows)
        _key_row(rows, "1", "Verdict at every instruction")
        _key_row(rows, "2", "Unsafe instructions by frame size")
        _key_row(rows, "esc", "Back to the lab")
        _key_row(rows, "↓", "The next instruction in the table")
        assert "or not reached in this run" in " ".join(rows)


async def test_the_presenter_help_shows_brackets_as_brackets() -> None:
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=SIZE) as pilot:
        presenter, rows = await _help_of(pilot, app)
        _every_binding_listed(presenter, rows)
        assert "Presenter help · esc closes" in " ".join(rows)
        _key_row(rows, "]", "Step one instruction, off script")
        _key_row(rows, "[", "Step one instruction back, off script")
        _key_row(rows, "→ / space / pgdn / n", "Next beat (clickers send Page Down or →)")
        _key_row(rows, "b / .", "Blank the screen and back")
        assert "The presenter: a talk, one beat a screen." in " ".join(rows)
