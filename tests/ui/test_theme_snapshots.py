"""The lab, the split view and the presenter's key beat in the ANSI themes and with NO_COLOR (issue 16).

The colours come from the theme (component classes and theme variables), so the built-in ``ansi-dark`` and
``ansi-light`` themes recolour every panel, and ``NO_COLOR`` leaves the marks readable as text and
attributes (▶, ⚡, ◀ SP, reverse video). Each snapshot was looked at before it was committed.

Regenerate after a deliberate change with ``pytest tests/ui/test_theme_snapshots.py --snapshot-update`` and
look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.app import App
from textual.pilot import Pilot

from explainer.engine.experiments.scenario import parse
from explainer.talk import script
from explainer.ui.app import ExplainerApp
from explainer.ui.presenter import PresenterApp

from .truth import ROOT

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
SIZE = (100, 30)
VIEWS: dict[str, tuple[Callable[[], App[None]], list[str]]] = {
    "lab": (lambda: ExplainerApp(parse("go1.23.4/65584")), ["w", "g"]),
    "split": (lambda: ExplainerApp(parse("go1.23.4/65584")), ["v", "w", "g"]),
    "beat": (lambda: PresenterApp(script.load(TALK)), ["right", "right"]),  # between the two ADDs
}


def _in_theme(theme: str, keys: list[str]) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.theme = theme
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_in_an_ansi_theme(snap_compare, view: str, theme: str) -> None:  # type: ignore[no-untyped-def]
    make, keys = VIEWS[view]
    assert snap_compare(make(), run_before=_in_theme(theme, keys), terminal_size=SIZE)


@pytest.mark.parametrize("view", list(VIEWS))
def test_with_no_color(snap_compare, monkeypatch: pytest.MonkeyPatch, view: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NO_COLOR", "1")
    make, keys = VIEWS[view]
    app = make()
    assert app.no_color
    assert snap_compare(app, press=keys, terminal_size=SIZE)
