"""One lesson: its prose and steps on the left, the lab (or its widget) on the right.

Enter plays the next step's ``do`` commands on the lab and checks its
``expect`` lines. A step with a prediction before it is asked first, in the lab
itself (the pane's bar); the answer plays the step, and the engine's answer,
beside the guess, is shown there and kept in the text. A checkpoint is answered
by its number key (1, 2, 3: the first checkpoint not yet answered right), by a
click, or with Tab to its answers and space; every answer is saved at once, so
progress survives a crash or a closed terminal.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Markdown, RadioButton, RadioSet, Static

from ...course import play, predict
from ...course.facts import render
from ...course.lesson import Checkpoint, Lesson, Predict, Prose, Step
from ...engine.errors import ExplainerError
from ...engine.experiments.scenario import parse
from ..widgets.encoder import EncoderPanel
from ..widgets.key_footer import KeyFooter
from ..widgets.lab_pane import LabPane
from ..widgets.prediction import PREDICTION_KEYS, PredictionBar
from ..widgets.scale import ScalePanel
from .help import READING_KEYS
from .progress_store import ProgressStore


class Answer(RadioButton):
    """An answer drawn whole: Textual's toggle buttons are one line high and cut their label with "…"."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        content = self.render()
        return len(content.wrap(width)) if isinstance(content, Content) else 1


class CheckpointBox(Vertical):
    """A checkpoint: a Vertical, not a scroll box, so Tab does not stop on an invisible container on its
    way to the answers. Once answered it scrolls itself whole into view when its explanation has its
    height (a number key answers a checkpoint that may be off screen)."""

    _show_whole = False

    def show_whole(self) -> None:
        self._show_whole = True
        self.scroll_visible()

    def on_resize(self) -> None:
        if self._show_whole:
            self._show_whole = False
            self.scroll_visible()


def inline(text: str, style: str = "") -> Text:
    """A lesson's line of text as drawn outside its Markdown prose (a question, an answer, a step): a
    `code` span without its backticks, in italic (the answers showed the backticks themselves)."""
    out = Text(style=style)
    for k, part in enumerate(text.split("`")):
        out.append(part, style="italic" if k % 2 else "")
    return out


