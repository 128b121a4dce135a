"""The sweep view: preempt at every instruction, then at every frame size.

Two tabs over one scenario. "Instructions" lists each PC of main.big_stack with
what preempting there does (``sweep.sweep``); "Frame sizes" plots unsafe
instructions against frame size (``sizesweep``) so the 64 KiB cliff and the
16 MiB edge are seen. Both run in thread workers: a 16 MiB frame takes seconds
to emulate, and the screen stays usable meanwhile. Results are values; this
module only formats them.
"""

from __future__ import annotations

import math
from dataclasses import replace

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from ...engine.experiments.experiment import program_for
from ...engine.experiments.scenario import DEFAULT_STACK, Scenario
from ...engine.experiments.sizesweep import (
    KiB,
    MiB,
    SizePoint,
    SizeRange,
    default_sizes,
    size_point,
    size_ranges,
    sweep_stack,
)
from ...engine.experiments.sweep import Point, sweep
from ...engine.releases.versions import GoVersion
from ...engine.runtime.outcome import Outcome
from ...engine.runtime.safepoint import Reason
from ..format import offset
from ..widgets.key_footer import KeyFooter

#: The component class that colours each outcome (the theme's error, success and muted colours).
STYLES = {Outcome.CRASH: "sweep--unsafe", Outcome.REFUSED: "sweep--refused",
          Outcome.NOT_REACHED: "sweep--refused"}
#: How each epilogue plan reads in the size table (``immediates.AddPlan`` has the long form).
PLAN_WORDS = {"IMM12": "one ADD (imm12)", "IMM12_SHIFTED": "one ADD (imm12<<12)",
              "R27_MOVZ": "MOVZ → R27, one ADD", "R27_ORR": "ORR bitmask → R27, one ADD",
              "R27_MOVK": "MOVZ+MOVK → R27, one ADD", "SPLIT": "two ADDs: low 12 bits, then high (case 48)"}
_NARROW_GO = 26
"""Cells of Go syntax in a narrow table (a longer instruction ends in …; it is whole in the line below)."""
_TICKS = ((4 * KiB, "4 KiB"), (64 * KiB, "64 KiB"), (MiB, "1 MiB"), (16 * MiB, "16 MiB"))


