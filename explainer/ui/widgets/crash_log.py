"""A real crash log, as the runtime printed it, with the lines the emulation also printed marked.

The talk ends on real runs: reproducers built by real Go toolchains and run
under qemu-aarch64 (``assets/logs/``). Marking the lines the engine's walk
printed word for word shows the room that the model and the machine agree.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..flow import wrap


class CrashLogPanel(VerticalScroll):
    """The head of a recorded crash log."""

    HELP = ("A crash log recorded from a real reproducer (built by a real Go toolchain for linux/arm64, "
            "run under qemu-aarch64), copied into assets/logs/. Lines in bold (red, in colour) are the "
            "ones the emulated runtime printed too, word for word. On a live beat (LIVE in its title) it "
            "is the real runtime run now at the beat's moment; RECORDED under it says why the recorded "
            "log stayed.")
    COMPONENT_CLASSES = {"crash-log--said"}
    DEFAULT_CSS = """
    CrashLogPanel { border: round $error; padding: 0 1; }
    CrashLogPanel > Static { width: auto; }
    CrashLogPanel > .crash-log--said { color: $error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._body = Static()
        self._lines: list[tuple[str, bool]] = []
        """The log's lines so far, each with whether the emulation printed it too."""
        self._live = False
        self.border_title = "Real crash log"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text."""
        return "".join(line + "\n" for line, _ in self._lines)

    def compose(self) -> ComposeResult:
        yield self._body

    def on_mount(self) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        """A new theme: the marked lines in its colour."""
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._draw)  # after the component styles have the new theme

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """The lines, each broken between words to the panel's width (continuing under itself)."""
        said = self.get_component_rich_style("crash-log--said")
        width = self.scrollable_content_region.width
        out = Text(no_wrap=True)
        for line, marked in self._lines:
            text = Text(line, style=said if marked else "")
            for piece in wrap(text, width, hanging=4) if width > 0 and line.strip() else [text]:
                out.append_text(piece)
                out.append("\n")
        self._body.update(out)

    def show(self, name: str, lines: tuple[str, ...], marks: frozenset[int]) -> None:
        """Show log ``name``; ``marks`` are indexes of lines to draw as the emulation's own words."""
        self.border_title = f"Real crash log · {name}"
        self._lines = [(line.expandtabs(4), i in marks) for i, line in enumerate(lines)]
        self._live = False
        n = len(marks)
        self.border_subtitle = f"{n} line{'s' if n != 1 else ''} also printed by the emulation" if n else ""
        if self.is_mounted:
            self._draw()

    def start_live(self, title: str) -> None:
        """Replace the recorded log with a run that is about to stream its lines."""
        self.border_title = title
        self.border_subtitle = "running…"
        self._lines, self._live = [], True
        self._draw()

    def append(self, line: str, marked: bool) -> None:
        """One more line of the live run; ``marked`` when the emulation printed it too."""
        if not self._live:
            return
        self._lines.append((line.expandtabs(4), marked))
        self._draw()
        self.scroll_end(animate=False)

    def finish_live(self, status: str) -> None:
        """The run ended: say how, and how many of its lines the emulation printed too."""
        marked = sum(m for _, m in self._lines)
        also = f" · {marked} line{'s' if marked != 1 else ''} also printed by the emulation"
        self.border_subtitle = status + (also if marked else "")
