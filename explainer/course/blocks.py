"""The body of a lesson file: its blocks (prose, steps, predictions, checkpoints) and the reader of them.

``## `` headings open blocks; each kind of block reads its own lines, and the
first line that does not fit is a :class:`LessonError` at that line. A step's
``- do:``/``- expect:`` lines are checked against the command grammar here, so a
lesson that loads can always be played.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.errors import SourceError
from .commands import CommandError, parse_do, parse_expect
from .predict import KINDS

_DO_OR_EXPECT = re.compile(r"[-*][ \t]+(do|expect)[ \t]*:(.*)")
_REAL = re.compile(r"[-*][ \t]+real[ \t]*:(.*)")
_POINT = re.compile(r"entry|body|epilogue|sp1|sp2|ret|\+0x[0-9a-fA-F]+")
#: The walks a real run can trigger (the reproducers' GC loop, or runtime.Stack).
REAL_WALKS = ("gc", "traceback")
_KIND = re.compile(r"[-*][ \t]+kind[ \t]*:(.*)")
_OPTION = re.compile(r"[-*][ \t]+\[([ xX])\][ \t]*(.*)")
_LIST_ITEM = re.compile(r"[-*][ \t]")
_NEAR_MISS = re.compile(r"(?i)(step|checkpoint|predict|prediction)s?\b")
_HEADINGS = {"Step": "step", "Checkpoint": "checkpoint", "Predict": "predict"}


class LessonError(SourceError):
    """A mistake in a lesson file."""


@dataclass(frozen=True)
class Prose:
    """Markdown text shown as it is (after its facts are rendered)."""

    text: str
    line: int
    """The line of the text's first line."""


@dataclass(frozen=True)
class Step:
    """``## Step: TEXT``: what the learner does, what the lab does, what must hold afterwards."""

    text: str
    do: tuple[str, ...]
    """``- do:`` commands, run in order when the learner presses enter."""
    expect: tuple[str, ...]
    """``- expect:`` lines, checked after the commands ran."""
    line: int
    """The line of the ``## Step:`` heading."""
    real: tuple[str, str] | None = None
    """``- real: POINT WALK``: once the step is played, r runs that moment on the real runtime (the
    point, an anchor or ``+0xNN``; the walk, gc or traceback), after the checkpoint before the step."""


def parse_real(value: str) -> tuple[str, str]:
    """``sp2 gc`` as (point, walk); the walk defaults to gc.

    Raises:
        ValueError: the message says what is accepted.
    """
    words = value.split()
    if not 1 <= len(words) <= 2 or not _POINT.fullmatch(words[0]) or \
            (words[0].startswith("+") and int(words[0][1:], 16) % 4):
        raise ValueError(f"bad real run {value[:40]!r}: POINT [WALK], POINT one of entry, body, epilogue, "
                         "sp1, sp2, ret or +0xNN (a multiple of 4)")
    walk = words[1] if len(words) == 2 else "gc"
    if walk not in REAL_WALKS:
        raise ValueError(f"bad real run {value[:40]!r}: the real runtime walks as {' or '.join(REAL_WALKS)}, "
                         f"not {walk!r}")
    return words[0], walk


@dataclass(frozen=True)
class Option:
    """One answer to a checkpoint, with why it is right or wrong."""

    text: str
    correct: bool
    explanation: str
    """The ``> `` lines under the option, joined by newlines."""
    line: int


@dataclass(frozen=True)
class Checkpoint:
    """``## Checkpoint: QUESTION`` and its options (at least two, at least one right)."""

    question: str
    options: tuple[Option, ...]
    line: int


@dataclass(frozen=True)
class Predict:
    """``## Predict: QUESTION``: the learner answers in the lab before the step right after it runs."""

    question: str
    kind: str
    """``slot``, ``line``, ``rsp`` or ``outcome`` (``course.predict.Kind``): how the learner answers."""
    line: int
    """The line of the ``## Predict:`` heading."""


