"""Every general register at the current moment, changed ones highlighted.

Cells are laid out in as many columns as the width holds, in an order that
keeps what matters in view however small the panel: the registers the story
turns on, then the ones the last step changed (R2 before R17), then the rest.
The ``changed`` line names the changed registers the panel draws in view, in
that order, and counts the ones a short panel cannot hold. A brief panel (the
split view's, half a screen wide) shows PC, RSP, FP and LR on one line.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.css.scalar import Unit
from textual.reactive import var
from textual.widgets import Static

from ...engine.emulator.machine import REG_NAMES, Snapshot
from ..flow import flow
from ..format import reg_label
from ..state import PaneState

#: The registers the story turns on come first; the rest follow in order.
_FIRST = ("PC", "RSP", "R29", "R30", "R27", "R28")
#: A brief panel's registers: where the goroutine is, its SP, FP and LR.
_BRIEF = ("PC", "RSP", "R29", "R30")


def ordered(snap: Snapshot) -> list[str]:
    """The cells in display order: the story's, then the changed ones (R0 before R2 before R17), the rest."""
    rest = [n for n in REG_NAMES if n not in _FIRST]
    return list(_FIRST) + [n for n in rest if n in snap.changed] + [n for n in rest if n not in snap.changed]


class RegistersPanel(Static):
    """R0–R30, RSP and PC under Go's names."""

    HELP = ("Registers under Go's names: R27 TMP is the assembler's scratch register (the fix builds the "
            "frame size there), R28 g the current goroutine, R29 FP the frame pointer, R30 LR the link "
            "register. Values the last step changed are shown in reverse video, named on the first line "
            "and drawn right after PC, RSP, R29, R30, R27 and R28, so they stay in view.")
    COMPONENT_CLASSES = {"registers--changed", "registers--story", "registers--other", "registers--legend"}
    DEFAULT_CSS = """
    RegistersPanel { border: round $primary; padding: 0 1; height: auto; max-height: 12; overflow-y: auto; }
    RegistersPanel.brief { border: none; padding: 0 1; max-height: 2; }
    RegistersPanel > .registers--changed { text-style: reverse; }
    RegistersPanel > .registers--story { text-style: bold; }
    RegistersPanel > .registers--other { color: $text-muted; }
    RegistersPanel > .registers--legend { color: $text-muted; }
    """

    state: var[PaneState | None] = var(None)
    """The pane's moment: the registers of its snapshot."""

    def __init__(self, brief: bool = False, *, id: str | None = None, classes: str | None = None) -> None:
        """``brief``: PC, RSP, FP and LR only, on one line with no border (half a screen)."""
        super().__init__(id=id, classes=classes)
        self.brief = brief
        self.set_class(brief, "brief")
        if not brief:
            self.border_title = "Registers"
        self._height = 0

    def watch_state(self, old: PaneState | None, new: PaneState | None) -> None:
        if new is not None and (old is None or old.moment.snapshot != new.moment.snapshot):
            self._draw()

    def on_resize(self) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        """A new theme: draw the cells again in its colours."""
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._draw)  # after the component styles have the new theme

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"registers--{name}")

    def _draw(self) -> None:
        if self.state is None:
            return
        snap = self.state.moment.snapshot
        width = self.content_region.width or 80
        out = self._brief(snap, width) if self.brief else self._full(snap, width)
        # a new layout only when the panel's height changes (a step usually changes values, not lines)
        lines = len(out.wrap(self.app.console, max(1, width)))
        self.update(out, layout=lines != self._height)
        self._height = lines

    def _value(self, snap: Snapshot, name: str) -> Text:
        value = snap.pc if name == "PC" else snap.reg(name)
        return Text(f"{value:#x}", style=self._style("changed") if name in snap.changed else Style())

    def _brief(self, snap: Snapshot, width: int) -> Text:
        cells = [Text.assemble((f"{name} ", self._style("story")), self._value(snap, name))
                 for name in _BRIEF]
        return Text("\n").join(flow(cells, width, indent=0))

    def _full(self, snap: Snapshot, width: int) -> Text:
        names = ordered(snap)
        values = {n: self._value(snap, n) for n in names}
        digits = max(v.cell_len for v in values.values())
        # Go's names (R29 FP) when two columns still fit, else the bare register names
        labels = {n: reg_label(n) for n in names}
        if (len(max(labels.values(), key=len)) + 1 + digits) * 2 + 2 > width:
            labels = {n: n for n in names}
        label = max(len(t) for t in labels.values())
        cell = label + 1 + digits
        columns = max(1, (width + 2) // (cell + 2))
        rows = [names[k: k + columns] for k in range(0, len(names), columns)]
        changed = [n for n in names if n in snap.changed and n != "PC"]
        header = self._changed_line(changed, rows, width)
        out = Text(header, style=self._style("legend"))
        for row in rows:
            out.append("\n")
            for k, name in enumerate(row):
                if k:
                    out.append("  ")
                kind = "story" if name in _FIRST else "other"
                out.append(f"{labels[name]:<{label}} ", style=self._style(kind))
                out.append(" " * (digits - values[name].cell_len))
                out.append_text(values[name])
        return out

    def _changed_line(self, changed: list[str], rows: list[list[str]], width: int) -> str:
        """``changed: ...`` naming only the changed cells in view (the panel may be shorter than its rows),
        broken only between names. The rows in view depend on how many lines this line takes."""
        max_height = self.styles.max_height
        if max_height is None or max_height.unit != Unit.CELLS:
            return _changed_text(changed, 0, width)
        for header_lines in range(1, len(changed) + 2):  # the fewer its lines, the more rows in view
            room = int(max_height.value) - 2 - header_lines  # the border, the changed line
            seen = {n for row in rows[:max(0, room)] for n in row}
            shown = [n for n in changed if n in seen]
            hidden = len(changed) - len(shown)
            text = _changed_text(shown, hidden, width)
            lines = text.count("\n") + 1
            if lines == header_lines:
                return text
            if lines < header_lines:  # fewer lines would bring rows into view that it does not name
                if hidden:
                    names = _changed_text(shown, 0, width)
                    text = f"{names}\n  (+{hidden} below)"
                return text + "\n" * (header_lines - text.count("\n") - 1)
        return text


def _changed_text(names: list[str], hidden: int, width: int) -> str:
    """``changed: RSP, R27, R0 (+6 below)`` in lines of ``width`` cells, broken only between names."""
    words = [f"{n}," for n in names[:-1]] + names[-1:] or ["none" if not hidden else "none in view"]
    atoms = [Text(w) for w in ["changed:", *words, *([f"(+{hidden} below)"] if hidden else [])]]
    return "\n".join(line.plain for line in flow(atoms, width, indent=2, gap=1))
