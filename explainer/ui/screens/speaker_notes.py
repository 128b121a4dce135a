"""The speaker's second terminal: the current beat's notes, the next beat, the clock and the budgets.

It follows the presenter by polling the cue file (``talk.cue``) a few times a
second: no network, nothing to configure, and it can be started before or
after the presenter. Notes are rendered with the beat's own facts, so they are
played on the engine here too (each beat once, then kept). The clock counts the
whole talk up, and down to its plan (``minutes``); the beat's timer counts from
when the presenter came to it, and turns into a warning once the beat runs over
its own ``minutes``.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from ...engine.errors import ExplainerError
from ...talk import budget, cue
from ...talk.script import Talk
from ...talk.stage import Stage, stage

#: How often the cue file is read (seconds).
POLL = 0.25



def reflow(notes: str) -> str:
    """A beat's notes as one paragraph per blank-line block: the talk file's line breaks are its author's
    (TOML keeps them), not the window's, and the window wraps again: a note read as ragged half lines
    ("reload, and its" / "epilogue is built..." at 80 columns). A line that starts a list item stays."""
    return re.sub(r"(?<!\n)\n(?!\n|[ \t]*(?:[-*•]|\d+[.)]) )", " ", notes.strip())

class NotesScreen(Screen[None]):
    """Notes for the beat the presenter shows."""

    BINDINGS = [Binding("q", "app.quit", "quit")]
    DEFAULT_CSS = """
    NotesScreen #bar { height: 1; background: $panel; }
    NotesScreen #where { width: 1fr; padding: 0 1; text-style: bold; }
    NotesScreen #clock { width: auto; padding: 0 1; background: $accent; text-style: bold; }
    NotesScreen #clock.-over { background: $error; }
    NotesScreen #beat-timer { width: auto; padding: 0 1; background: $primary; text-style: bold; }
    NotesScreen #beat-timer.-over { background: $error; color: $text; }
    NotesScreen #shown { height: auto; padding: 0 1; display: none; text-style: bold; }
    NotesScreen #shown.-live { display: block; background: $success 40%; }
    NotesScreen #shown.-recorded { display: block; background: $warning 40%; }
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

    def compose(self) -> ComposeResult:
        with Horizontal(id="bar"):
            yield Static(id="where")
            yield Static(id="beat-timer")
            yield Static(id="clock")
        yield Static(id="shown")
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
        moved = (latest.beat, latest.started, latest.ended) if latest else None
        if moved != ((self.cue.beat, self.cue.started, self.cue.ended) if self.cue else None):
            self.cue = latest
            self._draw()
        elif latest is not None and self.cue is not None and latest.shown != self.cue.shown:
            self.cue = latest  # the live beat's run answered (or fell back to the recorded log)
        self._shown()
        self._clock()

    def _shown(self) -> None:
        """On a live beat, which log the room sees: LIVE (the real runtime now) or RECORDED, and why."""
        bar = self.query_one("#shown", Static)
        said = self.cue.shown if self.cue is not None else None
        bar.set_class(bool(said and said.startswith("LIVE")), "-live")
        bar.set_class(bool(said and not said.startswith("LIVE")), "-recorded")
        if said and (not isinstance(bar.content, Text) or bar.content.plain != f"Log: {said}"):
            bar.update(Text(f"Log: {said}"))

    def _draw(self) -> None:
        text = self.query_one("#text", Static)
        nxt = self.query_one("#next", Static)
        if self.cue is None:
            self.query_one("#where", Static).update(Text(f"{self.talk.title} · waiting for the presenter"))
            text.update(Text(f"Start the talk in another terminal:\n  explainer present {self.talk.path}",
                             style="dim"))
            nxt.update(Text(f"First: {self.talk.beats[0].title}"))
            return
        i = self.cue.beat
        beat = self.talk.beats[i]
        ended = " · the talk ended (the presenter quit)" if self.cue.ended is not None else ""
        where = f"Beat {i + 1}/{len(self.talk.beats)} · {beat.title}{ended}"
        self.query_one("#where", Static).update(Text(where))
        played = self._stage(i)
        if isinstance(played, str):
            text.update(Content.styled(played, "$error bold"))
        else:
            text.update(Text(reflow(played.notes) or "(no notes for this beat)"))
        if i + 1 < len(self.talk.beats):
            after = self._stage(i + 1)
            caption = after if isinstance(after, str) else after.caption
            coming = self.talk.beats[i + 1]
            limit = budget.beat_seconds(coming)
            nxt.update(Text.assemble(("Next: ", "bold"), (coming.title, "bold"),
                                     (f" ({budget.clock(limit)})" if limit is not None else "", "bold"),
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
        timer = self.query_one("#beat-timer", Static)
        if self.cue is None:
            clock.update("--:--")
            timer.display = False
            return
        ended = self.cue.ended
        now = cue.now() if ended is None else ended  # once the presenter quit, the clocks stand still
        elapsed = max(0, int(now - self.cue.started))
        plan = budget.planned(self.talk)
        text = f"{elapsed // 60:02d}:{elapsed % 60:02d}"
        if plan is not None:
            left = plan - elapsed
            text += f" / {budget.clock(plan)} · " + (f"{budget.clock(left)} left" if left >= 0 else
                                                     f"{budget.clock(-left)} over")
        if ended is not None:
            text = f"ended after {elapsed // 60:02d}:{elapsed % 60:02d}" + (
                f" / {budget.clock(plan)}" if plan is not None else "")
        clock.update(text)
        clock.set_class(plan is not None and elapsed > plan, "-over")
        limit = budget.beat_seconds(self.talk.beats[self.cue.beat])
        on_beat = max(0.0, now - self.cue.on_beat_since)
        timer.display = ended is None
        over = limit is not None and on_beat > limit
        timer.set_class(over, "-over")
        if limit is None:
            timer.update(f"beat {budget.clock(on_beat)}")
        elif over:
            timer.update(f"⚠ beat over budget by {budget.clock(on_beat - limit)} ({budget.clock(limit)})")
        else:
            timer.update(f"beat {budget.clock(on_beat)} / {budget.clock(limit)}")
