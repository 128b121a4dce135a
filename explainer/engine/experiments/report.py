"""One step as JSON: the shape ``explainer run --json`` prints and the lab exports.

A course grades or diffs these files, so the CLI and the lab must not drift:
both build the report here, from engine values only. The shape::

    {"scenario", "go", "function", "entry", "frame_size", "outcome", "why", "output",
     "snapshot": {"pc", "regs", "stack": [{"addr", "value", "meaning"}]},
     "unwind": [{"function", "pc", "sp", "fp", "slot", "value", "verdict"}],
     "preemption": {"preemptible", "reason"} or null}

``snapshot.pc`` is an offset from ``entry``, the address of ``function`` (main.big_stack, or the
function opened from a binary); every other number is absolute, addresses included. ``go`` is the
release modelled, ``frame_size`` the function's frame as its pcsp table records it (its largest SP
delta). Each unwind step says what the unwinder read and from where: the word ``value`` at ``slot``
(on arm64 the return address comes from ``*(frame.sp)``) for the frame of ``function`` at ``pc``.
A word read from a register or memory can be any 64-bit value, past what a JSON reader that keeps
numbers as doubles (jq, JavaScript) holds exactly (2**53): ``regs_hex`` and each ``value_hex`` give
the same words as hex strings (``0xe8e8e8e8e8e8e8e8`` read back as 16782920098433788000 by jq 1.6).
``outcome`` is an :class:`Outcome`'s value when SIGURG was sent: ``crash``,
``clean`` or ``cannot-see`` after an unwind, ``refused`` when the runtime would
not preempt, ``parked`` when it preempted and nothing unwound yet; for a lab step
where no SIGURG was sent, ``running`` (or the kind of event that stopped the CPU
there: ``returned``, ``fault``, ``stub``, ``limit``). ``preemption`` is
isAsyncSafePoint's verdict (``reason`` a :class:`Reason` value), null with no SIGURG.
``why`` is :func:`sentence`, the line ``explainer run`` prints on stderr: where the signal
landed, what the runtime decided and by which rule, and how the walk ended (null with no SIGURG).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..emulator.machine import REG_NAMES, Snapshot
from ..runtime.outcome import Outcome
from ..runtime.preempt import Verdict
from ..runtime.unwind import Walk
from ..toolchain.program import Function
from .experiment import Result, resolve_point, start
from .scenario import ANCHORS, Scenario
from .session import Preemption, Session
from .stackview import StackView

#: Anchor names in the order a PC is named by: sp2 first, the default a printed scenario leaves out.
_NAMING_ORDER = ("sp2", "sp1", "ret", "epilogue", "body", "entry")


def where(function: Function, pc: int, how: str = "") -> str:
    """``+0xc0 (ADD $(16<<12), RSP, RSP)``: a PC as an offset from the entry, with its instruction."""
    insn = function.at(pc)
    return f"+{pc - function.entry:#x}{how}" + (f" ({insn.go})" if insn is not None else "")


def sentence(point: str, outcome: Outcome, verdict: Verdict, walk: Walk | None) -> str:
    """What happened at ``point`` (:func:`where`), in one line, from the engine's values.

    The signal and where it landed; isAsyncSafePoint's decision (a refusal names its rule, a
    :class:`~explainer.engine.runtime.safepoint.Reason` value); then who walked the stack and how the
    walk ended, with the walk's own reason. Never parsed: JSON carries ``outcome`` and
    ``preemption.reason`` for programs.
    """
    if walk is not None and walk.trigger.interrupts:  # SIGPROF: no SIGURG, no safe point asked
        head = f"SIGPROF at {point} (a {walk.trigger.label}'s signal: no preemption is asked)"
    elif outcome is Outcome.REFUSED:
        return f"SIGURG at {point}: refused ({verdict.reason.value}): {verdict.why}"
    else:
        head = f"SIGURG at {point}: preempted ({verdict.why})"
    if walk is None:
        return f"{head}; parked: no one has walked its stack yet"
    label = walk.trigger.label
    ended = {Outcome.CLEAN: f"the {label} walked it clean",
             Outcome.CRASH: f"the {label} crashed ({walk.error or 'crash'})",
             Outcome.CANNOT_SEE: f"the {label} cannot see it"}[walk.outcome]
    return f"{head}; {ended}: {walk.reason[:1].lower()}{walk.reason[1:]}"


def step_report(scenario: Scenario, function: Function, outcome: str, snapshot: Snapshot,
                stack: StackView, walk: Walk | None, verdict: Verdict | None,
                why: str | None = None) -> dict[str, Any]:
    """The report of one step, as a dict ready for :func:`dumps`: the stack's words (folds left out),
    each row's marks written into its meaning."""
    entry = function.entry
    return {
        "scenario": str(scenario), "go": str(scenario.version), "function": function.name, "entry": entry,
        "frame_size": max((i.spdelta for i in function.instructions), default=0),
        "outcome": outcome, "why": why, "output": list(walk.output if walk else ()),
        "snapshot": {"pc": snapshot.pc - entry,
                     "regs": dict(zip(REG_NAMES, snapshot.regs, strict=True)),
                     "regs_hex": {n: hex(v) for n, v in zip(REG_NAMES, snapshot.regs, strict=True)},
                     "stack": [{"addr": r.addr, "value": r.value or 0, "value_hex": hex(r.value or 0),
                                "meaning": r.meaning + "".join(f" <- {k}" for k in r.marks)}
                               for r in stack.rows if not r.folded]},
        "unwind": [{"function": u.function, "pc": u.pc, "sp": u.sp, "fp": u.fp, "slot": u.slot,
                    "value": u.value, "value_hex": None if u.value is None else hex(u.value),
                    "verdict": u.verdict} for u in (walk.steps if walk else ())],
        "preemption": None if verdict is None else {"preemptible": verdict.preemptible,
                                                    "reason": verdict.reason.value},
    }


