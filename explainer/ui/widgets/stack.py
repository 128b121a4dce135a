"""The goroutine stack, high addresses on top, as runtime engineers draw it.

Rows come from the engine's :class:`StackView`; this widget only lays them
out: a rule where one frame ends and the next begins, folds for long runs of
buffer, and arrows for SP, FP, the slot the unwinder read and the slot where
the return address really is.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...engine.experiments.stackview import StackRow, StackView
from ..format import addr, plain, size, word

_MARKS = {
    "SP": ("◀ SP", "bold cyan"),
    "FP": ("◀ FP", "cyan"),
    "read": ("◀ LR read here", "bold red"),
    "real": ("◀ real LR", "bold green"),
}


class StackPanel(VerticalScroll):
    """Annotated stack words; big regions folded."""

    HELP = ("The goroutine stack, high addresses on top. A rule marks where each frame begins; long runs "
            "of buffer are folded into one row that says how many bytes it hides and, when every word is "
            "the same, which. ◀ SP and ◀ FP follow the registers. After an unwind, one arrow marks the "
            "slot the unwinder read as main.big_stack's return address and another the slot where that "
            "address really is; the distance between them, in bytes, is the bug.")
    DEFAULT_CSS = """
    StackPanel { border: round $primary; padding: 0 1; border-subtitle-color: $error; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._body = Static()
        self._lines: list[Text] = []
        self.border_title = "Stack (high addresses on top)"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text (tests and exports read this), subtitle last."""
        text = plain(self._body)
        return f"{text}\n{self.border_subtitle}"

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, view: StackView, frame_sizes: dict[str, int]) -> None:
        """Draw ``view``; ``frame_sizes`` names each function's frame for the rules."""
        lines: list[Text] = []
        self.border_subtitle = ""
        if view.distance is not None:  # the bug, measured, on the border where it is always seen
            d = view.distance
            self.border_subtitle = ("LR read from the right slot" if d == 0 else
                                    f"LR read {abs(d):,} B {'above' if d > 0 else 'below'} the real one")
        owner = ""
        focus = 0
        for row in view.rows:
            if row.frame != owner:
                owner = row.frame
                lines.append(Text(_rule(owner, frame_sizes), style="dim"))
            if focus == 0 and ("SP" in row.marks or "read" in row.marks):
                focus = len(lines)
            lines.append(_line(row))
        if [t.plain for t in lines] == [t.plain for t in self._lines]:
            return  # nothing on the stack changed: no repaint
        same_height = len(lines) == len(self._lines)
        self._lines = lines
        self._body.update(Text("\n").join(lines), layout=not same_height)
        self.call_after_refresh(self._center, focus)

    def _center(self, index: int) -> None:
        """Scroll so the SP row sits a third of the way down, counting wrapped lines exactly."""
        width = max(1, self.scrollable_content_region.width)
        console = self.app.console
        y = sum(len(t.wrap(console, width)) for t in self._lines[:index])
        self.scroll_to(y=max(0, y - self.scrollable_content_region.height // 3), animate=False)


def _rule(owner: str, frame_sizes: dict[str, int]) -> str:
    if owner == "free":
        return "── free stack ──"
    if owner == "pushCall":
        return "── pushed by SIGURG's pushCall (16 B) ──"
    n = frame_sizes.get(owner)
    return f"── {owner}" + (f" (frame {size(n)})" if n else "") + " ──"


def _line(row: StackRow) -> Text:
    line = Text(f"{addr(row.addr):>12} ", style="dim" if row.folded else "")
    if row.folded:
        what = f"  … {row.size:,} B of {row.meaning}"
        if row.value is not None:
            what += f", all {word(row.value)}"
        line.append(what + " …", style="dim")
        return line
    line.append(f"{word(row.value):>12}", style="bold" if row.marks else "")
    line.append(f"  {row.meaning}")
    for m in row.marks:
        label, style = _MARKS[m]
        line.append(f"  {label}", style=style)
    return line
