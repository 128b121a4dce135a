"""One scenario on screen: its session and the four panels that draw it.

The pane owns a headless :class:`Session` and turns each user command into one
engine call, then hands the resulting values to the panels. The split view is
two panes receiving the same commands.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget

from ...engine.errors import ExplainerError
from ...engine.scenario import Scenario
from ...engine.session import Preemption, Session
from ...engine.unwind import Trigger
from .disassembly import DisassemblyPanel
from .registers import RegistersPanel
from .stack import StackPanel
from .unwind import UnwindPanel


class LabPane(Widget):
    """Disassembly, registers, stack and unwind for one scenario."""

    DEFAULT_CSS = """
    LabPane { layout: horizontal; border-title-align: center; }
    LabPane > .column { width: 1fr; }
    LabPane > .column.left { max-width: 62; }
    LabPane DisassemblyPanel { height: 1fr; }
    LabPane StackPanel { height: 1fr; }
    LabPane UnwindPanel { height: 1fr; }
    LabPane.narrow { layout: vertical; border: round $accent; }
    LabPane.narrow DisassemblyPanel { height: 2fr; }
    LabPane.narrow StackPanel { height: 3fr; }
    LabPane.narrow UnwindPanel { height: 3fr; }
    """

    class Changed(Message):
        """The pane moved to another moment or preempted."""

        def __init__(self, pane: LabPane, note: str | None = None) -> None:
            super().__init__()
            self.pane = pane
            self.note = note
            """Something to tell the user (a refused command), or None."""

    def __init__(self, scenario: Scenario, label: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = Session(scenario)
        self.preemption: Preemption | None = None
        self._frame_sizes = {f.name: f.frame for f in self.session.program.functions}
        self.label = label
        if label:
            self.border_title = label

    def compose(self):  # type: ignore[no-untyped-def]
        if self.has_class("narrow"):  # half a screen: the three panels that tell the story
            yield DisassemblyPanel()
            yield StackPanel()
            yield UnwindPanel()
            return
        with Vertical(classes="column left"):
            yield DisassemblyPanel()
            yield RegistersPanel()
        with Vertical(classes="column"):
            yield StackPanel()
            yield UnwindPanel()

    def on_mount(self) -> None:
        self._draw()

    @property
    def scenario(self) -> Scenario:
        """The scenario this pane runs."""
        return self.session.scenario

    # --- commands (each one engine call) ---

    def step(self) -> None:
        """One instruction forward."""
        before = self.session.current
        moment = self.session.step()
        note = moment.snapshot.event.text if moment is before and moment.snapshot.event else None
        self._moved(note)

    def back(self) -> None:
        """One recorded moment back."""
        self.session.back()
        self._moved()

    def reset(self) -> None:
        """Back to the entry."""
        self.session.reset()
        self._moved()

    def run_to(self, anchor: str) -> None:
        """Run to the next visit of a named point."""
        self.session.run_to(anchor)
        self._moved()

    def preempt(self, trigger: Trigger | None) -> None:
        """SIGURG here; with a trigger, unwind the parked goroutine."""
        try:
            self.preemption = self.session.preempt(trigger)
        except ExplainerError as err:
            self.post_message(self.Changed(self, str(err)))
            return
        self._draw()
        self.post_message(self.Changed(self))

    def run_command(self, command: str) -> None:
        """A lesson's ``- do:`` command, played by the course engine on this pane's session."""
        from ...course.play import do

        if command.split()[0] == "split":
            return  # a lab-screen command; a lesson's pane is always single
        self.preemption = do(self.session, command)
        self._draw()
        self.post_message(self.Changed(self))

    def check(self, expectation: str) -> str | None:
        """A lesson's ``- expect:`` line: None if it holds, else what went wrong."""
        from ...course.play import expect

        return expect(self.session, self.preemption, expectation)

    def set_arm_syntax(self, on: bool) -> None:
        """Go or ARM syntax in the disassembly."""
        self.query_one(DisassemblyPanel).arm_syntax = on

    # --- drawing ---

    def _moved(self, note: str | None = None) -> None:
        self.preemption = None
        self._draw()
        self.post_message(self.Changed(self, note))

    def _draw(self) -> None:
        s = self.session
        moment = s.current
        fn = s.function
        self.query_one(DisassemblyPanel).show(fn, moment.snapshot.pc, moment.function)
        view = self.preemption.stack if self.preemption and self.preemption.parked else moment.stack
        self.query_one(StackPanel).show(view, self._frame_sizes)
        for regs in self.query(RegistersPanel):
            regs.show(moment.snapshot)
        unwind = self.query_one(UnwindPanel)
        if self.preemption is None:
            unwind.clear()
        else:
            unwind.show(self.preemption, fn.entry)
