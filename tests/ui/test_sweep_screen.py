"""The sweep view, driven by keys and read back from its tables; the unsafe row against real objdump."""

from __future__ import annotations

from textual.app import App
from textual.widgets import DataTable, Static, TabbedContent
from textual_plotext import PlotextPlot

from explainer.engine.experiments.scenario import Scenario, parse
from explainer.ui.screens.sweep import SweepScreen

from .truth import objdump_line, rsp_writes

#: Sizes for the plot tests: the 64 KiB cliff and its neighbours, quick to emulate.
#: 4096 and 65536 are imm12<<12 (one ADD), 4112 and 65520 one MOVZ into R27, 65552 two ADDs.
SIZES = [4096, 4112, 65520, 65536, 65552]


class Host(App[None]):
    """A bare app that opens the sweep view for one scenario."""

    def __init__(self, scenario: Scenario, sizes: list[int] | None = None) -> None:
        super().__init__()
        self.scenario, self.sizes = scenario, sizes

    def on_mount(self) -> None:
        self.push_screen(SweepScreen(self.scenario, sizes=self.sizes))


def _rows(app: App[None], table_id: str = "#points") -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [" | ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def _text(app: App[None], widget_id: str) -> str:
    return str(app.screen.query_one(widget_id, Static).render())


async def test_leaf_go1_23_4_has_one_unsafe_instruction_the_second_add() -> None:
    app = Host(parse("go1.23.4/65552/leaf"))
    async with app.run_test(size=(120, 30)) as pilot:  # wide enough for every word
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert _text(app, "#summary").startswith("1 unsafe instruction out of ")
        assert _text(app, "#summary").endswith("· window: 1 instruction")
        unsafe = [r for r in _rows(app) if "UNSAFE" in r]
        assert len(unsafe) == 1
        # The real build's second write to RSP: its word and Go text, as go tool objdump prints them.
        second = rsp_writes("fast_leaf-go1.23.4.txt")[-1]
        word, text = objdump_line("fast_leaf-go1.23.4.txt", second)
        assert word in unsafe[0] and text in unsafe[0]
        assert "UNSAFE → traceback did not unwind completely" in unsafe[0]


async def test_go1_25_0_nonleaf_refuses_to_preempt_the_release() -> None:
    app = Host(parse("go1.25.0/65584"))
    async with app.run_test(size=(120, 30)) as pilot:  # wide enough for every word
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert _text(app, "#summary").startswith("0 unsafe instructions out of ")
        rows = _rows(app)
        assert not any("UNSAFE" in r for r in rows)
        assert any("ADD R27, RSP, RSP" in r and "not preemptible: names R27" in r for r in rows)


async def test_a_frame_past_the_default_stack_is_swept_on_a_bigger_one() -> None:
    # 1048592 = 0x100010: not imm12 (low bits 0x010), two 16-bit fields, not a run, < 2**24: two ADDs.
    app = Host(parse("go1.23.4/1048592/leaf"))
    async with app.run_test(size=(120, 30)) as pilot:  # wide enough for every word
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert _text(app, "#summary").startswith("1 unsafe instruction out of ")


async def test_a_filled_buffer_crashes_with_sigsegv() -> None:
    app = Host(parse("go1.23.4/65552/leaf/buffer=cloudflare"))
    async with app.run_test(size=(120, 30)) as pilot:  # wide enough for every word
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        unsafe = [r for r in _rows(app) if "UNSAFE" in r]
        # 0xe8e8... is no PC; next() reads gp.m.incgo (offset 0x118) with gp.m == nil.
        assert len(unsafe) == 1 and "UNSAFE → SIGSEGV addr=0x118" in unsafe[0]


async def test_sizes_tab_sweeps_and_plots_the_cliff() -> None:
    app = Host(parse("go1.23.4/65552/leaf"), sizes=SIZES)
    async with app.run_test(size=(120, 30)) as pilot:  # wide enough for every word
        await pilot.app.workers.wait_for_complete()
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "sizes"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        summary = _text(app, "#sizes-summary")
        assert summary.startswith("5 of 5 sizes swept")
        assert "1 with an unsafe instruction, 65,552 to 65,552 B" in summary
        edges = _rows(app, "#edges")
        assert edges[0].startswith("4,096 – 65,536 B | 0")
        assert edges[1].startswith("65,552 B | 1") and "two ADDs" in edges[1]
        plot = str(app.screen.query_one(PlotextPlot).render())
        assert "64 KiB" in plot and "●" in plot
        await pilot.press("1")
        assert app.screen.query_one(TabbedContent).active == "instructions"
        await pilot.press("r")  # re-run: back on the sizes tab, and the same answer again
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "sizes"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert _text(app, "#sizes-summary").startswith("5 of 5 sizes swept")
        await pilot.press("escape")
        assert not isinstance(app.screen, SweepScreen)


async def test_renders_at_80x24() -> None:
    app = Host(parse("go1.23.4/65584"), sizes=SIZES[:2])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("2")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert _text(app, "#sizes-summary").startswith("2 of 2 sizes swept")
        assert "1 unsafe instruction out of" in _text(app, "#summary")


async def test_closing_mid_sweep_is_quiet() -> None:
    app = Host(parse("go1.23.4/65552/leaf"), sizes=[4096, 1048592, 4194320])
    async with app.run_test(size=(120, 30)) as pilot:  # wide enough for every word
        await pilot.app.workers.wait_for_complete()
        await pilot.press("2", "escape")  # leave while the size sweep runs
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, SweepScreen)
        assert app.return_code is None  # no worker error ended the app
