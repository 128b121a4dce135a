"""Lesson 9's calculator: from one unsafe instruction to crashes a day across a fleet."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Label, Static
from textual_plotext import PlotextPlot

from ...engine.experiments.scale import OBSERVED_PEAK_PER_DAY, Assumptions, crashes_per_day, measured
from ...engine.experiments.scenario import Scenario
from ..format import plain

_FIELDS = (
    ("machines", "machines (assumption)"),
    ("preemptions_per_second", "preemptions/s in exposed code, per machine (assumption)"),
    ("p_unwound", "P(unwound while parked) (assumption)"),
)


class ScalePanel(Vertical):
    """Inputs for the assumptions, the engine's window and call length, the result and a plot."""

    HELP = ("Crashes a day = machines × preemptions per second landing in exposed functions × the "
            "window's share of the function's instructions × the chance a GC scan or traceback walks the "
            "parked goroutine × 86,400. The window and the instructions per call are measured by the "
            "engine for the lesson's scenario; the rest are assumptions you set. The plot shows crashes "
            "a day against fleet size, with the peak Cloudflare reported.")
    DEFAULT_CSS = """
    ScalePanel { border: round $accent; padding: 0 1; height: auto; }
    ScalePanel Horizontal { height: 3; }
    ScalePanel Label { width: 48; padding: 1 0 0 0; }
    ScalePanel Input { width: 20; }
    ScalePanel #result { height: auto; }
    ScalePanel PlotextPlot { height: 16; }
    """

    def __init__(self, scenario: Scenario, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Scale maths"
        window, calls = measured(scenario)
        self.assumptions = Assumptions(window=window, instructions_per_call=calls)
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        for name, label in _FIELDS:
            with Horizontal():
                yield Label(label)
                yield Input(str(getattr(self.assumptions, name)), id=name, type="number")
        yield Static(id="result")
        yield PlotextPlot()

    def on_mount(self) -> None:
        self._update()

    def on_input_changed(self, event: Input.Changed) -> None:
        try:
            value = float(event.value)
        except ValueError:
            return  # half-typed; keep the last good value
        if value < 0 or (event.input.id == "p_unwound" and value > 1):
            return
        field = event.input.id or ""
        typed: int | float = int(value) if field == "machines" else value
        changed: dict[str, Any] = {field: typed}  # a field named by the input's id
        self.assumptions = replace(self.assumptions, **changed)
        self._update()

    @property
    def plain(self) -> str:
        """The result line, as plain text."""
        return plain(self.query_one("#result", Static))

    def _update(self) -> None:
        a = self.assumptions
        per_day = crashes_per_day(a)
        self.query_one("#result", Static).update(Content.assemble(
            (f"window {a.window} of {a.instructions_per_call:,} instructions per call "
             f"(measured on {self.scenario})\n", "dim"),
            (f"≈ {per_day:,.1f} crashes a day", "$error bold" if per_day >= 1 else "$success bold"),
            (f"   (Cloudflare's reported peak: up to {OBSERVED_PEAK_PER_DAY} a day)", "dim")))
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        # log10(machines) on a linear axis: plotext 5.3's log scale drops points on redraw
        xs = [k / 4 for k in range(0, 21)]
        plt.plot(xs, [crashes_per_day(replace(a, machines=round(10 ** x))) for x in xs], label="model")
        plt.plot(xs, [OBSERVED_PEAK_PER_DAY] * len(xs), label="reported peak")
        plt.xticks([0, 1, 2, 3, 4, 5], ["1", "10", "100", "1k", "10k", "100k"])
        plt.xlabel("machines (log scale)")
        plt.ylabel("crashes/day")
        plot.refresh()
