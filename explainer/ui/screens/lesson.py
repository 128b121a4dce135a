"""One lesson: its prose and steps on the left, the lab (or its widget) on the right.

Enter plays the next step's ``do`` commands on the lab and checks its
``expect`` lines; checkpoints are answered with radio buttons and every answer
is saved at once, so progress survives a crash or a closed terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Markdown, RadioButton, RadioSet, Static

from ...course.facts import render
from ...course.lesson import Checkpoint, Lesson, Prose, Step
from ...engine.errors import ExplainerError
from ...engine.experiments.scenario import parse
from ..widgets.encoder import EncoderPanel
from ..widgets.key_footer import KeyFooter
from ..widgets.lab_pane import LabPane
from ..widgets.scale import ScalePanel
from .progress_store import ProgressStore


class LessonScreen(Screen[None]):
    """Read, press enter to play each step on the lab, answer the checkpoint."""

    HELP = ("A lesson: read the text, press enter to play the next step on the lab at the right (the "
            "step says what it does and the lab shows it), then answer the checkpoint. Answers are saved "
            "as you give them.")
    BINDINGS = [
        Binding("enter", "next_step", "do the next step", priority=True),
        Binding("escape", "app.pop_screen", "back to the course"),
        Binding("ctrl+r", "restart", "restart the lesson", show=False),
        Binding("h", "handout", "save handout", show=False,
                tooltip="Save this lesson as a Markdown handout, in a folder you choose"),
        Binding("comma", "timeline(-1)", "previous stop", show=False),
        Binding("full_stop", "timeline(1)", "next stop", show=False),
        Binding("less_than_sign", "mark(-1)", "previous mark", show=False),
        Binding("greater_than_sign", "mark(1)", "next mark", show=False),
    ]
    FOOTER_KEYS = ("next_step", "app.pop_screen", "help", "quit", "restart", "handout")
    """The footer's keys by importance (the rest: ? and the command palette)."""
    DEFAULT_CSS = """
    LessonScreen #lesson-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    LessonScreen #text { width: 1fr; padding: 0 1; }
    LessonScreen #side { width: 1fr; }
    LessonScreen .step { margin: 1 0 0 0; padding: 0 1; border-left: thick $primary; height: auto; }
    LessonScreen .step.done { border-left: thick $success; }
    LessonScreen .step.failed { border-left: thick $error; }
    LessonScreen .checkpoint { margin: 1 0 0 0; height: auto; border: round $accent; padding: 0 1; }
    LessonScreen RadioSet { width: 1fr; }
    LessonScreen .explain { height: auto; margin: 0 0 0 2; }
    LessonScreen Markdown { margin: 0; padding: 0; }
    """

    def __init__(self, lesson: Lesson, store: ProgressStore) -> None:
        super().__init__()
        self.lesson = lesson
        self.store = store
        self.next_index = 0
        """Index into ``lesson.steps`` of the step enter plays next."""

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.lesson.id} · {render(self.lesson.title)}"), id="lesson-title")
        with Horizontal():
            with VerticalScroll(id="text"):
                step_no = checkpoint_no = 0
                for block in self.lesson.blocks:
                    if isinstance(block, Prose):
                        yield Markdown(render(block.text))
                    elif isinstance(block, Step):
                        step_no += 1
                        yield Static(self._step_text(step_no, block, "enter plays it"), classes="step",
                                     id=f"step-{step_no - 1}")
                    elif isinstance(block, Checkpoint):
                        yield from self._checkpoint(checkpoint_no, block)
                        checkpoint_no += 1
            with VerticalScroll(id="side"):
                yield from self._side()
        yield KeyFooter(self.FOOTER_KEYS)

    def _side(self) -> ComposeResult:
        try:  # a lesson's scenario is checked by `lessons --check`, not by loading: say what is wrong
            scenario = parse(self.lesson.scenario)
            pane = LabPane(scenario, f"lab: {scenario}", classes="narrow")
        except ExplainerError as err:
            yield Static(Content.assemble(("This lesson's lab cannot open: ", "$error bold"),
                                          f"{self.lesson.path}:{self.lesson.scenario_line}: {err}. "
                                          "`explainer lessons --check` lists every mistake."), id="no-lab")
            return
        if self.lesson.widget == "encoder":
            yield EncoderPanel(scenario.size)
        elif self.lesson.widget == "scale":
            yield ScalePanel(scenario)
        yield pane

    def _checkpoint(self, index: int, cp: Checkpoint) -> ComposeResult:
        chosen = self.store.answer(self.lesson.id, index, len(cp.options))
        with VerticalScroll(classes="checkpoint", id=f"checkpoint-{index}") as box:
            box.border_title = "Checkpoint"
            yield Static(Text(render(cp.question), style="bold"))
            with RadioSet(id=f"answers-{index}"):
                for k, option in enumerate(cp.options):
                    yield RadioButton(render(option.text), value=k == chosen, id=f"option-{index}-{k}")
            yield Static(self._explain(cp, chosen), classes="explain", id=f"explain-{index}")

    @staticmethod
    def _step_text(n: int, step: Step, state: str) -> Text:
        return Text.assemble((f"Step {n}: ", "bold"), render(step.text), (f"   {state}", "dim"))

    @staticmethod
    def _explain(cp: Checkpoint, chosen: int | None) -> Content:
        if chosen is None:
            return Content("")
        option = cp.options[chosen]
        mark = ("✓ right. ", "$success bold") if option.correct else ("✗ not quite. ", "$error bold")
        return Content.assemble(mark, render(option.explanation))

    # --- playing steps ---

    @property
    def pane(self) -> LabPane:
        """The lab this lesson drives."""
        return self.query_one(LabPane)

    def action_next_step(self) -> None:
        steps = self.lesson.steps
        if self.next_index >= len(steps):
            self.notify("No more steps: answer the checkpoint.", title="Lesson")
            return
        if not self.query(LabPane):
            self.notify("This lesson's lab could not open (see the right): its steps cannot be played.",
                        title="Lesson", severity="error")
            return
        step = steps[self.next_index]
        failures: list[str] = []
        try:
            for command in step.do:
                self.pane.run_command(command)
            failures = [f for e in step.expect if (f := self.pane.check(e))]
        except ExplainerError as err:
            failures = [str(err)]
        widget = self.query_one(f"#step-{self.next_index}", Static)
        if failures:
            widget.update(self._step_text(self.next_index + 1, step, "✗ " + "; ".join(failures)))
            widget.add_class("failed")
        else:
            widget.update(self._step_text(self.next_index + 1, step, "✓ done"))
            widget.add_class("done")
        self.next_index += 1
        self._maybe_done()

    def action_timeline(self, delta: int) -> None:
        for pane in self.query(LabPane):  # none when the lesson's scenario is broken
            pane.move_on_timeline(delta)

    def action_mark(self, direction: int) -> None:
        for pane in self.query(LabPane):
            pane.jump_to_mark(direction)

    def action_handout(self) -> None:
        from .export import save_handout

        save_handout(self.app, self.lesson)

    def action_restart(self) -> None:
        self.app.switch_screen(LessonScreen(self.lesson, self.store))

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        index = int((event.radio_set.id or "answers-0").split("-")[1])
        chosen = event.radio_set.pressed_index
        cp = self.lesson.checkpoints[index]
        self.store.record(self.lesson.id, index, chosen)
        self.query_one(f"#explain-{index}", Static).update(self._explain(cp, chosen))
        self._maybe_done()

    def _maybe_done(self) -> None:
        """Done: every step played and every checkpoint answered right."""
        if self.next_index < len(self.lesson.steps):
            return
        answers = [self.store.answer(self.lesson.id, i, len(cp.options))
                   for i, cp in enumerate(self.lesson.checkpoints)]
        if all(a is not None and cp.options[a].correct for a, cp in zip(answers, self.lesson.checkpoints,
                                                                           strict=True)):
            if self.store.mark_done(self.lesson.id):
                self.notify(f"{render(self.lesson.title)}: done.", title="Lesson complete")
