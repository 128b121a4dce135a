"""Every general register at the current moment, changed ones highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...engine.emulator.machine import REG_NAMES, Snapshot
from ..format import reg_label

#: The registers the story turns on come first; the rest follow in order.
_FIRST = ("PC", "RSP", "R29", "R30", "R27", "R28")
_CELL = 24


class RegistersPanel(Static):
    """R0–R30, RSP and PC under Go's names."""

    HELP = ("Registers under Go's names: R27 TMP is the assembler's scratch register (the fix builds the "
            "frame size there), R28 g the current goroutine, R29 FP the frame pointer, R30 LR the link "
            "register. Values the last step changed are shown in reverse video and listed on the first "
            "line.")
    DEFAULT_CSS = """
    RegistersPanel { border: round $primary; padding: 0 1; height: auto; max-height: 12; overflow-y: auto; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "Registers"
        self._snap: Snapshot | None = None

    def show(self, snap: Snapshot) -> None:
        """Draw ``snap``."""
        self._snap = snap
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        snap = self._snap
        if snap is None:
            return
        names = list(_FIRST) + [n for n in REG_NAMES if n not in _FIRST]
        columns = max(1, ((self.content_region.width or 80) + 1) // (_CELL + 1))
        changed = ", ".join(sorted(snap.changed - {"PC"})) or "none"
        out = Text(f"changed: {changed}", style="dim")
        for k, name in enumerate(names):
            out.append("\n" if k % columns == 0 else " ")
            out.append_text(self._cell(name, snap))
        self.update(out, layout=False)

    @staticmethod
    def _cell(name: str, snap: Snapshot) -> Text:
        value = snap.pc if name == "PC" else snap.reg(name)
        style = "reverse" if name in snap.changed else ""
        t = Text(f"{reg_label(name):<7}", style="bold" if name in _FIRST else "dim")
        t.append(f"{value:>#16x}", style=style)
        return t
