"""The two applications of ``explainer present``: the presenter, and the speaker's notes that follow it.

Separate from :class:`~explainer.ui.app.ExplainerApp` because a talk opens no
lab: the presenter is one screen driven by a clicker, the notes one screen
driven by the presenter.
"""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from ..talk.script import Talk
from .no_color import NO_COLOR_CSS
from .screens.present import PresentScreen
from .screens.speaker_notes import NotesScreen
from .unexpected import ReportingApp


class PresenterApp(ReportingApp[None]):
    """split-epilogue explainer · presenter."""

    CSS = NO_COLOR_CSS
    TITLE = "split-epilogue explainer"
    BINDINGS = [Binding("q", "quit", "quit")]

    def __init__(self, talk: Talk, cue_file: Path | None = None, rehearse: bool = False,
                 live_beats: bool = False) -> None:
        """``live_beats``: a beat with ``live = true`` runs the real runtime on arrival (the command's
        default; tests and the HTML export leave it off and show the recorded log)."""
        super().__init__()
        self.talk = talk
        self.live_beats = live_beats
        self.cue_file = cue_file
        self.sub_title = talk.title
        self.rehearse = rehearse
        self.presenter: PresentScreen | None = None
        """The one screen; its stopwatch holds the time spent on each beat after the app exits."""

    def on_mount(self) -> None:
        self.presenter = PresentScreen(self.talk, self.cue_file, self.rehearse, self.live_beats)
        self.push_screen(self.presenter)


class NotesApp(ReportingApp[None]):
    """split-epilogue explainer · speaker notes."""

    TITLE = "split-epilogue explainer · notes"

    def __init__(self, talk: Talk, cue_file: Path) -> None:
        super().__init__()
        self.talk = talk
        self.cue_file = cue_file

    def on_mount(self) -> None:
        self.push_screen(NotesScreen(self.talk, self.cue_file))
