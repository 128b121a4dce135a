"""Preempt the real runtime at chosen instructions and say, unambiguously, what it did.

One run (``run_once``) is one qemu-aarch64 under one gdb (``gdbrun.Run``) working through a list of
PCs in the order the goroutine reaches them: refused and clean points let the program go on to the
next, a crash ends the run. The gdb script reports each step as an event; this module turns the
events and the guest's own output into one ``Observation`` per point, and calls a run spoiled when
anything is not exactly what was asked (another thread or goroutine, a stray trap, a crash whose
report names another PC, a wait that ran out). ``inject`` retries a spoiled point in a fresh run and
reports how many tries it took; after ``tries`` spoiled runs the answer is ``inconclusive``.

Every wait is bounded (``LIMITS``, per phase of the script, generous against the ~0.3 s a whole
crash takes on a 2-core machine), and every run kills its processes on the way out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..engine.runtime.unwind import Trigger
from . import crashlog
from .gdbrun import Run
from .target import GUEST_ENV, Target

#: Seconds to wait for the next event in each phase of the gdb script (see gdbscripts/inject.py).
LIMITS: Mapping[str, float] = {
    "connect": 30.0,  # gdb started, connected, read DWARF
    "point": 30.0,  # the goroutine reaches a planned PC (the first: the runtime starts up)
    "verdict": 10.0, "went_on": 10.0, "asyncPreempt": 10.0,
    "walk": 30.0,  # the GC loop (or the dumper goroutine) walks the parked stack
    "walked": 30.0,  # the walk returns, or the runtime prints its report and exits
    "ran_on": 10.0, "dump": 10.0,
}
_WHERE = re.compile(r"^\t\S+:\d+(?: \+(0x[0-9a-f]+))?")
#: A run's own bound, whatever its events: this much plus ``PER_POINT`` seconds a point.
RUN_LIMIT = 60.0
PER_POINT = 10.0
DEFAULT_TRIES = 3


class RealOutcome(enum.Enum):
    """What the real runtime did with one preemption request."""

    REFUSED = "refused"
    """isAsyncSafePoint said no: the goroutine went on from where it was."""
    CLEAN = "clean"
    """Preempted; the stack was walked while parked, and no error came of it."""
    CRASH = "crash"
    """Preempted; the walk of the parked stack killed the program."""
    INCONCLUSIVE = "inconclusive"
    """No unambiguous answer within the allowed tries."""


@dataclass(frozen=True)
class Hit:
    """The goroutine at the planned PC, as gdb saw it before the signal."""

    thread: int
    g: int
    goid: int
    sp: int
    lr: int
    fp: int
    stack: tuple[int, int]
    """g.stack: [lo, hi)."""
    stktopsp: int


@dataclass(frozen=True)
class Observation:
    """One point in one run."""

    pc: int
    outcome: RealOutcome
    hit: Hit | None = None
    newpc: int | None = None
    """Where asyncPreempt returns (the PC, or the start of its restartable sequence)."""
    went_on: int | None = None
    """Where the goroutine went on: the PC when refused, newpc after a clean walk."""
    walker: tuple[str, ...] = ()
    """The walk's call chain at runtime.scanstack / runtime.traceback1, innermost first."""
    output: tuple[str, ...] = ()
    """What the runtime printed: its crash report, or the variant's traceback of all goroutines."""
    crash: crashlog.Crash | None = None
    seconds: float = 0.0
    """From the run's start to the answer (to the crash report's first line for a crash)."""
    reason: str = ""
    """Why the try is spoiled (outcome INCONCLUSIVE), in a sentence."""
    status: int | None = None
    """The program's exit status when it ended (negative: the signal that killed it), else None."""


@dataclass(frozen=True)
class RunReport:
    """What one run gave: answers, the point it spoiled (if any), the points it never reached."""

    observations: tuple[Observation, ...]
    spoiled: Observation | None
    unreached: tuple[int, ...]
    unreached_reason: str
    strays: int
    """SIGTRAPs no breakpoint explained (swallowed, never passed to the guest)."""
    seconds: float


