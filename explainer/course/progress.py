"""What the learner has done: lessons finished, checkpoint answers and predictions, kept between runs.

One small JSON file (``{"format": 1, ...}``) in the platform's state folder,
or in ``$EXPLAINER_STATE_DIR`` when set (tests and CI). It is never silently
lost. A file that reads but is not format 1 is renamed aside
(``progress.json.corrupt-<timestamp>``) and the caller gets a warning to show.
A file that cannot be read at all (no permission, an I/O error) is left as it
is and :func:`load` says so (``Loaded.unreadable``): saving over it would
destroy what may be weeks of answers, so the caller must not save until the
learner decides (read it again, or set it aside and start afresh). Predictions
(whether each was right at the first try) came later, as an optional
``"predictions"`` key: a file written before them still loads, and an app that
predates them ignores the key. A UTF-8
byte order mark, as some editors write, is read past. Saving goes through
:func:`explainer.output.save.save`: a temporary file renamed over the old one,
so a crash or a full disk mid-save leaves the old file whole.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import platformdirs

from ..output.save import save as save_file

FORMAT = 1
APP_NAME = "split-epilogue-explainer"
#: Overrides the state folder (tests and CI point it at a temporary folder).
STATE_DIR_ENV = "EXPLAINER_STATE_DIR"
FILE_NAME = "progress.json"
#: Far more than ten lessons' answers take (a few KiB); a larger file is not progress.
MAX_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Progress:
    """Lessons done and the option chosen at each checkpoint. Changes return a new value."""

    done: frozenset[str] = frozenset()
    """Ids of finished lessons (``01-the-race``)."""
    answers: Mapping[str, Mapping[int, int]] = field(default_factory=lambda: MappingProxyType({}))
    """Lesson id -> checkpoint index -> index of the chosen option."""
    predictions: Mapping[str, Mapping[int, bool]] = field(default_factory=lambda: MappingProxyType({}))
    """Lesson id -> prediction index -> right at the first try (later tries are not recorded)."""

    def finish(self, lesson: str) -> Progress:
        """This progress with ``lesson`` done."""
        return Progress(self.done | {lesson}, self.answers, self.predictions)

    def answer(self, lesson: str, checkpoint: int, option: int) -> Progress:
        """This progress with ``option`` chosen at checkpoint ``checkpoint`` of ``lesson``."""
        chosen = {**self.answers.get(lesson, {}), checkpoint: option}
        return Progress(self.done, _frozen({**self.answers, lesson: chosen}), self.predictions)

    def predict(self, lesson: str, prediction: int, right: bool) -> Progress:
        """This progress with prediction ``prediction`` of ``lesson`` answered; only the first try counts."""
        if prediction in self.predictions.get(lesson, {}):
            return self
        tried = {**self.predictions.get(lesson, {}), prediction: right}
        return Progress(self.done, self.answers, _frozen({**self.predictions, lesson: tried}))

    def to_json(self) -> dict[str, object]:
        """The file's contents."""
        return {"format": FORMAT, "done": sorted(self.done),
                "answers": {lesson: {str(k): v for k, v in sorted(chosen.items())}
                            for lesson, chosen in sorted(self.answers.items())},
                "predictions": {lesson: {str(k): v for k, v in sorted(tried.items())}
                                for lesson, tried in sorted(self.predictions.items())}}

    @classmethod
    def from_json(cls, data: object) -> Progress:
        """Read the file's contents.

        Raises:
            ValueError: not a format-1 progress record.
        """
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
        done, answers = data.get("done", []), data.get("answers", {})
        if not isinstance(done, list) or not all(isinstance(d, str) for d in done):
            raise ValueError("'done' is not a list of lesson ids")
        if not isinstance(answers, dict):
            raise ValueError("'answers' is not an object")
        parsed: dict[str, dict[int, int]] = {}
        for lesson, chosen in answers.items():
            if not isinstance(chosen, dict):
                raise ValueError(f"answers of {lesson!r} are not an object")
            parsed[lesson] = {}
            for k, v in chosen.items():
                if not (k.isascii() and k.isdigit() and len(k) <= 6) or type(v) is not int or v < 0:
                    raise ValueError(f"answer {k!r}: {v!r} of {lesson!r} is not index: index")
                parsed[lesson][int(k)] = v
        return cls(frozenset(done), _frozen(parsed), _predictions(data.get("predictions", {})))


