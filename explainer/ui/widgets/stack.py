"""The goroutine stack, high addresses on top, as runtime engineers draw it.

Rows come from the engine's :class:`StackView`; this widget only lays them
out: a rule where one frame ends and the next begins, folds for long runs of
buffer, and arrows for SP, FP, the slot the unwinder read and the slot where
the return address really is. Rows are laid out for the panel's width (labels
never wrap inside; see :mod:`..flow`) and again when it changes, and the SP row
is brought back into view each time. The arrows are words, so they survive a
no-colour terminal; their colours are the theme's (component classes).

While the pane asks which slot the unwinder will read, the picked row is marked
(◀ your pick) and a click on a one-word row says which (a fold is many slots);
once judged, the guessed row keeps a mark (◀ your guess) beside the engine's.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import Static

from ...course.predict import Kind
from ...engine.experiments.stackview import StackRow, StackView
from ..flow import flow
from ..format import addr, plain, size, word
from ..state import PaneState, PredictionState

#: Each mark's label and component class.
_MARKS = {"SP": "◀ SP", "FP": "◀ FP", "read": "◀ LR read here", "real": "◀ real LR",
          "pick": "◀ your pick", "guess": "◀ your guess"}
_ADDR = 12
"""Cells of a goroutine stack address (0x40000bdf20)."""
_ALIGNED = 48
"""From this width on, values line up in a column; below it they follow the address directly."""


class StackPanel(VerticalScroll):
    """Annotated stack words; big regions folded."""

    HELP = ("The goroutine stack, high addresses on top. A rule marks where each frame begins; long runs "
            "of buffer are folded into one row that says how many bytes it hides and, when every word is "
            "the same, which. ◀ SP and ◀ FP follow the registers. After an unwind, one arrow marks the "
            "slot the unwinder read as main.big_stack's return address and another the slot where that "
            "address really is; the distance between them, in bytes, is the bug.")
    COMPONENT_CLASSES = {"stack--rule", "stack--fold", "stack--value", "stack--SP", "stack--FP",
                         "stack--read", "stack--real", "stack--pick", "stack--guess", "stack--picked"}
    DEFAULT_CSS = """
    StackPanel { border: round $primary; padding: 0 0 0 1; border-subtitle-color: $error;
                 scrollbar-size-vertical: 1; }
    StackPanel > .stack--rule { color: $text-muted; }
    StackPanel > .stack--fold { color: $text-muted; }
    StackPanel > .stack--value { text-style: bold; }
    StackPanel > .stack--SP { color: $accent; text-style: bold; }
    StackPanel > .stack--FP { color: $accent; }
    StackPanel > .stack--read { color: $error; text-style: bold; }
    StackPanel > .stack--real { color: $success; text-style: bold; }
    StackPanel > .stack--pick { color: $accent; text-style: bold reverse; }
    StackPanel > .stack--guess { color: $warning; text-style: bold; }
    StackPanel > .stack--picked { text-style: reverse; }
    """

    state: var[PaneState | None] = var(None)
    """The pane's moment: the stack to draw (the parked one after a preemption) and the frame sizes."""
    prediction: var[PredictionState | None] = var(None)
    """The pane's prediction: a slot question's pick, then its guess, are marked on their rows."""

    class RowClicked(Message):
        """A one-word row was clicked (the pane picks it for a slot question)."""

        def __init__(self, address: int) -> None:
            super().__init__()
            self.address = address

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._body = Static()
        self._lines: list[Text] = []
        self._row_of_line: list[StackRow | None] = []
        """The row each laid-out line belongs to (None for a frame's rule)."""
        self._focus = 0
        self.border_title = "Stack (high addresses on top)"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text (exports read this), subtitle last."""
        text = plain(self._body)
        return f"{text}\n{self.border_subtitle}"

    def compose(self) -> ComposeResult:
        yield self._body

    @property
    def view(self) -> StackView | None:
        """The stack drawn."""
        return self.state.stack if self.state is not None else None

    def watch_state(self, old: PaneState | None, new: PaneState | None) -> None:
        if new is None or (old is not None and old.stack == new.stack):
            return  # nothing on the stack changed: no repaint
        view = new.stack
        self.border_subtitle = ""
        if view.distance is not None:  # the bug, measured, on the border where it is always seen
            d = view.distance
            self.border_subtitle = ("LR read from the right slot" if d == 0 else
                                    f"LR read {abs(d):,} B {'above' if d > 0 else 'below'} the real one")
        self._lay_out()

    def watch_prediction(self, old: PredictionState | None, new: PredictionState | None) -> None:
        if _marked(old) != _marked(new):
            self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out(force=True)

    def on_click(self, event: events.Click) -> None:
        # from the screen's row: the event may come up from the body, whose offsets are its own
        y = event.screen_y - self.content_region.y
        k = int(self.scroll_y) + y if 0 <= y < self.content_region.height else -1
        row = self._row_of_line[k] if 0 <= k < len(self._row_of_line) else None
        if row is not None and not row.folded:
            event.stop()
            self.post_message(self.RowClicked(row.addr))

    def notify_style_update(self) -> None:
        """A new theme: draw the rows again in its colours."""
        super().notify_style_update()
        if self.is_mounted:
            # after the component styles have the new theme; where the view is stays (a click focuses
            # the panel, which restyles it: the row clicked must stay under the pointer)
            self.call_later(self._lay_out, True, False)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"stack--{name}")

    def _lay_out(self, force: bool = False, center: bool = True) -> None:
        if self.state is None:
            return
        view, sizes = self.state.stack, self.state.frame_sizes
        width = self.scrollable_content_region.width
        lines: list[Text] = []
        rows: list[StackRow | None] = []
        owner = ""
        focus = 0
        picked, guessed = _marked(self.prediction)
        for row in view.rows:
            if row.frame != owner:
                owner = row.frame
                lines.append(self._rule(owner, sizes, width))
                rows.append(None)
            extra = ("pick",) if row.addr == picked and not row.folded else \
                ("guess",) if row.addr == guessed and not row.folded else ()
            if picked is not None and extra:
                focus = len(lines)
            elif picked is None and focus == 0 and ("SP" in row.marks or "read" in row.marks):
                focus = len(lines)
            flowed = flow(self._atoms(row, width, extra), width, indent=4)
            if extra == ("pick",):
                for line in flowed:
                    line.stylize(self._style("picked"))
            lines.extend(flowed)
            rows.extend([row] * len(flowed))
        if not force and [t.plain for t in lines] == [t.plain for t in self._lines]:
            return  # nothing on the stack changed: no repaint
        same_height = len(lines) == len(self._lines)
        self._lines, self._focus, self._row_of_line = lines, focus, rows
        self._body.update(Text("\n").join(lines), layout=force or not same_height)
        if center:
            self.call_after_refresh(self._center)

    def _center(self) -> None:
        """Scroll so the SP row sits a third of the way down (one painted line per laid-out line)."""
        self.scroll_to(y=max(0, self._focus - self.scrollable_content_region.height // 3), animate=False)

    def _rule(self, owner: str, frame_sizes: Mapping[str, int], width: int) -> Text:
        """Where a frame begins: its function and frame size, drawn across the panel."""
        if owner == "free":
            names = ["── free stack "]
        elif owner == "pushCall":
            names = ["── pushed by SIGURG's pushCall (16 B) ", "── pushCall (16 B) "]
        else:
            n = frame_sizes.get(owner)
            sized = [f"── {owner} (frame {size(n)}) ", f"── {owner} ({size(n)}) "] if n else []
            names = sized + [f"── {owner} "]
        text = next((t for t in names if width <= 0 or len(t) + 2 <= width), names[-1])
        rule = Text(text + "─" * max(2, width - 1 - len(text)) if width > 0 else text + "──",
                    style=self._style("rule"))
        if width > 0:
            rule.truncate(width, overflow="ellipsis")
        return rule

    def _atoms(self, row: StackRow, width: int, extra: tuple[str, ...] = ()) -> list[Text]:
        """The labels of one row, in reading order: address and value, what it is, then its marks
        (and the prediction's: ``pick``, ``guess``)."""
        if row.folded:  # one label: the longest telling that fits the panel
            fold = self._style("fold")
            forms = [f"… {row.size:,} B of {row.meaning}" + (f", all {word(row.value)} …"
                                                            if row.value is not None else " …"),
                     f"… {row.size:,} B of {row.meaning} …", f"… {row.size:,} B …"]
            # on the address's line if any form fits there, else the longest that fits a line of its own
            what = next((f for f in forms if width <= 0 or _ADDR + 2 + len(f) <= width),
                        next((f for f in forms if len(f) + 4 <= width), forms[-1]))
            return [Text(f"{addr(row.addr):>{_ADDR}}", style=fold), Text(what, style=fold)]
        head = Text(f"{addr(row.addr):>{_ADDR}} ")
        value = word(row.value)
        aligned = width <= 0 or width >= _ALIGNED
        head.append(f"{value:>{_ADDR}}" if aligned else value,
                    style=self._style("value") if row.marks else Style())
        atoms = [head, Text(row.meaning)]
        for m in row.marks + extra:
            atoms.append(Text(_MARKS[m], style=self._style(m)))
        return atoms


def _marked(prediction: PredictionState | None) -> tuple[int | None, int | None]:
    """A slot question's (picked address while it asks, guessed address once answered)."""
    if prediction is None or prediction.question.kind is not Kind.SLOT:
        return None, None
    if prediction.asking:
        return prediction.pick, None
    return None, prediction.guess if isinstance(prediction.guess, int) else None
