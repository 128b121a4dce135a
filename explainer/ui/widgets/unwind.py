"""What the runtime does when the signal lands here, and what a stack walk then finds.

Reads like the runtime's own reasoning: the verdict of isAsyncSafePoint, then
one line per frame of runtime.(*unwinder) (the slot it reads as the return
address, the value, the verdict), then the runtime's own words.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...engine.experiments.session import Preemption
from ...engine.runtime.outcome import Outcome
from ..flow import flow, wrap
from ..format import addr, offset, word

_OUTCOME = {
    Outcome.REFUSED: ("preemption refused: the goroutine runs on", "bold green"),
    Outcome.PARKED: ("preempted and parked; choose who walks the stack (g t n f c)", "bold yellow"),
    Outcome.CLEAN: ("the walk reached runtime.goexit: sound", "bold green"),
    Outcome.CRASH: ("the runtime crashed", "bold red"),
    Outcome.CANNOT_SEE: ("this walker never sees the goroutine in this state", "bold green"),
}
_TITLE = "Preemption and unwind"
_IDLE = Text("Not preempted. p: send SIGURG here · g: preempt, then GC stack scan", style="dim")
"""What the panel says until a preemption is taken."""
_IDLE_PARTS = tuple(Text(part, style="dim") for part in
                    ("Not preempted.", "p: send SIGURG here ·", "g: preempt, then GC stack scan"))
"""The same, in the pieces a narrow panel may break it into (a key stays with what it does)."""


class UnwindPanel(VerticalScroll):
    """Preemption verdict and the unwinder's walk, frame by frame."""

    HELP = ("Press p to send SIGURG at the current instruction: the panel shows whether the runtime "
            "preempts there (isAsyncSafePoint) and why. g, t, n, f and c then preempt and walk the stack "
            "as a GC stack scan, a traceback of all goroutines, a panic, a goroutine profile or a stack copy "
            "would: each line is one frame, the slot read as the return address, its value and the "
            "runtime's verdict, ending in the runtime's own text for the chosen Go release.")
    DEFAULT_CSS = """
    UnwindPanel { border: round $primary; padding: 0 0 0 1; scrollbar-size-vertical: 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._body = Static(_IDLE)
        self._lines: list[Text] = [_IDLE]
        self.border_title = _TITLE

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    @property
    def plain(self) -> str:
        """What the panel says, as plain text, one line per line of reasoning (before it is wrapped)."""
        return "\n".join(line.plain for line in self._lines)

    def clear(self) -> None:
        """Nothing preempted at this moment."""
        if self.border_title == _TITLE and self._lines == [_IDLE]:
            return  # already clear: no repaint
        self.border_title = _TITLE
        self._lines = [_IDLE]
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        """Each line of the reasoning broken between words, continuing under itself (never at column 0)."""
        width = self.scrollable_content_region.width
        if self._lines == [_IDLE] and width > 0:
            self._body.update(Text("\n").join(flow(_IDLE_PARTS, width, indent=0, gap=1)))
            return
        lines = [piece for line in self._lines for piece in (wrap(line, width) if width > 0 else [line])]
        self._body.update(Text("\n").join(lines))

    def show(self, p: Preemption, entry: int) -> None:
        """Draw a preemption (and its walk, if any)."""
        insn = p.at.instruction
        where = f"{offset(p.at.snapshot.pc - entry)} {insn.go}" if insn else f"{p.at.snapshot.pc:#x}"
        label, style = _OUTCOME[p.outcome]
        headline = Text(label, style=style)
        if p.walk is not None and p.walk.output:
            headline.append(f": {p.walk.output[-1]}", style=style)
        v = p.verdict
        if p.walk is not None and p.walk.trigger.interrupts:  # SIGPROF: no preemption is asked for
            lines: list[Text] = [headline, Text(f"SIGPROF at {where}"),
                                 Text("  sigprof walks the goroutine it interrupted, as it runs", style="green")]
        else:
            lines = [headline, Text(f"SIGURG at {where}")]
        if p.walk is not None and p.walk.trigger.interrupts:
            pass
        elif v.preemptible:
            lines.append(Text(f"  isAsyncSafePoint: yes ({v.why})", style="green"))
            lines.append(Text(f"  pushCall: LR {word(p.parked.saved_lr) if p.parked else '?'} saved at "
                              f"{addr(p.parked.pushed_at) if p.parked else '?'}; asyncPreempt runs, "
                              "the goroutine parks"))
        else:
            lines.append(Text(f"  isAsyncSafePoint: no, {v.why}", style="bold green"))
        # the title says what the panel shows now: a walk's name, or no walk (a refusal, a parked goroutine)
        self.border_title = f"Unwind: {p.walk.trigger.label}" if p.walk is not None else _TITLE
        if p.walk is not None:
            lines.append(Text(f"{p.walk.trigger.where}", style="dim"))
            for n, st in enumerate(p.walk.steps, 1):
                read = (f"LR read at *{addr(st.slot)} = {word(st.value)}" if st.slot is not None
                        else "no LR read")
                lines.append(Text(f"{n} {st.function} pc={st.pc:#x}", style="bold"))
                lines.append(Text(f"    sp={addr(st.sp)} + spdelta {st.spdelta:#x} = fp {addr(st.fp)}"))
                bad = n == len(p.walk.steps) and p.outcome is Outcome.CRASH
                lines.append(Text(f"    {read} → {st.verdict}", style="bold red" if bad else "green"))
            for line in p.walk.output:
                lines.append(Text(line.expandtabs(8), style="bold red"))
            lines.append(Text(p.walk.reason, style="italic"))
        self._lines = lines
        self._lay_out()
