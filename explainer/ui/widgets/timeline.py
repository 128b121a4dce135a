"""A scrubber under the lab: every recorded step as a stop on one line, the telling ones marked.

Two lines tall: the track (stops spread over the width, marks drawn over them,
the cursor in reverse video) and a caption saying where the cursor is and what
happened there. Marks come from :mod:`explainer.engine.experiments.timeline`
through the pane's state (the pane recomputes them only when the trace or the
preemptions changed, never when the cursor merely moves, so scrubbing costs one
repaint); this widget only draws them and turns a click into a
:class:`Timeline.Selected` message, so the pane moves the session
(``Session.goto``) as it does for any key. Each mark is a glyph and words, so a
no-colour terminal keeps it; its colour is the theme's.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import var
from textual.widget import Widget

from ...engine.experiments.session import Trace
from ...engine.experiments.timeline import Mark
from ..state import PaneState

#: Glyph and component class per mark, most telling first (a column shows the first that applies).
GLYPHS: tuple[tuple[Mark, str, str], ...] = (
    (Mark.BAD_READ, "✗", "timeline--bad-read"),
    (Mark.PREEMPTED, "◆", "timeline--preempted"),
    (Mark.RSP, "│", "timeline--rsp"),
)
_STOP, _TRACK = "·", "─"
_KEYS = "   , . stops  < > marks"


class Timeline(Widget):
    """Every step taken; ◆ preempted, ✗ the unwinder read a wrong slot, │ RSP changed."""

    HELP = ("Timeline, under the lab: one dot per recorded step (steps you took and where a run stopped), "
            "spread over the width; the cursor is in reverse video. │ RSP changed since the stop before, "
            "◆ SIGURG preempted the goroutine there, ✗ the unwind that followed read main.big_stack's return "
            "address from a slot other than the real one. , and . move one stop, < and > jump to the "
            "previous or next mark, a click jumps to the nearest stop. Jumping restores that step's "
            "registers and stack, and its preemption and unwind if you took one there.")
    COMPONENT_CLASSES = {"timeline--bad-read", "timeline--preempted", "timeline--rsp", "timeline--track",
                         "timeline--cursor", "timeline--label", "timeline--keys"}
    DEFAULT_CSS = """
    Timeline { height: 2; padding: 0 1; }
    Timeline > .timeline--bad-read { color: $error; text-style: bold; }
    Timeline > .timeline--preempted { color: $warning; text-style: bold; }
    Timeline > .timeline--rsp { color: $accent; text-style: bold; }
    Timeline > .timeline--track { color: $text-muted; }
    Timeline > .timeline--cursor { text-style: reverse; }
    Timeline > .timeline--label { text-style: bold; }
    Timeline > .timeline--keys { color: $text-muted; }
    """

    state: var[PaneState | None] = var(None)
    """The pane's moment: the trace, the cursor's index in it and the marked stops."""

    class Selected(Message):
        """The user clicked a stop."""

        def __init__(self, timeline: Timeline, step: int) -> None:
            super().__init__()
            self.timeline = timeline
            self.step = step
            """The stop's step (instructions from the entry)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)

    def watch_state(self) -> None:
        self.refresh()

    @property
    def found(self) -> Mapping[int, frozenset[Mark]]:
        """The marked stops, by trace index."""
        return self.state.marks if self.state is not None else {}

    @property
    def _trace(self) -> Trace | None:
        return self.state.trace if self.state is not None else None

    @property
    def _index(self) -> int:
        return self.state.index if self.state is not None else 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    @property
    def stops(self) -> int:
        """How many stops the track shows."""
        return len(self._trace) if self._trace is not None else 0

    # --- geometry: stops spread evenly over the track's columns ---

    def column_of(self, index: int) -> int:
        """The track column (0-based, inside the padding) stop ``index`` is drawn in."""
        width, n = self._width(), self.stops
        return 0 if n < 2 else index * (width - 1) // (n - 1)

    def index_at(self, column: int) -> int:
        """The stop nearest a track column."""
        width, n = self._width(), self.stops
        if n < 2:
            return 0
        column = min(max(column, 0), width - 1)
        return min(n - 1, (column * (n - 1) + (width - 1) // 2) // (width - 1))

    def _width(self) -> int:
        return max(2, self.content_region.width or 2)

    # --- drawing ---

    def render(self) -> Text:
        trace = self._trace
        if trace is None or not len(trace):
            return Text("")
        width, n = self._width(), len(trace)
        if n > width:  # more stops than columns: every column holds some
            glyphs = [_STOP] * width
        else:
            glyphs = [_TRACK] * width
            for i in range(n):
                glyphs[self.column_of(i)] = _STOP
        styled: dict[int, tuple[int, Style]] = {}  # column -> (rank, style); lower rank tells more
        for i, kinds in self.found.items():
            col = self.column_of(i)
            rank, glyph, name = next((r, g, c) for r, (m, g, c) in enumerate(GLYPHS) if m in kinds)
            if rank < styled.get(col, (len(GLYPHS), Style()))[0]:
                glyphs[col], styled[col] = glyph, (rank, self._style(name))
        here = self.column_of(self._index)
        # runs of plain track between the styled columns: a few appends, not one per column
        dim, cursor = self._style("timeline--track"), self._style("timeline--cursor")
        track, start = Text(), 0
        for col in sorted(set(styled) | {here}):
            track.append("".join(glyphs[start:col]), style=dim)
            style = styled.get(col, (0, Style()))[1]
            track.append(glyphs[col], style=style + cursor if col == here else style)
            start = col + 1
        track.append("".join(glyphs[start:]), style=dim)
        track.append("\n")
        track.append_text(self._caption(trace))
        return track

    def _caption(self, trace: Trace) -> Text:
        """Where the cursor is and what happened there, as long as the width allows."""
        moment = trace[self._index]
        kinds = self.found.get(self._index, frozenset())
        here = [(glyph, mark.value, self._style(name)) for mark, glyph, name in GLYPHS if mark in kinds]
        width = self._width()
        for long_form in (True, False):
            out = Text.assemble(("timeline ", self._style("timeline--label")),
                                f"step {moment.snapshot.step:,} · "
                                f"stop {self._index + 1} of {len(trace)}" if long_form else
                                f"step {moment.snapshot.step:,} · {self._index + 1}/{len(trace)}")
            for glyph, words, style in here:
                out.append(" · " if long_form else " ")
                out.append(f"{glyph} {words}" if long_form else glyph, style=style)
            if out.cell_len <= width:
                break
        if out.cell_len + len(_KEYS) <= width:
            out.append(_KEYS, style=self._style("timeline--keys"))
        out.truncate(width)
        return out

    def on_click(self, event: events.Click) -> None:
        if self._trace is None or event.y != 0:
            return
        step = self._trace[self.index_at(event.x - self.styles.padding.left)].snapshot.step
        self.post_message(self.Selected(self, step))
