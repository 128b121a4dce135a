"""A scrubber under the lab: every recorded step as a stop on one line, the telling ones marked.

Two lines tall: the track (stops spread over the width, marks drawn over them,
the cursor in reverse video) and a caption saying where the cursor is and what
happened there. Marks come from :mod:`explainer.engine.experiments.timeline`; this widget
only draws them and turns a click into a :class:`Timeline.Selected` message, so
the pane moves the session (``Session.goto``) as it does for any key. The marks
are recomputed only when the trace or the preemptions changed, never when the
cursor merely moves over recorded steps, so scrubbing costs one repaint.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from ...engine.experiments.session import Preemption, Session, Trace
from ...engine.experiments.timeline import Mark, marks, return_of

#: Glyph and style per mark, most telling first (a column shows the first that applies).
GLYPHS: tuple[tuple[Mark, str, str], ...] = (
    (Mark.BAD_READ, "✗", "bold red"),
    (Mark.PREEMPTED, "◆", "bold yellow"),
    (Mark.RSP, "│", "bold cyan"),
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
    DEFAULT_CSS = """
    Timeline { height: 2; padding: 0 1; }
    """

    class Selected(Message):
        """The user clicked a stop."""

        def __init__(self, timeline: Timeline, step: int) -> None:
            super().__init__()
            self.timeline = timeline
            self.step = step
            """The stop's step (instructions from the entry)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._trace: Trace | None = None
        self._revision = -1
        self._index = 0
        self.found: Mapping[int, frozenset[Mark]] = {}
        """The marked stops, by trace index."""

    def show(self, session: Session, preemptions: Mapping[int, Preemption], revision: int) -> None:
        """Draw the session's trace and cursor; ``revision`` changes whenever ``preemptions`` do."""
        trace, index = session.trace, session.index
        if trace is not self._trace or revision != self._revision:
            self.found = marks(trace, preemptions, *return_of(session))
            self._trace, self._revision = trace, revision
        self._index = index
        self.refresh()

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
        styled: dict[int, tuple[int, str]] = {}  # column -> (rank, style); lower rank tells more
        for i, kinds in self.found.items():
            col = self.column_of(i)
            rank, glyph, style = next((r, g, s) for r, (m, g, s) in enumerate(GLYPHS) if m in kinds)
            if rank < styled.get(col, (len(GLYPHS), ""))[0]:
                glyphs[col], styled[col] = glyph, (rank, style)
        here = self.column_of(self._index)
        # runs of plain track between the styled columns: a few appends, not one per column
        track, start = Text(), 0
        for col in sorted(set(styled) | {here}):
            track.append("".join(glyphs[start:col]), style="dim")
            style = styled.get(col, (0, ""))[1]
            track.append(glyphs[col], style=f"{style} reverse".strip() if col == here else style)
            start = col + 1
        track.append("".join(glyphs[start:]), style="dim")
        track.append("\n")
        track.append_text(self._caption(trace))
        return track

    def _caption(self, trace: Trace) -> Text:
        """Where the cursor is and what happened there, as long as the width allows."""
        moment = trace[self._index]
        kinds = self.found.get(self._index, frozenset())
        here = [(glyph, mark.value, style) for mark, glyph, style in GLYPHS if mark in kinds]
        width = self._width()
        for long_form in (True, False):
            out = Text.assemble(("timeline ", "bold"), f"step {moment.snapshot.step:,} · "
                                f"stop {self._index + 1} of {len(trace)}" if long_form else
                                f"step {moment.snapshot.step:,} · {self._index + 1}/{len(trace)}")
            for glyph, words, style in here:
                out.append(f" · {glyph} {words}" if long_form else f" {glyph}", style=style)
            if out.cell_len <= width:
                break
        if out.cell_len + len(_KEYS) <= width:
            out.append(_KEYS, style="dim")
        out.truncate(width)
        return out

    def on_click(self, event: events.Click) -> None:
        if self._trace is None or event.y != 0:
            return
        step = self._trace[self.index_at(event.x - self.styles.padding.left)].snapshot.step
        self.post_message(self.Selected(self, step))
