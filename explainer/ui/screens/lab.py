"""The lab: one scenario (or two, split), driven by keys.

The screen composes panes and routes commands to them; all emulation lives in
the engine behind each pane's :class:`Session`. In prediction mode (m, remembered
in the preferences file) a walk key, p, or s onto an instruction that writes RSP
first asks the learner what will happen, in the (left) pane's bar; the answer
runs the command on every pane and the left pane shows the engine's answer
beside the guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static

from ...course import predict
from ...engine.errors import ExplainerError
from ...engine.experiments.fix import split_pair
from ...engine.experiments.scenario import Scenario
from ...engine.runtime.outcome import Outcome
from ...engine.runtime.unwind import Trigger
from ...engine.toolchain.program import Program
from .. import preferences
from ..format import size
from ..widgets.key_footer import KeyFooter
from ..widgets.lab_pane import LabPane
from ..widgets.prediction import PREDICTION_KEYS, PredictionBar
from .help import APP_HELP, READING_KEYS

#: The views made for the reproducer's function (action: what it is): off for a function from a binary.
REPRODUCER_ONLY = {"split": "The split view", "sweep": "The sweep", "options": "Changing the scenario"}


@dataclass(frozen=True)
class OpenedFunction:
    """A function loaded from a real binary (``explainer open``) instead of the reproducer's."""

    program: Program
    source: str
    """Where it came from: ``BINARY · FUNC``."""
    command: str
    """The command that opens it again (what ``y`` copies)."""


