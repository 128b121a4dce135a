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
from dataclasses import dataclass

from ..course import facts, play
from ..engine.errors import ExplainerError
from ..engine.experiments.fix import release, split_pair
from ..engine.experiments.scenario import Scenario
from ..engine.experiments.scenario import parse as parse_scenario
from ..engine.experiments.session import Preemption, Session
from ..engine.runtime.unwind import Trigger
from ..engine.toolchain.program import Function
from . import beatfacts
from .script import RELEASE, Beat, Talk, TalkError

#: The largest instruction count a beat may stop at (main.main calls big_stack forever: any count runs).
MAX_STOP = 50_000_000


class Side:
    """One scenario of a beat at the beat's moment; the presenter may step and unwind from there.

    Built by ``stage_sides`` (or ``check``, which plays the same steps one key at a time).
    """

    def __init__(self, session: Session, highlight: frozenset[int], preemption: Preemption | None,
                 label: str = "") -> None:
        self.session = session
        self.label = label
        """``go1.23.4 · before the fix`` in a split beat, else empty."""
        self.preemption = preemption
        self.highlight = highlight
        """Absolute PCs of the disassembly lines the beat highlights."""

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


def stage(beat: Beat) -> Stage:
    """Play ``beat`` on fresh sessions.

    Raises:
        ExplainerError: the scenario, stop, action, a fact or the log cannot be used (``check`` says where).
    """
    sides = stage_sides(beat)
    log = read_log(beat.log) if beat.log else ()
    said = printed(sides)
    marks = frozenset(i for i, line in enumerate(log) if line.strip() in said)
    return Stage(beat, sides, beatfacts.render(beat.caption, sides), beatfacts.render(beat.notes, sides),
                 log, marks)


def printed(sides: tuple[Side, ...]) -> set[str]:
    """The lines the sides' stack walks printed (stripped): what a real crash log is matched against."""
    return {line.strip() for side in sides if side.preemption and side.preemption.walk
            for line in side.preemption.walk.output if line.strip()}


def stage_sides(beat: Beat) -> tuple[Side, ...]:
    """The beat's one side, or its two (before and after the fix) when it names the split pane."""
    sides = []
    for scenario, label in _labelled(beat, parse_scenario(beat.scenario)):
        session = Session(scenario)
        highlight = frozenset(highlight_pcs(session, beat.highlight))
        move(session, beat.stop)
        preemption = play.do(session, beat.action) if beat.action is not None else None
        sides.append(Side(session, highlight, preemption, label))
    return tuple(sides)


def _labelled(beat: Beat, scenario: Scenario) -> tuple[tuple[Scenario, str], ...]:
    """The beat's scenario, or the split pair with their labels."""
    if "split" not in beat.panes:
        return ((scenario, ""),)
    before, after = split_pair(scenario)
    return ((before, f"go{before.version} · before the fix"), (after, f"go{after.version} · after the fix"))


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
        played, sides = _play(talk, beat)
        errors += played
        if played:  # facts about the beat's moment are computed only when it plays
            sides = ()
        for key, text in (("caption", beat.caption), ("notes", beat.notes)):
            for offset, err in beatfacts.problems(text, sides):
                errors.append(TalkError(file, talk.layout.text_line(beat.index, key, text, offset), str(err)))
    return sorted(errors, key=lambda e: e.line)


def _play(talk: Talk, beat: Beat) -> tuple[list[TalkError], tuple[Side, ...]]:
    """Build the beat's sides one key at a time, so a failure names the key that caused it.

    The steps are ``stage_sides``'s; returns the mistakes and the sides built (all of them only when
    there is no mistake).
    """
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
        return errors + [error("scenario", f"bad scenario {beat.scenario!r}: {err}")], ()
    if beat.live:
        from .live import live_moment

        try:
            live_moment(beat)
        except ExplainerError as err:
            errors.append(error("live", f"cannot run live: {err}"))
    labelled = _labelled(beat, scenario)
    sides: list[Side] = []
    for s, label in labelled:
        try:
            session = Session(s)
        except ExplainerError as err:
            return errors + [error("scenario", f"{s}: {err}")], ()
        highlight: frozenset[int] = frozenset()
        try:
            highlight = frozenset(highlight_pcs(session, beat.highlight))
        except ExplainerError as err:
            errors.append(error("highlight", f"{s}: {err}"))
        try:
            move(session, beat.stop)
        except ExplainerError as err:
            return errors + [error("stop", f"{s}: {err}")], ()
        preemption = None
        if beat.action is not None:
            try:
                preemption = play.do(session, beat.action)
            except ExplainerError as err:
                return errors + [error("action", f"{s}: {err}")], ()
        # In a split beat, expect speaks of the left side (before the fix); the right side is the contrast.
        if beat.expect and s is labelled[0][0] and preemption and preemption.outcome.value != beat.expect:
            why = preemption.walk.reason if preemption.walk else preemption.verdict.why
            errors.append(error("expect", f"{s}: expected {beat.expect}, but it was "
                                          f"{preemption.outcome.value} ({why})"))
        sides.append(Side(session, highlight, preemption, label))
    return errors, tuple(sides)
