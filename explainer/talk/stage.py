"""A beat played on the engine: the sessions, the preemption, the highlighted PCs, the rendered text.

The presenter shows a :class:`Stage`; ``check`` builds every stage of a talk
the same way, so a talk that checks is a talk that plays. Moving and
preempting reuse the lessons' player (``course.play``): a beat's ``stop`` is a
``run_to`` (or a ``goto`` by instruction count) and its ``action`` a ``- do:``
command. Captions and notes are rendered through the lessons' facts, so every
number a talk states is computed by the engine when it is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..course import facts, play
from ..engine.asm import Instruction
from ..engine.errors import ExplainerError
from ..engine.program import Function
from ..engine.scenario import Scenario
from ..engine.scenario import parse as parse_scenario
from ..engine.session import Preemption, Session
from ..engine.unwind import Trigger
from ..engine.versions import DEFAULT_VERSION, FIXED_VERSION
from . import beatfacts
from .script import RELEASE, Beat, Talk, TalkError

#: The largest instruction count a beat may stop at (main.main calls big_stack forever: any count runs).
MAX_STOP = 50_000_000


class Side:
    """One scenario of a beat at the beat's moment; the presenter may step and unwind from there."""

    def __init__(self, scenario: Scenario, beat: Beat, label: str = "") -> None:
        self.session = Session(scenario)
        self.label = label
        """``go1.23.4 · before the fix`` in a split beat, else empty."""
        self.preemption: Preemption | None = None
        self.highlight = frozenset(highlight_pcs(self.session, beat.highlight))
        """Absolute PCs of the disassembly lines the beat highlights."""
        move(self.session, beat.stop)
        if beat.action is not None:
            self.preemption = play.do(self.session, beat.action)

    @property
    def scenario(self) -> Scenario:
        """The scenario this side runs."""
        return self.session.scenario

    @property
    def function(self) -> Function:
        """main.big_stack as assembled for this scenario."""
        return self.session.function

    def step(self) -> None:
        """One instruction forward (the preemption is forgotten: it belonged to the old moment)."""
        play.do(self.session, "step")
        self.preemption = None

    def back(self) -> None:
        """One instruction back."""
        play.do(self.session, "back")
        self.preemption = None

    def unwind(self, trigger: Trigger) -> None:
        """Preempt here, then let ``trigger`` walk the stack."""
        self.preemption = self.session.preempt(trigger)


@dataclass(frozen=True)
class Stage:
    """What the presenter shows for one beat."""

    beat: Beat
    sides: tuple[Side, ...]
    """One side, or two (before and after the fix) when the beat names the split pane."""
    caption: str
    notes: str
    log: tuple[str, ...]
    """The lines of the beat's crash log (empty without one)."""
    log_marks: frozenset[int]
    """Indexes of log lines the engine's walk also printed: the emulation agreeing with the real run."""


def split_pair(s: Scenario) -> tuple[Scenario, Scenario]:
    """The same frame before and after the fix (the lab's split view pairs them the same way)."""
    if s.version.has_nonleaf_fix:
        return replace(s, version=DEFAULT_VERSION), s
    return s, replace(s, version=FIXED_VERSION)


def stage(beat: Beat) -> Stage:
    """Play ``beat`` on fresh sessions.

    Raises:
        ExplainerError: the scenario, stop, action, a fact or the log cannot be used (``check`` says where).
    """
    sides = stage_sides(beat)
    log = read_log(beat.log) if beat.log else ()
    printed = {line.strip() for side in sides if side.preemption and side.preemption.walk
               for line in side.preemption.walk.output if line.strip()}
    marks = frozenset(i for i, line in enumerate(log) if line.strip() in printed)
    return Stage(beat, sides, beatfacts.render(beat.caption, sides), beatfacts.render(beat.notes, sides),
                 log, marks)


def stage_sides(beat: Beat) -> tuple[Side, ...]:
    """The beat's one side, or its two (before and after the fix) when it names the split pane."""
    scenario = parse_scenario(beat.scenario)
    if "split" not in beat.panes:
        return (Side(scenario, beat),)
    before, after = split_pair(scenario)
    return (Side(before, beat, f"go{before.version} · before the fix"),
            Side(after, beat, f"go{after.version} · after the fix"))