def plural(n: int, word: str) -> str:
    """``1 instruction``, ``2 instructions``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(points: list[Point]) -> str:
    """"1 unsafe instruction out of 55 · 2 not reached · window: 1 instruction": the window spans first
    to last unsafe PC; instructions the run never executed are neither safe nor unsafe, counted apart."""
    hits = [i for i, p in enumerate(points) if p.outcome is Outcome.CRASH]
    window = plural(hits[-1] - hits[0] + 1, "instruction") if hits else "none"
    unreached = sum(p.outcome is Outcome.NOT_REACHED for p in points)
    apart = f" · {unreached} not reached" if unreached else ""
    return f"{plural(len(hits), 'unsafe instruction')} out of {len(points)}{apart} · window: {window}"


#: Why the runtime refuses, in the verdict column's few words (``Reason`` has the rule in full).
REFUSAL_WORDS = {Reason.EXPLICIT_R27: "names R27", Reason.ASSEMBLY_FUNCTION: "assembly function",
                 Reason.RUNTIME_FUNCTION: "runtime function", Reason.NO_STACK_ROOM: "no room on the stack",
                 Reason.NOT_GO_CODE: "not Go code"}
#: The parts of the function an unsafe sequence can be (``asm.Instruction.role``), as the column says them.
ROLE_WORDS = {"stack-check": "stack check"}


def verdict_text(p: Point, brief: bool = False) -> str:
    """The verdict column: ``safe``, ``UNSAFE → ...`` or ``not preemptible: ...`` (short; details below).

    ``brief``: a narrow table says only ``UNSAFE``; the runtime's words stay whole in the line below it.
    """
    if p.outcome is Outcome.CRASH:
        return "UNSAFE" if brief else f"UNSAFE → {p.error}"
    if p.outcome is Outcome.REFUSED:
        if p.reason is Reason.UNSAFE_SEQUENCE:
            return f"not preemptible: {ROLE_WORDS.get(p.role, p.role)}"
        return f"not preemptible: {REFUSAL_WORDS.get(p.reason, p.reason.value)}"
    if p.outcome is Outcome.NOT_REACHED:
        return "not reached in this run"
    return "safe"


def _sized(s: Scenario) -> Scenario:
    """The scenario on a stack its frame fits (the default stack cannot grow past 256 KiB)."""
    return replace(s, stack=sweep_stack(s.size)) if s.stack == DEFAULT_STACK else s


class SweepScreen(Screen[None]):
    """Every instruction's verdict, and unsafe instructions against frame size."""

    HELP = ("Sweep view: preempt main.big_stack at every instruction and unwind each time. "
            "'Instructions' gives each PC's verdict (safe, UNSAFE with the runtime's error, why "
            "the runtime refuses to preempt there, or not reached in this run); 'Frame sizes' sweeps "
            "many frame sizes for the same Go release and leafness and plots the unsafe instructions, "
            "with the size ranges and how each one's epilogue releases the frame.")
    BINDINGS = [
        Binding("escape", "back", "back to the lab"),
        Binding("1", "show_tab('instructions')", "instructions", tooltip="Verdict at every instruction"),
        Binding("2", "show_tab('sizes')", "frame sizes", tooltip="Unsafe instructions by frame size"),
        Binding("r", "rerun", "re-run size sweep", tooltip="Sweep the frame sizes again"),
    ]
    FOOTER_KEYS = ("back", "help", "quit", "show_tab('instructions')", "show_tab('sizes')", "rerun")
    """The footer's keys by importance (the rest: ? and the command palette)."""
    HELP_TITLE = "Sweep help"
    WIDGET_KEYS = ((Screen, "app.focus_next", "Move between the table and the tabs (shift+tab: back)"),
                   (DataTable, "cursor_down", "The next instruction in the table (its verdict shows below)"),
                   (DataTable, "cursor_up", "The previous instruction in the table"))
    """The table's own keys, listed in the help (read from DataTable's bindings)."""
    COMPONENT_CLASSES = {"sweep--unsafe", "sweep--safe", "sweep--refused"}
    DEFAULT_CSS = """
    SweepScreen #sweep-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    SweepScreen TabbedContent, SweepScreen ContentSwitcher, SweepScreen TabPane { height: 1fr; }
    SweepScreen TabPane { padding: 0; }
    SweepScreen #detail { height: 4; padding: 0 1; color: $text-muted; }
    SweepScreen > .sweep--unsafe { color: $error; text-style: bold; }
    SweepScreen > .sweep--safe { color: $success; }
    SweepScreen > .sweep--refused { color: $text-muted; }
    SweepScreen .summary { height: auto; padding: 0 1; }
    SweepScreen #points { height: 1fr; }
    SweepScreen #sizes-progress { height: 1; padding: 0 1; }
    SweepScreen #sizes-plot { height: 1fr; min-height: 6; }
    SweepScreen #edges { height: auto; max-height: 40%; }
    """

    class InstructionsSwept(Message):
        """The instruction sweep finished (or failed, with ``error``)."""

        def __init__(self, rows: tuple[tuple[Point, str], ...], error: str | None = None) -> None:
            super().__init__()
            self.rows = rows
            """Each point with its instruction word in hex."""
            self.error = error

    def __init__(self, scenario: Scenario, sizes: list[int] | None = None) -> None:
        """Open on ``scenario``; ``sizes`` are the second tab's frame sizes (default ``default_sizes``)."""
        super().__init__()
        self.scenario = scenario
        self.sizes = sizes if sizes is not None else default_sizes(leaf=scenario.leaf)
        self._points: dict[str, Point] = {}
        """The instruction sweep's points, by row key (the PC)."""
        self._rows: tuple[tuple[Point, str], ...] = ()
        """The instruction sweep's points with their words, once it finished."""
        self._narrow = False
        self._size_points: tuple[SizePoint, ...] = ()
        """The size sweep's points shown (the table is laid out again on a resize)."""
        self._edges_one_line = True
        self._by_size: dict[tuple[GoVersion, bool], tuple[SizePoint, ...]] = {}
        """Finished size sweeps, by (version, leaf)."""

    @property
    def _key(self) -> tuple[GoVersion, bool]:
        return (self.scenario.version, self.scenario.leaf)

    def compose(self) -> ComposeResult:
        s = self.scenario
        yield Static(Text(f"Sweep ─ {s} · frame {s.size:,} B · "
                          f"{'leaf' if s.leaf else 'non-leaf'} · unwind: {s.unwind.value}"), id="sweep-title")
        with TabbedContent(initial="instructions"):
            with TabPane("Instructions", id="instructions"):
                yield Static("Preempting at every instruction…", id="summary", classes="summary")
                yield DataTable(id="points", cursor_type="row")
                yield Static("", id="detail")
            with TabPane("Frame sizes", id="sizes"):
                yield Static(f"{len(self.sizes)} frame sizes to sweep", id="sizes-summary", classes="summary")
                yield ProgressBar(total=len(self.sizes), show_eta=False, id="sizes-progress")
                yield PlotextPlot(id="sizes-plot")
                yield DataTable(id="edges", cursor_type="row")
        yield KeyFooter(self.FOOTER_KEYS)

    def on_mount(self) -> None:
        edges = self.query_one("#edges", DataTable)
        edges.add_columns("frame sizes", "unsafe", "how the epilogue releases the frame")
        self._sweep_instructions()

    # --- instructions ---

    @work(thread=True, exclusive=True, group="sweep-instructions")
    def _sweep_instructions(self) -> None:
        worker = get_current_worker()
        try:
            s = _sized(self.scenario)
            points = sweep(s)
            fn = program_for(s).target
            rows = tuple((p, insn.hex if (insn := fn.at(p.pc)) else "?") for p in points)
            msg = self.InstructionsSwept(rows)
        except Exception as err:  # shown on screen: a sweep that fails must not take the app down
            msg = self.InstructionsSwept((), f"{type(err).__name__}: {err}")
        if not worker.is_cancelled:
            self.post_message(msg)

    @on(InstructionsSwept)
    def _show_instructions(self, event: InstructionsSwept) -> None:
        summary = self.query_one("#summary", Static)
        if event.error:
            summary.update(Content.styled(f"The sweep failed: {event.error}", "$error bold"))
            return
        points = [p for p, _ in event.rows]
        summary.update(summary_line(points))
        self._rows = event.rows
        self._points = {str(p.pc): p for p, _ in event.rows}
        first = next((i for i, (p, _) in enumerate(event.rows) if p.outcome is Outcome.CRASH), 0)
        self._fill_points(first)

    def _fill_points(self, row: int) -> None:
        """The instruction table, laid out for the width: a narrow one leaves the words out, keeps the
        Go syntax short and says UNSAFE; the runtime's words are whole in the line below either way."""
        table = self.query_one("#points", DataTable)
        narrow = self._too_narrow()
        self._narrow = narrow
        table.clear(columns=True)
        if narrow:
            table.add_columns("offset", "Go syntax", "verdict")
        else:
            table.add_columns("offset", "word", "Go syntax", "verdict")
        for p, word in self._rows:
            style = self._style(STYLES.get(p.outcome, "sweep--safe"))
            row_style = self._style("sweep--unsafe") if p.outcome is Outcome.CRASH else Style()
            go = Text(p.go, style=row_style)
            if narrow:
                go.truncate(_NARROW_GO, overflow="ellipsis")
            cells = [Text(offset(p.offset), style=row_style)]
            if not narrow:
                cells.append(Text(word, style=row_style))
            table.add_row(*cells, go, Text(verdict_text(p, brief=narrow), style=style), key=str(p.pc))
        # open on the crash, its full story in the line below (after layout, so it scrolls into view)
        self.call_after_refresh(table.move_cursor, row=row)

    def _too_narrow(self) -> bool:
        """The full table (every word, the runtime's words in each verdict) would not fit the width."""
        columns = [(offset(p.offset), word, p.go, verdict_text(p)) for p, word in self._rows]
        widths = [max(len(row[k]) for row in columns) for k in range(4)] if columns else [0]
        return sum(w + 2 for w in widths) + 2 > self.size.width  # cell padding each side, the scrollbar

    def on_resize(self) -> None:
        if self._rows and self._too_narrow() != self._narrow:
            self._fill_points(self.query_one("#points", DataTable).cursor_row)
        if self._size_points and self._edges_fit(self._edge_rows()) != self._edges_one_line:
            self._fill_edges(self.query_one("#edges", DataTable))

    @on(DataTable.RowHighlighted, "#points")
    def _show_detail(self, event: DataTable.RowHighlighted) -> None:
        p = self._points.get(str(event.row_key.value))
        if p is None:
            return
        said = [p.message.splitlines()[-1]] if p.message else []  # the fatal error, or the signal's line
        text = "\n".join([*said, f"{offset(p.offset)} {p.go}: {p.why}"])
        self.query_one("#detail", Static).update(Text(text))

    # --- frame sizes ---

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "sizes" and self._key not in self._by_size and not self._sizes_running():
            self._sweep_sizes()

    def _sizes_running(self) -> bool:
        return any(w.group == "sweep-sizes" and not w.is_finished and not w.is_cancelled
                   for w in self.workers)

    @work(thread=True, exclusive=True, group="sweep-sizes")
    def _sweep_sizes(self) -> None:
        worker = get_current_worker()
        version, leaf = self.scenario.version, self.scenario.leaf
        done: list[SizePoint] = []
        try:
            for size in self.sizes:
                if worker.is_cancelled:
                    return
                done.append(size_point(version, leaf, size))
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._show_sizes, tuple(done), None)
        except Exception as err:  # shown on screen, like the instruction sweep
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_sizes, tuple(done), f"{type(err).__name__}: {err}")

    def _show_sizes(self, points: tuple[SizePoint, ...], error: str | None) -> None:
        try:
            summary = self.query_one("#sizes-summary", Static)
            bar = self.query_one("#sizes-progress", ProgressBar)
            plot = self.query_one("#sizes-plot", PlotextPlot)
            edges = self.query_one("#edges", DataTable)
        except NoMatches:  # the screen was closed while a size was being swept
            return
        total = len(self.sizes)
        bar.update(total=total, progress=len(points))
        if len(points) == total:
            self._by_size[self._key] = points
        summary.update(self._sizes_summary(points, total, error))
        self._plot(plot, points)
        self._size_points = points
        self._fill_edges(edges)

    def _edge_rows(self) -> list[tuple[SizeRange, str, list[str]]]:
        """Each range of the size sweep: the range, its span as shown, its plans in words."""
        return [(r, f"{r.first:,} B" if r.first == r.last else f"{r.first:,} – {r.last:,} B",
                 [PLAN_WORDS.get(name, name) for name in r.plans]) for r in size_ranges(self._size_points)]

    def _edges_fit(self, rows: list[tuple[SizeRange, str, list[str]]]) -> bool:
        """Every range's plans fit on one line of the table."""
        widths = [max((len(span) for _, span, _ in rows), default=0), len("unsafe"),
                  max((len("; ".join(plans)) for _, _, plans in rows), default=0)]
        return sum(w + 2 for w in widths) + 2 <= self.size.width  # cell padding each side, the scrollbar

    def _fill_edges(self, edges: DataTable[object]) -> None:
        """The frame-size ranges; where a range's plans do not fit on one line, one plan a line."""
        rows = self._edge_rows()
        one_line = self._edges_one_line = self._edges_fit(rows)
        edges.clear()
        for r, span, plans in rows:
            style = self._style("sweep--unsafe") if r.unsafe else Style()
            how = "; ".join(plans) if one_line else ";\n".join(plans)
            edges.add_row(Text(span, style=style), Text(str(r.unsafe), style=style), how,
                          height=1 if one_line else None)

    def _sizes_summary(self, points: tuple[SizePoint, ...], total: int, error: str | None) -> Text:
        s = self.scenario
        what = f"{s.version.name} {'leaf' if s.leaf else 'non-leaf'}, GC scan"
        if error:
            return Text(f"Size sweep stopped at {len(points)} of {total} ({what}): {error}",
                        style=self._style("sweep--unsafe"))
        bad = [p.size for p in points if p.unsafe]
        text = f"{len(points)} of {total} sizes swept ({what}) · {len(bad)} with an unsafe instruction"
        if bad:
            text += f", {min(bad):,} to {max(bad):,} B"
        return Text(text)

    def _plot(self, plot: PlotextPlot, points: tuple[SizePoint, ...]) -> None:
        """Unsafe count against log2(size) on a linear axis.

        plotext's own ``xscale("log")`` drops every point from the second ``build()`` on
        (plotext 5.3.2), and the widget rebuilds on every refresh, so the log is taken here.
        """
        plt = plot.plt
        plt.clear_figure()
        if not self.sizes:
            return
        lo, hi = math.log2(min(self.sizes)), math.log2(max(self.sizes))
        plt.xlim(lo - 0.3, hi + 0.3)
        top = max([1, *(p.unsafe for p in points)])
        plt.ylim(-0.25, top + 0.25)
        plt.yticks(list(range(top + 1)))
        ticks = [(math.log2(v), label) for v, label in _TICKS if lo <= math.log2(v) <= hi]
        plt.xticks([x for x, _ in ticks], [label for _, label in ticks])
        plt.xlabel("frame size (log scale)")
        plt.ylabel("unsafe")
        theme = self.app.current_theme
        for unsafe, name in ((False, theme.success), (True, theme.error)):
            color = Color.parse(name or ("red" if unsafe else "green")).rgb
            group = [p for p in points if bool(p.unsafe) is unsafe]
            if group:
                plt.scatter([math.log2(p.size) for p in group], [p.unsafe for p in group],
                            color=color, marker="●")
        plot.refresh()

    # --- the theme's colours ---

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def notify_style_update(self) -> None:
        """A new theme: fill the tables and the plot again in its colours."""
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._recolour)  # after the component styles have the new theme

    def _recolour(self) -> None:
        if self._rows:
            self._fill_points(self.query_one("#points", DataTable).cursor_row)
        done = self._by_size.get(self._key)
        if done:
            self._show_sizes(done, None)

    # --- actions ---

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_rerun(self) -> None:
        self._by_size.pop(self._key, None)
        self.query_one(TabbedContent).active = "sizes"
        self._show_sizes((), None)
        self._sweep_sizes()
