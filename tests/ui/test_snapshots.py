"""What the screens look like, pinned: the lab, the split view and help at two terminal sizes.

Regenerate after a deliberate change with ``pytest tests/ui --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import pytest

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp

SIZES = [(100, 30), (160, 45)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lab_after_gc_unwind(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ExplainerApp(parse("go1.23.4/65584")), press=["w", "g"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_split_view(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ExplainerApp(parse("go1.23.4/65584")), press=["v", "w", "g"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ExplainerApp(), press=["question_mark"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_view(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def open_sweep(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("x")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(ExplainerApp(parse("go1.23.4/65552/leaf")), run_before=open_sweep, terminal_size=size)
