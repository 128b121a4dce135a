"""The Go source beside the machine code, the line of the instruction under ▶ highlighted.

The reproducer's text is the engine's (``gosource``: the shipped file, or the same program scaled to
the frame); each instruction names its own line (``Instruction.line``, from its Prog), so the
highlight is whatever line the compiler gave the instruction, as ``go tool objdump`` prints it. For a
function opened from a binary, the file is the one its function table names: shown when it is at hand
(the path, or that path below the current folder), else the panel says so and still names
``file:line``, which the binary's own line table gives.
"""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...engine.arm64.asm import Instruction
from ...engine.toolchain.gosource import GoSource
from ..state import PaneState

#: The most bytes of a source file read for the panel (a generated file can be huge).
_MAX_SOURCE = 1 << 20


def find_source(path: str) -> list[str] | None:
    """The lines of a binary's source file when it is at hand: the path as the table has it, or, for a
    ``-trimpath`` build's module-relative path, that path below the current folder or one of its parents'
    (a checkout of the module). None when no such file can be read."""
    if not path:
        return None
    candidates = [Path(path)]
    if not Path(path).is_absolute():
        here = Path.cwd()
        candidates += [base / path for base in (here, *here.parents)]
        parts = Path(path).parts
        if len(parts) > 1:  # module/file.go: the module's folder may be the current one
            candidates.append(here / Path(*parts[1:]))
    for candidate in candidates:
        try:
            if candidate.is_file() and candidate.stat().st_size <= _MAX_SOURCE:
                return candidate.read_text(errors="replace").splitlines()
        except OSError:
            continue
    return None


class SourcePanel(ScrollView):
    """Go source, one line a row, the current instruction's line marked ▶ and the selected one ›."""

    HELP = ("The Go source main.big_stack was compiled from (u shows or hides it; shown at 200 columns). "
            "▶ marks the line of the instruction under the PC, as go tool objdump's file:line column "
            "gives it; › the line of the selected instruction. At sizes other than the published 64 KiB "
            "the text is the same program with its buffer scaled to the frame. For explainer open, the "
            "binary's own line table names file:line, and the file is shown when it is at hand.")
    COMPONENT_CLASSES = {"source--current", "source--selected", "source--number"}
    DEFAULT_CSS = """
    SourcePanel { border: round $primary; padding: 0; overflow-x: hidden; scrollbar-size-vertical: 1; }
    SourcePanel > .source--current { background: $secondary 40%; text-style: bold; }
    SourcePanel > .source--selected { text-style: underline; }
    SourcePanel > .source--number { color: $text-muted; }
    """

    state: var[PaneState | None] = var(None)
    selected: var[int | None] = var(None)
    """The selected instruction's PC (its line is marked ›)."""

    def __init__(self, source: GoSource | None, source_file: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source = source
        if source is not None:
            self.lines: list[str] | None = source.lines
            self.border_title = f"Source: {source.about}"
        else:
            self.lines = find_source(source_file)
            self.border_title = f"Source: {source_file or 'unknown file'}"
            if self.lines is None:
                self.styles.height = 4  # two lines say where the file is not, whatever the layout
        self.source_file = source_file
        self._shown_line = 0

    @property
    def plain(self) -> str:
        """What the panel says, as plain text."""
        return "".join(self._text(k).plain + "\n" for k in range(self._rows()))

    def _insn(self, pc: int | None) -> Instruction | None:
        if self.state is None or pc is None:
            return None
        return self.state.function.at(pc)

    @property
    def current(self) -> Instruction | None:
        """The instruction under the PC (None when the PC is outside the function)."""
        return self._insn(self.state.moment.snapshot.pc if self.state else None)

    def _rows(self) -> int:
        return len(self.lines) if self.lines is not None else 2

    def watch_state(self) -> None:
        self._refresh()

    def watch_selected(self) -> None:
        self._refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._shown_line = 0  # scroll again: the panel may have been hidden (no height) until now
        self._refresh()

    def _refresh(self) -> None:
        width = max((len(line) + 8 for line in self.lines or []), default=0)
        self.virtual_size = Size(width, self._rows())
        insn = self.current
        if insn is not None and self.source is None:
            self.border_title = f"Source: {self.source_file or insn.file} · {insn.position}"
        chosen = self._insn(self.selected)
        line = (chosen or insn).line if (chosen or insn) is not None else 0  # type: ignore[union-attr]
        self.refresh()
        if line and line != self._shown_line:
            self.call_after_refresh(self._scroll_to_line, line)

    def _scroll_to_line(self, line: int) -> None:
        """Bring the line into view (the middle, when it is off screen or at an edge)."""
        height = self.scrollable_content_region.height
        if not height:
            return
        self._shown_line = line
        if not (self.scroll_y + 1 <= line - 1 < self.scroll_y + height - 1):
            self.scroll_to(y=max(0, line - 1 - height // 2), animate=False)

    def _text(self, k: int) -> Text:
        if self.lines is None:
            insn = self.current
            where = insn.position if insn is not None and insn.position else "no line"
            return Text([f" {self.source_file or 'the source file'} is not at hand;",
                         f" ▶ is at {where} (the binary's line table)"][k], no_wrap=True)
        current, selected = self.current, self._insn(self.selected)
        here = current is not None and current.line == k + 1 and self._same_file(current)
        chosen = selected is not None and selected.line == k + 1 and self._same_file(selected)
        out = Text(no_wrap=True)
        out.append("▶" if here else "›" if chosen else " ")
        out.append(f"{k + 1:>3} ", style=self.get_component_rich_style("source--number"))
        out.append(self.lines[k].expandtabs(4))
        if here:
            out.stylize(self.get_component_rich_style("source--current"))
        if chosen:
            out.stylize(self.get_component_rich_style("source--selected"), 1)
        return out

    def _same_file(self, insn: Instruction) -> bool:
        """The instruction's line is in the shown file (an inlined call's is in its callee's)."""
        if self.source is not None:
            return insn.file == self.source.name
        return bool(insn.file) and self.source_file.rsplit("/", 1)[-1] == insn.file

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        k = scroll_y + y
        width = self.scrollable_content_region.width
        if k >= self._rows():
            return Strip.blank(width, self.rich_style)
        text = self._text(k)
        strip = Strip(list(text.render(self.app.console)), text.cell_len).apply_style(self.rich_style)
        return strip.crop_extend(scroll_x, scroll_x + width, Style.null() + self.rich_style)