def _predictions(data: object) -> Mapping[str, Mapping[int, bool]]:
    """The optional ``"predictions"`` object: lesson id -> {index: right at the first try}.

    Raises:
        ValueError: it is there but not of that shape.
    """
    if not isinstance(data, dict):
        raise ValueError("'predictions' is not an object")
    parsed: dict[str, dict[int, bool]] = {}
    for lesson, tried in data.items():
        if not isinstance(tried, dict):
            raise ValueError(f"predictions of {lesson!r} are not an object")
        parsed[lesson] = {}
        for k, v in tried.items():
            if not (k.isascii() and k.isdigit() and len(k) <= 6) or type(v) is not bool:
                raise ValueError(f"prediction {k!r}: {v!r} of {lesson!r} is not index: true|false")
            parsed[lesson][int(k)] = v
    return _frozen(parsed)


V = TypeVar("V", int, bool)


def _frozen(answers: Mapping[str, Mapping[int, V]]) -> Mapping[str, Mapping[int, V]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in answers.items()})


def default_path() -> Path:
    """``$EXPLAINER_STATE_DIR/progress.json``, else the platform's state folder for the app."""
    override = os.environ.get(STATE_DIR_ENV)
    folder = Path(override) if override else platformdirs.user_state_path(APP_NAME)
    return folder / FILE_NAME


@dataclass(frozen=True)
class Loaded:
    """What :func:`load` found."""

    progress: Progress
    """The progress to start from (empty when the file was missing or could not be used)."""
    warning: str | None = None
    """What to tell the learner about the file, if anything."""
    unreadable: bool = False
    """The file is there but could not be read, and is left as it is: do not save over it until the
    learner decides (:func:`set_aside` is one way)."""


def load(path: Path | None = None) -> Loaded:
    """The saved progress, and what the learner must be told when the file could not be used.

    A file that reads but is not valid format-1 JSON is renamed to ``<name>.corrupt-<timestamp>``
    (the warning says where) and an empty progress is returned. A file that cannot be read is left
    untouched and reported as ``unreadable``.
    """
    path = path or default_path()
    try:
        raw = _read(path)
    except FileNotFoundError:
        return Loaded(Progress())
    except OSError as err:
        return _unreadable(path, f"cannot read it: {err.strerror or err}")
    if len(raw) > MAX_BYTES:
        return _set_aside_corrupt(path, f"larger than {MAX_BYTES // 2**20} MiB")
    try:
        text = raw.decode("utf-8-sig")  # an editor's byte order mark is not corruption
    except UnicodeDecodeError:
        return _set_aside_corrupt(path, "not UTF-8 text")
    try:
        return Loaded(Progress.from_json(json.loads(text)))
    except (ValueError, RecursionError) as err:  # json.JSONDecodeError is a ValueError
        return _set_aside_corrupt(path, str(err) or err.__class__.__name__)


def _read(path: Path) -> bytes:
    """The file's bytes; a FIFO or a device is refused (opened without blocking, checked with fstat)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return f.read(MAX_BYTES + 1)


def _unreadable(path: Path, why: str) -> Loaded:
    return Loaded(Progress(), f"your progress in {path} could not be used ({why}); it is left as it is, "
                              "and nothing is saved over it until you choose what to do", unreadable=True)


def _set_aside_corrupt(path: Path, reason: str) -> Loaded:
    try:
        aside = set_aside(path, "corrupt")
    except OSError as err:
        return _unreadable(path, f"{reason}, and it could not be renamed aside: {err.strerror or err}")
    return Loaded(Progress(), f"progress in {path} was unreadable ({reason}); kept it as {aside.name} "
                              "and started afresh")


def set_aside(path: Path, label: str) -> Path:
    """Rename ``path`` to ``<name>.<label>-<timestamp>`` beside it (never over another file); returns it.

    Raises:
        OSError: the rename failed (the file is then where it was).
    """
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while os.path.lexists(aside):
        n += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    path.rename(aside)
    return aside


def save(progress: Progress, path: Path | None = None) -> Path:
    """Write ``progress`` atomically (:func:`explainer.output.save.save`, replacing the old file).

    Returns:
        The path written.

    Raises:
        SaveError: it could not be written (the message says why); the old file is whole.
    """
    path = path or default_path()
    text = json.dumps(progress.to_json(), indent=1) + "\n"
    return save_file(path, text, replace=True, make_folder=True)