class LessonScreen(Screen[None]):
    """Read, press enter to play each step on the lab, answer the checkpoint."""

    HELP = ("A lesson: read the text, press enter to play the next step on the lab at the right (the "
            "step says what it does and the lab shows it), then answer the checkpoint by its answer's "
            "number (or a click). Before a step with a prediction, enter asks it in the lab: answer there "
            "(the footer says how), and the step plays. Answers, and whether each prediction was right at "
            "the first try, are saved as you give them.")
    BINDINGS = [
        Binding("enter", "next_step", "do the next step", priority=True),
        # one key per answer; the footer and the help show them as one key, 1-N (see key_display)
        *(Binding(str(n), f"answer({n})", "answer", show=n == 1,
                  tooltip="Answer the checkpoint: the first one not yet answered right")
          for n in range(1, 10)),
        Binding("escape", "app.pop_screen", "back to the course"),
        Binding("ctrl+r", "restart", "restart the lesson", show=False),
        Binding("r", "real_run", "real run",
                tooltip="At the lesson's real step (once played, the checkpoint before it answered): "
                "the same moment on the real runtime, its answer beside the model's"),
        Binding("h", "handout", "save handout", show=False,
                tooltip="Save this lesson as a Markdown handout, in a folder you choose"),
        Binding("comma", "timeline(-1)", "previous stop", show=False),
        Binding("full_stop", "timeline(1)", "next stop", show=False),
        Binding("less_than_sign", "mark(-1)", "previous mark", show=False),
        Binding("greater_than_sign", "mark(1)", "next mark", show=False),
    ]
    FOOTER_KEYS = (*PREDICTION_KEYS, "next_step", "answer(1)", "app.pop_screen", "help", "quit", "real_run",
                   "restart", "handout")
    HELP_TITLE = "Lesson help"
    WIDGET_KEYS = READING_KEYS
    """Tab and PgUp/PgDn: the lesson's text and the lab's panels are longer than their boxes."""
    """The footer's keys by importance (the rest: ? and the command palette)."""
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    """Below 32 rows a question in the lab shows only the panels it is about (LabPane's CSS, for any
    screen with these breakpoints: this one and the lab's split view)."""
    DEFAULT_CSS = """
    LessonScreen #lesson-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    LessonScreen #text { width: 1fr; padding: 0 1; }
    LessonScreen #side { width: 1fr; }
    LessonScreen .step { margin: 1 0 0 0; padding: 0 1; border-left: thick $primary; height: auto; }
    LessonScreen .step.done { border-left: thick $success; }
    LessonScreen .step.failed { border-left: thick $error; }
    LessonScreen .predict { margin: 1 0 0 0; padding: 0 1; border-left: thick $accent; height: auto; }
    LessonScreen .predict.right { border-left: thick $success; }
    LessonScreen .predict.wrong { border-left: thick $warning; }
    LessonScreen .checkpoint { margin: 1 0 0 0; height: auto; border: round $accent; padding: 0 1; }
    LessonScreen .checkpoint.current { border: round $success; }
    LessonScreen RadioSet { width: 1fr; }
    LessonScreen Answer { width: 1fr; text-wrap: wrap; text-overflow: fold; height: auto; }
    LessonScreen .explain { height: auto; margin: 0 0 0 2; }
    LessonScreen Markdown { margin: 0; padding: 0; }
    """

    def __init__(self, lesson: Lesson, store: ProgressStore) -> None:
        super().__init__()
        self.lesson = lesson
        self.store = store
        self.next_index = 0
        """Index into ``lesson.steps`` of the step enter plays next."""
        self.answers = max((len(cp.options) for cp in lesson.checkpoints), default=0)
        """The most answers a checkpoint of this lesson has: the number keys beyond it do nothing."""
        self.real_step: Step | None = None
        """The last ``- real:`` step played: r runs its moment on the real runtime."""

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.lesson.id} · {render(self.lesson.title)}"), id="lesson-title")
        with Horizontal():
            with VerticalScroll(id="text"):
                step_no = checkpoint_no = predict_no = 0
                for block in self.lesson.blocks:
                    if isinstance(block, Prose):
                        yield Markdown(render(block.text))
                    elif isinstance(block, Predict):
                        yield Static(self._predict_text(block, self._tried(predict_no)), classes="predict",
                                     id=f"predict-{predict_no}")
                        predict_no += 1
                    elif isinstance(block, Step):
                        step_no += 1
                        state = "enter plays it" + (", then r runs it on the real runtime" if block.real
                                                    else "")
                        yield Static(self._step_text(step_no, block, state), classes="step",
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
        with CheckpointBox(classes="checkpoint", id=f"checkpoint-{index}") as box:
            box.border_title = "Checkpoint"
            yield Static(inline(render(cp.question), "bold"))
            with RadioSet(id=f"answers-{index}"):
                for k, option in enumerate(cp.options):
                    yield Answer(Text.assemble((f"{k + 1} ", "bold"), inline(render(option.text))),
                                      value=k == chosen, id=f"option-{index}-{k}")
            yield Static(self._explain(cp, chosen), classes="explain", id=f"explain-{index}")

    @staticmethod
    def _step_text(n: int, step: Step, state: str) -> Text:
        return Text.assemble((f"Step {n}: ", "bold"), inline(render(step.text)), (f"   {state}", "dim"))

    def _tried(self, index: int) -> str:
        """How the saved first try of prediction ``index`` went, as the text under it says."""
        first = self.store.predicted(self.lesson.id, len(self.lesson.predictions))[index]
        return "enter asks it in the lab" if first is None else \
            ("✓ right at the first try" if first else "✗ first try wrong (the course keeps the first try)")

    @staticmethod
    def _predict_text(block: Predict, state: str) -> Text:
        return Text.assemble(("Predict: ", "bold"), inline(render(block.question)), (f"   {state}", "dim"))

    @staticmethod
    def _explain(cp: Checkpoint, chosen: int | None) -> Content:
        if chosen is None:
            return Content("")
        option = cp.options[chosen]
        mark = ("✓ right. ", "$success bold") if option.correct else ("✗ not quite. ", "$error bold")
        # the source's line breaks are the author's, not the screen's: one paragraph flows as one
        return Content.assemble(mark, Content.from_rich_text(
            inline(re.sub(r"(?<!\n)\n(?!\n)", " ", render(option.explanation)))))

    # --- playing steps ---

    @property
    def pane(self) -> LabPane:
        """The lab this lesson drives."""
        return self.query_one(LabPane)

    def help_panels(self) -> list[tuple[str, str]]:
        """The text and the lab beside it, as this lesson shows them."""
        from ..widgets.disassembly import DisassemblyPanel
        from ..widgets.real_run import RealRunPanel
        from ..widgets.stack import StackPanel
        from ..widgets.timeline import Timeline
        from ..widgets.unwind import UnwindPanel

        panels = [("Lesson", "The text, its steps (enter plays the next one on the lab; ✓ done or ✗ with "
                             "what did not hold) and its checkpoints (the current one in green)."),
                  ("Checkpoint", "Press an answer's number, or click it, or Tab to the answers and press "
                                 "space. The explanation shows under it; every answer is saved at once.")]
        if self.lesson.widget == "encoder":
            panels.append(("Encoder", EncoderPanel.HELP))
        elif self.lesson.widget == "scale":
            panels.append(("Scale", ScalePanel.HELP))
        return panels + [("Disassembly", DisassemblyPanel.HELP),
                         ("PC RSP R29 R30", "The registers the story needs, on one line under the "
                                            "disassembly, shown reversed where the last step changed them."),
                         ("Stack", StackPanel.HELP), ("Preemption and unwind", UnwindPanel.HELP),
                         ("Timeline", Timeline.HELP), ("Prediction", PredictionBar.HELP),
                         ("Real runtime (r)", RealRunPanel.HELP)]

    def on_key(self, event: events.Key) -> None:
        """r in a browser (``explainer serve``), at the lesson's real step: its panel says why not."""
        if event.key == "r" and self.app.is_web and any(step.real for step in self.lesson.steps) \
                and not any(p.asking for p in self.query(LabPane)):
            event.stop()
            self.action_real_run()

    def key_display(self, binding: Binding) -> str | None:
        """The number keys as one, ``1-3``, as many as the checkpoint in front has answers (the footer and
        the help; the lesson's largest when it has none); None: the key as Textual shows it."""
        if not binding.action.startswith("answer("):
            return None
        index = self.current_checkpoint()
        return f"1-{len(self.lesson.checkpoints[index].options) if index is not None else self.answers}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_step", "answer") and any(p.asking for p in self.query(LabPane)):
            return False  # the lab asks: enter and the numbers are the question's
        if action == "real_run" and not any(step.real for step in self.lesson.steps):
            return False  # a lesson with no real step: the key is shown nowhere and does nothing
        if action == "real_run" and self.app.is_web:
            return False  # explainer serve starts no process: r pressed says so (on_key)
        if action == "answer" and parameters and not 1 <= int(str(parameters[0])) <= self.answers:
            return False  # 7 with three answers: the key stays free for the widget in focus
        return True

    def current_checkpoint(self) -> int | None:
        """The checkpoint the number keys answer: the first one not answered right (None: no checkpoint)."""
        checkpoints = self.lesson.checkpoints
        for i, cp in enumerate(checkpoints):
            chosen = self.store.answer(self.lesson.id, i, len(cp.options))
            if chosen is None or not cp.options[chosen].correct:
                return i
        return len(checkpoints) - 1 if checkpoints else None

    def on_mount(self) -> None:
        self._mark_current()

    def _mark_current(self) -> None:
        """The current checkpoint in green, with its keys in its border."""
        current = self.current_checkpoint()
        for i, cp in enumerate(self.lesson.checkpoints):
            box = self.query_one(f"#checkpoint-{i}", CheckpointBox)
            box.set_class(i == current, "current")
            box.border_subtitle = (f"press 1-{len(cp.options)} to answer, or click" if i == current else "")
        self.refresh_bindings()  # the footer's 1-N: the checkpoint now in front

    def action_answer(self, number: int) -> None:
        """Answer the current checkpoint with its ``number``-th answer (1-based), as a click on it would."""
        index = self.current_checkpoint()
        if index is None:
            return
        options = self.lesson.checkpoints[index].options
        if number > len(options):
            self.notify(f"This checkpoint has {len(options)} answers: press 1-{len(options)}.",
                        title="Lesson")
            return
        self.query_one(f"#option-{index}-{number - 1}", RadioButton).value = True

    def action_next_step(self) -> None:
        steps = self.lesson.steps
        if self.next_index >= len(steps):
            index = self.current_checkpoint()
            if index is None or self.store.is_done(self.lesson.id):
                self.notify("No more steps: the lesson is done; esc goes back to the course.", title="Lesson")
                return
            answers = len(self.lesson.checkpoints[index].options)
            self.notify(f"No more steps: press 1-{answers} to answer the checkpoint (or click an answer).",
                        title="Lesson")
            self.query_one(f"#checkpoint-{index}", CheckpointBox).scroll_visible()
            return
        if not self.query(LabPane):
            self.notify("This lesson's lab could not open (see the right): its steps cannot be played.",
                        title="Lesson", severity="error")
            return
        step = steps[self.next_index]
        asked = self.lesson.prediction_before(step)
        if asked is None:
            self._play(step)
            return
        question = predict.lesson_question(predict.Kind(asked.kind), inline(render(asked.question)).plain,
                                            step.do)
        self.pane.ask(question, lambda: self._play(step))
        self.query_one(f"#predict-{self.lesson.predictions.index(asked)}", Static).scroll_visible()

    def _play(self, step: Step) -> None:
        """Play ``step`` on the lab, check its expectations, and say how it went in the text."""
        failures: list[str] = []
        try:
            for command in play.commands(step):  # a real step: the model's walk there first
                self.pane.run_command(command)
            failures = [f for e in step.expect if (f := self.pane.check(e))]
        except ExplainerError as err:
            failures = [str(err)]
        widget = self.query_one(f"#step-{self.next_index}", Static)
        if failures:
            widget.update(self._step_text(self.next_index + 1, step, "✗ " + "; ".join(failures)))
            widget.add_class("failed")
        else:
            said = "✓ done" + (" · r runs it on the real runtime" if step.real else "")
            widget.update(self._step_text(self.next_index + 1, step, said))
            widget.add_class("done")
        if step.real:
            self.real_step = step
        self.next_index += 1
        self._maybe_done()

    def action_real_run(self) -> None:
        """r: the real step's moment on the real runtime, once the checkpoint before it is answered."""
        from ...engine.runtime.unwind import Trigger

        step = self.real_step
        if step is None or step.real is None:
            n = next(k for k, s in enumerate(self.lesson.steps, 1) if s.real)
            self.notify(f"r runs the real runtime at step {n}: play the steps up to it first (enter).",
                        title="Lesson")
            return
        index = self._checkpoint_before(step)
        if index is not None and self.store.answer(self.lesson.id, index,
                                                   len(self.lesson.checkpoints[index].options)) is None:
            answers = len(self.lesson.checkpoints[index].options)
            self.notify(f"First say what the real runtime will print: answer the checkpoint (1-{answers}).",
                        title="Lesson")
            self.query_one(f"#checkpoint-{index}", CheckpointBox).scroll_visible()
            return
        at, walk = step.real
        self.pane.real_run(at=at, walk=Trigger(walk))

    def _checkpoint_before(self, step: Step) -> int | None:
        """The checkpoint between the step before ``step`` and ``step`` (the last one, by index)."""
        k = self.lesson.blocks.index(step)
        for block in reversed(self.lesson.blocks[:k]):
            if isinstance(block, Step):
                return None
            if isinstance(block, Checkpoint):
                return self.lesson.checkpoints.index(block)
        return None

    def on_lab_pane_judged(self, message: LabPane.Judged) -> None:
        """A prediction was judged: keep its first try, and say in the text how this try went."""
        step = self.lesson.steps[self.next_index - 1] if self.next_index else None
        asked = self.lesson.prediction_before(step) if step is not None else None
        if asked is None:
            return
        index = self.lesson.predictions.index(asked)
        first = self.store.predicted(self.lesson.id, len(self.lesson.predictions))[index] is None
        self.store.record_prediction(self.lesson.id, index, message.judgement.right)
        j = message.judgement
        said = ("✓ right" if j.right else f"✗ you said {j.guess}; the answer: {j.answer}"
                + (f" ({j.distance})" if j.distance else ""))
        said += " at the first try" if first and j.right else ""
        widget = self.query_one(f"#predict-{index}", Static)
        widget.update(self._predict_text(asked, said))
        widget.set_class(j.right, "right")
        widget.set_class(not j.right, "wrong")

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
        self.query_one(f"#checkpoint-{index}", CheckpointBox).show_whole()
        self._mark_current()
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
