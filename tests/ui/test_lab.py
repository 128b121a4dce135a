"""The story, played by keys, read back from the widgets; checked against real Go output."""

from __future__ import annotations

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .truth import REF, last_line, objdump_line, rsp_writes


def _current_line(app: ExplainerApp, pane: int = 0) -> str:
    disasm = app.screen.query(LabPane)[pane].query_one(DisassemblyPanel)
    return next(line for line in disasm.plain.splitlines() if line.startswith("▶"))


async def test_nonleaf_go1_23_4_crashes_between_the_two_adds() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e", "s", "s")  # to the epilogue, over LDP and the first ADD
        second = rsp_writes("fast_nonleaf-go1.23.4.txt")[-1]
        word, text = objdump_line("fast_nonleaf-go1.23.4.txt", second)
        line = _current_line(app)
        assert word in line and text in line  # the real second ADD, as objdump prints it
        await pilot.press("p")
        assert "isAsyncSafePoint: yes" in app.screen.query_one(UnwindPanel).plain
        await pilot.press("g")
        unwind = app.screen.query_one(UnwindPanel).plain
        assert last_line("fast_nonleaf-go1.23.4.log") in unwind
        # 65584 = 16<<12 + 48: SP stands 48 bytes into the frame; pushCall saved the real LR 16 below it.
        assert "LR read 16 B above the real one" in app.screen.query_one(StackPanel).plain


async def test_split_view_go1_25_0_refuses_or_walks_clean() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("v", "e", "s", "s", "g")
        panes = app.screen.query(LabPane)
        assert [str(p.scenario.version) for p in panes] == ["1.23.4", "1.25.0"]
        left = panes[0].query_one(UnwindPanel).plain
        right = panes[1].query_one(UnwindPanel).plain
        assert last_line("fast_nonleaf-go1.23.4.log") in left
        assert "fatal error" not in right
        assert "preemption refused" in right or "reached runtime.goexit" in right
        # the fixed release builds the size in R27: the real go1.25.0 instruction under the cursor
        assert "R27" in _current_line(app, 1)
        assert "Before the fix: crash" in str(app.screen.query_one("#verdict").content)


