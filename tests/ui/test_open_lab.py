"""``explainer open``'s lab: a real binary's function, stepped and unwound by keys.

Truth: the real objdump of the same program and release, and its real crash log.
"""

from __future__ import annotations

from pathlib import Path

from explainer.binary import load
from explainer.binary.opened import opened_program, opened_scenario
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.lab import LabScreen, OpenedFunction
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.unwind import UnwindPanel

from .truth import last_line, objdump_line, rsp_writes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _app(fixture: str) -> ExplainerApp:
    binary = load(FIXTURES / fixture)
    program = opened_program(binary, "main.big_stack")
    command = f"explainer open {fixture} main.big_stack"
    opened = OpenedFunction(program, f"{fixture} · main.big_stack", command)
    return ExplainerApp(opened_scenario(binary, program), opened)


async def test_a_stripped_go1_23_4_binary_crashes_between_its_own_two_adds() -> None:
    app = _app("fast_nonleaf-go1.23.4-linux-arm64-stripped")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        second = rsp_writes("fast_nonleaf-go1.23.4.txt")[-1]
        word, text = objdump_line("fast_nonleaf-go1.23.4.txt", second)
        disasm = app.screen.query_one(LabPane).query_one(DisassemblyPanel)
        line = next(ln for ln in disasm.plain.splitlines() if ln.startswith("▶"))
        assert word in line and text in line
        await pilot.press("g")
        assert last_line("fast_nonleaf-go1.23.4.log") in app.screen.query_one(UnwindPanel).plain
        assert "fast_nonleaf-go1.23.4-linux-arm64-stripped" in str(app.screen.query_one("#scenario").content)


async def test_views_made_for_the_reproducer_say_why_not() -> None:
    app = _app("fast_leaf-go1.25.0-linux-arm64")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "x", "o")
        assert isinstance(app.screen, LabScreen) and len(app.screen.panes) == 1
        notes = [n.message for n in app._notifications]
        assert sum("works on the reproducer" in n for n in notes) == 3
        await pilot.press("y")
        assert app.clipboard == "explainer open fast_leaf-go1.25.0-linux-arm64 main.big_stack"
