"""Issue 18's "small things a user sees", each read from what the compositor painted.

Lesson 2's encoder field: its placeholder shown whole, and an empty or wrong field answered with what to
type (it said ``not a number: ''``). A lab opened on a binary: the footer offers only the keys that work
there, and the refused ones, pressed anyway, still say why.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input

from explainer.ui.app import ExplainerApp
from explainer.ui.screens.course import CourseScreen
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.widgets.encoder import EncoderPanel

from .painted import region, settle


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _flat(lines: list[str]) -> str:
    """Painted lines as one run of words: borders and the input's frame gone, wrapped lines joined."""
    return " ".join(re.sub(r"[│╭╮╰╯─▊▎▔▁]", " ", " ".join(lines)).split())


async def _lesson_2(pilot, app: ExplainerApp) -> EncoderPanel:  # type: ignore[no-untyped-def]
    await pilot.press("l")
    assert isinstance(app.screen, CourseScreen)
    await pilot.press("down", "enter")
    assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "02-add-immediate"
    await settle(pilot)
    return app.screen.query_one(EncoderPanel)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_encoder_says_what_to_type(size: tuple[int, int]) -> None:
    app = ExplainerApp()
    async with app.run_test(size=size) as pilot:
        encoder = await _lesson_2(pilot, app)
        field = encoder.query_one(Input)
        field.focus()
        field.value = ""
        await settle(pilot)
        encoder.scroll_home(animate=False)
        await settle(pilot)
        painted = region(app, encoder)
        said = _flat(painted)
        # the placeholder, whole on one painted line (it was cut to 'a constant, e.g. 65552 o')
        assert any("bytes: 65552 or 0x10010" in line for line in painted), "\n".join(painted)
        assert "Type a frame size in bytes (65552 or 0x10010)." in said, said
        assert "not a number: ''" not in said
        await pilot.press("x", "y", "z")
        await settle(pilot)
        said = _flat(region(app, encoder))
        assert "'xyz' is not a number:" in said, said  # its first line, in view at any size
        if size[1] >= 40:
            assert "'xyz' is not a number: type a frame size in bytes (65552 or 0x10010)." in said, said
        field.value = "0x10010"
        await settle(pilot)
        assert "65,552 = 0x10010" in _flat(region(app, encoder))  # a number is still encoded
