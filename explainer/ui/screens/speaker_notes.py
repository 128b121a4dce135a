"""The speaker's second terminal: the current beat's notes, the next beat, the clock.

It follows the presenter by polling the cue file (``talk.cue``) a few times a
second: no network, nothing to configure, and it can be started before or
after the presenter. Notes are rendered with the beat's own facts, so they are
played on the engine here too (each beat once, then kept).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ...engine.errors import ExplainerError
from ...talk import cue
from ...talk.script import Talk
from ...talk.stage import Stage, stage

#: How often the cue file is read (seconds).
POLL = 0.25


class NotesScreen(Screen[None]):
    """Notes for the beat the presenter shows."""

    BINDINGS = [Binding("q", "app.quit", "quit")]
    DEFAULT_CSS = """
    NotesScreen #bar { height: 1; background: $panel; }
    NotesScreen #where { width: 1fr; padding: 0 1; text-style: bold; }
    NotesScreen #clock { width: auto; padding: 0 1; background: $accent; text-style: bold; }
    NotesScreen #notes { height: 1fr; padding: 1 2; }
    NotesScreen #next { height: auto; max-height: 8; border: round $primary; padding: 0 1;
                        color: $text-muted; }
    """

    def __init__(self, talk: Talk, cue_file: Path) -> None:
        super().__init__()
        self.talk = talk
        self.cue_file = cue_file
        self.cue: cue.Cue | None = None
        """The presenter's last position read (None until the presenter has written one)."""
        self._stages: dict[int, Stage | str] = {}

    def compose(self):  # type: ignore[no-untyped-def]
        with Horizontal(id="bar"):
            yield Static(id="where")
            yield Static(id="clock")
        with VerticalScroll(id="notes"):
            yield Static(id="text")
        yield Static(id="next")

    def on_mount(self) -> None:
        self._draw()
        self.follow()
        self.set_interval(POLL, self.follow)

    @property
    def beat(self) -> int | None:
        """The beat shown (None while waiting for the presenter)."""
        return self.cue.beat if self.cue else None

    def follow(self) -> None:
        """Read the cue file; redraw when the presenter moved, and tick the clock."""
        latest = cue.read(self.cue_file)
        if latest is not None and latest.beats != len(self.talk.beats):
            latest = None  # a cue from another version of the talk file
        moved = (latest.beat, latest.started) if latest else None
        if moved != ((self.cue.beat, self.cue.started) if self.cue else None):
            self.cue = latest
            self._draw()
        self._clock()

    def _draw(self) -> None:
        text = self.query_one("#text", Static)
        nxt = self.query_one("#next", Static)
        if self.cue is None:
            self.query_one("#where", Static).update(f"{self.talk.title} · waiting for the presenter")
            text.update(Text(f"Start the talk in another terminal:\n  explainer present {self.talk.path}",
                             style="dim"))
            nxt.update(Text(f"First: {self.talk.beats[0].title}"))
            return
        i = self.cue.beat
        beat = self.talk.beats[i]
        self.query_one("#where", Static).update(f"Beat {i + 1}/{len(self.talk.beats)} · {beat.title}")
        played = self._stage(i)
        if isinstance(played, str):
            text.update(Text(played, style="bold red"))
        else:
            text.update(Text(played.notes or "(no notes for this beat)"))
        if i + 1 < len(self.talk.beats):
            after = self._stage(i + 1)
            caption = after if isinstance(after, str) else after.caption
            nxt.update(Text.assemble(("Next: ", "bold"), (self.talk.beats[i + 1].title, "bold"),
                                     "\n", caption))
        else:
            nxt.update(Text("Last beat: questions.", style="bold"))

    def _stage(self, i: int) -> Stage | str:
        if i not in self._stages:
            try:
                self._stages[i] = stage(self.talk.beats[i])
            except ExplainerError as err:
                self._stages[i] = f"cannot play beat {i + 1}: {err}"
        return self._stages[i]

    def _clock(self) -> None:
        clock = self.query_one("#clock", Static)
        if self.cue is None:
            clock.update("--:--")
            return
        elapsed = max(0, int(cue.now() - self.cue.started))
        planned = f" / {self.talk.minutes}:00" if self.talk.minutes else ""
        clock.update(f"{elapsed // 60:02d}:{elapsed % 60:02d}{planned}")
