"""The UI as Textual intends (issue 16): themes recolour what is drawn, state flows one way, keys resolve.

Colours are read from what the compositor paints (``painted.colour_of`` over ``export_screenshot``) and
compared with the theme's own colour, for two themes: a panel that kept a cached line, or a Text built
before the theme changed, would paint the old theme's colour.
"""

from __future__ import annotations

import pytest
from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.screen import Screen

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.presenter import PresenterApp
from explainer.ui.screens.course import CourseScreen
from explainer.ui.screens.help import HelpScreen
from explainer.ui.screens.lab import LabScreen
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.screens.options import OptionsScreen
from explainer.ui.screens.present import PresentScreen
from explainer.ui.screens.sweep import SweepScreen
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.prediction import PredictionBar
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.timeline import Timeline
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import colour_of, settle


def _hex(app: App[object], name: str) -> str:
    colour = getattr(app.current_theme, name)
    assert colour is not None
    return Color.parse(colour).hex.lower()


def _near(a: str, b: str) -> bool:
    """The same colour, give or take Textual's rounding when it blends (one unit a channel)."""
    x, y = Color.parse(a), Color.parse(b)
    return all(abs(p - q) <= 2 for p, q in zip(x.rgb, y.rgb, strict=True))


@pytest.mark.parametrize("themes", [("textual-dark", "nord"), ("gruvbox", "textual-light")])
async def test_a_theme_recolours_the_marks_already_drawn(themes: tuple[str, str]) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = themes[0]
        await pilot.press("w", "g")  # drawn in the first theme
        await settle(pilot)
        for theme in themes:
            app.theme = theme
            await settle(pilot)
            error = _hex(app, "error")
            for words in ("⚡ SP mid-frame",  # the disassembly's cached line
                          "◀ LR read here",  # the stack's Text
                          "the runtime crashed",  # the unwind panel's Text
                          "✗ bad slot read"):  # the timeline's render
                assert _near(colour_of(app, words), error), (theme, words, colour_of(app, words), error)


async def test_the_theme_is_in_the_command_palette_of_both_apps() -> None:
    from explainer.talk import script

    from .truth import ROOT

    for app in (ExplainerApp(parse("go1.23.4/65584")),
                PresenterApp(script.load(ROOT / "assets" / "talks" / "split-epilogue.toml"))):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert "Theme" in {c.title for c in app.get_system_commands(app.screen)}


async def test_every_panel_draws_the_panes_one_state() -> None:
    """Session → pane state → panels: after any command, each panel holds the pane's state object."""
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in (["s"], ["w", "g"], ["comma"], ["v", "w"]):
            await pilot.press(*keys)
            await pilot.pause()
            for pane in app.screen.query(LabPane):
                assert pane.state is not None and pane.state.moment is pane.session.current
                for kind in (DisassemblyPanel, RegistersPanel, StackPanel, UnwindPanel, Timeline):
                    for panel in pane.query(kind):
                        assert panel.state is pane.state, (keys, kind.__name__)


SCREENS: list[type[Screen[object]]] = [LabScreen, SweepScreen, CourseScreen, LessonScreen, OptionsScreen,
                                       HelpScreen, PresentScreen]


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.__name__)
def test_every_key_names_an_action_that_exists(screen: type[Screen[object]]) -> None:
    """A binding whose action is misspelt fails here, not on a keypress in front of a room."""
    for b in screen.BINDINGS:
        assert isinstance(b, Binding)
        target, name, _ = parse_action(b.action)
        owner = {"app": ExplainerApp, "screen": screen, "": screen}[target]
        assert callable(getattr(owner, f"action_{name}", None)) or \
            callable(getattr(App, f"action_{name}", None)), (screen.__name__, b.action)
    for action in getattr(screen, "FOOTER_KEYS", ()):
        # a question's keys are the prediction bar's (it has the focus while it asks)
        assert any(isinstance(b, Binding) and b.action == action for b in [*screen.BINDINGS,
                                                                           *ExplainerApp.BINDINGS,
                                                                           *PredictionBar.BINDINGS]), action