class LabScreen(Screen[None]):
    """Step main.big_stack, preempt it anywhere, unwind it as the runtime would."""

    HELP = APP_HELP
    SPLIT_HELP = ("The split view: the same frame before the fix (left) and after it (right), stepping "
                  "together. Every key acts on both sides; the line under them compares the two verdicts.")

    BINDINGS = [
        Binding("s,space,right", "step", "step", tooltip="Execute one instruction"),
        Binding("b,left", "back", "back", tooltip="Go back one recorded step (the trace is kept)"),
        Binding("e", "run_to('epilogue')", "to epilogue",
                tooltip="Run to the first instruction of the epilogue"),
        Binding("w", "run_to('sp2')", "last RSP write",
                tooltip="Run to the epilogue's last write to RSP: with a split release, SP is mid-frame"),
        Binding("home,0", "reset", "reset", show=False, tooltip="Back to the function's entry"),
        Binding("p", "preempt", "preempt",
                tooltip="Send SIGURG at this instruction (async preemption)"),
        Binding("g", "unwind('gc')", "GC scan", tooltip="Preempt here, then a GC stack scan walks the stack"),
        Binding("t", "unwind('traceback')", "traceback", show=False,
                tooltip="Preempt here, then a traceback of all goroutines walks the stack"),
        Binding("n", "unwind('panic')", "panic", show=False, tooltip="Preempt here, then a panic walks "
                "its own goroutine's stack"),
        Binding("f", "unwind('goroutine-profile')", "goroutine profile", show=False,
                tooltip="Preempt here, then "
                "a goroutine profile (pprof) walks the stack, errors silenced"),
        Binding("c", "unwind('copy')", "stack copy", show=False, tooltip="Preempt here, then the GC tries "
                "to shrink (copy) the stack"),
        Binding("r", "real_run", "real run",
                tooltip="Run this moment on the real runtime (qemu-aarch64, gdb-multiarch, the release's "
                "Go): its answer and its own lines beside the model's; esc stops it"),
        Binding("v", "split", "split view",
                tooltip="Before and after the fix, side by side, stepping together"),
        Binding("x", "sweep", "sweep", tooltip="Preempt at every instruction; sweep frame sizes"),
        Binding("o", "options", "scenario", tooltip="Change Go version, frame size, leaf, buffer, stack"),
        Binding("l", "app.course", "course",
                tooltip="The course: ten lessons from ADD immediates to the fix"),
        Binding("a", "syntax", "ARM/Go", show=False, tooltip="Toggle ARM and Go assembler syntax"),
        Binding("u", "toggle_source", "source", tooltip="Show or hide the Go source beside the disassembly, "
                "the line of the instruction under ▶ highlighted (shown at 200 columns)"),
        Binding("down", "select(1)", "select next", show=False, priority=True,
                tooltip="Select the next instruction and explain it: what it does, its encoding's fields, "
                "its UnsafePoint and the rule that decides (a click selects one too)"),
        Binding("up", "select(-1)", "select previous", show=False, priority=True,
                tooltip="Select the previous instruction and explain it"),
        Binding("enter", "explain", "explain ▶", show=False,
                tooltip="Explain the instruction under ▶ (select it)"),
        Binding("escape", "unselect", "unselect", show=False,
                tooltip="Let go of the selected instruction (or stop a long run)"),
        Binding("m", "predict_mode", "prediction mode", show=False,
                tooltip="Prediction mode on or off: before p, a walk key (g t n f c) or s onto a write to "
                "RSP, the lab asks what will happen, then shows the answer beside your guess"),
        Binding("y", "copy", "copy scenario", show=False, tooltip="Copy the scenario's one-line form"),
        Binding("comma", "timeline(-1)", "previous stop", show=False,
                tooltip="Timeline: back to the previous recorded step (its snapshot, not a re-run)"),
        Binding("full_stop", "timeline(1)", "next stop", show=False,
                tooltip="Timeline: on to the next recorded step"),
        Binding("less_than_sign", "mark(-1)", "previous mark", show=False,
                tooltip="Timeline: jump back to the previous mark (RSP changed, preempted, bad slot read)"),
        Binding("greater_than_sign", "mark(1)", "next mark", show=False,
                tooltip="Timeline: jump on to the next mark"),
        Binding("i", "save_screen", "save screen (SVG)", show=False,
                tooltip="Save the screen as an SVG image, in a folder you choose"),
        Binding("j", "save_step", "save step (JSON)", show=False,
                tooltip="Save this step as JSON (as 'explainer run --json' prints it) in a chosen folder"),
    ]
    FOOTER_KEYS = (*PREDICTION_KEYS, "step", "back", "run_to('epilogue')", "run_to('sp2')", "help", "quit",
                   "app.course", "unwind('gc')", "toggle_source", "preempt", "real_run", "split", "sweep",
                   "options", "syntax", "unwind('traceback')")
    """The footer's keys by importance: the first eight fit at 80 columns (l, the course, among them: a
    newcomer lands here); ? and ctrl+p reach the rest (a question's keys come first: while one is asked,
    the screen's own keys wait)."""
    WIDGET_KEYS = READING_KEYS
    """Tab and PgUp/PgDn: a panel longer than its box (the Unwind panel's end) is read by scrolling it."""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide"), (200, "-full")]
    FULL_WIDTH = 200
    """From this width the Go source and the explanation stand beside the story by default."""
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    DEFAULT_CSS = """
    LabScreen #title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    LabScreen #scenario { height: 1; padding: 0 1; background: $boost; }
    LabScreen #verdict { height: auto; padding: 0 1; display: none; }
    LabScreen #verdict.shown { display: block; }
    LabScreen #panes { height: 1fr; }
    LabScreen LabPane { width: 1fr; }
    LabScreen.-wide LabPane.single .column.left,
    LabScreen.-full LabPane.single .column.left { max-width: 84; }
    LabScreen.-full LabPane.single .column.right { layout: horizontal; }
    LabScreen.-full LabPane.single .aside { height: 1fr; width: 1fr; }
    LabScreen.-full LabPane.single .story { width: 1fr; }
    LabScreen.-full LabPane.single SourcePanel { height: 1fr; max-height: 100%; }
    LabScreen.-full LabPane.single.-source ExplainPanel { display: block; }
    LabScreen.-short LabPane SourcePanel { max-height: 7; }
    LabScreen.-short LabPane.-explaining .story { display: none; }
    LabScreen LabPane.-explaining SourcePanel { display: none; }
    LabScreen.-full.-tall LabPane.single.-explaining SourcePanel { display: block; max-height: 100%; }
    /* 42 at 80: lsl #12 whole */
    LabScreen.-narrow LabPane.single .column.left { width: 53%; max-width: 53%; }
    /* the split view from 200 columns: each half (100 columns) in the lab's two columns, as the lab lays
       out at 100 (there too an explanation takes the source's place) */
    LabScreen.-full LabPane.narrow > .columns { layout: horizontal; }
    LabScreen.-full LabPane.narrow .column { height: 1fr; }
    LabScreen.-full LabPane.narrow .aside { max-height: 45%; }
    LabScreen.-short #scenario { display: none; }
    /* the split view's halves one above the other, an instruction explained: the explanation is read
       against the stack, so the listing keeps five lines (▶ among them), the explanation four and the
       unwind five, each scrolled, and the stack the rest: the slot read, the pushCall pair and the real
       LR (at 120x40 the stack had one row) */
    LabScreen.-tall.-narrow LabPane.narrow.-explaining .column.left,
    LabScreen.-tall.-wide LabPane.narrow.-explaining .column.left { height: auto; min-height: 0; }
    LabScreen.-tall.-narrow LabPane.narrow.-explaining DisassemblyPanel,
    LabScreen.-tall.-wide LabPane.narrow.-explaining DisassemblyPanel { height: 7; min-height: 7; }
    LabScreen.-tall.-narrow LabPane.narrow.-explaining .column.right,
    LabScreen.-tall.-wide LabPane.narrow.-explaining .column.right { height: 1fr; }
    LabScreen.-tall.-narrow LabPane.narrow.-explaining .aside,
    LabScreen.-tall.-wide LabPane.narrow.-explaining .aside { max-height: 6; }
    LabScreen.-tall.-narrow LabPane.narrow.-explaining UnwindPanel,
    LabScreen.-tall.-wide LabPane.narrow.-explaining UnwindPanel { max-height: 7; }
    LabScreen.-short LabPane RegistersPanel { max-height: 7; }
    LabScreen.-narrow LabPane.narrow { border: none; border-top: round $accent; }
    LabScreen.-short LabPane.narrow DisassemblyPanel, LabScreen.-short LabPane.narrow StackPanel,
    LabScreen.-short LabPane.narrow UnwindPanel { border: none; border-top: round $primary; }
    LabScreen.-short LabPane.narrow RegistersPanel { max-height: 1; }
    LabScreen.-short LabPane.narrow .column { height: 1fr; min-height: 0; }
    LabScreen.-short LabPane.narrow .column.right { min-height: 10; }  /* the stack's 4, the unwind's 6 */
    LabScreen.-short LabPane.narrow DisassemblyPanel { height: 1fr; min-height: 6; }
    LabScreen.-short LabPane.narrow StackPanel { height: 1fr; min-height: 4; }
    LabScreen.-short LabPane.narrow UnwindPanel { height: auto; max-height: 6; }
    """

    split: var[bool] = var(False, init=False)  # init: a rebuild on mount lost an opened function's program
    """Two panes, before and after the fix, stepping together (v)."""
    source: var[bool | None] = var(None, init=False)
    """The Go source shown (u): None until toggled, shown from ``FULL_WIDTH`` columns."""
    arm_syntax: var[bool] = var(False, init=False)
    """The disassembly in ARM syntax (a); bound down to every pane."""

    def __init__(self, scenario: Scenario, opened: OpenedFunction | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.opened = opened
        self._source_at_hand: bool | None = None
        self.predicting = preferences.load().predict
        """Prediction mode (m): ask before a walk, p, or s onto a write to RSP."""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="scenario")
        with Horizontal(id="panes"):
            yield LabPane(self.scenario, program=self.opened.program if self.opened else None)
        yield Static(id="verdict")
        yield KeyFooter(self.FOOTER_KEYS)

    def on_mount(self) -> None:
        self._titles()
        self._show_source()

    # --- routing ---

    @property
    def panes(self) -> list[LabPane]:
        """The panes every command goes to."""
        return list(self.query(LabPane))

    def _each(self, command: Callable[[LabPane], None]) -> None:
        """One command on every pane (both sides of the split view step together)."""
        for pane in self.panes:
            try:
                command(pane)
            except ExplainerError as err:
                self.notify(str(err), title="Cannot do that", severity="error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a pane asks a question, the screen's keys wait (its bar's keys answer). A function
        opened from a binary has no use for the views made for the reproducer: their keys leave the
        footer and the palette (pressed anyway, they say why: ``on_key``)."""
        if self.opened is not None and action in REPRODUCER_ONLY:
            return False
        if action == "real_run" and self.app.is_web:
            return False  # a web page starts no process on the serving machine; r pressed says so (on_key)
        if any(p.asking for p in self.panes) and action in self._own_actions:
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        """A key of a view made for the reproducer, pressed in a lab opened on a binary, or r in a
        browser (``explainer serve``): say why not."""
        if event.key == "r" and self.app.is_web and not any(p.asking for p in self.panes):
            event.stop()
            self.action_real_run()  # the real-run panel says why a web page runs nothing
            return
        if self.opened is None:
            return
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.action in REPRODUCER_ONLY and event.key in b.key.split(","):
                event.stop()
                self._reproducer_only(REPRODUCER_ONLY[b.action])
                return

    @property
    def _own_actions(self) -> set[str]:
        return {b.action.split("(")[0].split(".")[-1] for b in self.BINDINGS if isinstance(b, Binding)}

    def _asked(self, question: predict.Question, command: Callable[[LabPane], None]) -> bool:
        """In prediction mode, ask ``question`` in the first pane, then run ``command`` on every pane."""
        panes = self.panes
        if not self.predicting or not panes or any(p.running for p in panes):
            return False
        panes[0].ask(question, lambda: self._each(command))
        return True

    def action_step(self) -> None:
        insn = self.panes[0].session.current.instruction if self.panes else None
        if insn is not None and insn.writes_sp and self._asked(predict.step_question(insn.go), LabPane.step):
            return
        self._each(LabPane.step)

    def action_back(self) -> None:
        self._each(LabPane.back)

    def action_reset(self) -> None:
        self._each(LabPane.reset)

    def action_run_to(self, anchor: str) -> None:
        self._each(lambda pane: pane.run_to(anchor))

    def action_preempt(self) -> None:
        self._preempt(None)

    def action_unwind(self, trigger: str) -> None:
        self._preempt(Trigger(trigger))

    def _preempt(self, walker: Trigger | None) -> None:
        def command(pane: LabPane) -> None:
            pane.preempt(walker)

        if self.panes and self._asked(predict.preempt_question(self._here(), walker), command):
            return
        self._each(command)

    def _here(self) -> str:
        """The instruction at the first pane's PC, as a question names it."""
        moment = self.panes[0].session.current
        insn = moment.instruction
        if insn is None:
            return f"{moment.snapshot.pc:#x} ({moment.function})"
        return f"+{insn.offset:#06x} {insn.go}"

    def action_real_run(self) -> None:
        """r: the moment under ▶ on the real runtime, on every pane (both sides of the split view)."""
        for pane in self.panes:
            pane.real_run(opened=self.opened is not None)

    def action_predict_mode(self) -> None:
        self.predicting = not self.predicting
        try:
            preferences.store(preferences.Preferences(predict=self.predicting))
        except ExplainerError as err:  # a read-only state folder: the mode still changes for this run
            self.notify(f"Not remembered: {err}", title="Preferences", severity="warning")
        said = ("on: before p, g t n f c, or s onto a write to RSP, the lab asks what will happen"
                if self.predicting else "off")
        self.notify(f"Prediction mode {said}.", title="Predict")
        self._titles()

    def action_timeline(self, delta: int) -> None:
        self._each(lambda pane: pane.move_on_timeline(delta))

    def action_mark(self, direction: int) -> None:
        self._each(lambda pane: pane.jump_to_mark(direction))

    def action_save_screen(self) -> None:
        from .export import FileToSave, save_into_folder

        def screen() -> list[FileToSave]:
            step = self.panes[0].session.current.snapshot.step
            name = f"{str(self.panes[0].scenario).replace('/', '_').replace('=', '-')}-step{step}.svg"
            return [FileToSave(name, self.app.export_screenshot())]

        save_into_folder(self.app, "the screen as SVG", screen, after_refresh=True)

    def action_save_step(self) -> None:
        from .export import FileToSave, save_into_folder

        panes = self.panes
        save_into_folder(self.app, "this step as JSON", lambda: [FileToSave(*p.step_file()) for p in panes])

    @property
    def source_shown(self) -> bool:
        """The Go source is on screen: as toggled, else from ``FULL_WIDTH`` columns when there is a text to
        show (a binary's file may not be at hand: then only u shows where it is not, and the stack keeps
        its width)."""
        if self.source is not None:
            return self.source
        if self._source_at_hand is None:
            from ..widgets.source import find_source

            self._source_at_hand = self.opened is None or \
                find_source(self.opened.program.target.source_file) is not None
        return self._source_at_hand and self.size.width >= self.FULL_WIDTH

    def action_toggle_source(self) -> None:
        self.source = not self.source_shown

    def watch_source(self) -> None:
        self._show_source()

    def _show_source(self) -> None:
        for pane in self.panes:
            pane.set_class(self.source_shown, "-source")

    def action_select(self, delta: int) -> None:
        self._each(lambda pane: pane.select_by(delta))

    def action_explain(self) -> None:
        self._each(LabPane.select_current)

    def action_unselect(self) -> None:
        """esc: stop a long run if one goes on; else let go of the selection."""
        if not any([pane.stop_run() for pane in self.panes]):
            for pane in self.panes:
                pane.selected = None

    def action_syntax(self) -> None:
        self.arm_syntax = not self.arm_syntax

    def watch_arm_syntax(self, arm: bool) -> None:
        for pane in self.panes:
            pane.arm_syntax = arm

    def action_copy(self) -> None:
        text = self.opened.command if self.opened else str(self.panes[0].scenario)
        self.app.copy_to_clipboard(text)
        self.notify(text, title="Command copied" if self.opened else "Scenario copied")

    def _reproducer_only(self, what: str) -> bool:
        """True (and says why) when the lab shows a function opened from a binary."""
        if self.opened is None:
            return False
        self.notify(f"{what} works on the reproducer's function; this one is {self.opened.source}, "
                    "loaded as it is. Run explainer without open for the reproducer.",
                    title="Not for an opened function", severity="warning")
        return True

    @property
    def help_about(self) -> str:
        """What the help says this screen is: the lab, or the split view."""
        if self.opened is not None:
            return (f"{self.HELP} Opened from a binary ({self.opened.source}): the split view, the sweep and "
                    "the scenario dialog (v x o) are made for the reproducer's function and are off here.")
        return self.SPLIT_HELP if self.split else self.HELP

    def help_panels(self) -> list[tuple[str, str]]:
        """The lab's panels (and the sweep view x opens)."""
        from ..widgets.disassembly import DisassemblyPanel
        from ..widgets.explain import ExplainPanel
        from ..widgets.real_run import RealRunPanel
        from ..widgets.registers import RegistersPanel
        from ..widgets.source import SourcePanel
        from ..widgets.stack import StackPanel
        from ..widgets.timeline import Timeline
        from ..widgets.unwind import UnwindPanel
        from .sweep import SweepScreen  # textual-plotext: only when help is asked for

        panels = [("Disassembly", DisassemblyPanel.HELP), ("Source (u)", SourcePanel.HELP),
                  ("Instruction explained", ExplainPanel.HELP), ("Registers", RegistersPanel.HELP),
                  ("Stack", StackPanel.HELP), ("Preemption and unwind", UnwindPanel.HELP),
                  ("Real runtime (r)", RealRunPanel.HELP),
                  ("Timeline", Timeline.HELP), ("Prediction (m)", PredictionBar.HELP),
                  ("Sweep view (x)", SweepScreen.HELP)]
        if self.split:
            panels.insert(0, ("Split view (v)", "Left: the scenario as its release builds it. Right: the "
                                                "same frame as the fix builds it. The line under the panes "
                                                "says what each side's runtime decided."))
        return panels

    def action_split(self) -> None:
        if self._reproducer_only("The split view"):
            return
        self.split = not self.split

    async def watch_split(self) -> None:
        await self._rebuild(self.scenario)

    def action_options(self) -> None:
        from .options import OptionsScreen

        if self._reproducer_only("Changing the scenario"):
            return
        self.app.push_screen(OptionsScreen(self.scenario), self._apply)

    def action_sweep(self) -> None:
        from .sweep import SweepScreen

        if self._reproducer_only("The sweep"):
            return
        self.app.push_screen(SweepScreen(self.panes[0].scenario))

    async def set_size(self, n: int) -> None:
        """Open the same scenario on another frame size (command palette presets)."""
        if self._reproducer_only("A preset frame size"):
            return
        try:
            await self._rebuild(replace(self.scenario, size=n, step=None))
        except ExplainerError as err:
            self.notify(str(err), title="Cannot do that", severity="error")

    async def _apply(self, scenario: Scenario | None) -> None:
        if scenario is not None:
            try:
                await self._rebuild(scenario)
            except ExplainerError as err:  # what only the machine can tell (the code and the stack overlap)
                self.notify(str(err), title="Cannot open that scenario", severity="error")

    async def _rebuild(self, scenario: Scenario) -> None:
        """New panes for ``scenario`` (two when split); a scenario the engine refuses raises first."""
        if self.split:
            before, after = split_pair(scenario)
            panes = [LabPane(before, f"go{before.version} · before the fix", classes="narrow"),
                     LabPane(after, f"go{after.version} · after the fix", classes="narrow")]
        else:
            panes = [LabPane(scenario, program=self.opened.program if self.opened else None)]
        self.scenario = scenario
        box = self.query_one("#panes", Horizontal)
        self.set_focus(None)  # keys must not go to a widget that is about to be removed
        await box.remove_children()
        for pane in panes:
            pane.arm_syntax = self.arm_syntax
        await box.mount_all(panes)
        self.focus_next()
        self._titles()
        self._show_source()

    # --- what the screen says ---

    def on_lab_pane_changed(self, message: LabPane.Changed) -> None:
        if message.note:
            self.notify(message.note)
        self._titles()

    def on_resize(self) -> None:
        self._titles()
        self._show_source()

    def _titles(self) -> None:
        panes = self.panes
        if not panes:
            return
        s = panes[0].scenario
        step = panes[0].session.current.snapshot.step
        kind = "leaf" if s.leaf else "non-leaf"
        versions = " vs ".join(f"go{p.scenario.version}" for p in panes)
        fn = panes[0].session.function
        # the longest form that fits: the step count is never the part that is cut
        forms: tuple[str, ...] = (
                 f"split-epilogue explainer ─ {versions} · {fn.name} · frame {size(fn.frame)} · {kind} · "
                 f"step {step:,}",
                 f"{versions} · {fn.name} · frame {size(fn.frame)} · {kind} · step {step:,}",
                 f"{versions} · {fn.name} · {size(fn.frame)} · {kind} · step {step:,}",
                 f"{versions} · {size(fn.frame)} · {kind} · step {step:,}")
        if self.predicting:  # the mode is said in the title while it fits; else the footer's keys say it
            forms = (*(f"{f} · predicting" for f in forms), *forms)
        room = self.size.width - 2
        title = next((f for f in forms if len(f) <= room), forms[-1])
        # A plain one-line bar, and not Screen.sub_title: that reactive repaints the whole screen (every
        # panel, not just the bar) on each change, and Header reflows it.
        self.query_one("#title", Static).update(Text(title), layout=False)  # names are data, not markup
        scenarios = " · ".join(str(p.scenario) for p in panes)
        if self.opened:
            line = Text.assemble(("opened ", "dim"), (self.opened.source, "bold"))
            hint = "   real words, pcsp and UnsafePoint tables · y copies the command"
        else:
            line = Text.assemble(("scenario ", "dim"), (scenarios, "bold"))
            hint = "   y copies it · o changes it · ? help"
        if line.cell_len + len(hint) <= room:
            line.append(hint, style="dim")
        bar = self.query_one("#scenario", Static)
        if not isinstance(bar.content, Text) or bar.content.plain != line.plain:
            bar.update(line)
        self._verdict(panes)

    def _verdict(self, panes: list[LabPane]) -> None:
        """In the split view, one sentence comparing the two sides."""
        bar = self.query_one("#verdict", Static)
        outcomes = [p.preemption.outcome if p.preemption else None for p in panes]
        if len(panes) < 2 or None in outcomes:
            bar.remove_class("shown")
            return
        left, right = outcomes
        if left is right is Outcome.CRASH and not panes[0].scenario.leaf:
            text = Content.styled("Both crash: the release on the right has no fix either.", "$error bold")
        elif left is right is Outcome.CRASH:
            text = Content.styled("Both crash. A leaf function's epilogue is still split after the fix: "
                                  "this is the residual the fix missed.", "$error bold")
        elif left is Outcome.CRASH and right is not None:
            text = Content.styled(f"Before the fix: crash. After: {right.value}. The fix releases the frame "
                                  "in one write to RSP, and "
                                  "the runtime refuses to preempt the instructions that name R27.",
                                  "$success bold")
        else:
            said = [o.value if o else "" for o in (left, right)]
            text = Content(f"Before the fix: {said[0]}. After: {said[1]}. Step to the last write to RSP (w) "
                           "and unwind (g) to see them differ.")
        bar.update(text)
        bar.add_class("shown")