def move(session: Session, stop: str | int) -> None:
    """Bring ``session`` to a beat's stop: an anchor or ``+0xNN`` (run to it), or an instruction count.

    Raises:
        ExplainerError: the function never runs that instruction, or returns before that many.
    """
    if isinstance(stop, str):
        if session.current.snapshot.pc != play.point(session, stop):
            play.do(session, f"run_to {stop}")
        return
    if stop > MAX_STOP:
        raise ExplainerError(f"stop {stop:,}: at most {MAX_STOP:,} instructions")
    moment = session.goto(stop)
    if moment.snapshot.step != stop:
        raise ExplainerError(f"stop {stop:,}: the run ended after {moment.snapshot.step:,} instructions")


def highlight_pcs(session: Session, names: tuple[str, ...]) -> Iterator[int]:
    """The PCs a beat's ``highlight`` names (``release``: the instructions that give the frame back).

    Raises:
        ExplainerError: a ``+0xNN`` that is no instruction of main.big_stack.
    """
    for name in names:
        if name == RELEASE:
            yield from (i.pc for i in release(session.function))
        else:
            yield play.point(session, name)


def release(fn: Function) -> list[Instruction]:
    """The epilogue's RSP writes and the R27 built for them, first to last (the disassembly's box)."""
    epi = [i for i in fn.instructions if i.role == "epilogue"]
    idx = [k for k, i in enumerate(epi) if i.writes_sp or i.uses_r27]
    return epi[idx[0]: idx[-1] + 1] if idx else []


def read_log(name: str) -> tuple[str, ...]:
    """A crash log copied into ``assets/logs/``, as lines.

    Raises:
        ExplainerError: no such log, or it cannot be read.
    """
    path = facts.logs_dir() / name
    try:
        return tuple(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError) as err:
        raise ExplainerError(f"cannot read log {name!r} in assets/logs/: {err.__class__.__name__}") from None


def check(talk: Talk) -> list[TalkError]:
    """Every mistake of a parsed talk, in line order: facts that do not render, beats that do not play."""
    errors: list[TalkError] = []
    file = str(talk.path)
    for beat in talk.beats:
        played = _play(talk, beat)
        errors += played
        sides: tuple[Side, ...] = ()
        if not played:  # the beat plays: facts about its moment can be computed too
            sides = stage_sides(beat)
        for key, text in (("caption", beat.caption), ("notes", beat.notes)):
            for offset, err in beatfacts.problems(text, sides):
                errors.append(TalkError(file, talk.layout.text_line(beat.index, key, text, offset), str(err)))
    return sorted(errors, key=lambda e: e.line)


def _play(talk: Talk, beat: Beat) -> list[TalkError]:
    """Build the beat's sides one key at a time, so a failure names the key that caused it."""
    file, n = str(talk.path), beat.index

    def error(key: str, message: str) -> TalkError:
        return TalkError(file, talk.line(n, key), f"beat {n + 1}: {message}")

    errors: list[TalkError] = []
    if beat.log:
        try:
            read_log(beat.log)
        except ExplainerError as err:
            errors.append(error("log", str(err)))
    try:
        scenario = parse_scenario(beat.scenario)
    except ExplainerError as err:
        return errors + [error("scenario", f"bad scenario {beat.scenario!r}: {err}")]
    scenarios = split_pair(scenario) if "split" in beat.panes else (scenario,)
    for s in scenarios:
        try:
            session = Session(s)
        except ExplainerError as err:
            return errors + [error("scenario", f"{s}: {err}")]
        try:
            list(highlight_pcs(session, beat.highlight))
        except ExplainerError as err:
            errors.append(error("highlight", f"{s}: {err}"))
        try:
            move(session, beat.stop)
        except ExplainerError as err:
            return errors + [error("stop", f"{s}: {err}")]
        if beat.action is None:
            continue
        try:
            preemption = play.do(session, beat.action)
        except ExplainerError as err:
            return errors + [error("action", f"{s}: {err}")]
        # In a split beat, expect speaks of the left side (before the fix); the right side is the contrast.
        if beat.expect and s is scenarios[0] and preemption and preemption.outcome != beat.expect:
            why = preemption.walk.reason if preemption.walk else preemption.verdict.reason
            errors.append(error("expect", f"{s}: expected {beat.expect}, but it was {preemption.outcome} "
                                          f"({why})"))
    return errors