Block = Prose | Step | Predict | Checkpoint


def read_body(lines: list[str], first: int, name: str) -> list[Block]:
    """The blocks of ``lines[first:]`` (0-based ``first``; errors carry 1-based lines of ``name``).

    Raises:
        LessonError: the first line that does not fit its block.
    """
    return _Body(name).read(lines, first)


class _Body:
    """The reader's state: the block being read and what it has collected so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.blocks: list[Block] = []
        self.kind = "prose"
        self.start = 0
        self.text: list[str] = []
        self.do: list[str] = []
        self.expect: list[str] = []
        self.options: list[Option] = []
        self.explanation: list[str] = []
        self.option: tuple[str, bool, int] | None = None
        self.real: tuple[str, str] | None = None
        self.kind_of: tuple[str, int] | None = None
        """A prediction's ``- kind:`` value and its line."""

    def read(self, lines: list[str], first: int) -> list[Block]:
        self.start = first + 1
        fenced = False
        for i in range(first, len(lines)):
            line, n = lines[i], i + 1
            if self.kind == "prose" and line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            if line.startswith("## ") and not fenced:
                self._close()
                self._open(line[3:].strip(), n)
            elif self.kind == "step":
                self._step_line(line, n)
            elif self.kind == "checkpoint":
                self._checkpoint_line(line, n)
            elif self.kind == "predict":
                self._predict_line(line, n)
            else:
                self.text.append(line)
        self._close()
        self._predictions_before_steps()
        self._checkpoints_before_real_runs()
        return self.blocks

    def _open(self, heading: str, n: int) -> None:
        self.start, self.text, self.do, self.expect, self.options = n, [], [], [], []
        self.real = None
        self.kind_of = None
        kind, sep, rest = heading.partition(":")
        if sep and kind in _HEADINGS:
            if not rest.strip():
                raise LessonError(self.name, n, f"'## {kind}:' needs its text after the colon")
            self.kind, self.text = _HEADINGS[kind], [rest.strip()]
            return
        if _NEAR_MISS.match(heading) and sep:
            raise LessonError(self.name, n, f"heading {heading[:40]!r}: did you mean '## Step: TEXT', "
                                            "'## Predict: QUESTION' or '## Checkpoint: QUESTION'?")
        self.kind, self.text = "prose", ["## " + heading]

    def _step_line(self, line: str, n: int) -> None:
        s = line.strip()
        if not s:
            return
        m, real = _DO_OR_EXPECT.fullmatch(s), _REAL.fullmatch(s)
        if real:
            if self.real is not None:
                raise LessonError(self.name, n, "a step runs the real runtime once: one '- real:' line")
            try:
                self.real = parse_real(real.group(1).strip())
            except ValueError as err:
                raise LessonError(self.name, n, str(err)) from None
        elif m:
            verb, value = m.group(1), m.group(2).strip()
            try:
                (parse_do if verb == "do" else parse_expect)(value)
            except CommandError as err:
                raise LessonError(self.name, n, str(err)) from None
            (self.do if verb == "do" else self.expect).append(value)
        elif _LIST_ITEM.match(s):
            raise LessonError(self.name, n, f"unknown step line {s[:40]!r}: expected '- do: COMMAND', "
                                            "'- expect: EXPECTATION' or '- real: POINT gc|traceback'")
        else:
            self.text.append(s)

    def _predict_line(self, line: str, n: int) -> None:
        s = line.strip()
        if not s:
            return
        m = _KIND.fullmatch(s)
        if m:
            value = m.group(1).strip()
            if self.kind_of is not None:
                raise LessonError(self.name, n, f"kind given twice (first on line {self.kind_of[1]})")
            if value not in KINDS:
                raise LessonError(self.name, n, f"bad kind {value[:40]!r}: one of {', '.join(KINDS)}")
            self.kind_of = (value, n)
        elif _LIST_ITEM.match(s):
            raise LessonError(self.name, n, f"unknown prediction line {s[:40]!r}: expected "
                                            f"'- kind: {'|'.join(KINDS)}'")
        else:
            self.text.append(s)

    def _checkpoint_line(self, line: str, n: int) -> None:
        s = line.strip()
        if not s:
            return
        option = _OPTION.fullmatch(s)
        if option:
            self._close_option()
            if not option.group(2).strip():
                raise LessonError(self.name, n, "option has no text")
            self.option = (option.group(2).strip(), option.group(1) in "xX", n)
        elif s.startswith(">"):
            if self.option is None:
                raise LessonError(self.name, n, "explanation before any option: write '- [x] ...' "
                                                "or '- [ ] ...' first")
            self.explanation.append(s[1:].strip())
        elif _LIST_ITEM.match(s):
            raise LessonError(self.name, n, f"bad option {s[:40]!r}: '- [x] TEXT' (right) "
                                            "or '- [ ] TEXT' (wrong)")
        elif self.option is None and not self.options:
            self.text.append(s)
        else:
            raise LessonError(self.name, n, "text after an option: explanations are '  > ' lines")

    def _close_option(self) -> None:
        if self.option is None:
            return
        text, correct, n = self.option
        explanation = "\n".join(self.explanation).strip()
        if not explanation:
            raise LessonError(self.name, n, "option has no explanation: add '  > why' lines under it")
        self.options.append(Option(text, correct, explanation, n))
        self.option, self.explanation = None, []

    def _close(self) -> None:
        if self.kind == "step":
            if not self.do and self.real is None:
                raise LessonError(self.name, self.start, "step has no '- do:' line")
            self.blocks.append(Step("\n".join(self.text), tuple(self.do), tuple(self.expect), self.start,
                                    self.real))
        elif self.kind == "predict":
            if self.kind_of is None:
                raise LessonError(self.name, self.start, f"prediction has no '- kind:' line: "
                                                         f"one of {', '.join(KINDS)}")
            self.blocks.append(Predict(" ".join(self.text), self.kind_of[0], self.start))
        elif self.kind == "checkpoint":
            self._close_option()
            if len(self.options) < 2:
                raise LessonError(self.name, self.start, "checkpoint needs at least two options")
            if not any(o.correct for o in self.options):
                raise LessonError(self.name, self.start, "checkpoint has no right option: mark one '- [x]'")
            self.blocks.append(Checkpoint("\n".join(self.text), tuple(self.options), self.start))
        else:
            self._close_prose()

    def _predictions_before_steps(self) -> None:
        """A prediction is asked when enter plays the step right after it: a step must follow at once."""
        for block, after in zip(self.blocks, [*self.blocks[1:], None], strict=False):
            if isinstance(block, Predict) and not isinstance(after, Step):
                what = "the lesson ends" if after is None else \
                    f"line {after.line} is {'prose' if isinstance(after, Prose) else 'not a step'}"
                raise LessonError(self.name, block.line, f"a prediction is asked right before the step "
                                                         f"it predicts, but {what}: put its '## Step:' "
                                                         "right after it")

    def _checkpoints_before_real_runs(self) -> None:
        """A real run is seen only after the learner said what it will show: a checkpoint between the
        step before and the step with ``- real:``."""
        since_step: list[Block] = []
        for block in self.blocks:
            if isinstance(block, Step):
                if block.real is not None and not any(isinstance(b, Checkpoint) for b in since_step):
                    raise LessonError(self.name, block.line, "a '- real:' step needs a checkpoint before it "
                                                             "(after the step before): what will the real "
                                                             "runtime say? It is asked before r shows it")
                since_step = []
            else:
                since_step.append(block)

    def _close_prose(self) -> None:
        text, start = self.text, self.start
        while text and not text[0].strip():
            text, start = text[1:], start + 1
        while text and not text[-1].strip():
            text = text[:-1]
        if text:
            self.blocks.append(Prose("\n".join(text), start))
