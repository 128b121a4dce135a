"""The real runtime at the lab's moment (r): progress while it runs, then its answer beside the model's.

The pane asks for a run (:meth:`RealRunPanel.run_moment`); the panel turns the moment into ``explainer
inject``'s terms (:func:`~explainer.realgo.at_moment.target_for`), runs a
:class:`~explainer.realgo.at_moment.RealRun` in a worker thread (Harlequin's query worker), shows each
progress line as it comes, and draws the :class:`~explainer.realgo.at_moment.Comparison`: the outcome,
same as the model's or not, the real runtime's own lines and the model's, each model line marked equal
to the real one or not. esc stops it (the run's qemu and gdb are killed at once). What cannot run here
(a web page, a function opened from a binary, a frame no real reproducer has, missing tools) is said
in the panel in a sentence, with the commands that install what is missing.
"""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from ...engine.errors import Cancelled, ExplainerError
from ...engine.experiments.scenario import Scenario
from ...engine.runtime.unwind import Trigger
from ...realgo.at_moment import Comparison, RealMoment, RealRun, target_for
from ...realgo.inject import RealOutcome
from ..flow import wrap

#: What the panel says when the app runs in a browser (``explainer serve``).
IN_A_BROWSER = ("Not in explainer serve: the real run starts qemu-aarch64 and gdb-multiarch, and a web page "
                "must not start processes on the serving machine. Run explainer in a terminal and press r.")


