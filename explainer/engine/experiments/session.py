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

A step costs the same however long the trace is (bench/step_bench.py measures it):
recording after the last moment shares the trace's storage, and a moment's
annotated stack is read only when someone looks at it (from the live CPU when
it stands there, else from a replay), so a lesson's ``step 10000`` records ten
thousand small values, not ten thousand stack drawings. Anything that can run
long (a run to a point, a jump to a far step, a replay to preempt there) takes a
``progress`` callback: it hears how far the run got and may raise
:class:`Cancelled`, which leaves the cursor where it was.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from ..arm64.asm import Instruction
from ..emulator.machine import RUN_LIMIT, Machine, Progress, Snapshot
from ..errors import Cancelled, ExplainerError
from ..runtime.outcome import Outcome
from ..runtime.preempt import Parked, Verdict, verdict
from ..runtime.unwind import Trigger, Walk
from ..toolchain.program import Program
from .experiment import anchors, effective_stack, preempt_and_unwind, program_for, stack_view
from .scenario import Scenario
from .stackview import StackView

__all__ = ["RUN_LIMIT", "Cancelled", "Moment", "Preemption", "Session", "Trace"]

#: Stack views a session keeps (the cursor's and a few it just left).
_VIEWS_KEPT = 16


class StackSource(Protocol):
    """Where a moment's stack view comes from (its Session)."""

    def stack_at(self, snapshot: Snapshot) -> StackView:
        """The annotated stack when the CPU stood at ``snapshot``."""
        ...


@dataclass(frozen=True, slots=True)
class Moment:
    """The goroutine after ``snapshot.step`` instructions of main.big_stack."""

    snapshot: Snapshot
    function: str
    """The function the PC is in."""
    instruction: Instruction | None
    """The instruction about to run, when it is main.big_stack's."""
    source: StackSource = field(repr=False, compare=False)
    """Reads ``stack`` when it is asked for."""
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

    @property
    def stack(self) -> StackView:
        """The annotated goroutine stack at this moment (read when asked for, not kept per moment)."""
        return self.source.stack_at(self.snapshot)


