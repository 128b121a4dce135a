"""The large-frame function, instruction by instruction, with the PC marked.

The eye should land on the epilogue's release of the frame: the instructions
that write RSP are boxed and the box says whether the release is one write or
two. Every byte comes from the engine's assembled :class:`Instruction` values.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...engine.arm64 import asm
from ...engine.experiments.fix import release
from ...engine.toolchain.program import Function
from ..format import offset

_ROLE_TITLES = {
    "stack-check": "stack check (prologue)",
    "prologue": "prologue: take the frame",
    "body": "body",
    "epilogue": "epilogue: give the frame back",
    "morestack": "morestack tail (runs only when the stack must grow)",
}
_PCDATA_MARK = {asm.SAFE: " ", asm.UNSAFE: "✗",
                asm.RESTART1: "↺", asm.RESTART2: "↺", asm.RESTART_AT_ENTRY: "↺"}


def release_title(group: list[asm.Instruction]) -> str:
    """What the box around the release says."""
    writes = sum(1 for i in group if i.writes_sp)
    if writes > 1:
        return f"release the frame: {writes} writes to RSP"
    if any(i.uses_r27 for i in group):
        return "release the frame: built in R27, then ONE write to RSP"
    return "release the frame: ONE write to RSP"


class DisassemblyPanel(ScrollView):
    """main.big_stack as the assembler emitted it.

    Drawn line by line (Textual's line API): a step moves the cursor, so only the line it
    leaves and the line it reaches are drawn again, not the whole listing (step latency).
    """

    HELP = ("Disassembly of main.big_stack: offset from the entry, the 4-byte word as objdump prints it, "
            "and the instruction in Go syntax (a: ARM syntax). ▶ marks the PC. The box in the epilogue "
            "groups the instructions that give the frame back; between two writes to RSP, SP points into "
            "the middle of the dying frame. The column left of the text is the compiler's UnsafePoint "
            "table: ✗ the runtime never preempts there, ↺ it backs up to the start of a restartable "
            "sequence.")
    DEFAULT_CSS = """
    DisassemblyPanel { border: round $primary; padding: 0 0 0 1; overflow-x: hidden; }
    """

    arm_syntax: reactive[bool] = reactive(False)
    """Show ARM syntax (capstone's) instead of Go's."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fn: Function | None = None
        self._pc = 0
        self._where = ""
        self._highlight: frozenset[int] = frozenset()
        self._rows: list[_Row] = []
        self._line_of: dict[int, int] = {}
        """Listing line of each instruction's PC."""
        self._group: list[asm.Instruction] = []
        self._strips: dict[tuple[int, bool], Strip] = {}
        self.border_title = "Disassembly (Go syntax)"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text (tests and exports read this)."""
        return "".join(self._line_text(k).plain + "\n" for k in range(len(self._lines())))

    def show(self, fn: Function, pc: int, where: str, highlight: frozenset[int] = frozenset()) -> None:
        """Mark ``pc``; ``where`` names the function when the PC left main.big_stack.

        ``highlight``: PCs drawn in the highlight colour (a talk's beat points the room at them).
        """
        if fn is not self._fn or highlight != self._highlight:
            self._fn, self._highlight = fn, highlight
            self._layout_rows()
        old = self._current_line()
        outside_before = self._fn is not None and self._fn.at(self._pc) is None
        self._pc, self._where = pc, where
        outside = fn.at(pc) is None
        if outside or outside_before:  # the "PC is in ..." line comes or goes (or changes)
            self._redraw_all()
        else:
            for line in {old, self._current_line()}:
                self._strips.pop((line, True), None)
                self._strips.pop((line, False), None)
                self.refresh_line(line - self.scroll_offset.y)
        self.call_after_refresh(self._scroll_to_line, self._current_line())  # sized by then

    @property
    def highlighted(self) -> frozenset[int]:
        """The PCs drawn in the highlight colour."""
        return self._highlight

    def watch_arm_syntax(self, arm: bool) -> None:
        self.border_title = f"Disassembly ({'ARM' if arm else 'Go'} syntax)"
        self._layout_rows()

    # --- the listing ---

    def _layout_rows(self) -> None:
        """The listing's lines for the function (headings, the release's box, instructions)."""
        fn = self._fn
        if fn is None:
            return
        group = release(fn)
        first, last = (group[0].pc, group[-1].pc) if group else (-1, -1)
        rows: list[_Row] = []
        role = ""
        for insn in fn.instructions:
            if insn.role != role:
                role = insn.role
                rows.append(_Row(_styled(f" {_ROLE_TITLES.get(role, role)}", "dim italic")))
            if insn.pc == first:
                rows.append(_Row(_styled(f" ┌ {release_title(group)}", "bold yellow")))
            rows.append(_Row(None, insn, first <= insn.pc <= last))
            if insn.pc == last:
                rows.append(_Row(_styled(" └" + "─" * 20, "bold yellow")))
        self._rows, self._group = rows, group
        self._line_of = {r.insn.pc: k for k, r in enumerate(rows) if r.insn is not None}
        self._redraw_all()

    def _lines(self) -> list[_Row]:
        if self._fn is not None and self._fn.at(self._pc) is None:
            return self._rows + [_Row(_styled(f"▶ PC {self._pc:#x} is in {self._where}", "bold cyan"))]
        return self._rows

    def _current_line(self) -> int:
        return self._line_of.get(self._pc, len(self._rows))

    def _line_text(self, k: int) -> Text:
        row = self._lines()[k]
        if row.text is not None:
            return row.text
        insn = row.insn
        assert insn is not None
        here = insn.pc == self._pc
        box = "│" if row.boxed else " "
        style = "reverse bold" if here else ("yellow" if row.boxed else "")
        if insn.pc in self._highlight:
            style = "bold black on magenta" if not here else "reverse bold magenta"
        out = Text(no_wrap=True)
        out.append("▶" if here else " ", style="bold cyan")
        out.append(box, style="bold yellow")
        out.append(f" {offset(insn.offset)} {insn.hex} {_PCDATA_MARK.get(insn.unsafe_point, '?')} ",
                   style="dim" if not here else "")
        out.append(insn.arm if self.arm_syntax else insn.go, style=style)
        if here and any(i.writes_sp and i.pc < insn.pc for i in self._group):
            out.append(" ⚡ SP mid-frame", style="bold red")
        return out

    def _redraw_all(self) -> None:
        self._strips.clear()
        lines = self._lines()
        width = max((self._line_text(k).cell_len for k in range(len(lines))), default=0)
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        k = scroll_y + y
        width = self.scrollable_content_region.width
        if k >= len(self._lines()):
            return Strip.blank(width, self.rich_style)
        here = k == self._current_line()
        strip = self._strips.get((k, here))
        if strip is None:
            text = self._line_text(k)
            # The panel's own colours under the text's (Text.render leaves unstyled cells bare).
            strip = Strip(list(text.render(self.app.console)), text.cell_len).apply_style(self.rich_style)
            self._strips[k, here] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _scroll_to_line(self, line: int) -> None:
        """Keep the PC in view, moving only when it nears an edge (no repaint while it stays put)."""
        height = self.scrollable_content_region.height
        if height and not (self.scroll_y + 2 <= line < self.scroll_y + height - 2):
            self.scroll_to(y=max(0, line - height // 2), animate=False)


def _styled(text: str, style: str) -> Text:
    """A line styled as a span: Text.render, which the line API uses, ignores a Text's own style."""
    out = Text(no_wrap=True)
    out.append(text, style=style)
    return out


@dataclass(frozen=True)
class _Row:
    """One line of the listing: a heading (text) or an instruction."""

    text: Text | None
    insn: asm.Instruction | None = None
    boxed: bool = False
    """Inside the release's box."""
