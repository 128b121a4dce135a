"""The question the lab asks before a step runs, the learner's answer, and then the answer beside the guess.

The bar belongs to a pane and draws the pane's :class:`~explainer.ui.state.PredictionState`. While it
asks, it holds the focus, so its keys are the footer's: ↑ ↓ and enter pick a stack row or a disassembly
line (the pane draws the pick in that panel, and a click there picks too), a field takes a typed
value, and number keys (or the buttons) answer an outcome question; esc puts the question away and
nothing runs. What the learner chose goes up to the pane as a message; the pane runs the step, asks
the engine, and sets the judgement that the bar then shows.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import Button, Input, Static

from ...course.predict import CHOICE_WORDS, Guess, Kind
from ...engine.runtime.outcome import Outcome
from ..state import PredictionState

#: The outcome keys: one binding per (key, outcome) a question can offer, enabled only when its
#: question offers that outcome at that place, so the footer names what each number means now.
_CHOICE_KEYS = [(1, Outcome.CRASH), (2, Outcome.CLEAN), (3, Outcome.REFUSED), (4, Outcome.CANNOT_SEE),
                (1, Outcome.PARKED), (2, Outcome.REFUSED)]
#: How each kind is answered, for the line under the question.
_HOW = {Kind.SLOT: "↑ ↓ pick a stack row, enter answers (or click it twice)",
        Kind.LINE: "↑ ↓ pick a disassembly line, enter answers (or click it twice)",
        Kind.RSP: "type RSP in hex (0x…) or decimal, then enter",
        Kind.OUTCOME: "press a number or click a button"}


#: The bar's actions, for a screen's footer (in order of importance): only the ones the question in
#: front offers are active, and a screen's own keys wait while it asks.
PREDICTION_KEYS = (*(f"choose('{o.value}',{k})" for k, o in _CHOICE_KEYS), "answer", "pick_row(-1)",
                   "pick_line(-1)", "skip")


class ValueInput(Input):
    """The field a value is typed in (enter answers)."""

    BINDINGS = [Binding("enter", "answer", "answer", tooltip="Answer with the value typed")]
    """The bar's own action name, so the footer says ``⏎ answer`` while the field has the focus (its
    enter hid the bar's, and the footer said nothing of how to answer)."""

    async def action_answer(self) -> None:
        await self.action_submit()


