"""Issue 18, small things: the options dialog's Stack field showed its placeholder cut.

The placeholder is the only place that says what an empty Stack means (the real log's bounds), so it
must be painted whole at every size the lab supports; read from the compositor's frame, not the widget.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from explainer.ui.app import ExplainerApp
from explainer.ui.screens.options import OptionsScreen
from tests.ui.painted import region, settle

SIZES = [(80, 24), (100, 30), (120, 40), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_stack_fields_placeholder_is_painted_whole(size: tuple[int, int]) -> None:
    app = ExplainerApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OptionsScreen)
        stack = app.screen.query_one("#stack", Input)
        painted = " ".join(region(app, stack))
        placeholder = str(stack.placeholder)
        assert placeholder == "0xLO-0xHI (empty: the real log's stack)"
        assert placeholder in painted, f"at {size} the Stack field shows {painted.strip()!r}"
