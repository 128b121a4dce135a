"""The presenter, played headless at a chosen size, one SVG per beat: what ``--export html`` puts in a deck.

The pictures are the presenter's own screen (``App.export_screenshot``), taken after the
presenter has shown each beat the way a clicker's → shows it, so the deck and the projector
cannot differ. Captions and notes are the ones the presenter rendered for that beat.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from ..engine.errors import ExplainerError
from ..output.deck import Slide
from ..talk import budget
from ..talk.script import Talk
from ..talk.stage import stage
from .presenter import PresenterApp
from .screens.present import PresentScreen


def capture(talk: Talk, size: tuple[int, int]) -> list[Slide]:
    """Every beat of ``talk`` as the presenter shows it in a ``size`` (columns, rows) terminal."""
    app = PresenterApp(talk, None)  # no cue file: an export moves no one's notes
    slides: list[Slide] = []

    async def play(pilot: Pilot[object]) -> None:
        await pilot.pause()
        for i, beat in enumerate(talk.beats):
            screen = app.screen
            assert isinstance(screen, PresentScreen) and screen.index == i
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            played = screen.stage
            caption = played.caption if played else str(screen.query_one("#caption", Static).content)
            notes = played.notes if played else _notes(i, talk)
            limit = budget.beat_seconds(beat)
            slides.append(Slide(i + 1, beat.title, caption, notes,
                                budget.clock(limit) if limit is not None else "",
                                app.export_screenshot(title=f"{i + 1}/{len(talk.beats)} · {beat.title}")))
            await pilot.press("right")
        app.exit()

    app.run(headless=True, size=size, auto_pilot=play)
    if app.return_code not in (0, None) or len(slides) != len(talk.beats):
        raise RuntimeError(f"the presenter stopped after {len(slides)} of {len(talk.beats)} beats")
    return slides


def _notes(i: int, talk: Talk) -> str:
    try:
        return stage(talk.beats[i]).notes
    except ExplainerError as err:  # the beat did not play: say so in the notes
        return f"cannot play beat {i + 1}: {err}"
