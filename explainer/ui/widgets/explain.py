"""One instruction explained: what it does, where it came from, its encoding's fields, and whether the
runtime would preempt it there, by which rule.

Everything is the engine's: the effect and fields from ``fields.decode`` (the word's Arm ARM class),
the line from the instruction's own ``file:line``, the verdict from the one ``isAsyncSafePoint``
(``engine.runtime.safepoint``) with its ``Reason``, said in the engine's own words (``preempt.why``).
When the instruction is the one under the PC, the registers it reads are shown with their values now.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.widgets import Static

from ...engine.arm64 import asm
from ...engine.arm64.fields import Field, decode
from ...engine.releases.preemption import rule_for
from ...engine.releases.versions import GoVersion
from ...engine.runtime.preempt import why
from ...engine.runtime.safepoint import Reason, is_async_safe_point
from ...engine.toolchain.program import Function
from ..format import offset
from ..state import PaneState

_UNSAFE_POINT = {asm.SAFE: "-1 (safe)", asm.UNSAFE: "-2 (unsafe)", asm.RESTART1: "-3 (restartable)",
                 asm.RESTART2: "-4 (restartable)", asm.RESTART_AT_ENTRY: "-5 (restart at entry)"}
_READS = ("Rn", "Rm", "Ra")


def explanation(function: Function, insn: asm.Instruction, version: GoVersion,
                registers: dict[str, int] | None = None) -> list[Text | Table]:
    """The lines that explain ``insn`` of ``function``; ``registers`` (Go name → value) when it is
    the instruction under the PC, for the values it reads."""
    d = decode(insn.word)
    where = insn.position or "no source line (the lab's own instruction)"
    lines: list[Text | Table] = [Text.assemble((f"{offset(insn.offset)} ", "bold"), (insn.go, "bold"),
                                               f"   {where}")]
    if insn.note:
        lines.append(Text(f"why: {insn.note}", style="italic"))
    lines.append(Text.assemble(("does: ", "bold"), d.effect or f"({d.klass}: not described)"))
    if registers is not None:
        reads = [f.means.split()[0] for f in d.fields if f.name in _READS or
                 (f.name in ("Rt", "Rt2") and "writes" in d.effect)]
        shown = [f"{r} = {registers[r]:#x}" for r in dict.fromkeys(reads) if r in registers]
        if shown:
            lines.append(Text("now: " + ", ".join(shown), style="dim"))
    answer = is_async_safe_point(function, insn.pc, rule_for(str(version)))
    mark, style = (("✓", "green") if answer.reason is Reason.SAFE_POINT else
                   ("↺", "yellow") if answer.preemptible else ("✗", "red"))
    said = why(answer, function, insn.pc)
    if answer.reason is Reason.RESTARTABLE:
        back = function.at(answer.resume_pc)
        said = (f"restartable: the assembler built R27 for this sequence (asm7.go isRestartable); a "
                f"preemption here resumes at its start, {offset(answer.resume_pc - function.entry)}"
                + (f" {back.go}" if back else ""))
    lines.append(Text.assemble(("UnsafePoint ", "bold"), _UNSAFE_POINT.get(answer.unsafe_point,
                                                                            str(answer.unsafe_point)),
                               "  ", (f"{mark} {said}", style)))
    lines.append(Text.assemble(("encoding ", "bold"), f"{insn.hex}  {d.klass}",
                               ("" if d.fields else f" ({d.group}): its fields are not split here", "dim")))
    if d.fields:
        lines.append(_field_rows(d.fields))
    return lines


def _field_rows(fields: tuple[Field, ...]) -> Table:
    """One row a field: name, bits, value, meaning; a meaning too long wraps in its own column (a plain
    line wrapped "general register" back to the panel's left edge, under the field names)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(style="dim")
    for f in fields:
        span = f"{f.hi}" if f.hi == f.lo else f"{f.hi}..{f.lo}"
        value = f.bits if f.name == "fixed" or f.width <= 3 else f"{f.value}"
        grid.add_row(f" {f.name}", span, value, "" if f.name == "fixed" else f.means)
    return grid


class ExplainPanel(VerticalScroll):
    """The selected instruction (or the one under the PC), explained."""

    HELP = ("Select an instruction (click it, or ↑ ↓ in the disassembly; enter takes the one under ▶, "
            "esc lets go) and this panel says what it does to registers and memory, the Go line it was "
            "generated for, why the compiler emits it, the UnsafePoint value the runtime reads there and "
            "the rule of isAsyncSafePoint that decides (✓ preempted, ↺ preempted and resumed at the start "
            "of its sequence, ✗ refused, and why), and the word's encoding, field by field as the Arm "
            "ARM lays it out. At 200 columns it follows ▶ when nothing is selected.")
    DEFAULT_CSS = """
    ExplainPanel { border: round $accent; padding: 0 0 0 1; height: auto; scrollbar-size-vertical: 1; }
    ExplainPanel > Static { height: auto; }
    """

    state: var[PaneState | None] = var(None)
    selected: var[int | None] = var(None)
    """The selected PC (None: the instruction under the PC)."""

    def __init__(self, version: GoVersion, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.version = version
        self.border_title = "Instruction"
        self._body = Static()
        """What is said; the panel scrolls it when bounded (half a screen: the split view, a lesson's lab),
        its scrollbar drawn (a plain Static was cut there, its end unseen)."""

    def compose(self) -> ComposeResult:
        yield self._body

    def update(self, said: Text | Group) -> None:
        """Say ``said`` (the explanation's lines)."""
        self._body.update(said)

    def watch_state(self) -> None:
        self._draw()

    def watch_selected(self) -> None:
        self._draw()

    def _draw(self) -> None:
        state = self.state
        if state is None:
            return
        pc = self.selected if self.selected is not None else state.moment.snapshot.pc
        insn = state.function.at(pc)
        if insn is None:
            self.border_title = "Instruction"
            self.update(Text(f"▶ is in {state.moment.function}, outside {state.function.name}: select an "
                             "instruction of the listing (click, or ↑ ↓)."))
            return
        here = pc == state.moment.snapshot.pc
        self.border_title = f"{'▶ ' if here else ''}{offset(insn.offset)} explained" + \
            ("" if self.selected is None else " · esc lets go")
        registers = None
        if here:
            from ...engine.emulator.machine import REG_NAMES

            registers = dict(zip(REG_NAMES, state.moment.snapshot.regs, strict=False))
        self.update(Group(*explanation(state.function, insn, self.version, registers)))
