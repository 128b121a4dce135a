"""The large-frame function, instruction by instruction, with the PC marked.

The eye should land on the epilogue's release of the frame: the instructions
that write RSP are boxed and the box says whether the release is one write or
two. Every byte comes from the engine's assembled :class:`Instruction` values;
whether SP stands mid-frame comes from the engine's :class:`Moment` (SP against
entry SP − pcsp), never from the listing's shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...engine.arm64 import asm
from ...engine.experiments.fix import release
from ...engine.experiments.session import Moment
from ...engine.toolchain.program import Function
from ..format import offset

#: Each part's heading, longest first (the panel uses the first that fits).
_ROLE_TITLES = {
    "stack-check": ("stack check (prologue)",),
    "prologue": ("prologue: take the frame",),
    "body": ("body",),
    "epilogue": ("epilogue: give the frame back",),
    "morestack": ("morestack tail (runs only when the stack must grow)", "morestack tail"),
}
_PCDATA_MARK = {asm.SAFE: " ", asm.UNSAFE: "✗",
                asm.RESTART1: "↺", asm.RESTART2: "↺", asm.RESTART_AT_ENTRY: "↺"}
MID_FRAME = "⚡ SP mid-frame"
"""The mark under the PC where SP is not where the pcsp table puts it."""


def release_titles(group: list[asm.Instruction]) -> tuple[str, ...]:
    """What the box around the release says, longest first (the panel uses the first that fits)."""
    writes = sum(1 for i in group if i.writes_sp)
    if writes > 1:
        return (f"release the frame: {writes} writes to RSP",)
    if any(i.uses_r27 for i in group):
        return ("release the frame: built in R27, then ONE write to RSP",
                "release the frame: R27, ONE write to RSP", "release the frame: ONE write to RSP")
    return ("release the frame: ONE write to RSP",)


class DisassemblyPanel(ScrollView):
    """main.big_stack as the assembler emitted it.

    Drawn line by line (Textual's line API): a step moves the cursor, so only the line it
    leaves and the line it reaches are drawn again, not the whole listing (step latency).
    """

    HELP = ("Disassembly of main.big_stack: offset from the entry, the 4-byte word as objdump prints it "
            "(left out when the panel is narrow), and the instruction in Go syntax (a: ARM syntax). ▶ marks "
            "the PC. The box in the epilogue groups the instructions that give the frame back; between two "
            "writes to RSP, SP points into the middle of the dying frame, and the line under ▶ says "
            "⚡ SP mid-frame, with how far SP is from where the pcsp table puts it. The column left of the "
            "text is the compiler's UnsafePoint table: ✗ the runtime never preempts there, ↺ it backs up "
            "to the start of a restartable sequence.")
    DEFAULT_CSS = """
    DisassemblyPanel { border: round $primary; padding: 0; overflow-x: hidden; scrollbar-size-vertical: 1; }
    """

    arm_syntax: reactive[bool] = reactive(False)
    """Show ARM syntax (capstone's) instead of Go's."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fn: Function | None = None
        self._pc = 0
        self._where = ""
        self._skew = 0
        self._highlight: frozenset[int] = frozenset()
        self._group: list[asm.Instruction] = []
        self._rows: list[_Row] = []
        """The listing (headings, the release's box, instructions) with the mid-frame note, if any."""
        self._line_of: dict[int, int] = {}
        """Listing line of each instruction's PC."""
        self._words = True
        """Show each instruction's hex word (dropped when the panel is too narrow for it)."""
        self._strips: dict[tuple[int, bool], Strip] = {}
        self.border_title = "Disassembly (Go syntax)"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text (exports read this)."""
        return "".join(self._line_text(k).plain + "\n" for k in range(len(self._rows)))

    @property
    def highlighted(self) -> frozenset[int]:
        """The PCs drawn in the highlight colour."""
        return self._highlight

    def show(self, fn: Function, moment: Moment, highlight: frozenset[int] = frozenset()) -> None:
        """Mark the moment's PC (and whether SP is mid-frame there).

        ``highlight``: PCs drawn in the highlight colour (a talk's beat points the room at them).
        """
        pc, where, skew = moment.snapshot.pc, moment.function, moment.sp_skew
        relayout = fn is not self._fn or highlight != self._highlight
        # the extra lines (the mid-frame note, "PC is in ...") come, go or change: lay out again
        relayout |= (skew != self._skew) or (fn.at(pc) is None) or (self._fn is not None
                                                                   and self._fn.at(self._pc) is None)
        old = self._current_line()
        self._fn, self._highlight, self._pc, self._where, self._skew = fn, highlight, pc, where, skew
        if relayout:
            self._layout_rows()
        else:
            for line in {old, self._current_line()}:
                self._strips.pop((line, True), None)
                self._strips.pop((line, False), None)
                self.refresh_line(line)  # a line of the listing: ScrollView takes the scroll offset off
        self.call_after_refresh(self._scroll_to_cursor)  # sized by then

    def watch_arm_syntax(self, arm: bool) -> None:
        self.border_title = f"Disassembly ({'ARM' if arm else 'Go'} syntax)"
        self._layout_rows()

    def on_resize(self, event: events.Resize) -> None:
        """Lay out for the new width (hex words, the box's title) and bring ▶ back into view."""
        self._layout_rows()
        self.call_after_refresh(self._scroll_to_cursor)

    # --- the listing ---

    def _layout_rows(self) -> None:
        """The listing's lines for the function (headings, the release's box, instructions, notes)."""
        fn = self._fn
        if fn is None:
            return
        group = release(fn)
        self._group = group
        width = self._width()
        # the hex words only when every instruction but the morestack tail's fits with them
        self._words = not width or width >= max((2 + self._insn_text(i, False, True).cell_len
                                                  + len(i.arm if self.arm_syntax else i.go)
                                                 for i in fn.instructions if i.role != "morestack"),
                                                default=0)
        first, last = (group[0].pc, group[-1].pc) if group else (-1, -1)
        title = _fitting(release_titles(group), width - 3) if group else ""
        rows: list[_Row] = []
        role = ""
        for insn in fn.instructions:
            if insn.role != role:
                role = insn.role
                heading = _fitting(_ROLE_TITLES.get(role, (role,)), width - 1)
                rows.append(_Row(_styled(f" {heading}", "dim italic")))
            if insn.pc == first:
                rows.append(_Row(_styled(f" ┌ {title}", "bold yellow")))
            rows.append(_Row(None, insn, first <= insn.pc <= last))
            if insn.pc == self._pc and self._skew:
                rows.append(_Row(None, None, first <= insn.pc <= last, note=True))
            if insn.pc == last:
                rows.append(_Row(_styled(" └" + "─" * 20, "bold yellow")))
        if fn.at(self._pc) is None:
            rows.append(_Row(_styled(f"▶ PC {self._pc:#x} is in {self._where}", "bold cyan")))
        self._rows = rows
        self._line_of = {r.insn.pc: k for k, r in enumerate(rows) if r.insn is not None}
        self._strips.clear()
        self.virtual_size = Size(max((self._line_text(k).cell_len for k in range(len(rows))), default=0),
                                 len(rows))
        self.refresh()

    def _width(self) -> int:
        """Cells a line can use (0 before the first layout)."""
        return self.scrollable_content_region.width

    def _current_line(self) -> int:
        return self._line_of.get(self._pc, len(self._rows) - 1)

    def _insn_text(self, insn: asm.Instruction, here: bool, words: bool) -> Text:
        text = Text(no_wrap=True)
        column = f" {offset(insn.offset)} {insn.hex} " if words else f" {offset(insn.offset)} "
        text.append(column + f"{_PCDATA_MARK.get(insn.unsafe_point, '?')} ", style="" if here else "dim")
        return text

    def _line_text(self, k: int) -> Text:
        row = self._rows[k]
        if row.text is not None:
            return row.text
        box = "│" if row.boxed else " "
        out = Text(no_wrap=True)
        if row.note:
            out.append(" ")
            out.append(box, style="bold yellow")
            note = f"   {MID_FRAME}: {abs(self._skew):,} B off the pcsp table"
            width = self._width()
            out.append(note if not width or len(note) + 2 <= width else f"   {MID_FRAME}", style="bold red")
            return out
        insn = row.insn
        assert insn is not None
        here = insn.pc == self._pc
        style = "reverse bold" if here else ("yellow" if row.boxed else "")
        if insn.pc in self._highlight:
            style = "bold black on magenta" if not here else "reverse bold magenta"
        out.append("▶" if here else " ", style="bold cyan")
        out.append(box, style="bold yellow")
        out.append_text(self._insn_text(insn, here, self._words))
        out.append(insn.arm if self.arm_syntax else insn.go, style=style)
        return out

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        k = scroll_y + y
        width = self.scrollable_content_region.width
        if k >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        here = k == self._current_line()
        strip = self._strips.get((k, here))
        if strip is None:
            text = self._line_text(k)
            # The panel's own colours under the text's (Text.render leaves unstyled cells bare).
            strip = Strip(list(text.render(self.app.console)), text.cell_len).apply_style(self.rich_style)
            self._strips[k, here] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _scroll_to_cursor(self) -> None:
        """Keep ▶ (and the note under it) in view, moving only when it nears an edge.

        With the cursor in the release, the whole box (its title to its last line) is kept in view
        when the panel is tall enough for it: the box says what the two writes are.
        """
        height = self.scrollable_content_region.height
        if not height:
            return
        top = self._current_line()
        bottom = top + (1 if self._skew else 0)
        box = self._box_lines()
        if box and box[0] <= top <= box[1] and box[1] - box[0] < height:
            top, bottom = box
        margin = 2 if height >= bottom - top + 1 + 4 else 0
        if not (self.scroll_y + margin <= top and bottom < self.scroll_y + height - margin):
            middle = (top + bottom) // 2
            self.scroll_to(y=max(0, min(top, middle - height // 2)), animate=False)

    def _box_lines(self) -> tuple[int, int] | None:
        """The listing lines of the release's box: its title and its closing rule."""
        if not self._group:
            return None
        first, last = self._line_of.get(self._group[0].pc), self._line_of.get(self._group[-1].pc)
        if first is None or last is None:
            return None
        end = last + 1 + (1 if self._skew and self._pc == self._group[-1].pc else 0)
        return first - 1, end


def _fitting(forms: tuple[str, ...], room: int) -> str:
    """The first of ``forms`` (longest first) that fits in ``room`` cells; the shortest if none does."""
    return next((f for f in forms if room < 0 or len(f) <= room), forms[-1])


def _styled(text: str, style: str) -> Text:
    """A line styled as a span: Text.render, which the line API uses, ignores a Text's own style."""
    out = Text(no_wrap=True)
    out.append(text, style=style)
    return out


@dataclass(frozen=True)
class _Row:
    """One line of the listing: a heading (text), an instruction, or the mid-frame note under the PC."""

    text: Text | None
    insn: asm.Instruction | None = None
    boxed: bool = False
    """Inside the release's box."""
    note: bool = False
    """The line under ▶ that says SP is mid-frame."""
