"""Predictions: the learner commits to a guess before the lab runs a step, then sees the engine's answer.

Studies of algorithm animation found that learners gain most when they must answer before they see,
so a lesson (``## Predict:``, lessons/FORMAT.md) or the lab's prediction mode asks one of four
questions before a command acts:

- ``slot``: which stack slot the unwinder will read as main.big_stack's return address (a row);
- ``line``: at which instruction a preemption followed by this walk crashes (a disassembly line);
- ``rsp``: what RSP will be after the step (a number, hex or decimal);
- ``outcome``: crash, clean or refused (parked or refused for a bare SIGURG).

Every answer, and the one sentence that says why, is taken from the engine's own values after the
step ran (a :class:`Preemption`'s outcome, its walk's reason or its verdict's sentence, the stack
view's rows, a sweep's points, the snapshots' SP): nothing is typed in a lesson. This module knows
nothing of the screen; the lab asks, draws and records.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..engine.experiments.scenario import Scenario
from ..engine.experiments.session import Moment, Preemption
from ..engine.experiments.stackview import StackRow, StackView
from ..engine.experiments.sweep import Point, sweep
from ..engine.runtime.outcome import Outcome
from ..engine.runtime.unwind import Trigger
from ..engine.toolchain.program import Function
from .commands import parse_do


class Kind(enum.Enum):
    """What the learner predicts, and so how they answer."""

    SLOT = "slot"
    """Pick a row of the stack panel: the slot read as the return address."""
    LINE = "line"
    """Pick a line of the disassembly: where preempting and walking crashes."""
    RSP = "rsp"
    """Type a value: RSP after the step."""
    OUTCOME = "outcome"
    """Press one of a few keys: how the preemption ends."""


KINDS = tuple(k.value for k in Kind)

#: The choices of an outcome question, by what the step does last: a bare SIGURG parks or is refused;
#: a walk crashes, ends clean or never starts; a panic or a stack copy may not see the goroutine at all.
_WALK_CHOICES = (Outcome.CRASH, Outcome.CLEAN, Outcome.REFUSED)
_BLIND_WALKERS = (Trigger.PANIC, Trigger.COPY)
_PREEMPT_CHOICES = (Outcome.PARKED, Outcome.REFUSED)

#: How a choice is offered (a key's description): a person's words for the outcome.
CHOICE_WORDS = {Outcome.CRASH: "crash", Outcome.CLEAN: "clean", Outcome.REFUSED: "refused",
                Outcome.PARKED: "preempted", Outcome.CANNOT_SEE: "cannot see"}


class BadValue(ValueError):
    """A typed value that is not a number (the message says how to write one)."""


@dataclass(frozen=True)
class Question:
    """One prediction as the lab asks it."""

    kind: Kind
    text: str
    """The question, as the learner reads it."""
    choices: tuple[Outcome, ...] = ()
    """For an outcome question, the keys offered, in order (1, 2, 3 ...)."""
    trigger: Trigger | None = None
    """For a line question, the walker whose crash is predicted."""


@dataclass(frozen=True)
class Answer:
    """What the engine says, after the step ran."""

    kind: Kind
    value: int | Outcome | None
    """The slot's address, RSP, the outcome; for a line, the first crashing PC (None: the unwinder read
    no slot, or no instruction crashes)."""
    text: str
    """The answer as the lab shows it."""
    why: str
    """One sentence, from the engine's values."""
    crashes: tuple[int, ...] = ()
    """For a line: every PC where this walk crashes, in address order."""
    points: tuple[Point, ...] = ()
    """For a line: the sweep's verdict at every instruction (the why at a wrong guess)."""


@dataclass(frozen=True)
class Judgement:
    """The guess beside the answer."""

    right: bool
    guess: str
    """The guess as the lab shows it."""
    answer: str
    distance: str | None
    """How far off, in bytes or instructions (None when right, or when there is no distance)."""
    why: str


Guess = int | Outcome
"""A slot's address, a line's PC, a value of RSP, or an outcome."""


# --- the question a lesson's block or a lab key asks ---


def lesson_question(kind: Kind, text: str, do: Sequence[str]) -> Question:
    """The question of a ``## Predict:`` block, asked before the step whose ``- do:`` lines are ``do``.

    An outcome question offers the outcomes the step's last preemption can have; a line question
    predicts the crash of the step's last walker.
    """
    last = _last_preemption(do)
    if kind is Kind.OUTCOME:
        return Question(kind, text, outcome_choices(last))
    if kind is Kind.LINE:
        return Question(kind, text, trigger=last)
    return Question(kind, text)


