"""``{{beat NAME [after]}}``: numbers of the beat on screen, read from its own sessions.

A caption says what the room is looking at: the PC the beat stopped at, the
slot the unwinder read, the value it found. The lessons' facts
(``course.facts``) answer questions about any scenario; these answer them about
the beat's moment, so a caption cannot drift from the panes under it. ``after``
reads the right side of a split beat (after the fix). Every other ``{{...}}``
goes to the lessons' facts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..course import facts
from ..engine.experiments.session import Preemption, Session
from ..engine.runtime.unwind import UnwindStep


class _Side(Protocol):
    session: Session
    preemption: Preemption | None


def _need(side: _Side) -> Preemption:
    if side.preemption is None:
        raise facts.FactError("the beat has no action: add action = \"preempt\" or \"unwind gc\"")
    return side.preemption


def _big_stack_step(side: _Side) -> UnwindStep:
    walk = _need(side).walk
    if walk is None:
        raise facts.FactError("no stack walk at this beat: the action must be unwind ... and not refused")
    step = next((s for s in walk.steps if s.function == side.session.function.name), None)
    if step is None:
        raise facts.FactError(f"the walk never reached {side.session.function.name}")
    return step


def _instruction(side: _Side) -> str:
    insn = side.session.current.instruction
    if insn is None:
        raise facts.FactError(f"the PC is in {side.session.current.function}, not main.big_stack")
    return insn.go


def _said(side: _Side) -> str:
    p = _need(side)
    if p.walk is not None and p.walk.output:
        return p.walk.output[-1]
    return p.verdict.why if not p.verdict.preemptible else "nothing: the walk was clean"


def _distance(side: _Side) -> str:
    d = _need(side).stack.distance
    if d is None:
        raise facts.FactError("no slot was read as the return address at this beat")
    return f"{abs(d):,} bytes {'above' if d > 0 else 'below'}"


def _hex(value: int | None) -> str:
    return "?" if value is None else f"{value:#x}"


#: name -> what it says about one side.
FACTS: dict[str, Callable[[_Side], str]] = {
    "go": lambda s: f"go{s.session.scenario.version}",
    "frame": lambda s: f"{s.session.scenario.size:,}",
    "pc": lambda s: f"{s.session.current.snapshot.pc:#x}",
    "offset": lambda s: f"+{s.session.current.snapshot.pc - s.session.function.entry:#x}",
    "instruction": _instruction,
    "step": lambda s: f"{s.session.current.snapshot.step:,}",
    "sp": lambda s: f"{s.session.current.snapshot.sp:#x}",
    "held": lambda s: f"{s.session.trace[0].snapshot.sp - s.session.current.snapshot.sp:,}",
    # Between the writes to RSP of a split release: what the first gave back (0 elsewhere).
    "released": lambda s: f"{s.session.current.sp_skew:,}",
    "verdict": lambda s: _need(s).verdict.why,
    "outcome": lambda s: _need(s).outcome.value,
    "said": _said,
    "slot": lambda s: _hex(_big_stack_step(s).slot),
    "value": lambda s: _hex(_big_stack_step(s).value),
    "spdelta": lambda s: f"{_big_stack_step(s).spdelta:,}",
    "distance": _distance,
    "why": lambda s: (_need(s).walk.reason if _need(s).walk else _need(s).verdict.why),  # type: ignore[union-attr]
}


def evaluate(expression: str, sides: Sequence[_Side]) -> str:
    """One fact, written without its braces: ``beat NAME [after]`` here, anything else a lesson fact.

    Raises:
        facts.FactError: unknown name, no such side, or the beat lacks what the fact reads.
    """
    words = expression.split()
    if not words or words[0] != "beat":
        return facts.evaluate(expression)
    if len(words) not in (2, 3) or (len(words) == 3 and words[2] != "after"):
        raise facts.FactError(f"{{{{{expression.strip()}}}}}: beat takes NAME [after]: one of "
                              f"{', '.join(FACTS)}")
    name = words[1]
    if name not in FACTS:
        raise facts.FactError(f"{{{{{expression.strip()}}}}}: unknown beat fact {name!r}: one of "
                              f"{', '.join(FACTS)}")
    if not sides:
        return ""  # the beat does not play (reported at its own key): nothing to read the fact from
    if len(words) == 3 and len(sides) < 2:
        raise facts.FactError(f"{{{{{expression.strip()}}}}}: 'after' needs a split beat "
                              "(add \"split\" to panes)")
    try:
        return FACTS[name](sides[1] if len(words) == 3 else sides[0])
    except facts.FactError as err:
        raise facts.FactError(f"{{{{{expression.strip()}}}}}: {err}") from None


def render(text: str, sides: Sequence[_Side]) -> str:
    """``text`` with every fact replaced.

    Raises:
        facts.FactError: the first fact that cannot be computed, or a ``{{`` never closed.
    """
    out = facts.FACT.sub(lambda m: evaluate(m.group(1), sides), text)
    if "{{" in facts.FACT.sub("", text):
        raise facts.FactError("'{{' without its closing '}}'")
    return out


def problems(text: str, sides: Sequence[_Side]) -> list[tuple[int, facts.FactError]]:
    """Every fact in ``text`` that cannot be computed, with its offset (for line numbers)."""
    found: list[tuple[int, facts.FactError]] = []
    for m in facts.FACT.finditer(text):
        try:
            evaluate(m.group(1), sides)
        except facts.FactError as err:
            found.append((m.start(), err))
    rest = facts.FACT.sub(lambda m: " " * len(m.group(0)), text)
    if "{{" in rest:
        found.append((rest.index("{{"), facts.FactError("'{{' without its closing '}}'")))
    return found