def of_result(r: Result) -> dict[str, Any]:
    """The report of ``explainer run``: the scenario at its preemption point."""
    return step_report(r.scenario, r.function, r.outcome.value, r.snapshot, r.stack, r.walk, r.verdict,
                       sentence(where(r.function, r.snapshot.pc), r.outcome, r.verdict, r.walk))


def of_session(session: Session, preemption: Preemption | None) -> dict[str, Any]:
    """The report of the lab's current step, with the preemption (and unwind) taken there, if any.

    The scenario names this step so ``explainer run`` reproduces it: ``at=`` is the
    PC (an anchor name when it has one), ``unwind=`` the walker used, and ``step=N``
    is added only when the cursor is not the PC's first visit (``run`` preempts at
    the first visit; ``step=`` opens the lab on exactly this step).
    """
    moment = session.current
    snap = moment.snapshot
    if preemption is not None and preemption.at.snapshot.step != snap.step:
        raise ValueError("the preemption was taken at another step")
    s = replace(session.scenario, step=None)
    if preemption is not None and preemption.trigger is not None:
        s = replace(s, unwind=preemption.trigger)
    at = _point_name(session, snap.pc)
    if at is None:
        s = replace(s, step=snap.step)
    else:
        s = replace(s, at=at)
        if _first_visit(session, at) != snap.step:
            s = replace(s, step=snap.step)
    stack = preemption.stack if preemption is not None else moment.stack
    walk = preemption.walk if preemption is not None else None
    verdict = preemption.verdict if preemption is not None else None
    why = None if preemption is None else sentence(where(session.function, snap.pc), preemption.outcome,
                                                   preemption.verdict, preemption.walk)
    return step_report(s, session.function, _outcome(snap, preemption), snap, stack, walk, verdict, why)


def dumps(report: dict[str, Any]) -> str:
    """The report as one line of JSON (``explainer run --json`` prints exactly this)."""
    return json.dumps(report)


def _outcome(snap: Snapshot, preemption: Preemption | None) -> str:
    if preemption is None:
        return snap.event.kind if snap.event else "running"
    return preemption.outcome.value


def _point_name(session: Session, pc: int) -> str | None:
    """``sp2`` or another anchor, else ``+0xNN``; None outside main.big_stack."""
    insn = session.function.at(pc)
    if insn is None:
        return None
    named = [a for a in _NAMING_ORDER if a in ANCHORS and session.anchors.get(a) == pc]
    return named[0] if named else f"+{insn.offset:#x}"


def _first_visit(session: Session, at: str) -> int | None:
    """How many instructions ``explainer run`` executes before it preempts at ``at``."""
    m = start(session.scenario, session.program)
    target = resolve_point(session.function, at)
    m.run_until(target)
    return m.step_count if m.pc == target else None
