"""A lesson step played on an engine Session: its ``- do:`` commands, then its ``- expect:`` checks.

The lab's lesson pane and ``explainer lessons --check`` call the same two
functions, so a lesson that checks is a lesson that plays. ``split`` only
changes the lab's layout: the engine has nothing to do for it.
"""

from __future__ import annotations

from functools import lru_cache

from ..engine.errors import ExplainerError
from ..engine.experiments import experiment, sweep
from ..engine.experiments.scenario import Scenario
from ..engine.experiments.session import Preemption, Session
from ..engine.runtime.unwind import Trigger
from .blocks import Step
from .commands import parse_do, parse_expect
from .facts import render


def commands(step: Step) -> tuple[str, ...]:
    """The ``- do:`` commands a step plays: its own, and for a ``- real: POINT WALK`` step the model's
    walk at that moment (``run_to POINT``, ``unwind WALK``), so the lab's unwind panel tells the story the
    real runtime is asked (r), not the step before's walk."""
    if step.real is None:
        return step.do
    at, walk = step.real
    return (*step.do, f"run_to {at}", f"unwind {walk}")


def do(session: Session, command: str) -> Preemption | None:
    """Run one ``- do:`` command on ``session``.

    Args:
        session: The lab's session; its cursor moves (step, back, reset, run_to).
        command: The command as written after ``- do:``.

    Returns:
        The preemption for ``preempt`` and ``unwind``, else None (``split`` is the UI's to do).

    Raises:
        ExplainerError: a bad command, or a ``run_to`` to no instruction or one the run never reaches.
    """
    c = parse_do(command)
    if c.verb in ("step", "back"):
        assert isinstance(c.arg, int)
        for _ in range(c.arg):
            (_step if c.verb == "step" else _back)(session)
    elif c.verb == "reset":
        session.reset()
    elif c.verb == "run_to":
        assert isinstance(c.arg, str)
        _run_to(session, c.arg)
    elif c.verb == "preempt":
        return session.preempt()
    elif c.verb == "unwind":
        assert isinstance(c.arg, str)
        return session.preempt(Trigger(c.arg))
    return None


def expect(session: Session, preemption: Preemption | None, expectation: str) -> str | None:
    """Check one ``- expect:`` line after a step's commands ran.

    Args:
        session: The session the step ran on.
        preemption: What the step's last ``preempt``/``unwind`` returned (None if it had none).
        expectation: The line as written after ``- expect:`` (facts in an ``output`` text are rendered).

    Returns:
        None when it holds, else what was expected and what happened, in one line.
    """
    c = parse_expect(expectation)
    if c.verb == "pc":
        assert isinstance(c.arg, str)
        want, pc = point(session, c.arg), session.current.snapshot.pc
        if pc == want:
            return None
        return f"expected pc {c.arg} ({_where(session, want)}), but the cursor is at {_where(session, pc)}"
    if preemption is None:
        return f"expected {expectation}, but the step neither preempted nor unwound"
    if c.verb == "outcome":
        if preemption.outcome.value == c.arg:
            return None
        why = preemption.walk.reason if preemption.walk else preemption.verdict.why
        return f"expected outcome {c.arg}, but it was {preemption.outcome.value} ({why})"
    text = render(str(c.arg))
    lines = preemption.walk.output if preemption.walk else ()
    if any(text in line for line in lines):
        return None
    printed = " | ".join(lines) if lines else "nothing"
    return f"expected a runtime line containing {text!r}, but the runtime printed {printed}"


def point(session: Session, anchor: str) -> int:
    """An anchor name or ``+0xNN`` as an absolute PC in the session's function.

    Raises:
        ExplainerError: ``+0xNN`` names no instruction of the function.
    """
    if anchor in session.anchors:
        return session.anchors[anchor]
    pc = session.function.entry + int(anchor[1:], 16)
    if session.function.at(pc) is None:
        raise ExplainerError(f"{anchor} is no instruction of {session.function.name} "
                             f"(it has {len(session.function.instructions)}, up to "
                             f"+{session.function.instructions[-1].offset:#x})")
    return pc


def _step(session: Session) -> None:
    """Exactly one instruction forward.

    ``Session.step`` moves to the next *recorded* moment, which after a ``run_to``
    (one moment for the whole run) is many instructions on; a lesson's ``step``
    means one instruction, so a gap is crossed with ``goto``.
    """
    if session.finished:
        return
    here, after = session.current.snapshot.step, session.index + 1
    if after < len(session.trace) and session.trace[after].snapshot.step != here + 1:
        session.goto(here + 1)
    else:
        session.step()


def _back(session: Session) -> None:
    """Exactly one instruction back (``Session.back`` would jump over a ``run_to`` whole)."""
    here, before = session.current.snapshot.step, session.index - 1
    if here == 0:
        return
    if before >= 0 and session.trace[before].snapshot.step == here - 1:
        session.back()
    else:
        session.goto(here - 1)


def _run_to(session: Session, anchor: str) -> None:
    pc = point(session, anchor)
    if pc not in reached(session.scenario):
        insn = session.function.at(pc)
        raise ExplainerError(f"run_to {anchor}: {insn.go if insn else '?'} ({insn.role if insn else '?'}) "
                             "never runs in this scenario")
    moment = session.run_to(pc)
    if moment.snapshot.pc != pc:
        what = moment.snapshot.event.text if moment.snapshot.event else "it stopped before"
        raise ExplainerError(f"run_to {anchor}: not reached ({what})")


@lru_cache(maxsize=32)
def reached(scenario: Scenario) -> frozenset[int]:
    """The PCs of main.big_stack one call executes (first visits; the morestack tail stays out).

    ``Session.run_to`` to a PC never executed would run main.main's loop until its
    safety limit (about 200 million instructions); asking first costs one native run.
    """
    m = experiment.start(scenario)
    fn = m.program.target
    seen: set[int] = set()
    sweep.first_visits(m, fn, m.program.return_address_after("main.main", fn.name), seen.add)
    return frozenset(seen)


def _where(session: Session, pc: int) -> str:
    fn = session.function
    insn = fn.at(pc)
    if insn is None:
        return f"{pc:#x}, outside {fn.name}"
    return f"+{insn.offset:#x} {insn.go}"
