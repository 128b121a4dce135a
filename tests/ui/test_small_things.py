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

from .painted import region, screen, settle


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


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: The reproducer's views and their footer words; a lab opened on a binary refuses them.
REFUSED = {"v": "split view", "x": "sweep", "o": "scenario"}


def _opened_app(fixture: str) -> ExplainerApp:
    from explainer.binary import load
    from explainer.binary.opened import opened_program, opened_scenario
    from explainer.ui.screens.lab import OpenedFunction

    binary = load(FIXTURES / fixture)
    program = opened_program(binary, "main.big_stack")
    command = f"explainer open {fixture} main.big_stack"
    return ExplainerApp(opened_scenario(binary, program),
                        OpenedFunction(program, f"{fixture} · main.big_stack", command))


async def test_opened_binary_footer_offers_only_what_works() -> None:
    # the reproducer's lab at the same width draws v x o: the control that the footer has room for them
    app = ExplainerApp()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        drawn = region(app, app.screen.query_one("KeyFooter"))[0]
        for key, words in REFUSED.items():
            assert f"{key} {words}" in drawn, drawn
    app = _opened_app("fast_leaf-go1.25.0-linux-arm64")
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await settle(pilot)
        drawn = region(app, app.screen.query_one("KeyFooter"))[0]
        assert "s step" in drawn and "? help" in drawn, drawn
        for key, words in REFUSED.items():
            assert f"{key} {words}" not in drawn, drawn
        palette = [c.title for c in app.get_system_commands(app.screen)]
        assert "Step" in palette
        assert not {"Split view", "Sweep", "Scenario"} & set(palette), palette
        assert not any(t.startswith("Frame size") for t in palette), palette
        for key in REFUSED:  # pressed anyway: each says why, on screen
            await pilot.press(key)
            await pilot.pause(0.2)
            said = _flat(screen(app))
            assert "works on the reproducer's function" in said, said
            app.clear_notifications()
            await pilot.pause(0.2)
        assert len(app.screen.query("LabPane")) == 1 and app.screen.__class__.__name__ == "LabScreen"
