"""A scenario being stepped by a person: a live CPU plus an immutable trace of what it did.

The lab moves a cursor over a :class:`Trace` of moments kept in step order.
Step and step back move exactly one instruction: to a recorded moment when
there is one (indexing, never undoing), otherwise the CPU is brought to the
neighbouring step (natively replayed if needed), runs one instruction, and the
new moment is inserted. ``run_to`` records only where it stops. Preempting is a
what-if taken at the cursor: a fresh machine replays the same number of
instructions natively (unicorn counts them exactly), then pushCall and
asyncPreempt run for real and the chosen trigger unwinds, so the stepped CPU is
never disturbed and the user can step on afterwards.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from ..arm64.asm import Instruction
from ..emulator.machine import Machine, Snapshot
from ..errors import ExplainerError
from ..runtime.outcome import Outcome
from ..runtime.preempt import Parked, Verdict, verdict
from ..runtime.unwind import Trigger, Walk
from ..toolchain.program import Program
from .experiment import anchors, effective_stack, preempt_and_unwind, program_for, stack_view
from .scenario import Scenario
from .stackview import StackView

#: Safety net for "run to": a frame's body never needs more (1 MiB byte loop: ~6 M).
RUN_LIMIT = 200_000_000


@dataclass(frozen=True)
class Moment:
    """The goroutine after ``snapshot.step`` instructions of main.big_stack."""

    snapshot: Snapshot
    stack: StackView
    function: str
    """The function the PC is in."""
    instruction: Instruction | None
    """The instruction about to run, when it is main.big_stack's."""
    sp_skew: int = 0
    """SP minus where the pcsp table puts it at this PC (entry SP − funcspdelta), in bytes.

    Zero wherever the table is right. Non-zero only strictly between the writes to RSP of a split
    release: SP has moved, the table still records the whole frame, and an unwinder stopped here
    computes frame.fp from the wrong SP.
    """

    @property
    def sp_mid_frame(self) -> bool:
        """SP points into the middle of the frame, where the pcsp table says it is not."""
        return self.sp_skew != 0


@dataclass(frozen=True)
class Trace:
    """The moments recorded so far, in order; step back is indexing, never undoing."""

    moments: tuple[Moment, ...]

    def __len__(self) -> int:
        return len(self.moments)

    def __getitem__(self, i: int) -> Moment:
        return self.moments[i]

    def index_of(self, step: int) -> int | None:
        """The index of the moment after ``step`` instructions, if it was recorded."""
        i = bisect_left(self.moments, step, key=lambda m: m.snapshot.step)
        return i if i < len(self.moments) and self.moments[i].snapshot.step == step else None


@dataclass(frozen=True)
class Preemption:
    """What the runtime does when SIGURG lands at a moment, and what an unwind then finds."""

    at: Moment
    verdict: Verdict
    parked: Parked | None
    stack: StackView
    """The stack after pushCall and asyncPreempt (the moment's stack when refused)."""
    trigger: Trigger | None
    walk: Walk | None

    @property
    def outcome(self) -> Outcome:
        """REFUSED, PARKED (no unwind yet), or how the walk ended: CLEAN, CRASH, CANNOT_SEE."""
        if self.walk is not None and self.walk.trigger.interrupts:
            return self.walk.outcome  # SIGPROF, not SIGURG: no safe point is asked
        if not self.verdict.preemptible:
            return Outcome.REFUSED
        if self.walk is None:
            return Outcome.PARKED
        return self.walk.outcome