class PredictionBar(Vertical):
    """One question: how to answer it, then the engine's answer beside the guess."""

    HELP = ("Prediction (m in the lab; Predict blocks in lessons): before the step runs, answer in the lab "
            "itself: pick the stack row the unwinder will read as the return address (↑ ↓, enter, or "
            "clicks), pick the disassembly line where a walk crashes, type what RSP will be (hex or "
            "decimal), or press the number of the outcome. The step then runs, and the bar shows the "
            "engine's answer beside yours, how far off you were in bytes or instructions, and why.")
    BINDINGS = [
        # ↑ and ↓ say what they move for the question in front (one footer key, ↑↓, for the pair); a
        # question offers one pair, and a key's disabled binding lets the next on that key answer it
        Binding("up", "pick_row(-1)", "pick a stack row", key_display="↑↓",
                tooltip="Pick the stack row above (higher addresses)"),
        Binding("down", "pick_row(1)", "pick a stack row", key_display="↑↓", show=False,
                tooltip="Pick the stack row below (lower addresses)"),
        Binding("up", "pick_line(-1)", "pick a line", key_display="↑↓",
                tooltip="Pick the disassembly line above"),
        Binding("down", "pick_line(1)", "pick a line", key_display="↑↓", show=False,
                tooltip="Pick the disassembly line below"),
        Binding("enter", "answer", "answer", tooltip="Answer with what is picked (or typed)"),
        Binding("escape", "skip", "not now", tooltip="Put the question away: nothing runs"),
        *[Binding(str(k), f"choose('{o.value}',{k})", CHOICE_WORDS[o], tooltip=f"Answer: {CHOICE_WORDS[o]}")
          for k, o in _CHOICE_KEYS],
    ]
    DEFAULT_CSS = """
    PredictionBar { height: auto; max-height: 50%; border-top: round $accent; border-title-color: $accent;
                    padding: 0 1; display: none; dock: bottom; overflow-y: auto; }
    PredictionBar.shown { display: block; }
    PredictionBar:focus-within { border-top: round $accent; }
    PredictionBar #question { text-style: bold; }
    PredictionBar #how { color: $text-muted; }
    PredictionBar #how.problem { color: $error; }
    PredictionBar #controls { height: auto; display: none; }
    PredictionBar.-outcome #controls, PredictionBar.-rsp #controls { display: block; }
    PredictionBar #controls Button { margin: 0 1 0 0; min-width: 8; }
    PredictionBar ValueInput { width: 24; display: none; }
    PredictionBar.-rsp ValueInput { display: block; }
    PredictionBar .choice { display: none; }
    PredictionBar .choice.offered { display: block; }
    PredictionBar #answer { display: none; }
    PredictionBar.-rsp #answer { display: block; }
    PredictionBar #result { display: none; }
    PredictionBar.-answered #result { display: block; }
    PredictionBar.-judged #controls, PredictionBar.-judged #how, PredictionBar.-judged #question {
        display: none; }
    """

    can_focus = True
    prediction: var[PredictionState | None] = var(None)
    """The pane's prediction (None: the bar is hidden)."""

    class Answered(Message):
        """The learner answered (a typed value is already read)."""

        def __init__(self, guess: Guess) -> None:
            super().__init__()
            self.guess = guess

    class Picked(Message):
        """↑ or ↓: move the pick in the stack or the disassembly."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    class Typed(Message):
        """A typed value was answered: the pane reads it (and may refuse it)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Unpicked(Message):
        """enter with nothing picked yet (a slot or a line question): the pane says how to pick."""

    class Skipped(Message):
        """esc: the question is put away and nothing runs."""

    def compose(self) -> ComposeResult:
        yield Static(id="question")
        with Horizontal(id="controls"):
            for k in range(4):
                yield Button("", id=f"choice-{k}", classes="choice", compact=True)
            yield ValueInput(placeholder="0x… or decimal", id="value", compact=True)
            yield Button("answer", id="answer", compact=True)
        yield Static(id="how")
        yield Static(id="result")

    # --- what the bar shows ---

    def watch_prediction(self, old: PredictionState | None, new: PredictionState | None) -> None:
        self.set_class(new is not None, "shown")
        if new is None:
            return
        kind = new.question.kind
        for name, on in (("-outcome", kind is Kind.OUTCOME), ("-rsp", kind is Kind.RSP),
                         ("-pick", kind in (Kind.SLOT, Kind.LINE)), ("-judged", new.judgement is not None),
                         ("-answered", new.guess is not None)):
            self.set_class(on, name)
        self.border_title = "Predict" if new.judgement is None else \
            ("Predicted right" if new.judgement.right else "Predicted wrong")
        self.query_one("#question", Static).update(Text(new.question.text))
        how = self.query_one("#how", Static)
        said = Text(new.problem or _HOW[kind])
        if new.picked and not new.problem:
            said = Text.assemble(("picked ", "bold"), (new.picked, "bold"), " · ", said)
        how.update(said)
        how.set_class(new.problem is not None, "problem")
        if old is None or old.question != new.question:
            self._offer(new)
        self.query_one("#result", Static).update(self._result(new))
        self.refresh_bindings()

    def _offer(self, state: PredictionState) -> None:
        """Label the buttons with the question's outcomes (one per number key)."""
        choices = state.question.choices
        for k, button in enumerate(self.query(".choice").results(Button)):
            button.set_class(k < len(choices), "offered")
            if k < len(choices):
                button.label = f"{k + 1} {CHOICE_WORDS[choices[k]]}"
        value = self.query_one(ValueInput)
        value.value = ""

    def _result(self, state: PredictionState) -> Content:
        j = state.judgement
        if j is None:
            if state.guess is not None:
                return Content.styled("answered: running the step…", "$text-muted")
            return Content("")
        mark = ("✓ right: ", "$success bold") if j.right else ("✗ not quite. ", "$error bold")
        parts: list[tuple[str, str] | str] = [mark]
        if j.right:
            parts.append(j.answer)
        else:
            parts += [("your guess ", "$text-muted"), j.guess, ("  ·  the answer ", "$text-muted"),
                      (j.answer, "bold")]
            if j.distance:
                parts += [("  ·  ", "$text-muted"), (j.distance, "$error bold")]
        return Content.assemble(*parts, "\n", (j.why, "italic"))

    # --- the learner's keys and clicks ---

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self.prediction
        if state is None or not state.asking:
            return False
        kind = state.question.kind
        if action == "pick_row":
            return kind is Kind.SLOT
        if action == "pick_line":
            return kind is Kind.LINE
        if action == "answer":
            return kind in (Kind.SLOT, Kind.LINE, Kind.RSP)
        if action == "choose":
            outcome, k = parameters
            choices = state.question.choices
            return kind is Kind.OUTCOME and 0 < int(str(k)) <= len(choices) and \
                choices[int(str(k)) - 1].value == outcome
        return True

    def action_pick_row(self, delta: int) -> None:
        self.post_message(self.Picked(delta))

    def action_pick_line(self, delta: int) -> None:
        self.post_message(self.Picked(delta))

    def action_answer(self) -> None:
        state = self.prediction
        if state is None or not state.asking:
            return
        if state.question.kind is Kind.RSP:
            self.post_message(self.Typed(self.query_one(ValueInput).value))
        elif state.pick is not None:
            self.post_message(self.Answered(state.pick))
        else:
            self.post_message(self.Unpicked())

    def action_choose(self, outcome: str, k: int) -> None:
        self.post_message(self.Answered(Outcome(outcome)))

    def action_skip(self) -> None:
        self.post_message(self.Skipped())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_answer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        state = self.prediction
        if state is None or not state.asking:
            return
        if event.button.id == "answer":
            self.action_answer()
        elif event.button.id and event.button.id.startswith("choice-"):
            k = int(event.button.id.split("-")[1])
            if k < len(state.question.choices):
                self.post_message(self.Answered(state.question.choices[k]))

    def take_focus(self) -> None:
        """Focus what answers: the field for a value, else the bar itself (its keys)."""
        state = self.prediction
        if state is not None and state.question.kind is Kind.RSP:
            self.query_one(ValueInput).focus()
        else:
            self.focus()
