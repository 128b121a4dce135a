"""The presenter: a talk's beats, one at a time, laid out for a projector.

Only what the beat names is on screen: one line saying where the talk is, the
beat's panels (the lab's own widgets) and a large caption. No footer: the keys
are a clicker's (→, space, Page Down forward; ←, Page Up back) and ``?`` lists
the rest. Each beat is played afresh on the engine (``talk.stage``), so going
back and forth always shows the same thing; every move is written to the cue
file a second terminal follows (``--notes``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from ...engine.errors import Cancelled, ExplainerError
from ...engine.runtime.unwind import Trigger
from ...realgo.at_moment import Comparison, RealRun
from ...realgo.inject import RealOutcome
from ...talk import budget, cue, live
from ...talk.script import Talk
from ...talk.stage import Side, Stage, printed, stage
from ..widgets.beat_column import PANEL_HELP, BeatColumn
from ..widgets.crash_log import CrashLogPanel
from ..widgets.encoding import EncodingPanel

#: Panels of one side that go in the left column, and in the right one, when a beat has one side.
_LEFT, _RIGHT = ("disassembly", "registers"), ("stack", "unwind")


class PresentScreen(Screen[None]):
    """One beat of a talk, full screen."""

    HELP = ("The presenter: a talk, one beat a screen. Each beat plays its scenario on the engine and "
            "shows its panels under a caption; a clicker's keys move between beats. The speaker's notes "
            "follow in a second terminal: explainer present TALK --notes.")
    HELP_TITLE = "Presenter help"

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("right,space,pagedown,n", "next", "next beat", priority=True,
                tooltip="Next beat (clickers send Page Down or →)"),
        Binding("left,pageup", "previous", "previous beat", priority=True,
                tooltip="Previous beat (clickers send Page Up or ←)"),
        Binding("r", "reset", "reset beat", tooltip="Play the beat again from its scenario (undo [ ] g)"),
        Binding("home", "first", "first beat", tooltip="Back to the first beat"),
        Binding("end", "last", "last beat", tooltip="To the last beat"),
        Binding("right_square_bracket", "step", "step", tooltip="Step one instruction, off script"),
        Binding("left_square_bracket", "back", "back", tooltip="Step one instruction back, off script"),
        Binding("g", "unwind", "GC scan", tooltip="Preempt here and let a GC stack scan walk the stack"),
        Binding("x", "repro", "run it for real", tooltip="On a beat with a real crash log: run explainer "
                "repro live for the beat's release (when its Go toolchain and qemu-aarch64 are installed)"),
        Binding("b,full_stop", "blank", "blank", tooltip="Blank the screen and back (a clicker's blank key)"),
        Binding("question_mark", "help", "help", tooltip="This help"),
    ]
    DEFAULT_CSS = """
    PresentScreen { layout: vertical; }
    PresentScreen #bar { height: auto; background: $panel; }
    PresentScreen #where { width: auto; padding: 0 1; background: $accent; color: $text; text-style: bold; }
    PresentScreen #title { width: 1fr; height: auto; padding: 0 1; text-style: bold; }
    PresentScreen #scenario { width: auto; padding: 0 1; color: $text-muted; }
    PresentScreen #timer { width: auto; padding: 0 1; background: $primary; text-style: bold; }
    PresentScreen #timer.-over { background: $error; }
    PresentScreen #stage { height: 1fr; }
    PresentScreen.-narrow #stage { layout: vertical; }
    PresentScreen #stage > * { width: 1fr; }
    PresentScreen .extras > CrashLogPanel { height: 1fr; }
    PresentScreen VerticalScroll { scrollbar-size-vertical: 0; scrollbar-size-horizontal: 0; }
    PresentScreen #caption { height: auto; max-height: 12; border: heavy $accent; padding: 0 2;
                             text-style: bold; color: $text; background: $boost; }
    PresentScreen.-wide #caption { padding: 1 3; }
    PresentScreen.-narrow BeatColumn.labelled { border: none; border-top: heavy $accent; }
    PresentScreen.-narrow BeatColumn.labelled > * { border: none; border-top: solid $primary; padding: 0 1; }
    PresentScreen.-blank > *, PresentScreen.-blank ToastRack > * { display: none; }
    PresentScreen.-blank { background: black; }
    """

    def __init__(self, talk: Talk, cue_file: Path | None = None, rehearse: bool = False,
                 live_beats: bool = False) -> None:
        super().__init__()
        self.talk = talk
        self.cue_file = cue_file
        """Where the presenter's position is written for ``--notes`` (None: nowhere)."""
        self.rehearse = rehearse
        """A rehearsal: the bar shows the beat's time against its budget (the room never sees it)."""
        self.index = 0
        self.stage: Stage | None = None
        self._beat_steps: tuple[int, ...] = ()
        """Where the beat stands on each side as scripted (off-script steps move from there)."""
        self.started = cue.now()
        self.stopwatch = budget.Stopwatch(now=lambda: cue.now())
        """Time on each beat: the beat's timer in the notes, the table of ``--rehearse``."""
        self._repro: subprocess.Popen[str] | None = None
        """A live ``explainer repro`` streaming into the log pane, while it runs."""
        self.live_beats = live_beats
        """Beats with ``live = true`` run the real runtime on arrival (``explainer present``; not
        ``--no-live``, nor the HTML export, which draws every beat as recorded)."""
        self._live: RealRun | None = None
        """The live beat's real run, while it runs."""
        self.shown: live.Shown | None = None
        """On a live beat: which log the room sees, and why (written to the cue file for the notes)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield Static(id="where")
            yield Static(id="title")
            yield Static(id="scenario")
            if self.rehearse:
                yield Static(id="timer")
        yield Horizontal(id="stage")
        yield Static(id="caption")

    async def on_mount(self) -> None:
        await self.show_beat(0)
        if self.rehearse:
            self.set_interval(1, self._tick)

    def on_unmount(self) -> None:
        live.stop(self._repro)
        self.stopwatch.stop()
        # The notes stop their clocks and say the talk ended, still saying which log the room saw
        # (published before the live run is let go, which forgets it).
        self._publish(ended=True)
        self._stop_live()

    # --- moving through the talk ---

    async def action_next(self) -> None:
        if self.index + 1 < len(self.talk.beats):
            await self.show_beat(self.index + 1)

    async def action_previous(self) -> None:
        if self.index > 0:
            await self.show_beat(self.index - 1)

    async def action_reset(self) -> None:
        await self.show_beat(self.index)

    async def action_first(self) -> None:
        await self.show_beat(0)

    async def action_last(self) -> None:
        await self.show_beat(len(self.talk.beats) - 1)

    def action_step(self) -> None:
        self._each(Side.step)

    def action_back(self) -> None:
        self._each(Side.back)

    def action_unwind(self) -> None:
        self._each(lambda side: side.unwind(Trigger.GC))

    def action_repro(self) -> None:
        """Run the beat's reproducer for real into the log pane (a worker thread: the screen stays live)."""
        if self.stage is None or not self.stage.beat.repro:
            self.notify("This beat has no real run (repro = true in the talk file).", severity="warning")
            return
        scenario = self.stage.sides[-1].scenario
        why = live.unavailable(scenario)
        if why is not None:
            self.notify(f"The recorded log stays: {why}", title="Cannot run it here", severity="warning")
            return
        panel = self.query_one(CrashLogPanel)
        said = printed(self.stage.sides)
        panel.start_live(f"Live: explainer repro, go{scenario.version}, "
                         f"{'leaf' if scenario.leaf else 'non-leaf'}")
        live.stop(self._repro)
        self._repro = live.start(live.repro_argv(scenario))
        self._run_repro(self._repro, panel, said)

    @work(thread=True, exclusive=True, group="repro")
    def _run_repro(self, proc: subprocess.Popen[str], panel: CrashLogPanel, printed: set[str]) -> None:
        def line(text: str) -> None:
            marked = text.strip().removeprefix("| ").strip() in printed
            self.app.call_from_thread(panel.append, text, marked)

        status = live.stream(proc, line)
        if proc is not self._repro:  # the presenter moved on and stopped it
            return
        said = {0: "no crash this time", 1: "crashed"}.get(status, f"exit status {status}")
        self.app.call_from_thread(panel.finish_live, said)

    # --- the live beat: the real runtime at the beat's moment, the recorded log as the fallback ---

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
        self._live, self.shown = None, None

    def _go_live(self, s: Stage) -> None:
        """Run the beat's moment on the real runtime into the log pane (a worker), or say why not."""
        if not self.live_beats:
            self._recorded(s, "live runs are off (--no-live)")
            return
        try:
            moment = live.live_moment(s.beat)
        except ExplainerError as err:
            self._recorded(s, str(err))
            return
        run = RealRun(moment, tries=live.LIVE_TRIES)
        self._live, self.shown = run, live.Shown(True, "the real run is going (about a second)")
        for panel in self.query(CrashLogPanel):
            panel.start_live(f"LIVE · real runtime · go{moment.go} · {moment.shape.program} · {moment.at}")
        self._run_live(run, s)

    @work(thread=True, group="live")
    def _run_live(self, run: RealRun, s: Stage) -> None:
        try:
            result: Comparison | str = run.run()
        except Cancelled:
            return
        except ExplainerError as err:  # MissingTool among them: the install commands
            result = live.one_line(str(err))
        self.app.call_from_thread(self._live_done, run, s, result)

    def _live_done(self, run: RealRun, s: Stage, result: Comparison | str) -> None:
        if run is not self._live:
            return  # the presenter moved on
        self._live = None
        if isinstance(result, str):
            self._recorded(s, result)
        elif result.real is RealOutcome.INCONCLUSIVE:
            self._recorded(s, f"the live run was inconclusive ({result.why})")
        elif s.beat.expect is not None and result.real.value != s.beat.expect:
            self._recorded(s, f"the live run said {result.real.value}, the beat expects {s.beat.expect}")
        else:
            said = result.said_too
            lines = tuple(result.output)
            marks = frozenset(i for i, line in enumerate(lines) if line in said)
            verb = {"crash": "crashed", "refused": "refused", "clean": "walked clean"}[result.real.value]
            for panel in self.query(CrashLogPanel):
                panel.show(f"go{result.moment.go}", lines, marks)
                panel.border_title = (f"LIVE · real runtime · go{result.moment.go} · "
                                      f"{result.moment.shape.program} · {result.moment.at}")
                n = len(marks)
                panel.border_subtitle = (f"{verb} in {result.wall:.1f} s · {n} line{'s' if n != 1 else ''} "
                                         "the model printed too")
            agrees = "agrees with" if result.agree else "DIFFERS from"
            self.shown = live.Shown(True, f"the real runtime {verb} {result.wall:.1f} s after the beat came "
                                          f"up (go{result.moment.go}, qemu-aarch64; it {agrees} the model)")
        self._publish()

    def _recorded(self, s: Stage, why: str) -> None:
        """The recorded log on screen, saying why it is not the live run."""
        self.shown = live.Shown(False, why)
        for panel in self.query(CrashLogPanel):
            if s.beat.log:
                panel.show(s.beat.log, s.log, s.log_marks)
            panel.border_subtitle = f"RECORDED · {why}"
        self._publish()

    def action_blank(self) -> None:
        """A black screen: every toast on it goes too (one said while blank waits under the black)."""
        self.toggle_class("-blank")
        if self.has_class("-blank"):
            self.app.clear_notifications()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen.of(self, self.app))

    def help_panels(self) -> list[tuple[str, str]]:
        """The panels a beat can show."""
        panels = [(name.capitalize(), text) for name, text in PANEL_HELP.items()]
        return panels + [("Encoding", EncodingPanel.HELP), ("Log", CrashLogPanel.HELP),
                         ("Split", "The beat's panels twice: before the fix (left) and after (right).")]

    async def show_beat(self, index: int) -> None:
        """Play beat ``index`` afresh and put it on screen."""
        live.stop(self._repro)
        self._repro = None
        self._stop_live()
        self.index = index
        self.stopwatch.arrive(index)
        beat = self.talk.beats[index]
        box = self.query_one("#stage", Horizontal)
        await box.remove_children()
        try:
            self.stage = stage(beat)
        except ExplainerError as err:  # the talk was checked when it opened; say it, never crash a talk
            self.stage = None
            said = Content.styled(f"Cannot play this beat: {err}", "$error bold")
            self.query_one("#caption", Static).update(said)
        else:
            await box.mount_all(_columns(self.stage))
            self._beat_steps = self._steps()
            self._caption()
            if beat.live:
                self._go_live(self.stage)
        self.query_one("#where", Static).update(f"{index + 1}/{len(self.talk.beats)}")
        self.query_one("#title", Static).update(beat.title)
        self._scenario_line()
        self._tick()
        self._publish()

    # --- internals ---

    def _each(self, command: Callable[[Side], None]) -> None:
        """An off-script command on every side of the beat, then redraw."""
        if self.stage is None:
            return
        for side in self.stage.sides:
            try:
                command(side)
            except ExplainerError as err:
                self.notify(str(err), title="Cannot do that", severity="error")
        for column in self.query(BeatColumn):
            column.draw()
        self._scenario_line()
        self._caption()

    def _steps(self) -> tuple[int, ...]:
        assert self.stage is not None
        return tuple(side.session.current.snapshot.step for side in self.stage.sides)

    def _caption(self) -> None:
        """The beat's words, said as the beat's once an off-script step ([ ]) has left its moment: they
        name that moment's values (SP = ...), which the panels no longer show."""
        if self.stage is None:
            return
        caption = self.query_one("#caption", Static)
        if self._steps() == self._beat_steps:
            caption.update(Text(self.stage.caption))
            return
        step = self._steps()[0]
        caption.update(Content.assemble(
            (f"Off script: step {step:,}. The beat's words, for step {self._beat_steps[0]:,} "
             "(r plays the beat again):\n", "$warning bold"),
            (self.stage.caption, "dim")))

    def _scenario_line(self) -> None:
        if self.stage is None:
            text = self.talk.beats[self.index].scenario
        else:  # the left side's: in a split beat both stand at the same moment of the same frame
            side = self.stage.sides[0]
            text = f"{side.scenario} · step {side.session.current.snapshot.step:,}"
        self.query_one("#scenario", Static).update(text)

    def _tick(self) -> None:
        """In a rehearsal, the beat's time against its budget, red once over."""
        if not self.rehearse:
            return
        on_beat = self.stopwatch.on_beat()
        limit = budget.beat_seconds(self.talk.beats[self.index])
        timer = self.query_one("#timer", Static)
        timer.update(f"⏱ {budget.clock(on_beat)}" + (f"/{budget.clock(limit)}" if limit else ""))
        timer.set_class(limit is not None and on_beat > limit, "-over")

    def _publish(self, ended: bool = False) -> None:
        from ...output.save import SaveError

        if self.cue_file is None:
            return
        now = cue.now()
        try:
            cue.publish(cue.Cue(str(self.talk.path.resolve()), self.index, len(self.talk.beats),
                                self.started, now, self.stopwatch.arrived,
                                self.shown.line if self.shown else None, now if ended else None),
                        self.cue_file)
        except SaveError as err:  # the notes will not follow; the talk goes on
            if not ended:
                self.notify(f"speaker notes will not follow: {err}", severity="warning", markup=False)
            self.cue_file = None


def _columns(s: Stage) -> list[Widget]:
    """The beat's panels in columns: one per side, else left and right groups; log and encoding last."""
    names = s.beat.panes
    if len(s.sides) > 1:
        columns: list[Widget] = [BeatColumn(side, names) for side in s.sides]
    else:
        groups = [tuple(n for n in names if n in group) for group in (_LEFT, _RIGHT)]
        columns = [BeatColumn(s.sides[0], g) for g in groups if g]
    extras: list[Widget] = []
    if "encoding" in names:
        encoding = EncodingPanel()
        encoding.show(s.sides[0].scenario.size)
        extras.append(encoding)
    if "log" in names and s.beat.log:
        log = CrashLogPanel()
        log.can_focus = False
        log.show(s.beat.log, s.log, s.log_marks)
        extras.append(log)
    if extras:
        columns.append(Vertical(*extras, classes="extras"))
    return columns
