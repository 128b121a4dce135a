"""``explainer open`` on Go's own objdump tool, in the lab, as a person drives it (issue 28).

Decode has four split releases; with no arguments a run leaves by the second (decode.go:173,
``len(src) < 4``). The lab must take that one as *the* epilogue: ``w`` stands on its second ADD, as
the real listing prints it, and ``g`` ends in the runtime's throw.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.cli import main
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.unwind import UnwindPanel

from ..binary.gotools import DECODE, OBJDUMP_123, binary, listing


def _opened(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> ExplainerApp:
    """The app ``explainer open`` builds, not run: the test drives it."""
    made: list[ExplainerApp] = []
    monkeypatch.setattr(ExplainerApp, "run", lambda self: made.append(self))
    assert main(argv) == 0
    return made[0]


async def test_w_stands_on_the_split_the_run_reaches_and_g_throws(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = binary(OBJDUMP_123, tmp_path)
    lines = listing(OBJDUMP_123, DECODE)
    second_add = next(ln for ln in lines if ln.line == 173 and ln.text == "ADD $(27<<12), RSP, RSP")
    app = _opened(monkeypatch, ["open", str(path), DECODE])
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("w")
        disasm = app.screen.query_one(LabPane).query_one(DisassemblyPanel)
        cursor = next(ln for ln in disasm.plain.splitlines() if ln.lstrip().startswith("▶"))
        assert f"+{second_add.pc - lines[0].pc:#06x} " in cursor and second_add.text in cursor
        # (the hex word only when every line fits with it: Decode calls functions with long names)
        assert f"{second_add.word:08x}" in cursor or all(f"{ln.word:08x}" not in disasm.plain for ln in lines)
        await pilot.press("g")
        assert "fatal error: traceback did not unwind completely" in app.screen.query_one(UnwindPanel).plain
        await pilot.press("y")
        assert app.clipboard == f"explainer open {path} {DECODE}"


async def test_the_chosen_epilogue_and_the_arguments_are_in_the_copied_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = binary(OBJDUMP_123, tmp_path)
    third = [ln for ln in listing(OBJDUMP_123, DECODE) if ln.text == "ADD $(27<<12), RSP, RSP"][2]
    app = _opened(monkeypatch, ["open", str(path), DECODE, "--at", "sp2#3", "--args", "0", "4"])
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("y")
        assert app.clipboard == f"explainer open {path} {DECODE} --at 'sp2#3' --args 0 4"
        epi = [i for i in app.screen.query_one(LabPane).session.program.target.instructions
               if i.role == "epilogue"]
        assert epi[-2].pc == third.pc