@dataclass(frozen=True)
class RealPoint:
    """The real runtime's answer at one PC, after retries."""

    pc: int
    offset: int
    go: str
    outcome: RealOutcome
    tries: int
    """Runs it took (spoiled ones included)."""
    answer: Observation
    spoiled: tuple[str, ...] = ()
    """Why each spoiled try was spoiled."""


@dataclass
class _Current:
    pc: int
    hit: Hit
    verdict: bool | None = None
    newpc: int | None = None
    walker: tuple[str, ...] = ()
    walked: bool = False


def _hit(ev: Mapping[str, Any]) -> Hit:
    lo, hi = ev["stack"]
    return Hit(ev["thread"], ev["g"], ev["goid"], ev["sp"], ev["lr"], ev["fp"], (lo, hi), ev["stktopsp"])


def run_once(target: Target, pcs: Sequence[int], limits: Mapping[str, float] = LIMITS,
             on_event: Callable[[Mapping[str, Any]], None] | None = None) -> RunReport:
    """One qemu + gdb run over ``pcs`` (each injected at its first visit, in the order reached)."""
    plan = {"points": list(pcs), "addresses": target.addresses, "unwind": target.unwind.value}
    done: list[Observation] = []
    current: _Current | None = None
    todo = list(pcs)
    spoiled_reason = ""
    exited: Mapping[str, Any] | None = None
    strays = 0
    with Run(target.qemu.path, target.gdb.path, target.binary, plan, GUEST_ENV) as run:
        phase, deadline = "connect", run.started + limits["connect"]
        overall = run.started + RUN_LIMIT + PER_POINT * len(pcs)
        while True:
            line = run.next_line(min(deadline, overall))
            if line is None:
                spoiled_reason = (
                    f"no answer within {limits.get(phase, 0):g} s while awaiting {phase}"
                    if deadline <= overall else f"the run took over {overall - run.started:g} s")
                threads = run.threads()
                if threads:
                    spoiled_reason += f" (qemu's threads: {threads})"
                break
            if line.source == "gdb" and line.text is None:
                last = next((t for t in reversed(run.gdb_text) if t.strip()), "no message")
                spoiled_reason = f"gdb ended before the script did: {last}"
                break
            ev = line.event
            if ev is None:
                continue
            if on_event is not None:
                on_event(ev)
            kind = ev["event"]
            if kind == "wait":
                phase = ev["phase"]
                deadline = line.at + limits.get(phase, max(limits.values()))
            elif kind == "hit":
                current = _Current(ev["pc"], _hit(ev))
                todo.remove(ev["pc"])
            elif kind == "verdict" and current is not None:
                current.verdict, current.newpc = bool(ev["ok"]), ev["newpc"]
            elif kind == "walk" and current is not None:
                current.walker = tuple(ev["chain"])
            elif kind == "walked" and current is not None:
                current.walked = True
            elif kind in ("refused", "clean") and current is not None:
                outcome = RealOutcome(kind)
                done.append(Observation(current.pc, outcome, current.hit, current.newpc, ev["went_on"],
                                        current.walker, seconds=line.at - run.started))
                current = None
            elif kind == "stray":
                strays += 1
            elif kind == "exited":
                exited = ev
            elif kind == "ended":
                spoiled_reason = f"before a planned instruction was reached, {ev['reason']}"
            elif kind == "spoiled":
                spoiled_reason, strays = ev["reason"], ev.get("strays", strays)
                break
            elif kind == "finished":
                strays = ev.get("strays", strays)
                break
        if exited is not None and current is not None:
            status = run.finish_guest(10.0)
            answer = replace(_ended(target, current, exited, run.guest, run.started, run.guest_times),
                             status=status)
            if answer.outcome is RealOutcome.INCONCLUSIVE:
                spoiled_reason = answer.reason
            else:
                done.append(answer)
                current = None
        seconds = run.elapsed()
    spoiled = None
    if current is not None:
        reason = spoiled_reason or "the run ended mid-point"
        spoiled = Observation(current.pc, RealOutcome.INCONCLUSIVE, current.hit, current.newpc,
                              reason=reason, output=tuple(run.guest))
    # Points still to come were awaited in vain only if the run failed while waiting for them;
    # after a crash or a spoiled point they were simply not tried.
    awaited = current is None and exited is None and spoiled_reason
    return RunReport(tuple(done), spoiled, tuple(todo), spoiled_reason if awaited else "", strays, seconds)