def outcome_choices(trigger: Trigger | None) -> tuple[Outcome, ...]:
    """The outcomes offered for a bare SIGURG (None) or a walk by ``trigger``."""
    if trigger is None:
        return _PREEMPT_CHOICES
    return _WALK_CHOICES + ((Outcome.CANNOT_SEE,) if trigger in _BLIND_WALKERS else ())


def _last_preemption(do: Sequence[str]) -> Trigger | None:
    """The trigger of the step's last ``unwind`` after its last ``preempt``, None for a bare ``preempt``."""
    last: Trigger | None = None
    for command in do:
        c = parse_do(command)
        if c.verb == "preempt":
            last = None
        elif c.verb == "unwind":
            last = Trigger(str(c.arg))
    return last


def step_question(insn_go: str) -> Question:
    """The lab's question before ``s`` runs an instruction that writes RSP."""
    return Question(Kind.RSP, f"What will RSP be after {insn_go}?")


def preempt_question(insn_go: str, trigger: Trigger | None) -> Question:
    """The lab's question before ``p`` (``trigger`` None) or a walk key acts at ``insn_go``."""
    if trigger is None:
        return Question(Kind.OUTCOME, f"SIGURG at {insn_go}: will the runtime preempt here?",
                        outcome_choices(None))
    words = " or ".join(CHOICE_WORDS[o] for o in outcome_choices(trigger))
    return Question(Kind.OUTCOME, f"Preempt at {insn_go}, then a {trigger.label}: {words}?",
                    outcome_choices(trigger))


# --- reading a typed value ---

_DECIMAL = re.compile(r"[0-9][0-9_,]*")
_HEX = re.compile(r"0[xX][0-9a-fA-F][0-9a-fA-F_]*")


def parse_value(text: str) -> int:
    """A typed value of RSP: ``0x40000bdf20`` or decimal (``_`` and ``,`` group digits).

    Raises:
        BadValue: anything else, with how to write it.
    """
    t = text.strip()
    if _HEX.fullmatch(t):
        value = int(t[2:].replace("_", ""), 16)
    elif _DECIMAL.fullmatch(t) and not t.endswith((",", "_")):
        value = int(t.replace("_", "").replace(",", ""))
    elif t and all(c in "0123456789abcdefABCDEF_" for c in t):
        raise BadValue(f"{t[:24]!r}: write hex with 0x (0x{t[:20]}), or a decimal number")
    else:
        raise BadValue(f"{t[:24]!r} is not a number: 0x40000bdf20 (hex) or 274878684960 (decimal)"
                          if t else "type a value: 0x40000bdf20 (hex) or 274878684960 (decimal)")
    if value >= 1 << 64:
        raise BadValue(f"{t[:24]}: larger than a 64-bit register")
    return value


# --- the engine's answers ---


def answer_rsp(before: Moment, after: Moment) -> Answer:
    """RSP once the step ran, and what moved it (the instruction run, the pcsp table's view)."""
    sp0, sp1 = before.snapshot.sp, after.snapshot.sp
    insn = before.instruction
    what = insn.go if insn is not None and after.snapshot.step == before.snapshot.step + 1 else \
        f"{after.snapshot.step - before.snapshot.step:,} instructions"
    if sp1 == sp0:
        why = f"{what} left RSP at {sp0:#x}"
    else:
        way = "up" if sp1 > sp0 else "down"
        why = f"{what} moved RSP {way} {abs(sp1 - sp0):,} B, from {sp0:#x} to {sp1:#x}"
    if after.sp_mid_frame:
        why += (f"; it now points {after.sp_skew:,} B into a frame the pcsp table still counts whole, "
                "so an unwinder stopped here starts from the wrong SP")
    return Answer(Kind.RSP, sp1, f"{sp1:#x}", why + ".")


def answer_outcome(preemption: Preemption | None) -> Answer:
    """How the step's last preemption ended, in the walk's or the verdict's own sentence."""
    if preemption is None:
        return Answer(Kind.OUTCOME, None, "nothing", "The step neither preempted nor walked the stack.")
    outcome, v = preemption.outcome, preemption.verdict
    if preemption.walk is not None and outcome is not Outcome.REFUSED:
        why = first_sentence(preemption.walk.reason)
    elif outcome is Outcome.PARKED:
        why = (f"isAsyncSafePoint allows it ({v.why}, UnsafePoint {v.unsafe_point}): pushCall injects "
               "asyncPreempt and the goroutine parks")
    else:
        why = v.why
    return Answer(Kind.OUTCOME, outcome, CHOICE_WORDS.get(outcome, outcome.value), _sentence(why))


