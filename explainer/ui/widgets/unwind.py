"""What the runtime does when the signal lands here, and what a stack walk then finds.

Reads like the runtime's own reasoning: the verdict of isAsyncSafePoint, then
one line per frame of runtime.(*unwinder) (the slot it reads as the return
address, the value, the verdict), then the runtime's own words.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.widgets import Static

from ...engine.experiments.session import Preemption
from ...engine.runtime.outcome import Outcome
from ..flow import flow, wrap
from ..format import addr, offset, word
from ..state import PaneState

#: What the headline says for each outcome, and its component class.
_OUTCOME = {
    Outcome.REFUSED: ("preemption refused: the goroutine runs on", "sound"),
    Outcome.PARKED: ("preempted and parked; choose who walks the stack (g t n f c)", "parked"),
    Outcome.CLEAN: ("the walk reached runtime.goexit: sound", "sound"),
    Outcome.CRASH: ("the runtime crashed", "crash"),
    Outcome.CANNOT_SEE: ("this walker never sees the goroutine in this state", "sound"),
}
_ON_STAGE = "preempted and parked: the goroutine waits for whoever walks its stack"
"""The parked headline on a projector (``end_in_view``): the lab's keys (g t n f c) are no cue for a room,
and the presenter has one walk key of its five."""
_TITLE = "Preemption and unwind"
_IDLE = ("Not preempted.", "p: send SIGURG here ·", "g: preempt, then GC stack scan")
"""What the panel says until a preemption is taken, in the pieces a narrow panel may break it into
(a key stays with what it does)."""


class UnwindPanel(VerticalScroll):
    """Preemption verdict and the unwinder's walk, frame by frame."""

    HELP = ("Press p to send SIGURG at the current instruction: the panel shows whether the runtime "
            "preempts there (isAsyncSafePoint) and why. g, t, n, f and c then preempt and walk the stack "
            "as a GC stack scan, a traceback of all goroutines, a panic, a goroutine profile or a stack copy "
            "would: each line is one frame, the slot read as the return address, its value and the "
            "runtime's verdict, ending in the runtime's own text for the chosen Go release.")
    COMPONENT_CLASSES = {"unwind--idle", "unwind--sound", "unwind--parked", "unwind--crash", "unwind--ok",
                         "unwind--frame", "unwind--where", "unwind--runtime", "unwind--reason"}
    DEFAULT_CSS = """
    UnwindPanel { border: round $primary; padding: 0 0 0 1; scrollbar-size-vertical: 1; }
    UnwindPanel > .unwind--idle { color: $text-muted; }
    UnwindPanel > .unwind--sound { color: $success; text-style: bold; }
    UnwindPanel > .unwind--parked { color: $warning; text-style: bold; }
    UnwindPanel > .unwind--crash { color: $error; text-style: bold; }
    UnwindPanel > .unwind--ok { color: $success; }
    UnwindPanel > .unwind--frame { text-style: bold; }
    UnwindPanel > .unwind--where { color: $text-muted; }
    UnwindPanel > .unwind--runtime { color: $error; text-style: bold; }
    UnwindPanel > .unwind--reason { text-style: italic; }
    """

    state: var[PaneState | None] = var(None)
    """The pane's moment: the preemption remembered for it, if any."""

    def __init__(self, end_in_view: bool = False, *, id: str | None = None,
                 classes: str | None = None) -> None:
        """``end_in_view``: keep the runtime's last words in view (a projector cannot scroll)."""
        super().__init__(id=id, classes=classes)
        self.end_in_view = end_in_view
        self._body = Static()
        self.border_title = _TITLE

    def compose(self) -> ComposeResult:
        yield self._body

    @property
    def preemption(self) -> Preemption | None:
        """The preemption drawn (None: the idle text)."""
        return self.state.preemption if self.state is not None else None

    @property
    def plain(self) -> str:
        """What the panel says, as plain text, one line per line of reasoning (before it is wrapped)."""
        return "\n".join(line.plain for line in self._describe())

    def watch_state(self, old: PaneState | None, new: PaneState | None) -> None:
        if old is None or new is None or old.preemption is not new.preemption:
            p = self.preemption
            # the title says what the panel shows now: a walk's name, or no walk (idle, refused, parked)
            self.border_title = f"Unwind: {p.walk.trigger.label}" if p and p.walk else _TITLE
            self._lay_out()

    def on_mount(self) -> None:
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def notify_style_update(self) -> None:
        """A new theme: write the reasoning again in its colours."""
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._lay_out)  # after the component styles have the new theme

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"unwind--{name}")

    def _lay_out(self) -> None:
        """Each line of the reasoning broken between words, continuing under itself (never at column 0)."""
        width = self.scrollable_content_region.width
        if self.preemption is None:
            parts = [Text(part, style=self._style("idle")) for part in _IDLE]
            self._body.update(Text("\n").join(flow(parts, width, indent=0, gap=1)) if width > 0
                              else Text(" ").join(parts))
            return
        insn = self.preemption.at.instruction
        keep = [f"{offset(insn.offset)} {insn.go}", insn.go] if insn else []  # never broken in two
        lines = [piece for line in self._describe()
                 for piece in (wrap(line, width, keep=keep) if width > 0 else [line])]
        self._body.update(Text("\n").join(lines))
        if self.end_in_view:
            self.call_after_refresh(self.scroll_end, animate=False)

    def _describe(self) -> list[Text]:
        """The reasoning, a line per step: the verdict, pushCall, each frame walked, the runtime's words."""
        p = self.preemption
        if p is None:
            return [Text(" ".join(_IDLE))]
        insn = p.at.instruction
        where = f"{offset(insn.offset)} {insn.go}" if insn else f"{p.at.snapshot.pc:#x}"
        label, kind = _OUTCOME[p.outcome]
        if p.outcome is Outcome.PARKED and self.end_in_view:
            label = _ON_STAGE
        headline = Text(label, style=self._style(kind))
        if p.walk is not None and p.walk.output:
            headline.append(f": {p.walk.output[-1]}", style=self._style(kind))
        v = p.verdict
        if p.walk is not None and p.walk.trigger.interrupts:  # SIGPROF: no preemption is asked for
            lines = [headline, Text(f"SIGPROF at {where}"),
                     Text("  sigprof walks the goroutine it interrupted, as it runs",
                          style=self._style("ok"))]
        elif v.preemptible:
            lines = [headline, Text(f"SIGURG at {where}"),
                     Text(f"  isAsyncSafePoint: yes ({v.why})", style=self._style("ok")),
                     Text(f"  pushCall: LR {word(p.parked.saved_lr) if p.parked else '?'} saved at "
                          f"{addr(p.parked.pushed_at) if p.parked else '?'}; asyncPreempt runs, "
                          "the goroutine parks")]
        else:
            lines = [headline, Text(f"SIGURG at {where}"),
                     Text(f"  isAsyncSafePoint: no, {v.why}", style=self._style("sound"))]
        if p.walk is not None:
            lines.append(Text(f"{p.walk.trigger.where}", style=self._style("where")))
            for n, st in enumerate(p.walk.steps, 1):
                read = (f"LR read at *{addr(st.slot)} = {word(st.value)}" if st.slot is not None
                        else "no LR read")
                lines.append(Text(f"{n} {st.function} pc={st.pc:#x}", style=self._style("frame")))
                lines.append(Text(f"    sp={addr(st.sp)} + spdelta {st.spdelta:#x} = fp {addr(st.fp)}"))
                bad = n == len(p.walk.steps) and p.outcome is Outcome.CRASH
                lines.append(Text(f"    {read} → {st.verdict}", style=self._style("crash" if bad else "ok")))
            for line in p.walk.output:
                lines.append(Text(line.expandtabs(8), style=self._style("runtime")))
            lines.append(Text(p.walk.reason, style=self._style("reason")))
        return lines