def exit_words(code: object) -> str:
    """``exited with status 2``, or, when gdb has no exit status (its ExitedEvent has no exit_code:
    the guest was ended by a signal, as Go's runtime ends itself after a fatal signal's report),
    ``was ended by a signal``."""
    return f"exited with status {code}" if isinstance(code, int) else "was ended by a signal"


def _ended(target: Target, current: _Current, exited: Mapping[str, Any], guest: Sequence[str],
           started: float, times: Sequence[float]) -> Observation:
    """The program exited after the preemption at ``current``: a crash of its walk, or the dump."""
    output = tuple(guest)
    code = exited.get("code")
    at = next((t for line, t in zip(output, times, strict=False) if crashlog.CRASH_START.match(line)),
              times[-1] if times else started)
    base = Observation(current.pc, RealOutcome.INCONCLUSIVE, current.hit, current.newpc,
                       walker=current.walker, output=output, seconds=at - started)
    if current.newpc is None or not current.walker:
        return replace(base, reason=f"the program {exit_words(code)} before the walk of goroutine 1")
    if target.unwind is Trigger.TRACEBACK and exited.get("during") == "dump":
        if code != 0:
            return replace(base, reason=f"the dumper {exit_words(code)}")
        if not _dump_shows(output, target, current.newpc):
            return replace(base, reason="the traceback does not show goroutine 1 preempted at the PC")
        return replace(base, outcome=RealOutcome.CLEAN, went_on=None)
    crash = crashlog.parse("\n".join(output))
    if crash is None:
        return replace(base, reason=f"the program {exit_words(code)} with no crash report")
    pc = crash.interrupted.pc if crash.interrupted is not None else None
    if pc is not None and pc != current.newpc:
        return replace(base, reason=f"the crash report's goroutine was interrupted at {pc:#x}, "
                                    f"not at {current.newpc:#x}: another preemption crashed")
    return replace(base, outcome=RealOutcome.CRASH, crash=crash)


def _dump_shows(output: Sequence[str], target: Target, newpc: int) -> bool:
    """Goroutine 1's block in ``runtime.Stack``'s text has main.big_stack at newpc first.

    Go prints ``\tfile:line +0xOFF`` under a frame, leaving ``+0x0`` out at the entry
    (traceback.go: ``if pc > f.entry() { print(" +", hex(pc-f.entry())) }``).
    """
    text = "\n".join(output)
    block = text.partition("goroutine 1 [")[2].partition("\n\n")[0].splitlines()[1:]
    if len(block) < 2 or not block[0].startswith("main.big_stack("):
        return False
    m = _WHERE.match(block[1])
    offset = int(m.group(1), 16) if m and m.group(1) else 0
    return m is not None and offset == newpc - target.function.entry


def inject(target: Target, pc: int, tries: int = DEFAULT_TRIES,
           on_try: Callable[[int, RunReport], None] | None = None,
           on_event: Callable[[Mapping[str, Any]], None] | None = None,
           limits: Mapping[str, float] = LIMITS) -> RealPoint:
    """Preempt at ``pc`` until one run gives an unambiguous answer, at most ``tries`` runs."""
    reasons: list[str] = []
    insn = target.function.at(pc)
    assert insn is not None
    last: Observation | None = None
    for n in range(1, tries + 1):
        report = run_once(target, [pc], limits, on_event)
        if on_try is not None:
            on_try(n, report)
        if report.observations:
            return RealPoint(pc, insn.offset, insn.go, report.observations[0].outcome, n,
                             report.observations[0], tuple(reasons))
        last = report.spoiled or Observation(pc, RealOutcome.INCONCLUSIVE, reason=report.unreached_reason)
        reasons.append(last.reason or report.unreached_reason or "no answer")
    assert last is not None
    return RealPoint(pc, insn.offset, insn.go, RealOutcome.INCONCLUSIVE, tries, last, tuple(reasons))