def answer_slot(preemption: Preemption | None, target: str) -> Answer:
    """The slot the walk read as ``target``'s return address, and what the walk did to get there."""
    step = None
    if preemption is not None and preemption.walk is not None:
        step = next((s for s in preemption.walk.steps if s.function == target), None)
    if preemption is None or step is None or step.slot is None:
        said = _clause(answer_outcome(preemption).why)
        return Answer(Kind.SLOT, None, "no slot",
                      f"The unwinder never read {target}'s return address: {said}.")
    view = preemption.stack
    read, real = _row_at(view, step.slot), _row_at(view, view.real_slot)
    value = "?" if step.value is None else f"{step.value:#x}"
    why = (f"The walk took frame.sp = {step.sp:#x} at {target} (spdelta {step.spdelta:,}) and read its "
           f"return address at *(frame.sp): {_meaning(read)}, holding {value}")
    if view.distance:
        real_value = "?" if real is None or real.value is None else f"{real.value:#x}"
        why += (f"; the real one, {real_value}, is {abs(view.distance):,} B "
                f"{'lower' if view.distance > 0 else 'higher'}, at {view.real_slot:#x} ({_meaning(real)})")
    else:
        why += ", the real return address"
    return Answer(Kind.SLOT, step.slot, f"{step.slot:#x} {_meaning(read)}", why + ".")


def answer_line(points: Sequence[Point], function: Function, trigger: Trigger) -> Answer:
    """Where preempting then walking with ``trigger`` crashes (a sweep's points, in address order)."""
    crashes = tuple(p.pc for p in points if p.outcome is Outcome.CRASH)
    if not crashes:
        return Answer(Kind.LINE, None, "no instruction",
                      f"a {trigger.label} crashes at no instruction of {function.name}.", (), tuple(points))
    first = next(p for p in points if p.outcome is Outcome.CRASH)
    more = f" (and {len(crashes) - 1} more)" if len(crashes) > 1 else ""
    why = f"Preempted at +{first.offset:#06x} {first.go}, the {trigger.label} crashes: {_clause(first.why)}."
    return Answer(Kind.LINE, first.pc, f"+{first.offset:#06x} {first.go}{more}", why, crashes, tuple(points))


def stack_shown(moment: Moment, preemption: Preemption | None) -> StackView:
    """The stack the lab draws at ``moment``: the parked goroutine's when it was preempted there."""
    return preemption.stack if preemption is not None and preemption.parked else moment.stack


def answer(question: Question, before: Moment, after: Moment, preemption: Preemption | None,
           scenario: Scenario, function: Function) -> Answer:
    """The engine's answer to ``question`` once the step ran from ``before`` to ``after``.

    Args:
        preemption: The step's last preemption (None if it took none).
        scenario: The lab's scenario (a line question sweeps it with the question's walker).
        function: The stepped function.
    """
    if question.kind is Kind.RSP:
        return answer_rsp(before, after)
    if question.kind is Kind.OUTCOME:
        return answer_outcome(preemption)
    if question.kind is Kind.SLOT:
        return answer_slot(preemption, function.name)
    trigger = question.trigger or Trigger.GC
    return answer_line(sweep(replace(scenario, unwind=trigger, step=None)), function, trigger)


def problem(question: Question, before: Moment, shown: StackView, after: Moment, found: Answer) -> str | None:
    """Why a lesson's prediction cannot be answered in the lab (None when it can): ``lessons --check``.

    Args:
        before: The moment the question is asked at; ``shown`` the stack drawn then.
        after: The moment after the step; ``found`` the engine's answer.
    """
    if question.kind is Kind.RSP:
        if after.snapshot.step == before.snapshot.step:
            return "the step after it runs no instruction, so there is no RSP to predict"
        return None
    if question.kind is Kind.OUTCOME:
        if found.value is None:
            return "the step after it neither preempts nor unwinds (- do: preempt or unwind TRIGGER)"
        if found.value not in question.choices:
            return f"its outcome, {found.text}, is not one of the keys offered"
        return None
    if question.kind is Kind.SLOT:
        if found.value is None:
            return f"the step after it reads no return address: {found.why}"
        assert isinstance(found.value, int)
        if not any(r.addr == found.value and not r.folded for r in shown.rows):
            return (f"the slot the walk reads, {found.value:#x}, is not a row of the stack drawn before the "
                    "step, so it cannot be picked")
        return None
    if question.trigger is None:
        return "a line prediction needs a step that unwinds (- do: unwind TRIGGER)"
    if not found.crashes:
        return f"{found.why.rstrip('.')}: nothing to predict"
    return None


