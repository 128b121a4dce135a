"""The engine's answer for the same point, to set beside the real runtime's.

The engine models the reproducer from the release, the frame size and the shape (``explainer sweep``,
``explainer run``); it never reads the real binary. This module builds that scenario from what the
binary says (its Go release, main.big_stack's frame size and whether it is a leaf), checks that the
model's function is the real one instruction by instruction, and compares answers:

- the outcome: the engine's ``refused`` / ``clean`` / ``crash`` (``explainer sweep``'s
  ``not-preemptible`` / ``safe`` / ``unsafe``) against the real one;
- the numbers of a crash: ``explainer run SCENARIO --stack LO-HI`` with the stack bounds the real
  run had (read from ``g.stack`` at the stop) must print the real report's own lines. The one
  allowed difference is ``m=`` in a SIGSEGV's ``PC=`` line: which M's thread takes the fault varies
  from run to run, and the engine prints a fixed one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine.errors import ExplainerError
from ..engine.reproducer import Buffer
from ..engine.scenario import Scenario
from ..engine.versions import GoVersion
from .inject import RealOutcome, RealPoint
from .program import Shape
from .target import Target

#: ``explainer sweep``'s words for the three outcomes.
SWEEP_WORDS = {"not-preemptible": RealOutcome.REFUSED, "safe": RealOutcome.CLEAN, "unsafe": RealOutcome.CRASH}
#: ``explainer run``'s.
RUN_WORDS = {"refused": RealOutcome.REFUSED, "clean": RealOutcome.CLEAN, "crash": RealOutcome.CRASH}
_M_FIELD = re.compile(r" m=\d+ ")
_PC_FIELD = re.compile(r"PC=(0x[0-9a-f]+)")


@dataclass(frozen=True)
class EngineAnswer:
    """What the engine says at one point."""

    outcome: RealOutcome
    reason: str
    output: tuple[str, ...]
    scenario: str
    """The scenario line that gives this answer (``explainer run`` takes it)."""


@dataclass(frozen=True)
class LineCheck:
    """One line the engine prints for a crash, and the real report's line it must equal."""

    engine: str
    real: str | None
    equal: bool
    note: str = ""


def scenario(target: Target, at: str = "sp2", stack: tuple[int, int] | None = None) -> Scenario:
    """The engine's scenario for this reproducer.

    Raises:
        ExplainerError: the engine does not model this release.
    """
    version = GoVersion.parse(target.release.go)
    buffer = Buffer.CLOUDFLARE if target.shape is Shape.CLOUDFLARE else Buffer.FAST
    s = Scenario(version, target.frame_size, target.leaf, buffer, at=at, unwind=target.unwind)
    return s.with_stack(f"{stack[0]:#x}-{stack[1]:#x}") if stack else s


def instruction_mismatches(target: Target) -> list[tuple[int, str, str]]:
    """(offset, real, model) wherever the engine's main.big_stack differs from the binary's."""
    from ..engine.experiment import program_for

    model = {i.offset: i.go for i in program_for(scenario(target)).target.instructions}
    real = {p.offset: p.go for p in target.points}
    return [(off, real.get(off, "-"), model.get(off, "-")) for off in sorted(set(model) | set(real))
            if real.get(off) != model.get(off)]


def engine_sweep(target: Target) -> dict[int, EngineAnswer]:
    """``explainer sweep`` for this reproducer, by offset."""
    from ..engine.sweep import sweep

    s = scenario(target)
    return {p.offset: EngineAnswer(SWEEP_WORDS[getattr(p.outcome, "value", p.outcome)], str(p.reason),
                                   tuple(p.message.splitlines()) if p.message else (),
                                   str(scenario(target, f"+{p.offset:#x}")))
            for p in sweep(s)}


def engine_at(target: Target, offset: int, stack: tuple[int, int] | None = None) -> EngineAnswer:
    """``explainer run`` at ``+offset`` (with the real run's stack bounds, when given)."""
    from ..engine.experiment import run

    s = scenario(target, f"+{offset:#x}", stack)
    r = run(s)
    reason = r.walk.reason if r.walk is not None else r.verdict.reason
    outcome = RUN_WORDS[getattr(r.outcome, "value", r.outcome)]
    return EngineAnswer(outcome, reason, tuple(r.output), str(s))


def stack_of(point: RealPoint) -> tuple[int, int] | None:
    hit = point.answer.hit
    return hit.stack if hit is not None else None


def check_lines(engine: Sequence[str], real: Sequence[str], moved: int = 0) -> list[LineCheck]:
    """Each engine line against the real report: present verbatim, but in ``PC=`` lines for ``m=``
    and for ``moved``, how far this binary's runtime.(*unwinder).next is from the published one's."""
    out = []
    for line in engine:
        if line in real:
            out.append(LineCheck(line, line, True))
            continue
        m = _PC_FIELD.match(line)
        if m:
            here = f"PC={int(m.group(1), 16) + moved:#x}" + line[m.end():]
            twin = next((r for r in real if r.startswith("PC=")), None)
            same = twin is not None and _M_FIELD.sub(" m=? ", here) == _M_FIELD.sub(" m=? ", twin)
            notes = []
            if same and here != twin:
                notes.append("m= is the M whose thread faulted: it varies")
            if same and moved:
                notes.append(f"this binary's runtime.(*unwinder).next is {moved:+#x} from the "
                             "published one's")
            out.append(LineCheck(line, twin, same, "; ".join(notes)))
            continue
        out.append(LineCheck(line, None, False))
    return out


def _moved(target: Target) -> int:
    """How far the real binary's runtime.(*unwinder).next is from the one the engine prints."""
    from ..engine.experiment import fault_pc, program_for
    from ..engine.runtime_data import facts_for

    s = scenario(target)
    published = fault_pc(program_for(s)) - facts_for(s.version).incgo_fault_offset
    return target.addresses["unwinder.next"] - published


def feed_back(target: Target, point: RealPoint) -> tuple[EngineAnswer, list[LineCheck]] | None:
    """For a real crash: the engine at the same point with the real stack, and its lines checked."""
    stack = stack_of(point)
    if point.outcome is not RealOutcome.CRASH or stack is None:
        return None
    try:
        answer = engine_at(target, point.offset, stack)
    except ExplainerError as err:
        return EngineAnswer(RealOutcome.INCONCLUSIVE, str(err), (), ""), []
    return answer, check_lines(answer.output, point.answer.output, _moved(target))