async def test_leaf_go1_27_3_still_crashes() -> None:
    app = ExplainerApp(parse("go1.27.3/65552/leaf"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g")
        second = rsp_writes("fast_leaf-go1.27.3.txt")[-1]
        assert objdump_line("fast_leaf-go1.27.3.txt", second)[1] in _current_line(app)
        assert last_line("fast_leaf-go1.27.3-singlestep.log") in app.screen.query_one(UnwindPanel).plain


async def test_leaf_split_view_says_both_crash() -> None:
    app = ExplainerApp(parse("go1.23.4/65552/leaf"))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("v", "w", "g")
        assert "residual" in str(app.screen.query_one("#verdict").content)


async def test_refused_preemption_names_the_runtimes_reason() -> None:
    app = ExplainerApp(parse("go1.25.0/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "p")
        assert "names R27" in app.screen.query_one(UnwindPanel).plain


async def test_step_back_returns_to_the_same_instruction() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s", "s", "s")
        third = _current_line(app)
        await pilot.press("s", "b")
        assert _current_line(app) == third
        await pilot.press("b", "b", "b", "b")
        assert "+0x0000" in _current_line(app)


def _readme_lab_keys() -> set[str]:
    """Every single key the README's lab table names in backticks (`s`, `g`, `,`, `?` ...)."""
    import re

    from .truth import ROOT

    section = (ROOT / "README.md").read_text().split("## The lab", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| ") and not r.startswith("| key |")]
    return {k for r in rows for k in re.findall(r"`([^`]+)`", r) if len(k) <= 2}


async def test_help_lists_every_lab_key_and_panel() -> None:
    """Every key the README's lab table promises is in the help's key column, and every panel the lab
    shows (each widget on the lab screen that carries HELP) has its words in the help's panels."""
    import io

    from rich.console import Console
    from textual.widgets import Static

    from explainer.ui.screens.help import HelpScreen

    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        shown = {type(w) for w in app.screen.query("*") if getattr(type(w), "HELP", None)}
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=1000, record=True, file=io.StringIO())
        for static in app.screen.query(Static):
            console.print(static.content)
        text = console.export_text()
        keys_part, panels_part = text.split("\nKeys", 1)[1].split("\nPanels", 1)
        key_column = {k for line in keys_part.splitlines() if line.strip()
                      for k in line.strip().split("  ", 1)[0].split(" / ")}
        assert _readme_lab_keys() - key_column == set()
        assert len(_readme_lab_keys()) >= 20
        flat_panels = " ".join(panels_part.split())
        assert len(shown) >= 6, shown
        for panel in shown:
            assert " ".join(panel.HELP.split()) in flat_panels, panel.__name__
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_options_reject_a_bad_size_with_the_engines_words() -> None:
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        app.screen.query_one("#size").value = "100"
        await pilot.click("#apply")
        error = str(app.screen.query_one("#error").content)
        assert "100" in error and "16" in error  # not a multiple of 16
        await pilot.press("escape")
        assert app.screen.query(LabPane)[0].scenario.size == 65584


async def test_renders_at_80x24() -> None:
    """At 80x24, alone and split, the painted screen still tells the story: each pane's ▶ on the real
    last write to RSP (objdump of fast_nonleaf on go1.23.4 and go1.25.0), the real crash's words in the
    unwind panel, the verdict under the split view, and the footer's way to help."""
    from .painted import region, screen, settle

    def flat(lines: list[str]) -> str:
        return " ".join("".join(" " if c in "│╭╮╰╯─▁▂▃▄▅▆▇█" else c for c in "\n".join(lines)).split())

    def arrow(pane: LabPane) -> str:
        return next(line for line in region(app, pane) if "▶" in line)

    before = objdump_line("fast_nonleaf-go1.23.4.txt", rsp_writes("fast_nonleaf-go1.23.4.txt")[-1])[1]
    after = objdump_line("fast_nonleaf-go1.25.0.txt", rsp_writes("fast_nonleaf-go1.25.0.txt")[-1])[1]
    crash = last_line("fast_nonleaf-go1.23.4.log")
    assert (before, after) == ("ADD $(16<<12), RSP, RSP", "ADD R27, RSP, RSP")
    app = ExplainerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w", "g")
        await settle(pilot)
        (pane,) = app.screen.query(LabPane)
        assert before in arrow(pane)
        assert crash in flat(region(app, pane.query_one(UnwindPanel)))
        assert "? help" in screen(app)[-1] and "q quit" in screen(app)[-1]
        await pilot.press("v", "w", "g")
        await settle(pilot)
        left, right = app.screen.query(LabPane)
        assert before in arrow(left) and after in arrow(right)
        assert crash in flat(region(app, left))
        assert "names R27" in flat(region(app, right))
        assert "Before the fix: crash. After: refused." in flat(screen(app))
        assert "? help" in screen(app)[-1]


async def test_default_stack_is_the_real_logs_stack() -> None:
    app = ExplainerApp(parse("go1.23.4/65552/leaf"))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("w", "g")
        log = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text()
        top = log.split("top=")[1].split()[0]  # runtime: g1: frame.sp=0x... top=0x40000cdfd0
        sp = log.split("frame.sp=")[1].split()[0]
        stack = app.screen.query_one(StackPanel).plain
        assert top in stack and sp in stack
        assert log.splitlines()[0] in app.screen.query_one(UnwindPanel).plain


async def test_command_palette_runs_lab_commands() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"split view")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert len(app.screen.query(LabPane)) == 2


async def test_options_change_the_scenario_without_restarting() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        app.screen.query_one("#size").value = "4112"
        await pilot.click("#apply")
        await pilot.pause()
        pane = app.screen.query(LabPane)[0]
        assert pane.scenario.size == 4112
        await pilot.press("w")
        # 4112 = 0x1010, one 16-bit chunk: MOVZ into R27, then one ADD (the real 4112-byte build does this)
        assert "ADD R27, RSP, RSP" in _current_line(app)
