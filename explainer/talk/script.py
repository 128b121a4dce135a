"""A talk file (TOML, ``format_version = 1``) read into frozen values, every mistake at its line.

A talk is a list of beats. Each beat names a scenario in the engine's one-line
form, where to stop (an anchor or a number of instructions), what to do there
(preempt, or preempt and unwind), which panes to show, which lines to
highlight, a caption for the room and notes for the speaker. The README's
"Talks" section documents every key. ``parse`` checks what can be checked
without the engine and stops at the first mistake; ``stage.check`` plays every
beat and renders every fact, reporting all it finds.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..course.commands import OUTCOMES, CommandError, parse_do  # actions: the lessons' - do: grammar
from ..course.textfile import NotReadable, read_text
from ..engine.errors import ExplainerError, SourceError
from ..engine.experiments.scenario import ANCHORS
from .locate import Layout, layout

FORMAT_VERSION = 1
#: What a beat may put on screen. ``split`` shows every other pane twice: before and after the fix.
PANES = ("disassembly", "registers", "stack", "unwind", "encoding", "log", "split")
#: Highlight names besides anchors and ``+0xNN``: the instructions that give the frame back.
RELEASE = "release"
TOP_KEYS = ("format_version", "title", "minutes", "beat")
BEAT_KEYS = ("title", "scenario", "stop", "action", "expect", "panes", "highlight", "caption", "notes", "log",
             "repro", "minutes", "live")
#: The longest a talk or one beat may be planned for (minutes): ten hours.
MAX_MINUTES = 600
_OFFSET = re.compile(r"\+0x[0-9a-fA-F]+")
_LOG_NAME = re.compile(r"[\w.+-]+\.log")
_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class TalkError(SourceError):
    """A mistake in a talk file."""


class TalkErrors(TalkError):
    """Every structural mistake of a talk, each at its own line (``present --check`` lists them all);
    as one error it reads as the first."""

    def __init__(self, errors: list[TalkError]) -> None:
        first = errors[0]
        super().__init__(first.file, first.line, first.message)
        self.errors = errors


@dataclass(frozen=True)
class Beat:
    """One beat of a talk: a scenario brought to one moment, and what the room sees of it."""

    index: int
    """0-based position in the talk."""
    title: str
    scenario: str
    """The engine's one-line form (checked by ``stage.check``)."""
    stop: str | int
    """An anchor (entry, body, epilogue, sp1, sp2, ret), ``+0xNN``, or a number of instructions."""
    action: str | None
    """``preempt`` or ``unwind TRIGGER`` (the lessons' ``- do:`` grammar), or None."""
    expect: str | None
    """The outcome the action must have (``crash``, ``refused``...), checked by ``stage.check``."""
    panes: tuple[str, ...]
    highlight: tuple[str, ...]
    """Anchors, ``+0xNN`` or ``release``: disassembly lines drawn in the highlight colour."""
    caption: str
    """What the room reads; ``{{facts}}`` are computed by the engine when shown."""
    notes: str
    """What the speaker reads in the second terminal (``--notes``)."""
    log: str | None
    """A crash log in ``assets/logs/`` (for the ``log`` pane)."""
    repro: bool = False
    """The log pane can run ``explainer repro`` live for the beat's release and shape (key x)."""
    minutes: float | None = None
    """The beat's time budget (``minutes = 1.5``): the notes warn when the beat runs over it."""
    live: bool = False
    """On arrival, the log pane shows the real runtime preempted at the beat's moment (``explainer
    inject``, about a second), the recorded log staying when this machine cannot run it."""


@dataclass(frozen=True)
class Talk:
    """A talk file, parsed."""

    path: Path
    title: str
    minutes: int | None
    """The planned length, for the speaker's timer."""
    beats: tuple[Beat, ...]
    layout: Layout
    """Where every key is written (for errors found later, by ``stage.check``)."""

    def line(self, beat: int | None, key: str) -> int:
        """The line of ``key`` in beat ``beat`` (None: the top), else of the beat's header."""
        return self.layout.key_line(beat, key)


