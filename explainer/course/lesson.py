"""A lesson file (lessons/FORMAT.md, format 1) read into frozen values.

Lessons are plain Markdown a person edits in any editor, so every mistake the
parser can see is reported as ``file:line: message`` with the line the editor
shows. ``parse`` stops at the first mistake (the file cannot be used); what
needs the engine (the scenario, facts, playing the steps) is ``check``'s job.
The front matter is a handful of ``key: value`` lines, read here by hand: no
YAML, so no YAML surprises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import content
from .blocks import Block, Checkpoint, LessonError, Option, Predict, Prose, Step, read_body
from .textfile import read_text

__all__ = ["Block", "Checkpoint", "Lesson", "LessonError", "Option", "Predict", "Prose", "Step",
           "lesson_files", "lessons_dir", "load", "load_all", "parse"]

FORMAT = 1
WIDGETS = ("none", "encoder", "scale")
KEYS = ("format", "title", "scenario", "widget")
REQUIRED = ("format", "title", "scenario")
#: Lesson files: ``NN-slug.md``; the number orders the course.
FILE_NAME = re.compile(r"[0-9]{2}-[^/\\]+\.md")

_KEY_VALUE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(.*)")


@dataclass(frozen=True)
class Lesson:
    """One lesson file, parsed."""

    id: str
    """The file name without ``.md`` (``01-the-race``): the key progress is saved under."""
    path: Path
    title: str
    scenario: str
    """The lab scenario in the engine's one-line form (checked by ``check``, not ``parse``)."""
    widget: str
    blocks: tuple[Block, ...]
    scenario_line: int = 1
    """The line of ``scenario:``, so a bad scenario is reported where it is written."""

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps, in order."""
        return tuple(b for b in self.blocks if isinstance(b, Step))

    @property
    def predictions(self) -> tuple[Predict, ...]:
        """The predictions, in order (the progress file counts them so)."""
        return tuple(b for b in self.blocks if isinstance(b, Predict))

    def prediction_before(self, step: Step) -> Predict | None:
        """The prediction asked right before ``step`` is played, if any."""
        k = self.blocks.index(step)
        before = self.blocks[k - 1] if k else None
        return before if isinstance(before, Predict) else None

    @property
    def checkpoints(self) -> tuple[Checkpoint, ...]:
        """The checkpoints, in order."""
        return tuple(b for b in self.blocks if isinstance(b, Checkpoint))


def parse(text: str, name: str) -> Lesson:
    """Read a lesson from its text.

    Args:
        text: The file's contents.
        name: The file's name or path: used in errors and for the lesson's id.

    Raises:
        LessonError: the first mistake, with its line.
    """
    lines = [ln.rstrip("\r") for ln in text.removeprefix("\ufeff").split("\n")]
    meta, meta_lines, body_start = _front_matter(lines, name)
    blocks = read_body(lines, body_start, name)
    if not any(isinstance(b, Checkpoint) for b in blocks):
        raise LessonError(name, 1, "no checkpoint: every lesson has at least one '## Checkpoint: QUESTION'")
    path = Path(name)
    return Lesson(id=path.stem, path=path, title=meta["title"], scenario=meta["scenario"],
                  widget=meta.get("widget", "none"), blocks=tuple(blocks),
                  scenario_line=meta_lines["scenario"])


def load(path: Path) -> Lesson:
    """Read and parse one lesson file.

    Raises:
        LessonError: the file cannot be read, or its first mistake.
    """
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as err:
        raise LessonError(str(path), 1, f"cannot read the lesson: {err}") from None
    return parse(text, str(path))


def lesson_files(folder: Path) -> list[Path]:
    """The ``NN-*.md`` files of a folder, sorted by name (FORMAT.md and other files are not lessons)."""
    return sorted(p for p in folder.iterdir() if FILE_NAME.fullmatch(p.name) and p.is_file())


def load_all(folder: Path) -> list[Lesson]:
    """Every lesson of a folder, in course order.

    Raises:
        LessonError: the first mistake of the first broken file.
    """
    return [load(p) for p in lesson_files(folder)]


def by_number(text: str, folder: Path | None = None) -> Path:
    """The lesson file numbered ``text`` (``6`` or ``06``), validated as a command line's input is.

    Raises:
        ExplainerError: not a number from 1 to 99, or no lesson has it (the message lists the numbers).
    """
    from ..engine.errors import ExplainerError

    files = lesson_files(folder or lessons_dir())
    numbers = [p.name[:2] for p in files]
    t = text.strip()
    if not (t.isascii() and t.isdigit() and 1 <= len(t) <= 2 and int(t) >= 1):
        raise ExplainerError(f"bad lesson {text[:20]!r}: a lesson's number, {int(numbers[0])} to "
                             f"{int(numbers[-1])}" if numbers else f"bad lesson {text[:20]!r}: no lessons")
    for path, number in zip(files, numbers, strict=True):
        if int(number) == int(t):
            return path
    raise ExplainerError(f"no lesson {int(t)}: the course has lessons "
                         f"{', '.join(str(int(n)) for n in numbers)}")


def lessons_dir() -> Path:
    """The shipped course (``explainer.content``: the repository's ``lessons/``, as package data)."""
    return content.lessons_dir()


def _front_matter(lines: list[str], name: str) -> tuple[dict[str, str], dict[str, int], int]:
    """The ``key: value`` lines between the two ``---``; returns values, their lines, the body's start."""
    if not lines or lines[0].strip() != "---":
        raise LessonError(name, 1, "no front matter: a lesson starts with a '---' line, "
                                   "then format, title and scenario, then '---'")
    meta: dict[str, str] = {}
    where: dict[str, int] = {}
    for i in range(1, len(lines)):
        line, n = lines[i].strip(), i + 1
        if line == "---":
            _check_meta(meta, name)
            return meta, where, i + 1
        if not line:
            continue
        m = _KEY_VALUE.fullmatch(line)
        if not m:
            raise LessonError(name, n, f"malformed front matter line {line[:40]!r}: expected 'key: value'")
        key, value = m.group(1), _unquote(m.group(2).strip())
        if key not in KEYS:
            raise LessonError(name, n, f"unknown key {key!r}: one of {', '.join(KEYS)}")
        if key in meta:
            raise LessonError(name, n, f"{key} given twice (first on line {where[key]})")
        if not value:
            raise LessonError(name, n, f"{key} is empty")
        if key == "format" and value != str(FORMAT):
            raise LessonError(name, n, f"format {value!r} is not supported: this app reads format {FORMAT}")
        if key == "widget" and value not in WIDGETS:
            raise LessonError(name, n, f"bad widget {value!r}: one of {', '.join(WIDGETS)}")
        meta[key], where[key] = value, n
    raise LessonError(name, 1, "front matter not closed: no second '---' line")


def _check_meta(meta: dict[str, str], name: str) -> None:
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise LessonError(name, 1, f"front matter lacks {', '.join(missing)} "
                                   f"(required: {', '.join(REQUIRED)})")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value