class Trace:
    """The moments recorded so far, in step order: a value; step back is indexing, never undoing.

    A trace with one more moment after its last shares this one's storage, as a Go slice shares its
    array, so recording the next step is O(1) amortised; this trace still sees only its own moments.
    Recording into a gap (a step back across a run) copies.
    """

    __slots__ = ("_moments", "_steps", "_n")

    def __init__(self, moments: tuple[Moment, ...] = ()) -> None:
        self._moments = list(moments)
        self._steps = [m.snapshot.step for m in moments]
        self._n = len(moments)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> Moment:
        if not -self._n <= i < self._n:
            raise IndexError(f"moment {i} of a trace of {self._n}")
        return self._moments[i % self._n]

    @property
    def moments(self) -> tuple[Moment, ...]:
        """Every moment, in step order."""
        return tuple(self._moments[: self._n])

    def index_of(self, step: int) -> int | None:
        """The index of the moment after ``step`` instructions, if it was recorded."""
        i = bisect_left(self._steps, step, 0, self._n)
        return i if i < self._n and self._steps[i] == step else None

    def last_before(self, step: int) -> Moment | None:
        """The last moment recorded before ``step``, if any."""
        i = bisect_left(self._steps, step, 0, self._n)
        return self._moments[i - 1] if i else None

    def with_moment(self, moment: Moment) -> tuple[Trace, int]:
        """This trace with ``moment`` recorded in step order, and its index there."""
        step = moment.snapshot.step
        i = bisect_left(self._steps, step, 0, self._n)
        if i < self._n and self._steps[i] == step:
            raise ValueError(f"step {step} is recorded already")
        out = Trace.__new__(Trace)
        if i == self._n == len(self._moments):  # the next step: share the storage
            self._moments.append(moment)
            self._steps.append(step)
            out._moments, out._steps = self._moments, self._steps
        else:
            out._moments = self._moments[:i] + [moment] + self._moments[i : self._n]
            out._steps = self._steps[:i] + [step] + self._steps[i : self._n]
        out._n = self._n + 1
        return out, i


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

    def __init__(self, scenario: Scenario, program: Program | None = None, go_to_step: bool = True) -> None:
        """``program`` replaces the scenario's (a function loaded from a real binary).

        With ``go_to_step`` False the cursor stays at the entry even when the scenario names a step:
        the lab goes there itself, in a worker, with progress and cancel.
        """
        self.scenario = scenario
        self.program = program or program_for(scenario)
        self.function = self.program.target
        self.anchors = anchors(self.function)
        self.bounds = effective_stack(scenario)
        self._views: OrderedDict[int, StackView] = OrderedDict()
        self._machine = self._fresh()
        self._entry_sp = self._machine.snapshot(None).sp
        self.trace = Trace((self._moment(None),))
        self.index = 0
        if scenario.step and go_to_step:
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

    def step(self, progress: Progress | None = None) -> Moment:
        """Exactly one instruction forward (taken from the trace when already recorded)."""
        if self.finished:
            return self.current
        return self.goto(self.current.snapshot.step + 1, progress)

    def back(self, progress: Progress | None = None) -> Moment:
        """Exactly one instruction back: an earlier snapshot, replayed if it was never recorded."""
        return self.goto(max(0, self.current.snapshot.step - 1), progress)

    def reset(self) -> Moment:
        """Back to the entry; the trace is kept, so stepping forward replays it."""
        self.index = 0
        return self.current

    def run_to(self, point: str | int, progress: Progress | None = None) -> Moment:
        """Run natively to the next visit of an anchor name or absolute PC (or until it returns).

        Raises:
            ExplainerError: no such anchor, or not reached within RUN_LIMIT instructions.
            Cancelled: ``progress`` stopped the run; the cursor has not moved.
        """
        if isinstance(point, str) and point not in self.anchors:
            raise ExplainerError(f"{self.function.name} has no {point}: it has {', '.join(self.anchors)}")
        pc = self.anchors[point] if isinstance(point, str) else point
        if self.current.snapshot.pc == pc or self.finished:
            return self.current
        self._sync(None, progress)
        ev = self._machine.run_until(pc, RUN_LIMIT, progress)
        if ev is not None and ev.kind == "limit":
            where = point if isinstance(point, str) else f"{pc:#x}"
            raise ExplainerError(f"{where} not reached: {ev.text}")
        self._record()
        return self.current

    def goto(self, step: int, progress: Progress | None = None) -> Moment:
        """The moment after exactly ``step`` instructions from the entry, or the return, if sooner.

        A step past the function's end stands at its return (``snapshot.step`` says where that is).

        Raises:
            Cancelled: ``progress`` stopped the replay; the cursor has not moved.
        """
        recorded = self.trace.index_of(step)
        if recorded is not None:
            self.index = recorded
            return self.current
        self._sync(step - 1, progress)
        if self._machine.step_count == step - 1:
            self._machine.step()
        self._record()
        return self.current

    # --- what-ifs ---

    def preempt(self, trigger: Trigger | None = None, progress: Progress | None = None) -> Preemption:
        """SIGURG at the cursor; with ``trigger``, that walker then unwinds the parked goroutine.

        Raises:
            Cancelled: ``progress`` stopped the replay to the cursor's step.
        """
        at = self.current
        snap = at.snapshot
        v = verdict(self.program, snap.pc, snap.sp, self.bounds.lo)
        if not v.preemptible and not (trigger is not None and trigger.interrupts):
            return Preemption(at, v, None, at.stack, trigger, None)
        m = self._fresh(preempt_stop=trigger in (None, Trigger.GC))
        try:
            m.advance(snap.step, progress)
            v, parked, walk = preempt_and_unwind(m, snap, trigger)
            return Preemption(at, v, parked, stack_view(m, snap, parked, walk), trigger, walk)
        finally:
            m.release()

    # --- internals ---

    def _fresh(self, preempt_stop: bool = True) -> Machine:
        return Machine(self.program, self.bounds, preempt_stop=preempt_stop)

    def _sync(self, step: int | None, progress: Progress | None) -> None:
        """Make the live CPU stand at ``step`` (default: the cursor's), or at the return if sooner.

        It runs on from where it stands when that is before ``step``; else a fresh CPU replays natively.
        """
        step = self.current.snapshot.step if step is None else step
        m = self._machine
        if m.step_count == step:
            return
        if m.step_count > step or m.event is not None:
            m.release()
            m = self._machine = self._fresh()
        m.advance(step - m.step_count, progress)

    def _record(self) -> None:
        """Put the cursor on the live CPU's moment, recording it (in step order) if it is new."""
        step = self._machine.step_count
        recorded = self.trace.index_of(step)
        if recorded is None:
            before = self.trace.last_before(step)  # ``changed`` is relative to the stop before
            moment = self._moment(before.snapshot if before is not None else None)
            self.trace, recorded = self.trace.with_moment(moment)
        self.index = recorded

    def _moment(self, previous: Snapshot | None) -> Moment:
        m = self._machine
        snap = m.snapshot(previous)
        f = self.program.findfunc(snap.pc)
        insn = self.function.at(snap.pc)
        skew = snap.sp - (self._entry_sp - insn.spdelta) if insn else 0
        return Moment(snap, f.name if f else "?", insn, self, skew)

    def stack_at(self, snapshot: Snapshot) -> StackView:
        """The stack view at ``snapshot``: from the live CPU when it stands there, else from a replay.

        The last few are kept: the lab draws the cursor's moment on every repaint.
        """
        view = self._views.get(snapshot.step)
        if view is not None:
            self._views.move_to_end(snapshot.step)
            return view
        m = self._machine
        if m.step_count != snapshot.step:
            m = self._fresh()
            m.advance(snapshot.step)
            view = stack_view(m, snapshot, None)
            m.release()
        else:
            view = stack_view(m, snapshot, None)
        self._views[snapshot.step] = view
        if len(self._views) > _VIEWS_KEPT:
            self._views.popitem(last=False)
        return view