# --- the guess beside the answer ---


def judge(question: Question, guess: Guess, answer: Answer, *, rows: Sequence[StackRow] = ()) -> Judgement:
    """Compare ``guess`` with the engine's ``answer``.

    Args:
        question: What was asked.
        guess: The learner's answer.
        answer: The engine's, after the step ran.
        rows: For a slot, the stack rows the learner picked from (to say what the picked slot held).
    """
    if question.kind is Kind.OUTCOME:
        assert isinstance(guess, Outcome)
        return Judgement(guess is answer.value, CHOICE_WORDS.get(guess, guess.value), answer.text, None,
                         answer.why)
    assert isinstance(guess, int)
    if question.kind is Kind.SLOT:
        picked = next((r for r in rows if r.addr == guess and not r.folded), None)
        shown = f"{guess:#x} {_meaning(picked)}" if picked is not None else f"{guess:#x}"
        return _by_distance(shown, guess, answer, "B", ("above", "below"))
    if question.kind is Kind.RSP:
        return _by_distance(f"{guess:#x}", guess, answer, "B", ("above", "below"))
    return _judge_line(guess, answer)


def _by_distance(shown: str, guess: int, answer: Answer, unit: str, words: tuple[str, str]) -> Judgement:
    if not isinstance(answer.value, int):
        return Judgement(False, shown, answer.text, None, answer.why)
    d = guess - answer.value
    distance = None if d == 0 else f"{abs(d):,} {unit} {words[0] if d > 0 else words[1]} the answer"
    return Judgement(d == 0, shown, answer.text, distance, answer.why)


def _judge_line(pc: int, answer: Answer) -> Judgement:
    points = answer.points
    index = {p.pc: k for k, p in enumerate(points)}
    here = points[index[pc]] if pc in index else None
    shown = f"+{here.offset:#06x} {here.go}" if here is not None else f"{pc:#x}"
    if pc in answer.crashes:
        return Judgement(True, shown, answer.text, None, answer.why)
    if not answer.crashes or here is None:
        return Judgement(False, shown, answer.text, None, answer.why)
    nearest = min(answer.crashes, key=lambda c: abs(index[c] - index[pc]))
    d = index[pc] - index[nearest]
    unit = "instruction" if abs(d) == 1 else "instructions"
    distance = f"{abs(d)} {unit} {'after' if d > 0 else 'before'} the answer"
    said = {Outcome.REFUSED: "the runtime refuses to preempt", Outcome.CLEAN: "the walk ends clean",
            Outcome.CANNOT_SEE: "the walker cannot see the goroutine",
            Outcome.NOT_REACHED: "the run never gets there"}.get(here.outcome, here.outcome.value)
    crash = next(p for p in points if p.pc == nearest)
    why = (f"At +{here.offset:#06x} {said} ({_clause(here.why)}); at +{crash.offset:#06x} "
           f"{_clause(crash.why)}.")
    return Judgement(False, shown, answer.text, distance, why)


# --- wording ---


def _row_at(view: StackView, address: int) -> StackRow | None:
    return next((r for r in view.rows if r.addr <= address < r.addr + r.size), None)


def _meaning(row: StackRow | None) -> str:
    return "?" if row is None else row.meaning


def first_sentence(text: str) -> str:
    """The first sentence of the engine's explanation (a walk's reason may go on with details)."""
    m = re.search(r"(?<!e\.g)(?<!i\.e)[.!?](?=\s)", text)
    return text[: m.end()] if m else text.strip()


def _clause(text: str) -> str:
    """A sentence to go inside another: its first sentence, final full stop dropped, a capital lowered
    unless the word is a name (``SP``, ``R27``, ``GOARCH``)."""
    t = first_sentence(text).strip().rstrip(".")
    if len(t) > 1 and t[0].isupper() and t[1].islower() and not _is_name(t):
        t = t[0].lower() + t[1:]
    return t


def _is_name(text: str) -> bool:
    """The first word is a name from the code, spelt as it is (``isAsyncSafePoint``, ``isShrinkStackSafe``,
    ``frame.sp``): a capital inside it, a digit, a dot or an underscore."""
    word = text.split(maxsplit=1)[0] if text.split() else ""
    return any(c.isupper() or c.isdigit() or c in "._" for c in word[1:].rstrip(".,:;"))


def _sentence(text: str) -> str:
    """``text`` as a sentence: a capital first (a name from the code is left as it is spelt), a full stop
    last."""
    t = text.strip()
    if not _is_name(t):
        t = t[:1].upper() + t[1:]
    return t if t.endswith((".", "!", "?")) else t + "."