def load(path: Path) -> Talk:
    """Read and parse a talk file.

    Raises:
        TalkError: the file cannot be read, or its first mistake.
    """
    try:
        text = read_text(path)
    except NotReadable as err:
        raise TalkError(str(path), 1, f"cannot read the talk: {err}") from None
    except FileNotFoundError:  # no line 1 to point at: the path itself is the mistake
        raise ExplainerError(f"no talk at {path}: explainer present --list lists the shipped talks") from None
    except OSError as err:
        raise TalkError(str(path), 1, f"cannot read the talk: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise TalkError(str(path), 1, f"cannot read the talk: not UTF-8 text (byte {err.start:,})") from None
    return parse(text, str(path))


def parse(text: str, name: str) -> Talk:
    """Read a talk from its text; ``name`` is used in errors.

    Raises:
        TalkError: a TOML syntax error at its line, or the first mistake in the talk's keys.
    """
    where = layout(text)
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise TalkError(name, _deepest_line(text), "not valid for a talk: arrays or tables nested too "
                                                   "deeply (a talk needs two levels)") from None
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        m = _TOML_WHERE.search(message)
        line = int(m.group(1)) if m else where.last_line
        detail = _TOML_WHERE.sub(f" (column {m.group(2)})" if m else "", message)
        raise TalkError(name, line, f"not valid TOML: {detail[0].lower() + detail[1:]}") from None
    return _Reader(name, where).talk(data)


def _deepest_line(text: str) -> int:
    """The line with the most opening brackets and braces: where the nesting is."""
    lines = text.split("\n")
    return 1 + max(range(len(lines)), key=lambda i: lines[i].count("[") + lines[i].count("{"))


class _Reader:
    """Checks the parsed TOML, key by key, naming the line of the first mistake."""

    def __init__(self, name: str, where: Layout) -> None:
        self.name = name
        self.where = where

    def fail(self, beat: int | None, key: str, message: str) -> TalkError:
        return TalkError(self.name, self.where.key_line(beat, key), message)

    def talk(self, data: dict[str, Any]) -> Talk:
        for key in data:
            if key not in TOP_KEYS:
                raise self.fail(None, key, f"unknown key {key!r}: one of {', '.join(TOP_KEYS)}")
        if "format_version" not in data:
            raise TalkError(self.name, 1, f"no format_version: a talk starts with format_version = "
                                          f"{FORMAT_VERSION}")
        version = data["format_version"]
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise self.fail(None, "format_version", f"format_version {version!r} is not supported: "
                                                    f"this app reads {FORMAT_VERSION}")
        errors: list[TalkError] = []  # every mistake from here on, each beat's first
        title = self.collect(errors, lambda: self.text(data, None, "title", required=True))
        minutes = data.get("minutes")
        if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)
                                    or not 1 <= minutes <= MAX_MINUTES):
            errors.append(self.fail(None, "minutes", f"minutes must be a whole number from 1 to "
                                                     f"{MAX_MINUTES}, not {minutes!r}"))
        beats = data.get("beat")
        if not isinstance(beats, list) or not beats or not all(isinstance(b, dict) for b in beats):
            errors.append(self.fail(None, "beat", "no beats: a talk has one or more [[beat]] tables"))
            beats = []
        read = [self.collect(errors, functools.partial(self.beat, b, i)) for i, b in enumerate(beats)]
        if errors:
            raise TalkErrors(sorted(errors, key=lambda e: e.line))
        return Talk(Path(self.name), title, minutes, tuple(read), self.where)

    @staticmethod
    def collect(errors: list[TalkError], read: Callable[[], Any]) -> Any:
        """``read()``, or None with its mistake added to ``errors``."""
        try:
            return read()
        except TalkError as err:
            errors.append(err)
            return None

    def beat(self, data: dict[str, Any], i: int) -> Beat:
        for key in data:
            if key not in BEAT_KEYS:
                raise self.fail(i, key, f"beat {i + 1}: unknown key {key!r}: one of {', '.join(BEAT_KEYS)}")
        panes = self.names(data, i, "panes", required=True)
        for pane in panes:
            if pane not in PANES:
                raise self.fail(i, "panes", f"beat {i + 1}: unknown pane {pane!r}: one of {', '.join(PANES)}")
        if panes == ("split",):
            raise self.fail(i, "panes", f"beat {i + 1}: split shows the other panes twice: name them too")
        highlight = self.names(data, i, "highlight")
        for h in highlight:
            if h not in ANCHORS and h != RELEASE and not _OFFSET.fullmatch(h):
                raise self.fail(i, "highlight", f"beat {i + 1}: bad line {h!r} to highlight: "
                                                f"{', '.join(ANCHORS)}, {RELEASE} or +0xNN")
        log = self.text(data, i, "log")
        if log is not None and not _LOG_NAME.fullmatch(log):
            raise self.fail(i, "log", f"beat {i + 1}: bad log {log!r}: a file name ending in .log "
                                      "(in assets/logs/)")
        if ("log" in panes) != (log is not None):
            raise self.fail(i, "log" if log else "panes",
                            f"beat {i + 1}: the log pane and the log key go together")
        repro = data.get("repro", False)
        if not isinstance(repro, bool):
            raise self.fail(i, "repro", f"beat {i + 1}: repro must be true or false, not {repro!r}")
        if repro and "log" not in panes:
            raise self.fail(i, "repro", f"beat {i + 1}: repro runs into the log pane: add \"log\" to panes")
        live = data.get("live", False)
        if not isinstance(live, bool):
            raise self.fail(i, "live", f"beat {i + 1}: live must be true or false, not {live!r}")
        if live and "log" not in panes:
            raise self.fail(i, "live", f"beat {i + 1}: live replaces the recorded log on arrival: add "
                                       "\"log\" to panes (the recorded log is the fallback)")
        expect = self.text(data, i, "expect")
        if expect is not None and expect not in OUTCOMES:
            raise self.fail(i, "expect", f"beat {i + 1}: bad expect {expect!r}: one of {', '.join(OUTCOMES)}")
        action = self.action(data, i)
        if expect is not None and action is None:
            raise self.fail(i, "expect", f"beat {i + 1}: expect needs an action (preempt or unwind ...)")
        title, scenario = self.text(data, i, "title", True), self.text(data, i, "scenario", True)
        return Beat(i, title, scenario, self.stop(data, i), action, expect, panes, highlight,
                    self.text(data, i, "caption", required=True), self.text(data, i, "notes") or "", log,
                    repro, self.budget(data, i), live)

    def text(self, data: dict[str, Any], beat: int | None, key: str, required: bool = False) -> Any:
        where = "" if beat is None else f"beat {beat + 1}: "
        if key not in data:
            if required:
                raise self.fail(beat, key, f"{where}no {key}: it is required")
            return None
        value = data[key]
        if not isinstance(value, str):
            raise self.fail(beat, key, f"{where}{key} must be a string, not {type(value).__name__}")
        if not value.strip():
            raise self.fail(beat, key, f"{where}{key} is empty")
        return value.strip()

    def names(self, data: dict[str, Any], i: int, key: str, required: bool = False) -> tuple[str, ...]:
        value = data.get(key, [] if not required else None)
        if value is None:
            raise self.fail(i, key, f"beat {i + 1}: no {key}: name one or more of {', '.join(PANES)}")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(i, key, f"beat {i + 1}: {key} must be a list of strings, like [\"disassembly\"]")
        if required and not value:
            raise self.fail(i, key, f"beat {i + 1}: {key} is empty")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise self.fail(i, key, f"beat {i + 1}: {key} names {twice[0]!r} twice")
        return tuple(value)

    def budget(self, data: dict[str, Any], i: int) -> float | None:
        """A beat's ``minutes``: a number above 0 (1.5 is a minute and a half), whole seconds."""
        value = data.get("minutes")
        if value is None:
            return None
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_MINUTES
        if not ok or abs(value * 60 - round(value * 60)) > 1e-6:
            raise self.fail(i, "minutes", f"beat {i + 1}: minutes must be above 0 and at most {MAX_MINUTES}, "
                                          f"in whole seconds (1.5 is 1:30), not {value!r}")
        return float(value)

    def stop(self, data: dict[str, Any], i: int) -> str | int:
        value = data.get("stop", "entry")
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise self.fail(i, "stop", f"beat {i + 1}: stop {value} is negative")
            return value
        if isinstance(value, str) and (value in ANCHORS or (_OFFSET.fullmatch(value)
                                                            and int(value[1:], 16) % 4 == 0)):
            return value
        raise self.fail(i, "stop", f"beat {i + 1}: bad stop {value!r}: one of {', '.join(ANCHORS)}, "
                                   "+0xNN (a multiple of 4), or a number of instructions")

    def action(self, data: dict[str, Any], i: int) -> str | None:
        value: str | None = self.text(data, i, "action")
        if value is None:
            return None
        try:
            command = parse_do(value)
        except CommandError as err:
            raise self.fail(i, "action", f"beat {i + 1}: bad action {value!r}: {err}") from None
        if command.verb not in ("preempt", "unwind"):
            raise self.fail(i, "action", f"beat {i + 1}: bad action {value!r}: preempt or unwind "
                                         "gc|traceback|goroutine-profile|cpu-profile|heap-dump|panic|copy "
                                         "(use stop to move)")
        return value
