"""The Textual application: the lab, its help screen and its command palette."""

from __future__ import annotations

from collections.abc import Iterable

from textual.actions import parse as parse_action
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..course.lesson import Lesson
from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario, parse
from .no_color import NO_COLOR_CSS
from .screens.help import HelpScreen
from .screens.lab import LabScreen, OpenedFunction
from .screens.options import PRESETS
from .screens.progress_store import ProgressStore
from .unexpected import ReportingApp
from .widgets.long_run import LongRuns

#: What the lab opens on: this project's non-leaf reproducer (fast_nonleaf.go, 65,584 bytes) on go1.23.4,
#: a release without the fix. (The published reproducer is a leaf: go1.23.4/65552/leaf.)
DEFAULT_SCENARIO = "go1.23.4/65584"


class ExplainerApp(ReportingApp[None]):
    """split-epilogue explainer."""

    CSS = NO_COLOR_CSS
    TITLE = "split-epilogue explainer"
    BINDINGS = [
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
        # A long run (a far step, a big frame's body) goes on in a worker: esc or ctrl+c stops it.
        Binding("escape", "stop_runs", "stop the run", show=False),
        Binding("ctrl+c", "interrupt", show=False),
    ]

    def __init__(self, scenario: Scenario | None = None, opened: OpenedFunction | None = None,
                 lesson: Lesson | None = None) -> None:
        """``opened``: a function from a real binary (``explainer open``) instead of the reproducer's;
        ``lesson``: open that lesson of the course over the lab (``explainer --lesson 6``, a deep link)."""
        super().__init__()
        self.scenario = scenario or parse(DEFAULT_SCENARIO)
        self.opened = opened
        self.lesson = lesson
        self._store: ProgressStore | None = None

    @property
    def file_export(self) -> bool:
        """May the app save files? Not in a browser (they would land on the serving machine, not the
        viewer's) unless ``explainer serve --allow-export`` said so."""
        import os

        from .screens.export import FILE_EXPORT_ENV

        return not self.is_web or os.environ.get(FILE_EXPORT_ENV) == "1"

    def on_mount(self) -> None:
        self.push_screen(LabScreen(self.scenario, self.opened))
        if self.lesson is not None:  # the course, then the lesson: escape goes back as if picked there
            from .screens.lesson import LessonScreen

            self.action_course()
            if self._store is not None:
                self.push_screen(LessonScreen(self.lesson, self._store))

    def _stop_runs(self) -> bool:
        return any([pane.stop_run() for pane in self.screen.query(LongRuns)])

    def action_stop_runs(self) -> None:
        """Stop the panes' long runs (esc)."""
        self._stop_runs()

    def action_interrupt(self) -> None:
        """ctrl+c: stop a long run; with none, Textual's hint (q quits; ctrl+c copies in a text box)."""
        if not self._stop_runs():
            self.action_help_quit()

    def action_course(self) -> None:
        """Open the course (lessons/ as data; a broken lesson is reported, not raised)."""
        from ..course.lesson import lessons_dir, load_all
        from .screens.course import CourseScreen
        try:
            lessons = load_all(lessons_dir())
        except ExplainerError as err:
            self.notify(str(err), title="Cannot open the course", severity="error", timeout=10)
            return
        if self._store is None:
            self._store = ProgressStore(notify=lambda said: self.notify(
                said, title="Progress", severity="error", timeout=10, markup=False))
        self.push_screen(CourseScreen(lessons, self._store))

    def action_help(self) -> None:
        """The help of the screen in front: what it is, its keys (from its bindings), its panels."""
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen.of(self.screen, self))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's own Screenshot writes into ~/Downloads unasked; `i` saves the screen the app's way
        yield from (c for c in super().get_system_commands(screen) if self.is_web or c.title != "Screenshot")
        if not hasattr(screen, "FOOTER_KEYS"):
            return
        for b in screen.BINDINGS:  # every key of the screen, whether or not its footer has room for it
            if not isinstance(b, Binding):
                continue
            namespace, name, params = parse_action(b.action)
            if not namespace and screen.check_action(name, params) is False:
                continue  # a key the screen has no use for now (a fourth answer to a three-answer checkpoint)
            title = b.description[:1].upper() + b.description[1:]
            if getattr(screen, "key_display", lambda _: None)(b):  # one of a row of keys (1-3): say which
                title = f"{title} {b.key}"
            yield SystemCommand(title, b.tooltip or b.description,
                                lambda action=b.action: screen.run_action(action))
        if not isinstance(screen, LabScreen) or screen.opened is not None:
            return  # frame-size presets rebuild the reproducer: not for a function opened from a binary
        for n, text in PRESETS:
            yield SystemCommand(f"Frame size {n:,}", f"Open the lab on {text}",
                                lambda n=n: screen.run_worker(screen.set_size(n)))
