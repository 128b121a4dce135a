"""One scenario on screen: its session, the four panels that draw it, and its timeline.

The pane owns a headless :class:`Session` and turns each user command into one
engine call. After each, it takes one :class:`~explainer.ui.state.PaneState`
from the session and sets its ``state``; every panel is data-bound to it and
redraws in its own watcher (session → state → widgets, one way). The split view
is two panes receiving the same commands. The pane also remembers the last
preemption taken at each step: that memory is the one source of what the
panels show about preemption, so however the cursor reaches a step (a key, a
run, a timeline jump), the unwind panel and the timeline say the same.

A pane can ask a prediction before a command acts (:meth:`LabPane.ask`): its
bar takes the learner's answer, the pane runs the command, then asks the engine
(:mod:`explainer.course.predict`) and publishes the judgement with the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive, var

from ...course import predict
from ...engine.errors import ExplainerError
from ...engine.experiments import report, timeline
from ...engine.experiments.scenario import Scenario
from ...engine.experiments.session import Moment, Preemption, Session
from ...engine.experiments.stackview import StackRow
from ...engine.experiments.timeline import Mark
from ...engine.runtime.unwind import Trigger
from ...engine.toolchain.program import Program
from ..state import PaneState, PredictionState
from .disassembly import DisassemblyPanel
from .explain import ExplainPanel
from .long_run import LongRuns, RunStatus
from .prediction import PredictionBar
from .real_run import RealRunPanel
from .registers import RegistersPanel
from .source import SourcePanel
from .stack import StackPanel
from .timeline import Timeline
from .unwind import UnwindPanel


class LabPane(LongRuns):
    """Disassembly, registers, stack and unwind for one scenario."""

    SCOPED_CSS = False
    """Its rules may start at the screen (``Screen.-short LabPane…``: the short-screen question layout,
    defined once for every screen that holds a pane); scoped, Textual would put ``LabPane`` before them."""
    DEFAULT_CSS = """
    LabPane { layout: vertical; border-title-align: center; }
    LabPane > .columns { height: 1fr; }
    LabPane .column { width: 1fr; }
    LabPane .column.left { max-width: 62; }
    LabPane DisassemblyPanel { height: 1fr; }
    LabPane StackPanel { height: 1fr; min-height: 6; }
    LabPane UnwindPanel { height: auto; max-height: 50%; }
    LabPane .column.right { layout: vertical; }
    LabPane .aside { height: auto; display: none; }
    LabPane.-source .aside, LabPane.-explaining .aside { display: block; }
    LabPane .story { height: 1fr; }
    LabPane SourcePanel { height: auto; max-height: 12; display: none; }
    LabPane.-source SourcePanel { display: block; }
    LabPane ExplainPanel { display: none; }
    LabPane.-explaining ExplainPanel { display: block; }
    /* Half a screen (the split view, a lesson's lab): the same panes, one above the other; the lab screen
       lays a half of 100 columns out in the lab's two columns. Each part keeps room for its border and a
       line or more: the source or the explanation (it takes the source's place, as in the lab below 200
       columns) is bounded and scrolls, so the stack and the unwind stay. */
    LabPane.narrow { border: round $accent; }
    LabPane.narrow > .columns { layout: vertical; }
    LabPane.narrow .column { width: 1fr; max-width: 100%; }
    LabPane.narrow .column.left { height: 2fr; min-height: 9; }  /* ▶ and the registers come first */
    LabPane.narrow .column.right { height: 3fr; }
    LabPane.narrow DisassemblyPanel { height: 1fr; min-height: 7; }
    LabPane.narrow .aside { max-height: 50%; }
    LabPane.narrow ExplainPanel, LabPane.narrow SourcePanel { max-height: 100%; }
    LabPane.narrow ExplainPanel { overflow-y: auto; }
    LabPane.narrow.-explaining SourcePanel { display: none; }
    LabPane.narrow StackPanel { height: 1fr; min-height: 4; }
    LabPane.narrow UnwindPanel { height: auto; max-height: 60%; min-height: 3; }
    LabPane.-real.narrow UnwindPanel { max-height: 25%; }
    LabPane.-real.narrow RealRunPanel { max-height: 40%; }
    /* A question on a short screen (a screen's "-short" breakpoint: the lesson's, the split view's; the
       bar takes the pane's lower half): a stack slot is picked in the stack, so the listing and the
       unwind give it their room; a line or a value is read off the listing and the registers, so the
       story gives them theirs; the timeline waits. One definition for every screen that holds a
       half-screen pane. */
    Screen.-short LabPane.narrow.-asking-slot .column.left,
    Screen.-short LabPane.narrow.-asking-slot Timeline,
    Screen.-short LabPane.narrow.-asking-slot UnwindPanel { display: none; }
    Screen.-short LabPane.narrow.-asking-slot .column.right { height: 1fr; min-height: 0; }
    Screen.-short LabPane.narrow.-asking-line .column.right,
    Screen.-short LabPane.narrow.-asking-rsp .column.right { display: none; }
    """

    state: var[PaneState | None] = var(None)
    """What the panels draw: the session's moment, its preemption, the trace and its marks."""
    arm_syntax: reactive[bool] = reactive(False)
    """The disassembly in ARM syntax (the screen's toggle, bound down to the disassembly)."""
    selected: var[int | None] = var(None)
    """The PC of the instruction selected for an explanation (a click, or ↑ ↓), None for none."""
    prediction: var[PredictionState | None] = var(None)
    """The prediction asked, answered or judged here (None: none); its bar and the panels draw it."""

    class Judged(Message):
        """A prediction's guess was judged against the engine's answer."""

        def __init__(self, pane: LabPane, judgement: predict.Judgement) -> None:
            super().__init__()
            self.pane = pane
            self.judgement = judgement

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
        if not self.has_class("narrow"):
            self.add_class("single")  # the lab's own pane: the screen's column rules are for it
        self.session = Session(scenario, program, go_to_step=False)  # on_mount goes there, in a worker
        self.preemptions: dict[int, Preemption] = {}
        """The last preemption taken at each step (the timeline's marks)."""
        self._marks: tuple[object, dict[int, frozenset[Mark]]] = (None, {})
        """The timeline's marks and the (trace, preemptions) they were computed for."""
        self._frame_sizes = {f.name: f.frame for f in self.session.program.functions}
        self._then: Callable[[], None] | None = None
        """What runs once the prediction is answered (the command it was asked before)."""
        self._asked_at: Moment | None = None
        """The moment the answered prediction's step started from."""
        self._rows: tuple[StackRow, ...] = ()
        """The stack rows drawn when the question was answered (a picked slot's meaning)."""
        self._clicked: int | None = None
        """What the last click picked (a second click there answers)."""
        self._running_then = False
        """The answered command is running: its commands publish, but only its end is judged."""
        self.label = label
        if label:
            self.border_title = label

    def compose(self) -> ComposeResult:
        disassembly = DisassemblyPanel().data_bind(LabPane.state, LabPane.arm_syntax, LabPane.selected,
                                                   LabPane.prediction)
        stack = StackPanel().data_bind(LabPane.state, LabPane.prediction)
        unwind = UnwindPanel().data_bind(LabPane.state)
        program = self.session.program
        source = SourcePanel(program.source, self.session.function.source_file).data_bind(
            LabPane.state, LabPane.selected)
        explain = ExplainPanel(program.version).data_bind(LabPane.state, LabPane.selected)
        # One structure at every width (a half of the split view lays out as the lab's pane); CSS puts the
        # columns side by side or, on half a screen, one above the other.
        with Horizontal(classes="columns"):
            with Vertical(classes="column left"):
                yield disassembly
                yield RegistersPanel(brief=self.has_class("narrow")).data_bind(LabPane.state)
            with Container(classes="column right"):  # the aside beside the story at 200 columns
                with Vertical(classes="aside"):
                    yield source
                    yield explain
                with Vertical(classes="story"):
                    yield stack
                    yield unwind
                    yield RealRunPanel()
        yield PredictionBar().data_bind(LabPane.prediction)
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

    def real_run(self, opened: bool = False, at: str | None = None, walk: Trigger | None = None) -> None:
        """r: the same moment on the real runtime (a worker), beside the model's walk here (g's, unless
        this step was already walked: a traceback stays one). A lesson's real step names its moment
        instead (``at``: an anchor or ``+0xNN``; ``walk``)."""
        p = self.preemption
        trigger = walk or (p.trigger if p is not None and p.trigger is not None else Trigger.GC)
        fn = self.session.function
        if at is None:
            if p is None or p.walk is None:
                self.preempt(trigger)
            moment = self.session.current
            insn, where = moment.instruction, moment.function
        else:
            from ...engine.experiments.experiment import anchors

            pc = fn.entry + int(at[1:], 16) if at.startswith("+") else anchors(fn).get(at, -1)
            insn, where = fn.at(pc), fn.name
        self.add_class("-real")  # in half a screen, the unwind panel makes room for the real one
        self.query_one(RealRunPanel).run_moment(self.scenario, insn.offset if insn else None,
                                                insn.go if insn else "", where, trigger, opened=opened)

    def stop_run(self) -> bool:
        """esc: stop the engine call in a worker and the real run, if either goes on."""
        real = self.query_one(RealRunPanel).stop() if self.is_mounted else False
        return super().stop_run() or real

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
        """A click on an instruction: it picks while a line question asks, else it selects (explained)."""
        message.stop()
        state = self.prediction
        if state is not None and state.asking and state.question.kind is predict.Kind.LINE:
            self._click(predict.Kind.LINE, message.pc)
        else:
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

    # --- predictions: asked before a command, judged after it ---

    @property
    def asking(self) -> bool:
        """A question waits for the learner's answer."""
        return self.prediction is not None and self.prediction.asking

    def ask(self, question: predict.Question, then: Callable[[], None]) -> None:
        """Ask ``question``; once answered, run ``then`` (the command it predicts) and judge the guess."""
        self._then, self._clicked = then, None
        # nothing picked yet: an enter meant for the lesson (its "do the next step" key, pressed twice)
        # answers nothing, and the first try, the one the course keeps, is the learner's own
        self.prediction = PredictionState(question)
        self.call_after_refresh(self.query_one(PredictionBar).take_focus)

    def on_prediction_bar_picked(self, message: PredictionBar.Picked) -> None:
        message.stop()
        state = self.prediction
        if state is not None and state.asking:
            self.prediction = self._picking(state, self._moved_pick(state, message.delta))

    def on_prediction_bar_typed(self, message: PredictionBar.Typed) -> None:
        message.stop()
        state = self.prediction
        if state is None or not state.asking:
            return
        try:
            value = predict.parse_value(message.text)
        except predict.BadValue as err:
            self.prediction = replace(state, problem=str(err))
            return
        self.answer(value)

    def on_prediction_bar_answered(self, message: PredictionBar.Answered) -> None:
        message.stop()
        self.answer(message.guess)

    def on_prediction_bar_unpicked(self, message: PredictionBar.Unpicked) -> None:
        message.stop()
        state = self.prediction
        if state is not None and state.asking:
            where = "a stack row" if state.question.kind is predict.Kind.SLOT else "a disassembly line"
            self.prediction = replace(state, problem=f"Nothing picked yet: ↑ ↓ pick {where} (or click it "
                                                     "twice), then enter.")

    def on_prediction_bar_skipped(self, message: PredictionBar.Skipped) -> None:
        message.stop()
        self.put_away()

    def on_stack_panel_row_clicked(self, message: StackPanel.RowClicked) -> None:
        message.stop()
        self._click(predict.Kind.SLOT, message.address)

    def _click(self, kind: predict.Kind, at: int) -> None:
        """A click picks; a second click on the same row or line answers."""
        state = self.prediction
        if state is None or not state.asking or state.question.kind is not kind:
            return
        if state.pick == at and self._clicked == at:
            self.answer(at)
        else:
            self.prediction = self._picking(state, at)
        self._clicked = at

    def _picking(self, state: PredictionState, at: int | None) -> PredictionState:
        """``state`` with ``at`` picked, and the pick in words."""
        words = ""
        if at is not None and state.question.kind is predict.Kind.SLOT and self.state is not None:
            row = next((r for r in self.state.stack.rows if r.addr == at and not r.folded), None)
            words = f"{at:#x} {row.meaning}" if row is not None else f"{at:#x}"
        elif at is not None and state.question.kind is predict.Kind.LINE:
            insn = self.session.function.at(at)
            words = f"+{insn.offset:#06x} {insn.go}" if insn is not None else f"{at:#x}"
        return replace(state, pick=at, picked=words, problem=None)

    def put_away(self) -> None:
        """Drop the question (esc); the command it was asked before does not run."""
        self.prediction, self._then = None, None
        self.screen.set_focus(None)
        self.screen.focus_next()

    def answer(self, guess: predict.Guess) -> None:
        """Take the learner's answer, run the command it predicts, and judge once it has run."""
        state, then = self.prediction, self._then
        if state is None or not state.asking or then is None:
            return
        self._asked_at, self._rows = self.session.current, self.state.stack.rows if self.state else ()
        self.prediction, self._then = replace(state, guess=guess, problem=None), None
        self.screen.set_focus(None)
        self.screen.focus_next()
        self._running_then = True
        try:
            then()
        finally:
            self._running_then = False
        if not self.running:  # else the worker's end publishes, and judges
            self._judge()

    def _judge(self) -> None:
        state, before = self.prediction, self._asked_at
        if state is None or state.guess is None or state.judgement is not None or before is None:
            return
        s = self.session
        try:
            found = predict.answer(state.question, before, s.current, self.preemption, s.scenario, s.function)
        except ExplainerError as err:
            self.prediction = None
            self.post_message(self.Changed(self, f"No answer to compare with: {err}"))
            return
        judgement = predict.judge(state.question, state.guess, found, rows=self._rows)
        self.prediction = replace(state, judgement=judgement)
        self.post_message(self.Judged(self, judgement))

    def on_long_runs_finished(self, message: LongRuns.Finished) -> None:
        """A command stopped or failed in its worker: a guess waiting for it has nothing to be judged by."""
        if (message.stopped or message.error is not None) and self.prediction is not None \
                and self.prediction.guess is not None and self.prediction.judgement is None:
            self.prediction = None

    def _first_pick(self, question: predict.Question) -> int | None:
        """Where the first ↑ or ↓ puts the pick: the stack's top row (no hint), or the line under ▶."""
        if question.kind is predict.Kind.SLOT:
            rows = self._pickable_rows()
            return rows[0] if rows else None
        if question.kind is predict.Kind.LINE:
            pc = self.session.current.snapshot.pc
            return pc if self.session.function.at(pc) is not None else self.session.function.entry
        return None

    def _pickable_rows(self) -> list[int]:
        """The addresses of the stack rows that are one word (a fold is many slots, never one)."""
        return [r.addr for r in self.state.stack.rows if not r.folded] if self.state is not None else []

    def _moved_pick(self, state: PredictionState, delta: int) -> int | None:
        if state.question.kind is predict.Kind.SLOT:
            options = self._pickable_rows()
        else:
            options = [i.pc for i in self.session.function.instructions]
        if not options:
            return None
        if state.pick not in options:  # the first ↑ or ↓: where the pick starts
            return self._first_pick(state.question)
        k = options.index(state.pick) + delta
        return options[min(max(k, 0), len(options) - 1)]

    def watch_prediction(self, state: PredictionState | None) -> None:
        self.refresh_bindings()  # the screen's keys wait while a question is asked
        kind = state.question.kind if state is not None else None
        for k in predict.Kind:  # on a short screen, half a screen shows what the question is about
            self.set_class(kind is k, f"-asking-{k.value}")

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
        """Session → state: the one place the panels' value is made (and a waiting guess judged). A move
        of ▶ lets go of the selected instruction: the listing scrolls to ▶, so an old selection would be
        explained off screen (and, on a short screen, hide the stack while the user steps)."""
        if self.state is not None and self.state.moment.snapshot.pc != self.session.current.snapshot.pc:
            self.selected = None
        self.state = PaneState.of(self.session, self.preemption, marks=self._found(),
                                  frame_sizes=self._frame_sizes)
        p = self.prediction
        if p is not None and p.judgement is not None:
            self.prediction = None  # the learner moved on: the answer beside the guess goes
        elif p is not None and p.guess is not None and not self._running_then:
            self._judge()
