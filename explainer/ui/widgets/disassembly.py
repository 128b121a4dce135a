"""The large-frame function, instruction by instruction, with the PC marked.

The eye should land on the epilogue's release of the frame: the instructions
that write RSP are boxed and the box says whether the release is one write or
two. Every byte comes from the engine's assembled :class:`Instruction` values.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from ...engine import asm
from ...engine.program import Function
from ..format import offset, plain

_ROLE_TITLES = {
    "stack-check": "stack check (prologue)",
    "prologue": "prologue: take the frame",
    "body": "body",
    "epilogue": "epilogue: give the frame back",
    "morestack": "morestack tail (runs only when the stack must grow)",
}
_PCDATA_MARK = {asm.SAFE: " ", asm.UNSAFE: "✗",
                asm.RESTART1: "↺", asm.RESTART2: "↺", asm.RESTART_AT_ENTRY: "↺"}


def release_group(fn: Function) -> list[asm.Instruction]:
    """The epilogue's instructions that release the frame: RSP writes and the R27 built for them."""
    epi = [i for i in fn.instructions if i.role == "epilogue"]
    idx = [k for k, i in enumerate(epi) if i.writes_sp or i.uses_r27]
    return epi[idx[0]: idx[-1] + 1] if idx else []


def release_title(group: list[asm.Instruction]) -> str:
    """What the box around the release says."""
    writes = sum(1 for i in group if i.writes_sp)
    if writes > 1:
        return f"release the frame: {writes} writes to RSP"
    if any(i.uses_r27 for i in group):
        return "release the frame: built in R27, then ONE write to RSP"
    return "release the frame: ONE write to RSP"


class DisassemblyPanel(VerticalScroll):
    """main.big_stack as the assembler emitted it."""

    HELP = ("Disassembly of main.big_stack: offset from the entry, the 4-byte word as objdump prints it, "
            "and the instruction in Go syntax (a: ARM syntax). ▶ marks the PC. The box in the epilogue "
            "groups the instructions that give the frame back; between two writes to RSP, SP points into "
            "the middle of the dying frame. The column left of the text is the compiler's UnsafePoint "
            "table: ✗ the runtime never preempts there, ↺ it backs up to the start of a restartable "
            "sequence.")
    DEFAULT_CSS = """
    DisassemblyPanel { border: round $primary; padding: 0 0 0 1; overflow-x: hidden; }
    DisassemblyPanel > Static { width: auto; text-wrap: nowrap; }
    """

    arm_syntax: reactive[bool] = reactive(False)
    """Show ARM syntax (capstone's) instead of Go's."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._text = Static()
        self._fn: Function | None = None
        self._pc = 0
        self._where = ""
        self._highlight: frozenset[int] = frozenset()
        self._line_count = -1
        self.border_title = "Disassembly (Go syntax)"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text (tests and exports read this)."""
        return plain(self._text)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._text

    def show(self, fn: Function, pc: int, where: str, highlight: frozenset[int] = frozenset()) -> None:
        """Mark ``pc``; ``where`` names the function when the PC left main.big_stack.

        ``highlight``: PCs drawn in the highlight colour (a talk's beat points the room at them).
        """
        self._fn, self._pc, self._where, self._highlight = fn, pc, where, highlight
        self._render_lines()

    @property
    def highlighted(self) -> frozenset[int]:
        """The PCs drawn in the highlight colour."""
        return self._highlight

    def watch_arm_syntax(self, arm: bool) -> None:
        self.border_title = f"Disassembly ({'ARM' if arm else 'Go'} syntax)"
        self._render_lines()

    def _render_lines(self) -> None:
        fn = self._fn
        if fn is None:
            return
        group = release_group(fn)
        first, last = (group[0].pc, group[-1].pc) if group else (-1, -1)
        out = Text(no_wrap=True)
        role = ""
        current_line = 0
        lines = 0
        for insn in fn.instructions:
            if insn.role != role:
                role = insn.role
                out.append(f" {_ROLE_TITLES.get(role, role)}\n", style="dim italic")
                lines += 1
            if insn.pc == first:
                out.append(f" ┌ {release_title(group)}\n", style="bold yellow")
                lines += 1
            here = insn.pc == self._pc
            if here:
                current_line = lines
            box = "│" if first <= insn.pc <= last else " "
            text = insn.arm if self.arm_syntax else insn.go
            style = "reverse bold" if here else ("yellow" if box == "│" else "")
            if insn.pc in self._highlight:
                style = "bold black on magenta" if not here else "reverse bold magenta"
            out.append("▶" if here else " ", style="bold cyan")
            out.append(box, style="bold yellow")
            out.append(f" {offset(insn.offset)} {insn.hex} {_PCDATA_MARK.get(insn.unsafe_point, '?')} ",
                       style="dim" if not here else "")
            out.append(text, style=style)
            if here and any(i.writes_sp and i.pc < insn.pc for i in group):
                out.append(" ⚡ SP mid-frame", style="bold red")
            out.append("\n")
            lines += 1
            if insn.pc == last:
                out.append(" └" + "─" * 20 + "\n", style="bold yellow")
                lines += 1
        if fn.at(self._pc) is None:
            out.append(f"▶ PC {self._pc:#x} is in {self._where}\n", style="bold cyan")
            current_line = lines
        # Same function, same number of lines: repaint the text without a layout pass (step latency).
        same_height = out.plain.count("\n") == self._line_count
        self._line_count = out.plain.count("\n")
        self._text.update(out, layout=not same_height)
        self.call_after_refresh(self._scroll_to_line, current_line)

    def _scroll_to_line(self, line: int) -> None:
        """Keep the PC in view, moving only when it nears an edge (no repaint while it stays put)."""
        height = self.scrollable_content_region.height
        if not (self.scroll_y + 2 <= line < self.scroll_y + height - 2):
            self.scroll_to(y=max(0, line - height // 2), animate=False)
