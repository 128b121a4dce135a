"""Where the presenter is, written to a small file that ``explainer present --notes`` follows.

The speaker's notes run in a second terminal, often a second process started
later. A file in the state folder (``$EXPLAINER_STATE_DIR`` or the platform's)
is the simplest channel that needs no network at all: the presenter replaces
it atomically on every move, the follower polls it a few times a second. One
file per talk (named after the talk's absolute path), so two talks rehearsed
side by side do not cross.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from ..course.progress import APP_NAME, STATE_DIR_ENV
from ..output.save import save

FORMAT = 1


@dataclass(frozen=True)
class Cue:
    """The presenter's position in a talk."""

    talk: str
    """The talk file's absolute path."""
    beat: int
    """0-based index of the beat on screen."""
    beats: int
    started: float
    """When the presenter opened the talk (seconds since the epoch): the speaker's timer counts from it."""
    updated: float
    """When the presenter last moved."""
    arrived: float | None = None
    """When the presenter came to this beat (``r`` replays it without resetting this): the beat's timer
    counts from it. None in a cue written without it: ``updated`` stands in."""
    shown: str | None = None
    """On a live beat, which log the room sees: ``LIVE · ...`` or ``RECORDED · why`` (``live.Shown.line``);
    None on other beats."""
    ended: float | None = None
    """When the presenter quit (None while the talk goes on): the notes stop their clocks there."""

    @property
    def on_beat_since(self) -> float:
        """When the current beat's time started."""
        return self.updated if self.arrived is None else self.arrived


def cue_path(talk: Path) -> Path:
    """The cue file of a talk: ``<state>/present/<stem>-<hash of its absolute path>.json``."""
    override = os.environ.get(STATE_DIR_ENV)
    folder = Path(override) if override else platformdirs.user_state_path(APP_NAME)
    resolved = str(talk.resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:12]
    return folder / "present" / f"{talk.stem}-{digest}.json"


def publish(cue: Cue, path: Path) -> None:
    """Replace the cue file atomically (:func:`explainer.output.save.save`): the follower never reads half.

    Raises:
        SaveError: the state folder cannot be written (the message says why).
    """
    save(path, json.dumps({"format": FORMAT, **asdict(cue)}), replace=True, make_folder=True)


def read(path: Path) -> Cue | None:
    """The cue in ``path``; None when there is none yet or it is not one (the follower keeps waiting)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        arrived, shown, ended = data.get("arrived"), data.get("shown"), data.get("ended")
        cue = Cue(str(data["talk"]), int(data["beat"]), int(data["beats"]), float(data["started"]),
                  float(data["updated"]), None if arrived is None else float(arrived),
                  None if shown is None else str(shown), None if ended is None else float(ended))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return cue if 0 <= cue.beat < cue.beats else None


def now() -> float:
    """The clock cues are stamped with (tests replace it)."""
    return time.time()
