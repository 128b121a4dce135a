"""One scenario on screen: its session, the four panels that draw it, and its timeline.

The pane owns a headless :class:`Session` and turns each user command into one
engine call. After each, it takes one :class:`~explainer.ui.state.PaneState`
from the session and sets its ``state``; every panel is data-bound to it and
redraws in its own watcher (session → state → widgets, one way). The split view
is two panes receiving the same commands. The pane also remembers the last
preemption taken at each step: that memory is the one source of what the
panels show about preemption, so however the cursor reaches a step (a key, a
run, a timeline jump), the unwind panel and the timeline say the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive, var

from ...engine.errors import ExplainerError
from ...engine.experiments import report, timeline
from ...engine.experiments.scenario import Scenario
from ...engine.experiments.session import Moment, Preemption, Session
from ...engine.experiments.timeline import Mark
from ...engine.runtime.unwind import Trigger
from ...engine.toolchain.program import Program
from ..state import PaneState
from .disassembly import DisassemblyPanel
from .explain import ExplainPanel
from .long_run import LongRuns, RunStatus
from .registers import RegistersPanel
from .source import SourcePanel
from .stack import StackPanel
from .timeline import Timeline
from .unwind import UnwindPanel


class LabPane(LongRuns):
    """Disassembly, registers, stack and unwind for one scenario."""

    DEFAULT_CSS = """
    LabPane { layout: vertical; border-title-align: center; }
    LabPane > .columns { height: 1fr; }
    LabPane .column { width: 1fr; }
    LabPane .column.left { max-width: 62; }
    LabPane DisassemblyPanel { height: 1fr; }
    LabPane StackPanel { height: 1fr; min-height: 6; }
    LabPane UnwindPanel { height: auto; max-height: 50%; }
    LabPane.narrow { layout: vertical; border: round $accent; }
    LabPane.narrow DisassemblyPanel { height: 1fr; min-height: 7; }
    LabPane.narrow StackPanel { height: 1fr; }
    LabPane.narrow UnwindPanel { height: auto; max-height: 40%; }
    LabPane .column.right { layout: vertical; }
    LabPane .aside { height: auto; display: none; }
    LabPane.-source .aside, LabPane.-explaining .aside { display: block; }
    LabPane .story { height: 1fr; }
    LabPane SourcePanel { height: auto; max-height: 12; display: none; }
    LabPane.-source SourcePanel { display: block; }
    LabPane ExplainPanel { display: none; }
    LabPane.-explaining ExplainPanel { display: block; }
    LabPane.narrow SourcePanel { max-height: 8; }
    """

    state: var[PaneState | None] = var(None)
    """What the panels draw: the session's moment, its preemption, the trace and its marks."""
    arm_syntax: reactive[bool] = reactive(False)
    """The disassembly in ARM syntax (the screen's toggle, bound down to the disassembly)."""
    selected: var[int | None] = var(None)
    """The PC of the instruction selected for an explanation (a click, or ↑ ↓), None for none."""

    class Changed(Message):
        """The pane moved to another moment or preempted."""

        def __init__(self, pane: LabPane, note: str | None = None) -> None:
            super().__init__()
            self.pane = pane
            self.note = note
            """Something to tell the user (a refused command), or None."""

    def __init__(self, scenario: Scenario, label: str = "", program: Program | None = None, *,
                 id: str | None = None, classes: str | None = None) -> None:
        """``program`` replaces the scenario's: a function opened from a real binary."""
        super().__init__(id=id, classes=classes)
        self.session = Session(scenario, program, go_to_step=False)  # on_mount goes there, in a worker
        self.preemptions: dict[int, Preemption] = {}
        """The last preemption taken at each step (the timeline's marks)."""
        self._marks: tuple[object, dict[int, frozenset[Mark]]] = (None, {})
        """The timeline's marks and the (trace, preemptions) they were computed for."""
        self._frame_sizes = {f.name: f.frame for f in self.session.program.functions}
        self.label = label
        if label:
            self.border_title = label

    def compose(self) -> ComposeResult:
        disassembly = DisassemblyPanel().data_bind(LabPane.state, LabPane.arm_syntax, LabPane.selected)
        stack, unwind = StackPanel().data_bind(LabPane.state), UnwindPanel().data_bind(LabPane.state)
        program = self.session.program
        source = SourcePanel(program.source, self.session.function.source_file).data_bind(
            LabPane.state, LabPane.selected)
        explain = ExplainPanel(program.version).data_bind(LabPane.state, LabPane.selected)
        if self.has_class("narrow"):  # half a screen: the three panels that tell the story, PC and SP
            yield disassembly
            with Vertical(classes="aside"):
                yield source
                yield explain
            yield RegistersPanel(brief=True).data_bind(LabPane.state)
            yield stack
            yield unwind
        else:
            with Horizontal(classes="columns"):
                with Vertical(classes="column left"):
                    yield disassembly
                    yield RegistersPanel().data_bind(LabPane.state)
                with Container(classes="column right"):  # the aside beside the story at 200 columns
                    with Vertical(classes="aside"):
                        yield source
                        yield explain
                    with Vertical(classes="story"):
                        yield stack
                        yield unwind
        yield Timeline().data_bind(LabPane.state)
        yield RunStatus()

    def on_mount(self) -> None:
        self._publish()
        if self.scenario.step:
            self.goto(self.scenario.step)

    @property
    def scenario(self) -> Scenario:
        """The scenario this pane runs."""
        return self.session.scenario

    @property
    def preemption(self) -> Preemption | None:
        """The last preemption taken at the current step (None: not preempted here)."""
        return self.preemptions.get(self.session.current.snapshot.step)

    # --- commands (each one engine call; one that runs long goes on in a worker: long_run.py) ---

    def step(self) -> None:
        """One instruction forward."""
        before = self.session.current

        def then(moment: Moment) -> None:
            self._moved(moment.snapshot.event.text if moment is before and moment.snapshot.event else None)

        self.emulate(self.session.step, then, "stepping")

    def back(self) -> None:
        """One recorded moment back."""
        self.emulate(self.session.back, lambda _: self._moved(), "stepping back")

    def reset(self) -> None:
        """Back to the entry."""
        self.session.reset()
        self._moved()

    def run_to(self, anchor: str) -> None:
        """Run to the next visit of a named point."""
        self.emulate(lambda progress: self.session.run_to(anchor, progress), lambda _: self._moved(),
                     f"running to {anchor}")

    def preempt(self, trigger: Trigger | None) -> None:
        """SIGURG here; with a trigger, unwind the parked goroutine."""

        def then(p: Preemption) -> None:
            self._remember(p)
            self._publish()
            self.post_message(self.Changed(self))

        try:
            self.emulate(lambda progress: self.session.preempt(trigger, progress), then,
                         "replaying to this step to preempt it")
        except ExplainerError as err:
            self.post_message(self.Changed(self, str(err)))

    def run_command(self, command: str) -> None:
        """A lesson's ``- do:`` command, played by the course engine on this pane's session."""
        from ...course.play import do

        if command.split()[0] == "split":
            return  # a lab-screen command; a lesson's pane is always single
        self._remember(do(self.session, command))
        self._publish()
        self.post_message(self.Changed(self))

    def check(self, expectation: str) -> str | None:
        """A lesson's ``- expect:`` line: None if it holds, else what went wrong."""
        from ...course.play import expect

        return expect(self.session, self.preemption, expectation)

    def goto(self, step: int) -> None:
        """Jump to a step; its preemption and unwind come back if one was taken there."""

        def then(moment: Moment) -> None:
            self._publish()
            end = f"{self.session.function.name} returns after {moment.snapshot.step:,} instructions"
            self.post_message(self.Changed(self, None if moment.snapshot.step == step else end))

        self.emulate(lambda progress: self.session.goto(step, progress), then, f"going to step {step:,}")

    def move_on_timeline(self, delta: int) -> None:
        """To the recorded step ``delta`` stops away (clamped to the ends)."""
        s = self.session
        index = min(max(s.index + delta, 0), len(s.trace) - 1)
        if index != s.index:
            self.goto(s.trace[index].snapshot.step)

    def jump_to_mark(self, direction: int, mark: timeline.Mark | None = None) -> None:
        """To the next (1) or previous (-1) marked stop, or say there is none."""
        index = timeline.next_marked(self._found(), self.session.index, direction, mark)
        if index is None:
            where = "after" if direction > 0 else "before"
            self.post_message(self.Changed(self, f"No mark on the timeline {where} this step."))
            return
        self.goto(self.session.trace[index].snapshot.step)

    # --- the instruction explained (a click in the listing, or the lab's ↑ ↓ enter esc) ---

    def on_disassembly_panel_selected(self, message: DisassemblyPanel.Selected) -> None:
        message.stop()
        self.selected = message.pc

    def select_by(self, delta: int) -> None:
        """Select the instruction ``delta`` rows from the selected one (from ▶'s when none is)."""
        self.selected = self.query_one(DisassemblyPanel).pc_after(self.selected, delta)

    def select_current(self) -> None:
        """Select the instruction under the PC (nothing when the PC is outside the function)."""
        pc = self.session.current.snapshot.pc
        self.selected = pc if self.session.function.at(pc) is not None else None

    def watch_selected(self, pc: int | None) -> None:
        self.set_class(pc is not None, "-explaining")

    def on_timeline_selected(self, message: Timeline.Selected) -> None:
        message.stop()
        self.goto(message.step)

    def step_file(self) -> tuple[str, str]:
        """This step as JSON (``explainer run --json``'s shape): a file name and its contents."""
        r = report.of_session(self.session, self.preemption)
        name = r["scenario"].replace("/", "_").replace("=", "-").replace("+", "")
        return f"{name}-step{self.session.current.snapshot.step}.json", report.dumps(r) + "\n"

    # --- the state the panels draw ---

    def _remember(self, p: Preemption | None) -> None:
        if p is not None:
            self.preemptions[p.at.snapshot.step] = p

    def _moved(self, note: str | None = None) -> None:
        self._publish()
        self.post_message(self.Changed(self, note))

    def _found(self) -> dict[int, frozenset[Mark]]:
        """The timeline's marks, recomputed only when the trace or the preemptions changed."""
        key = (self.session.trace, tuple(self.preemptions.values()))
        if self._marks[0] != key:
            s = self.session
            self._marks = (key, timeline.marks(s.trace, self.preemptions, *timeline.return_of(s)))
        return self._marks[1]

    def _publish(self) -> None:
        """Session → state: the one place the panels' value is made. A move of ▶ lets go of the selected
        instruction: the listing scrolls to ▶, so an old selection would be explained off screen (and, on
        a short screen, hide the stack while the user steps)."""
        if self.state is not None and self.state.moment.snapshot.pc != self.session.current.snapshot.pc:
            self.selected = None
        self.state = PaneState.of(self.session, self.preemption, marks=self._found(),
                                  frame_sizes=self._frame_sizes)
