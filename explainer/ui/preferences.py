"""The lab's remembered choices (prediction mode), in the state folder beside the learner's progress.

One small JSON object, ``preferences.json``, written through :func:`explainer.output.save.save` (whole or
not at all). A preference is not progress: a file that cannot be read or is not the right shape gives
the defaults, and the next change is written over it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..course.progress import default_path
from ..output.save import save

FILE_NAME = "preferences.json"
#: A preferences file is a few bytes; anything larger is not one.
_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Preferences:
    """What the lab remembers between runs."""

    predict: bool = False
    """Prediction mode: the lab asks what will happen before p, the walk keys, and s onto a write to RSP."""


def path() -> Path:
    """``preferences.json`` in the state folder (``$EXPLAINER_STATE_DIR`` when set)."""
    return default_path().with_name(FILE_NAME)


def load(where: Path | None = None) -> Preferences:
    """The saved preferences; the defaults when there are none or the file cannot be used."""
    file = where or path()
    try:
        if not file.is_file():  # missing, or a FIFO or a device that a read would block on
            return Preferences()
        with open(file, "rb") as f:
            data = json.loads(f.read(_MAX_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return Preferences()
    predict = data.get("predict") if isinstance(data, dict) else None
    return Preferences(predict=predict) if isinstance(predict, bool) else Preferences()


def store(preferences: Preferences, where: Path | None = None) -> Path:
    """Write ``preferences`` (replacing the old file).

    Raises:
        SaveError: it could not be written (the message says why).
    """
    text = json.dumps({"predict": preferences.predict}) + "\n"
    return save(where or path(), text, replace=True, make_folder=True)
