"""The course: every lesson in order, with what the learner has done."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...course.facts import render
from ...course.lesson import Lesson
from ..widgets.key_footer import KeyFooter
from .lesson import LessonScreen
from .progress_store import ProgressStore


class CourseScreen(Screen[None]):
    """Pick a lesson; ✓ marks the ones done."""

    HELP = ("The course: ten short lessons from what an ADD immediate is to why the fix works and what it "
            "missed. Enter opens a lesson; ✓ marks lessons done, and each lesson says how many of its "
            "predictions you got right at the first try. Progress is saved in your state folder.")
    BINDINGS = [Binding("escape", "app.pop_screen", "back to the lab"),
                Binding("h", "handout", "save handout",
                        tooltip="Save the highlighted lesson as a Markdown handout, in a folder you choose")]
    FOOTER_KEYS = ("app.pop_screen", "help", "quit", "handout")
    HELP_TITLE = "Course help"
    WIDGET_KEYS = ((OptionList, "cursor_up", "Highlight the lesson above"),
                   (OptionList, "cursor_down", "Highlight the lesson below"),
                   (OptionList, "select", "Open the highlighted lesson (or click it)"))
    """The lesson list's own keys, listed in the help (read from OptionList's bindings)."""
    """The footer's keys by importance (the rest: ? and the command palette)."""
    DEFAULT_CSS = """
    CourseScreen #course-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    CourseScreen OptionList { height: 1fr; border: round $primary; }
    CourseScreen #where { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, lessons: list[Lesson], store: ProgressStore) -> None:
        super().__init__()
        self.lessons = lessons
        self.store = store

    def compose(self) -> ComposeResult:
        yield Static("split-epilogue explainer ─ course", id="course-title")
        yield OptionList(*self._options(), id="lessons")
        yield Static(Text(self.store.status), id="where")
        yield KeyFooter(self.FOOTER_KEYS)

    def on_mount(self) -> None:
        if self.store.unreadable:
            self._ask_about_progress()
        elif self.store.warning:
            self.notify(self.store.warning, title="Progress", severity="warning", timeout=10, markup=False)

    def _ask_about_progress(self) -> None:
        """The progress file is there but cannot be read: nothing is saved over it until the learner says."""
        from .choice import ChoiceScreen

        def chosen(answer: str | None) -> None:
            if answer == "reload":
                if self.store.reload():
                    self.notify(f"Read {self.store.path}.", title="Progress", markup=False)
                else:
                    self.app.call_later(self._ask_about_progress)
            elif answer == "afresh":
                said = self.store.start_afresh()
                self.notify(said, title="Progress", severity="error" if self.store.problem else "information",
                            timeout=10, markup=False)
            self._show_status()

        self.app.push_screen(ChoiceScreen(
            "Progress could not be read", f"{self.store.warning}.",
            [("r", "read it again (once you have fixed it, e.g. chmod u+rw)", "reload"),
             ("n", "start afresh: rename the old file aside, then save", "afresh")],
            escape="go on without saving progress"), chosen)

    def _show_status(self) -> None:
        self.query_one("#where", Static).update(Text(self.store.status))

    def on_screen_resume(self) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = highlighted if highlighted is not None else 0
        self._show_status()

    def _options(self) -> list[Option]:
        out = []
        for lesson in self.lessons:
            done = self.store.is_done(lesson.id)
            label = Content.assemble(("✓ " if done else "  ", "$success bold"), (f"{lesson.id}  ", "dim"),
                                     render(lesson.title), self._predicted(lesson))
            out.append(Option(label, id=lesson.id))
        return out

    def _predicted(self, lesson: Lesson) -> Content:
        """How the lesson's predictions went at the first try (nothing before the first is tried)."""
        tried = [t for t in self.store.predicted(lesson.id, len(lesson.predictions)) if t is not None]
        if not tried:
            return Content("")
        right = sum(tried)
        # short enough that the longest title's line fits 80 columns whole (76 cells inside the list)
        return Content.styled(f"  · first try: predicted {right} of {len(lesson.predictions)} right",
                              "$success" if right == len(lesson.predictions) else "$text-muted")

    def action_handout(self) -> None:
        from .export import save_handout

        highlighted = self.query_one(OptionList).highlighted
        save_handout(self.app, self.lessons[highlighted or 0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        lesson = next(x for x in self.lessons if x.id == event.option.id)
        self.app.push_screen(LessonScreen(lesson, self.store))