class Session:
    """One scenario, stepped: ``trace[index]`` is what the user looks at."""

    def __init__(self, scenario: Scenario, program: Program | None = None) -> None:
        """``program`` replaces the scenario's (a function loaded from a real binary)."""
        self.scenario = scenario
        self.program = program or program_for(scenario)
        self.function = self.program.target
        self.anchors = anchors(self.function)
        self.bounds = effective_stack(scenario)
        self._machine = self._fresh()
        self._entry_sp = self._machine.snapshot(None).sp
        self.trace = Trace((self._moment(None),))
        self.index = 0
        if scenario.step:
            self.goto(scenario.step)

    # --- moving the cursor ---

    @property
    def current(self) -> Moment:
        """The moment under the cursor."""
        return self.trace[self.index]

    @property
    def finished(self) -> bool:
        """The CPU stopped (returned, faulted) at the cursor."""
        return self.current.snapshot.event is not None

    def step(self) -> Moment:
        """Exactly one instruction forward (taken from the trace when already recorded)."""
        if self.finished:
            return self.current
        return self.goto(self.current.snapshot.step + 1)

    def back(self) -> Moment:
        """Exactly one instruction back: an earlier snapshot, replayed if it was never recorded."""
        return self.goto(max(0, self.current.snapshot.step - 1))

    def reset(self) -> Moment:
        """Back to the entry; the trace is kept, so stepping forward replays it."""
        self.index = 0
        return self.current

    def run_to(self, point: str | int) -> Moment:
        """Run natively to the next visit of an anchor name or absolute PC (or until it returns)."""
        if isinstance(point, str) and point not in self.anchors:
            raise ExplainerError(f"{self.function.name} has no {point}: it has {', '.join(self.anchors)}")
        pc = self.anchors[point] if isinstance(point, str) else point
        if self.current.snapshot.pc == pc or self.finished:
            return self.current
        self._sync()
        self._machine.run_until(pc, limit=RUN_LIMIT)
        self._insert()
        return self.current

    def goto(self, step: int) -> Moment:
        """The moment after exactly ``step`` instructions from the entry."""
        recorded = self.trace.index_of(step)
        if recorded is not None:
            self.index = recorded
            return self.current
        self._sync(step - 1)
        self._machine.step()
        self._insert()
        return self.current

    # --- what-ifs ---

    def preempt(self, trigger: Trigger | None = None) -> Preemption:
        """SIGURG at the cursor; with ``trigger``, that walker then unwinds the parked goroutine."""
        at = self.current
        snap = at.snapshot
        v = verdict(self.program, snap.pc, snap.sp, self.bounds.lo)
        if not v.preemptible and not (trigger is not None and trigger.interrupts):
            return Preemption(at, v, None, at.stack, trigger, None)
        m = self._fresh(preempt_stop=trigger in (None, Trigger.GC))
        m.advance(snap.step)
        v, parked, walk = preempt_and_unwind(m, snap, trigger)
        return Preemption(at, v, parked, stack_view(m, snap, parked, walk), trigger, walk)

    # --- internals ---

    def _fresh(self, preempt_stop: bool = True) -> Machine:
        return Machine(self.program, self.bounds, preempt_stop=preempt_stop)

    def _sync(self, step: int | None = None) -> None:
        """Make the live CPU stand at ``step`` (default: the cursor's), replaying natively if needed."""
        step = self.current.snapshot.step if step is None else step
        if self._machine.step_count != step:
            self._machine = self._fresh()
            self._machine.advance(step)

    def _insert(self) -> None:
        """Record the live CPU's moment in step order and put the cursor on it."""
        m = self._machine
        before = [x for x in self.trace.moments if x.snapshot.step < m.step_count]
        after = [x for x in self.trace.moments if x.snapshot.step > m.step_count]
        moment = self._moment(before[-1].snapshot if before else None)
        self.trace = Trace(tuple(before) + (moment,) + tuple(after))
        self.index = len(before)

    def _moment(self, previous: Snapshot | None) -> Moment:
        m = self._machine
        snap = m.snapshot(previous)
        f = self.program.findfunc(snap.pc)
        insn = self.function.at(snap.pc)
        skew = snap.sp - (self._entry_sp - insn.spdelta) if insn else 0
        return Moment(snap, stack_view(m, snap, None), f.name if f else "?", insn, skew)