class RealRunPanel(VerticalScroll):
    """The real runtime's answer at the lab's moment, beside the model's."""

    HELP = ("r runs the moment under ▶ on the real runtime: the reproducer with this frame, built by the "
            "real Go toolchain of this release (on first use; cached after), runs under qemu-aarch64 with "
            "gdb-multiarch, which stops goroutine 1 at this instruction and sends SIGURG as the runtime "
            "does; then the GC (or runtime.Stack, after t) walks the parked stack. The panel shows the real "
            "outcome and whether the model agrees, the real runtime's own lines, and the model's lines "
            "for the same stack bounds, = where the real report has the same line. esc stops the run.")
    COMPONENT_CLASSES = {"real-run--agree", "real-run--differ", "real-run--busy", "real-run--label",
                         "real-run--same", "real-run--other", "real-run--muted"}
    DEFAULT_CSS = """
    RealRunPanel { border: round $secondary; padding: 0 0 0 1; height: auto; max-height: 50%;
                   display: none; scrollbar-size-vertical: 1; }
    RealRunPanel.-shown { display: block; }
    RealRunPanel > .real-run--agree { color: $success; text-style: bold; }
    RealRunPanel > .real-run--differ { color: $error; text-style: bold; }
    RealRunPanel > .real-run--busy { color: $warning; text-style: bold; }
    RealRunPanel > .real-run--label { text-style: bold; }
    RealRunPanel > .real-run--same { color: $success; }
    RealRunPanel > .real-run--other { color: $warning; }
    RealRunPanel > .real-run--muted { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._body = Static()
        self._run: RealRun | None = None
        self._worker: Worker[None] | None = None
        self._lines: list[Text] = []
        self._started = 0.0
        self.result: Comparison | None = None
        """The last answer shown (None: none yet, or a run in flight)."""
        self.border_title = "Real runtime"

    def compose(self) -> ComposeResult:
        yield self._body

    @property
    def running(self) -> bool:
        return self._run is not None

    @property
    def plain(self) -> str:
        """What the panel says, as plain text (before it is wrapped)."""
        return "\n".join(line.plain for line in self._lines)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"real-run--{name}")

    # --- asked by the pane ---

    def run_moment(self, scenario: Scenario, offset: int | None, go: str, where: str,
                   trigger: Trigger | None, *, opened: bool = False) -> None:
        """Run ``scenario`` at the instruction ``offset`` (``go``: the model's) on the real runtime."""
        self.add_class("-shown")
        if self.running:
            self.notify("The real run is still going: esc stops it.", severity="warning")
            return
        self.result = None
        if self.app.is_web:
            self._say("Real runtime: not here", [(IN_A_BROWSER, "differ")])
            return
        if opened:
            self._say("Real runtime: not for an opened function", [(
                "The real run preempts the reproducer's main.big_stack, built by a real Go toolchain; this "
                "function is loaded from a binary. Run explainer without open and press r.", "differ")])
            return
        if offset is None:
            self._say("Real runtime: not here", [(
                f"▶ is in {where}, not in main.big_stack: the real run preempts an instruction of "
                "main.big_stack. Step into it (e, w) and press r.", "differ")])
            return
        walk = trigger if trigger in (Trigger.GC, Trigger.TRACEBACK) else Trigger.GC
        try:
            moment = target_for(Scenario(scenario.version, scenario.size, scenario.leaf, scenario.buffer,
                                         scenario.stack, f"+{offset:#x}", walk), go)
        except ExplainerError as err:
            self._say("Real runtime: no real reproducer", [(str(err), "differ")])
            return
        self._start(moment, trigger)

    def _start(self, moment: RealMoment, asked: Trigger | None) -> None:
        run = RealRun(moment)
        self._run, self._started = run, time.monotonic()
        self.border_title = f"Real runtime · go{moment.go} · {moment.at}"
        self._lines = []
        if asked is not None and asked is not moment.unwind:
            self._lines.append(Text(f"The real reproducers trigger a GC scan or a traceback, not a "
                                    f"{asked.value}: the real run walks as a GC scan.", self._style("other")))
        self._progress(run, "checking qemu-aarch64, gdb-multiarch and the toolchain")
        self.call_after_refresh(self.scroll_visible, animate=False)
        self._worker = self.run_worker(lambda: self._work(run), thread=True, group="real-run")

    def stop(self) -> bool:
        """Stop the run in flight (esc); True if there was one."""
        run = self._run
        if run is None:
            return False
        run.stop()
        return True

    def on_unmount(self) -> None:
        self.stop()

    # --- the worker ---

    def _work(self, run: RealRun) -> None:
        def progress(text: str) -> None:
            self.app.call_from_thread(self._progress, run, text)

        try:
            result = run.run(progress)
        except Cancelled:
            self.app.call_from_thread(self._stopped, run)
        except ExplainerError as err:  # MissingTool among them: its message names the install commands
            self.app.call_from_thread(self._failed, run, str(err))
        else:
            self.app.call_from_thread(self._done, run, result)

    def _progress(self, run: RealRun, text: str) -> None:
        if run is not self._run:
            return
        seconds = time.monotonic() - self._started
        head = [line for line in self._lines if line.style == self._style("other")]
        self._lines = [*head, Text(f"running… {seconds:.1f} s · esc stops it", self._style("busy")),
                       Text(f"  {text}")]
        self.border_subtitle = run.moment.command
        self._draw()

    def _stopped(self, run: RealRun) -> None:
        if run is not self._run:
            return
        self._run = None
        self._say(str(self.border_title or "Real runtime"),
                  [("Stopped: the real run's qemu and gdb were killed; nothing was decided. r runs it again.",
                    "other")])

    def _failed(self, run: RealRun, message: str) -> None:
        if run is not self._run:
            return
        self._run = None
        lines = message.splitlines() or [message]
        self._say("Real runtime: cannot run here",
                  [(lines[0], "differ"), *((line, "") for line in lines[1:])])

    def _done(self, run: RealRun, result: Comparison) -> None:
        if run is not self._run:
            return
        self._run = None
        self.result = result
        self._lines = self._describe(result, time.monotonic() - self._started)
        self.border_subtitle = result.moment.command
        self._draw()
        self.scroll_home(animate=False)
        self.call_after_refresh(self.scroll_visible, animate=False)  # a lesson's lab scrolls: bring it in

    # --- drawing ---

    def _say(self, title: str, lines: list[tuple[str, str]]) -> None:
        self.border_title = title
        self.border_subtitle = ""
        self._lines = [Text(text, self._style(style) if style else "") for text, style in lines]
        self._draw()

    def _describe(self, r: Comparison, seconds: float) -> list[Text]:
        agree = r.agree and r.real is not RealOutcome.INCONCLUSIVE
        lines = [Text(f"Real runtime: {r.sentence}", self._style("agree" if agree else "differ")),
                 Text(f"+{r.point.offset:#06x} {r.point.go} · {seconds:.2f} s from r to the answer "
                      f"(the run {r.seconds:.2f} s, {r.tries} tr{'y' if r.tries == 1 else 'ies'})",
                      self._style("muted"))]
        if r.note:
            lines.append(Text(r.note, self._style("muted")))
        if r.real_lines:
            said = {c.real.expandtabs(4) for c in r.checks if c.equal and c.real is not None}
            lines.append(Text("the real runtime said" + (":" if r.real is RealOutcome.CRASH else
                                                         " (as gdb saw it):"), self._style("label")))
            for line in r.real_lines:
                lines.append(Text(f"  {line}", self._style("same") if line in said else ""))
        if r.model_lines:
            lines.append(Text("the model, for the same stack bounds:", self._style("label")))
            marks = {c.engine.expandtabs(4): c.equal for c in r.checks}
            for line in r.model_lines:
                equal = marks.get(line)
                if equal is None:
                    lines.append(Text(f"  {line}"))
                else:
                    style = self._style("same" if equal else "differ")
                    lines.append(Text(f"{'=' if equal else '≠'} {line}", style))
        if r.why and r.real is not RealOutcome.INCONCLUSIVE:
            lines.append(Text(r.why, self._style("muted")))
        return lines

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.scrollable_content_region.width
        out = [piece for line in self._lines for piece in _broken(line, width)]
        self._body.update(Text("\n").join(out))


def _broken(line: Text, width: int) -> list[Text]:
    """``line`` broken between words to ``width``; a word longer than a line (a path in an install
    command) is cut into pieces instead of ending in …: every character of a command stays on screen."""
    if width <= 0:
        return [line]
    if max((len(w) for w in line.plain.split()), default=0) <= width - 4:
        return wrap(line, width)
    return [line[k: k + width] for k in range(0, max(len(line), 1), width)]
