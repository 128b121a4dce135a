"""What the learner has done: lessons finished and checkpoint answers, kept between runs.

One small JSON file (``{"format": 1, ...}``) in the platform's state folder,
or in ``$EXPLAINER_STATE_DIR`` when set (tests and CI). It is never silently
lost: a file that cannot be read as format 1 is renamed aside
(``progress.json.corrupt-<timestamp>``) and the caller gets a warning to show.
Saving writes a temporary file in the same folder and renames it over the old
one (``os.replace`` is atomic), so a crash mid-save leaves the old file whole.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import platformdirs

FORMAT = 1
APP_NAME = "split-epilogue-explainer"
#: Overrides the state folder (tests and CI point it at a temporary folder).
STATE_DIR_ENV = "EXPLAINER_STATE_DIR"
FILE_NAME = "progress.json"


@dataclass(frozen=True)
class Progress:
    """Lessons done and the option chosen at each checkpoint. Changes return a new value."""

    done: frozenset[str] = frozenset()
    """Ids of finished lessons (``01-the-race``)."""
    answers: Mapping[str, Mapping[int, int]] = field(default_factory=lambda: MappingProxyType({}))
    """Lesson id -> checkpoint index -> index of the chosen option."""

    def finish(self, lesson: str) -> Progress:
        """This progress with ``lesson`` done."""
        return Progress(self.done | {lesson}, self.answers)

    def answer(self, lesson: str, checkpoint: int, option: int) -> Progress:
        """This progress with ``option`` chosen at checkpoint ``checkpoint`` of ``lesson``."""
        chosen = {**self.answers.get(lesson, {}), checkpoint: option}
        return Progress(self.done, _frozen({**self.answers, lesson: chosen}))

    def to_json(self) -> dict[str, object]:
        """The file's contents."""
        return {"format": FORMAT, "done": sorted(self.done),
                "answers": {lesson: {str(k): v for k, v in sorted(chosen.items())}
                            for lesson, chosen in sorted(self.answers.items())}}

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
                if not (k.isascii() and k.isdigit()) or type(v) is not int or v < 0:
                    raise ValueError(f"answer {k!r}: {v!r} of {lesson!r} is not index: index")
                parsed[lesson][int(k)] = v
        return cls(frozenset(done), _frozen(parsed))


def _frozen(answers: Mapping[str, Mapping[int, int]]) -> Mapping[str, Mapping[int, int]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in answers.items()})


def default_path() -> Path:
    """``$EXPLAINER_STATE_DIR/progress.json``, else the platform's state folder for the app."""
    override = os.environ.get(STATE_DIR_ENV)
    folder = Path(override) if override else platformdirs.user_state_path(APP_NAME)
    return folder / FILE_NAME


def load(path: Path | None = None) -> tuple[Progress, str | None]:
    """The saved progress, and a warning for the learner when the file could not be used.

    A file that is not valid format-1 JSON is renamed to ``<name>.corrupt-<timestamp>``
    (the warning says where) and an empty progress is returned.
    """
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress(), None
    except UnicodeDecodeError:
        return Progress(), _set_aside(path, "not UTF-8 text")
    except OSError as err:
        return Progress(), f"progress not loaded: cannot read {path}: {err.strerror or err}"
    try:
        return Progress.from_json(json.loads(text)), None
    except (ValueError, RecursionError) as err:  # json.JSONDecodeError is a ValueError
        return Progress(), _set_aside(path, str(err) or err.__class__.__name__)


def _set_aside(path: Path, reason: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        path.rename(aside)
    except OSError as err:
        return (f"progress in {path} is unreadable ({reason}) and could not be set aside ({err}); "
                "starting afresh: saving will replace it")
    return f"progress in {path} was unreadable ({reason}); kept it as {aside.name} and started afresh"


def save(progress: Progress, path: Path | None = None) -> Path:
    """Write ``progress`` atomically (a temporary file in the same folder, then ``os.replace``).

    Returns:
        The path written.
    """
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(progress.to_json(), f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
