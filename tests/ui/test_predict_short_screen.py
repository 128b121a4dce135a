"""On a short screen (80x24) a question shows the panels it is about, read from the painted screen.

The question's bar takes the lower half of the lesson's lab, so the pane keeps only what the question is
answered from: a stack slot is picked in the stack (the listing, the registers and the unwind give it their
room), a line is picked in the listing and a value read off the registers (the stack and the unwind give
them theirs). Seen before: lesson 6 asked which slot the unwinder reads with the stack covered by the bar.

Truth: the slot is the frame.sp the real go1.23.4 run of fast_nonleaf printed (../shared/reference/crashes),
pushCall's saved LR 16 bytes under it (signal_arm64.go pushCall); the crashing line is the second ADD of the
real ``go tool objdump`` of the same build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widget import Widget

from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.prediction import PredictionBar
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import region, screen, settle
from .test_predict_drawn import _asked, _bar, _crash_and_before, _frame_sp

SHORT = (80, 24)


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _on_screen(app: ExplainerApp, widget: Widget) -> bool:
    """Whether the compositor gives ``widget`` a place on screen (displayed, not zero-sized)."""
    return widget in app.screen._compositor.visible_widgets and widget.region.height > 0


def _rows(app: ExplainerApp, widget: Widget) -> list[str]:
    """A panel's painted lines inside its box, scrollbars stripped, spaces one."""
    return [" ".join(ln.strip("│▁▂▃▄▅▆▇█ ").split()) for ln in region(app, widget)]


async def test_a_slot_question_shows_the_stack_it_asks_about() -> None:
    frame_sp = _frame_sp()
    app = ExplainerApp()
    async with app.run_test(size=SHORT) as pilot:
        pane = await _asked(pilot, app, "06-race")
        stack, bar = pane.query_one(StackPanel), pane.query_one(PredictionBar)
        assert _on_screen(app, stack) and _on_screen(app, bar)
        for hidden in (DisassemblyPanel, RegistersPanel, UnwindPanel):  # their rows are the stack's
            assert not _on_screen(app, pane.query_one(hidden)), hidden.__name__
        painted = " ".join(screen(app))
        assert "Stack (high addresses on top)" in painted and "Disassembly (Go syntax)" not in painted
        assert not stack.region.overlaps(bar.region)
        assert stack.region.height >= 6, stack.region  # a border and four rows or more
        # ↓ down the stack: every pick is painted in the stack, marked, until the real run's frame.sp
        await pilot.press("down")  # the first ↓ picks the top row
        await settle(pilot)
        for _ in range(60):
            picked = int(re.search(r"picked (0x[0-9a-f]+)", _bar(app)).group(1), 16)  # type: ignore[union-attr]
            rows = _rows(app, stack)
            at = [k for k, ln in enumerate(rows) if ln.startswith(f"{picked:#x} ")]
            assert at, (f"{picked:#x} picked but not painted in the stack", rows)
            assert "◀ your pick" in " ".join(rows[at[0]: at[0] + 3]), rows
            if picked == frame_sp:
                break
            await pilot.press("down")
            await settle(pilot)
        else:
            raise AssertionError(f"{frame_sp:#x} never picked")
        # pushCall's saved LR (the real return address, 16 B lower) is painted below it too: the timeline
        # waits while the bar asks, so the stack has those rows
        assert any(ln.startswith(f"{frame_sp - 16:#x} ") for ln in _rows(app, stack)), "\n".join(screen(app))


async def test_a_line_question_shows_the_listing_and_a_value_question_the_registers() -> None:
    crash, _ = _crash_and_before()
    app = ExplainerApp()
    async with app.run_test(size=SHORT) as pilot:
        pane = await _asked(pilot, app, "09-scale")
        dis = pane.query_one(DisassemblyPanel)
        assert _on_screen(app, dis) and not _on_screen(app, pane.query_one(StackPanel))
        assert not dis.region.overlaps(pane.query_one(PredictionBar).region)
        await pilot.press("down")  # the first ↓ picks the line under ▶
        await settle(pilot)
        for _ in range(80):
            picked = re.search(r"picked (\+0x[0-9a-f]{4})", _bar(app)).group(1)  # type: ignore[union-attr]
            assert any(picked in ln for ln in region(app, dis)), (picked, region(app, dis))
            if picked == crash:
                break
            await pilot.press("up" if picked > crash else "down")
            await settle(pilot)
        else:
            raise AssertionError(f"{crash} never picked")
    app = ExplainerApp()
    async with app.run_test(size=SHORT) as pilot:
        pane = await _asked(pilot, app, "03-frame")  # what RSP will be after the first ADD
        regs = pane.query_one(RegistersPanel)
        assert _on_screen(app, regs) and not _on_screen(app, pane.query_one(StackPanel))
        assert re.search(r"RSP 0x[0-9a-f]+", " ".join(region(app, regs))), region(app, regs)
        assert not regs.region.overlaps(pane.query_one(PredictionBar).region)
