"""The large-frame function, instruction by instruction, with the PC marked.

The eye should land on the epilogue's release of the frame: the instructions
that write RSP are boxed and the box says whether the release is one write or
two. Every byte comes from the engine's assembled :class:`Instruction` values;
whether SP stands mid-frame comes from the engine's :class:`Moment` (SP against
entry SP − pcsp), never from the listing's shape. Colours are the theme's,
through the component classes below; the marks (▶, the box, ⚡) are text, so a
no-colour terminal keeps them.

While the pane asks at which instruction a walk crashes, the picked line is
marked (◀ your pick) and a click on an instruction picks it; once judged, the
guessed line keeps a mark (◀ your guess).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...course.predict import Kind
from ...engine.arm64 import asm
from ...engine.experiments.fix import release
from ..format import offset
from ..state import PaneState, PredictionState

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
#: The prediction's marks after a line: while it asks, then once it is judged.
PICK, GUESS = "◀ your pick", "◀ your guess"
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
            "(left out when the panel is narrow), the instruction in Go syntax (a: ARM syntax) and, where "
            "there is room, its file:line as go tool objdump prints it. ▶ marks the PC; › the instruction "
            "selected for an explanation (a click, or ↑ ↓). The box in the epilogue groups the instructions "
            "that give the frame back; between two "
            "writes to RSP, SP points into the middle of the dying frame, and the line under ▶ says "
            "⚡ SP mid-frame, with how far SP is from where the pcsp table puts it. The column left of the "
            "text is the compiler's UnsafePoint table: ✗ the runtime never preempts there, ↺ it backs up "
            "to the start of a restartable sequence.")
    COMPONENT_CLASSES = {
        "disassembly--cursor",
        "disassembly--arrow",
        "disassembly--box",
        "disassembly--boxed",
        "disassembly--heading",
        "disassembly--column",
        "disassembly--highlight",
        "disassembly--highlight-cursor",
        "disassembly--mid-frame",
        "disassembly--selected",
        "disassembly--pick",
        "disassembly--guess",
    }
    DEFAULT_CSS = """
    DisassemblyPanel { border: round $primary; padding: 0; overflow-x: hidden; scrollbar-size-vertical: 1; }
    DisassemblyPanel > .disassembly--cursor { text-style: reverse bold; }
    DisassemblyPanel > .disassembly--arrow { color: $accent; text-style: bold; }
    DisassemblyPanel > .disassembly--box { color: $warning; text-style: bold; }
    DisassemblyPanel > .disassembly--boxed { color: $warning; }
    DisassemblyPanel > .disassembly--heading { color: $text-muted; text-style: italic; }
    DisassemblyPanel > .disassembly--column { color: $text-muted; }
    DisassemblyPanel > .disassembly--highlight { background: $secondary 40%; text-style: bold underline; }
    DisassemblyPanel > .disassembly--highlight-cursor { background: $secondary;
                                                        text-style: reverse bold underline; }
    DisassemblyPanel > .disassembly--mid-frame { color: $error; text-style: bold; }
    DisassemblyPanel > .disassembly--selected { background: $accent 30%; text-style: bold; }
    DisassemblyPanel > .disassembly--pick { color: $accent; text-style: bold reverse; }
    DisassemblyPanel > .disassembly--guess { color: $warning; text-style: bold; }
    """

    state: var[PaneState | None] = var(None)
    """The pane's moment: its function, PC, mid-frame skew and highlighted PCs."""
    arm_syntax: reactive[bool] = reactive(False)
    """Show ARM syntax (capstone's) instead of Go's."""
    selected: var[int | None] = var(None)
    """The PC of the instruction selected for an explanation (marked ›), or None."""
    prediction: var[PredictionState | None] = var(None)
    """The pane's prediction: a line question's pick, then its guess, are marked on their lines
    (while it asks, a click picks instead of selecting: the pane decides)."""

    class Selected(Message):
        """An instruction was clicked."""

        def __init__(self, pc: int) -> None:
            super().__init__()
            self.pc = pc

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._group: list[asm.Instruction] = []
        self._rows: list[_Row] = []
        """The listing (headings, the release's box, instructions) with the mid-frame note, if any."""
        self._line_of: dict[int, int] = {}
        """Listing line of each instruction's PC."""
        self._words = True
        self._positions = ""
        """How each line says its instruction's source position: "file:line" as objdump does, ":line",
        or "" (the panel is too narrow; the source panel and the explanation still say it)."""
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
        return self.state.highlight if self.state is not None else frozenset()

    # --- watchers: the state, the syntax, the size, the theme ---

    def watch_state(self, old: PaneState | None, new: PaneState | None) -> None:
        if new is None:
            return
        moment = new.moment
        relayout = (old is None or new.function is not old.function or new.highlight != old.highlight
                    # the extra lines (the mid-frame note, "PC is in ...") come, go or change
                    or moment.sp_skew != old.moment.sp_skew or new.function.at(moment.snapshot.pc) is None
                    or old.function.at(old.moment.snapshot.pc) is None)
        if relayout:
            self._layout_rows()
        else:
            assert old is not None
            for line in {self._line_of.get(old.moment.snapshot.pc, -1), self._current_line()}:
                self._strips.pop((line, True), None)
                self._strips.pop((line, False), None)
                self.refresh_line(line)  # a line of the listing: ScrollView takes the scroll offset off
        self.call_after_refresh(self._scroll_to_cursor)  # sized by then

    def watch_prediction(self, old: PredictionState | None, new: PredictionState | None) -> None:
        was, now = _marked(old), _marked(new)
        if was == now:
            return
        for pc in {*was, *now} - {None}:
            line = self._line_of.get(pc, -1) if pc is not None else -1
            if line >= 0:
                self._strips.pop((line, True), None)
                self._strips.pop((line, False), None)
                self.refresh_line(line)
        if now[0] is not None and now[0] in self._line_of:
            self.call_after_refresh(self._scroll_to_line, self._line_of[now[0]])

    def watch_selected(self, old: int | None, new: int | None) -> None:
        for pc in (old, new):
            line = self._line_of.get(pc, -1) if pc is not None else -1
            if line >= 0:
                self._strips.pop((line, True), None)
                self._strips.pop((line, False), None)
                self.refresh_line(line)
        if new is not None and new in self._line_of:
            self.call_after_refresh(self._scroll_to_line, self._line_of[new])

    def _scroll_to_line(self, line: int) -> None:
        height = self.scrollable_content_region.height
        if height and not (self.scroll_y <= line < self.scroll_y + height):
            self.scroll_to(y=max(0, line - height // 2), animate=False)

    def on_click(self, event: events.Click) -> None:
        """A click on an instruction selects it (the lab explains it)."""
        at = event.get_content_offset(self)
        k = int(self.scroll_y) + at.y if at is not None else -1
        if 0 <= k < len(self._rows) and self._rows[k].insn is not None:
            event.stop()
            self.post_message(self.Selected(self._rows[k].insn.pc))  # type: ignore[union-attr]

    def pc_after(self, pc: int | None, delta: int) -> int | None:
        """The PC ``delta`` instructions after ``pc`` in the listing (clamped), or None without one."""
        if self.state is None or not self.state.function.instructions:
            return None
        pcs = [i.pc for i in self.state.function.instructions]
        k = pcs.index(pc) if pc in pcs else (pcs.index(self._pc) if self._pc in pcs else 0)
        return pcs[min(max(k + delta, 0), len(pcs) - 1)]

    def watch_arm_syntax(self, arm: bool) -> None:
        self.border_title = f"Disassembly ({'ARM' if arm else 'Go'} syntax)"
        self._layout_rows()

    def on_resize(self, event: events.Resize) -> None:
        """Lay out for the new width (hex words, the box's title) and bring ▶ back into view."""
        self._layout_rows()
        self.call_after_refresh(self._scroll_to_cursor)

    def notify_style_update(self) -> None:
        """A new theme (or class): the cached lines carry the old component styles."""
        super().notify_style_update()
        self._strips.clear()

    # --- the listing ---

    @property
    def _pc(self) -> int:
        return self.state.moment.snapshot.pc if self.state is not None else -1

    @property
    def _skew(self) -> int:
        return self.state.moment.sp_skew if self.state is not None else 0

    def _layout_rows(self) -> None:
        """The listing's lines for the function (headings, the release's box, instructions, notes)."""
        if self.state is None:
            return
        fn, pc = self.state.function, self._pc
        group = release(fn)
        self._group = group
        width = self._width()
        # the hex words only when every instruction but the morestack tail's fits with them
        self._words = not width or width >= max((2 + len(self._column(i, True))
                                                  + len(i.arm if self.arm_syntax else i.go)
                                                 for i in fn.instructions if i.role != "morestack"),
                                                default=0)
        self._positions = _position_mode(
            fn.instructions, width,
            lambda i: 2 + len(self._column(i, self._words)) + len(i.arm if self.arm_syntax else i.go))
        first, last = (group[0].pc, group[-1].pc) if group else (-1, -1)
        title = _fitting(release_titles(group), width - 3) if group else ""
        rows: list[_Row] = []
        role = ""
        for insn in fn.instructions:
            if insn.role != role:
                role = insn.role
                rows.append(_Row("heading", f" {_fitting(_ROLE_TITLES.get(role, (role,)), width - 1)}"))
            if insn.pc == first:
                rows.append(_Row("box", f" ┌ {title}"))
            boxed = first <= insn.pc <= last
            rows.append(_Row("insn", insn=insn, boxed=boxed))
            if insn.pc == pc and self._skew:
                rows.append(_Row("note", boxed=boxed))
            if insn.pc == last:
                rows.append(_Row("box", " └" + "─" * 20))
        if fn.at(pc) is None:
            rows.append(_Row("outside", f"▶ PC {pc:#x} is in {self.state.moment.function}"))
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

    def _column(self, insn: asm.Instruction, words: bool) -> str:
        """The offset, the word (when there is room) and the UnsafePoint mark, before the text."""
        word = f" {insn.hex}" if words else ""
        return f" {offset(insn.offset)}{word} {_PCDATA_MARK.get(insn.unsafe_point, '?')} "

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"disassembly--{name}")

    def _line_text(self, k: int) -> Text:
        row = self._rows[k]
        out = Text(no_wrap=True)
        if row.kind in ("heading", "box", "outside"):
            out.append(row.text, style=self._style({"heading": "heading", "box": "box",
                                                    "outside": "arrow"}[row.kind]))
            return out
        box = "│" if row.boxed else " "
        if row.kind == "note":
            out.append(" ")
            out.append(box, style=self._style("box"))
            note = f"{MID_FRAME}: {abs(self._skew):,} B off the pcsp table"
            width = self._width()
            out.append("   ")
            out.append(note if not width or len(note) + 5 <= width else MID_FRAME,
                       style=self._style("mid-frame"))
            return out
        insn = row.insn
        assert insn is not None
        here = insn.pc == self._pc
        chosen = insn.pc == self.selected
        lit = insn.pc in self.highlighted
        text_style = ("highlight-cursor" if lit else "cursor") if here else \
            ("highlight" if lit else "selected" if chosen else "boxed" if row.boxed else None)
        out.append("▶" if here else "›" if chosen else " ", style=self._style("arrow"))
        out.append(box, style=self._style("box"))
        picked, guessed = _marked(self.prediction)
        mark = f" {PICK}" if insn.pc == picked else f" {GUESS}" if insn.pc == guessed else ""
        text = insn.arm if self.arm_syntax else insn.go
        # a marked line drops its hex word, then cuts its text, so that the mark fits beside it
        words = self._words and (not mark or not self._width() or
                                 2 + len(self._column(insn, True)) + len(text) + len(mark) <= self._width())
        out.append(self._column(insn, words), style=Style() if here else self._style("column"))
        room = self._width() - out.cell_len - len(mark)
        if self._width() and len(text) > room:  # a narrow panel: cut, and say so (the morestack CALL)
            text = text[: max(0, room - 1)] + "…"
        out.append(text, style=self._style(text_style) if text_style else Style())
        if mark:
            out.append(mark, style=self._style("pick" if insn.pc == picked else "guess"))
            return out
        where = insn.position if self._positions == "file:line" else \
            f":{insn.line}" if self._positions == ":line" and insn.line else ""
        if where:  # right-aligned, as a column of its own
            out.append(" " * max(2, self._width() - out.cell_len - len(where)))
            out.append(where, style=self._style("column"))
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


def _position_mode(insns: tuple[asm.Instruction, ...], width: int,
                   used: Callable[[asm.Instruction], int]) -> str:
    """"file:line" when every line (but the morestack tail's) has room for it after its text, ":line" when
    only the number fits, else "" (as the hex words, the column goes first when the panel is narrow)."""
    shown = [i for i in insns if i.role != "morestack" and i.line]
    if not shown or not width:
        return ""
    longest = max(used(i) for i in shown)
    if longest + 2 + max(len(i.position) for i in shown) <= width:
        return "file:line"
    if longest + 2 + max(len(f":{i.line}") for i in shown) <= width:
        return ":line"
    return ""


def _marked(prediction: PredictionState | None) -> tuple[int | None, int | None]:
    """A line question's (picked PC while it asks, guessed PC once answered)."""
    if prediction is None or prediction.question.kind is not Kind.LINE:
        return None, None
    if prediction.asking:
        return prediction.pick, None
    return None, prediction.guess if isinstance(prediction.guess, int) else None


def _fitting(forms: tuple[str, ...], room: int) -> str:
    """The first of ``forms`` (longest first) that fits in ``room`` cells; the shortest if none does."""
    return next((f for f in forms if room < 0 or len(f) <= room), forms[-1])


@dataclass(frozen=True)
class _Row:
    """One line of the listing: a heading, the box's edge, an instruction, the mid-frame note under the
    PC, or where the PC is when it left the function."""

    kind: Literal["heading", "box", "insn", "note", "outside"]
    text: str = ""
    insn: asm.Instruction | None = None
    boxed: bool = False
    """Inside the release's box."""
