"""Change the scenario without restarting: version, frame size, leaf, buffer, stack."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static, Switch

from ...engine.errors import ExplainerError
from ...engine.experiments.scenario import DEFAULT_STACK, Scenario, frame_limits, parse_stack
from ...engine.releases.versions import GoVersion, known_versions
from ...engine.toolchain.bigstack import Buffer
from .modal import OnceModal

#: Frame sizes that each show one class of the assembler's choice.
PRESETS = (
    (4096, "4096: one ADD, imm12 shifted by 12"),
    (4112, "4112: built in R27 with one MOVZ"),
    (65552, "65552: the published leaf reproducer (split)"),
    (65584, "65584: the non-leaf reproducer (split before the fix)"),
    (1048576, "1048576: one shifted ADD"),
)


class OptionsScreen(OnceModal[Scenario | None]):
    """A form over the scenario; Apply validates with the engine and says what is wrong."""

    HELP = ("Choose the Go release, the frame size (or a preset), leaf or non-leaf, what the body leaves "
            "in the buffer, and the goroutine's stack bounds. Apply checks the scenario with the engine "
            "and names any part that is wrong; Escape keeps the current one. An empty stack is goroutine 1's "
            "in the real fast_leaf-go1.23.4.log, grown to fit the frame.")
    BINDINGS = [Binding("escape", "cancel", "keep the current scenario")]
    DEFAULT_CSS = """
    OptionsScreen { align: center middle; }
    OptionsScreen > Vertical { width: 72; height: auto; border: round $accent; padding: 1 2;
                               background: $surface; }
    OptionsScreen .field { height: auto; }
    OptionsScreen .field > Label { width: 14; padding: 1 0 0 0; }
    OptionsScreen Input, OptionsScreen Select { width: 1fr; }
    OptionsScreen #error { color: $error; height: auto; }
    OptionsScreen.-short > Vertical { padding: 0 1; }
    OptionsScreen.-short .field { margin-top: 1; }
    OptionsScreen.-short .field > Label { padding: 0; }
    OptionsScreen.-short .field > #leaf-label { padding: 1 0 0 0; }
    """
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    """Below 32 rows the fields go borderless (one row each), so Apply stays on screen at 80x24."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        s = self.scenario
        stack = "" if s.stack == DEFAULT_STACK else f"{s.stack.lo:#x}-{s.stack.hi:#x}"
        with Vertical():
            yield Static("[b]Scenario[/b]")
            with Horizontal(classes="field"):
                yield Label("Go release")
                yield Select([(f"go{v}", str(v)) for v in known_versions()], value=str(s.version),
                             allow_blank=False, id="version")
            with Horizontal(classes="field"):
                yield Label("Preset")
                yield Select([(text, n) for n, text in PRESETS], prompt="frame size presets", id="preset")
            with Horizontal(classes="field"):
                yield Label("Frame bytes")
                yield Input(str(s.size), id="size", restrict=r"[0-9]*")
            with Horizontal(classes="field"):
                yield Label("Leaf", id="leaf-label")
                yield Switch(value=s.leaf, id="leaf")
            with Horizontal(classes="field"):
                yield Label("Buffer")
                yield Select([(b.value, b.value) for b in Buffer], value=s.buffer.value, allow_blank=False,
                             id="buffer")
            with Horizontal(classes="field"):
                yield Label("Stack")
                yield Input(stack, placeholder="0xLO-0xHI (empty: the real log's stack)", id="stack")
            yield Static(id="error")
            with Horizontal(classes="field"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Borderless fields on a short screen (the -short breakpoint's rows)."""
        short = self.app.size.height < 32
        for field in self.query("Input, Select, Button").results():
            if isinstance(field, (Input, Select, Button)):
                field.compact = short

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "preset" and isinstance(event.value, int):
            self.query_one("#size", Input).value = str(event.value)

    def on_input_submitted(self) -> None:
        self._apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self._apply()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _apply(self) -> None:
        try:
            self.dismiss(self._read())
        except ExplainerError as err:
            self.query_one("#error", Static).update(str(err))

    def _read(self) -> Scenario:
        version = GoVersion.parse(str(self.query_one("#version", Select).value))
        leaf = self.query_one("#leaf", Switch).value
        size = frame_limits(version, leaf).parse(self.query_one("#size", Input).value)
        stack_text = self.query_one("#stack", Input).value.strip()
        return replace(  # Scenario checks the rest: the stack for that frame
            self.scenario,
            version=version,
            size=size,
            leaf=leaf,
            buffer=Buffer(self.query_one("#buffer", Select).value),
            stack=parse_stack(stack_text) if stack_text else DEFAULT_STACK,
            step=None,
        )
