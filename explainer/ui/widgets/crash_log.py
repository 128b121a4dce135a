"""A real crash log, as the runtime printed it, with the lines the emulation also printed marked.

The talk ends on real runs: reproducers built by real Go toolchains and run
under qemu-aarch64 (``assets/logs/``). Marking the lines the engine's walk
printed word for word shows the room that the model and the machine agree.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..format import plain


class CrashLogPanel(VerticalScroll):
    """The head of a recorded crash log."""

    HELP = ("A crash log recorded from a real reproducer (built by a real Go toolchain for linux/arm64, "
            "run under qemu-aarch64), copied into assets/logs/. Lines in bold red are the ones the "
            "emulated runtime printed too, word for word.")
    DEFAULT_CSS = """
    CrashLogPanel { border: round $error; padding: 0 1; }
    CrashLogPanel > Static { width: auto; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._body = Static()
        self._live: Text | None = None
        self._marked = 0
        self.border_title = "Real crash log"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text."""
        return plain(self._body)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def show(self, name: str, lines: tuple[str, ...], marks: frozenset[int]) -> None:
        """Show log ``name``; ``marks`` are indexes of lines to draw as the emulation's own words."""
        self.border_title = f"Real crash log · {name}"
        out = Text(no_wrap=True)
        for i, line in enumerate(lines):
            out.append(line.expandtabs(4) + "\n", style="bold red" if i in marks else "")
        self._body.update(out)
        self._live = None
        n = len(marks)
        self.border_subtitle = f"{n} line{'s' if n != 1 else ''} also printed by the emulation" if n else ""

    def start_live(self, title: str) -> None:
        """Replace the recorded log with a run that is about to stream its lines."""
        self.border_title = title
        self.border_subtitle = "running…"
        self._live = Text(no_wrap=True)
        self._marked = 0
        self._body.update(self._live)

    def append(self, line: str, marked: bool) -> None:
        """One more line of the live run; ``marked`` when the emulation printed it too."""
        if self._live is None:
            return
        self._live.append(line.expandtabs(4) + "\n", style="bold red" if marked else "")
        self._marked += marked
        self._body.update(self._live)
        self.scroll_end(animate=False)

    def finish_live(self, status: str) -> None:
        """The run ended: say how, and how many of its lines the emulation printed too."""
        also = f" · {self._marked} line{'s' if self._marked != 1 else ''} also printed by the emulation"
        self.border_subtitle = status + (also if self._marked else "")
