"""Preempt at every instruction of the large-frame function and unwind each time.

One emulation per frame, at native speed: the runtime's verdict is taken at each
PC's first visit and, when it would preempt, the walk is computed on the live
memory plus the few words pushCall and asyncPreempt would write
(``preempt.park_at``, checked against the real emulation in tests).

Why it is shaped so (bench/sweep_bench.py measures it):

- Only first visits call Python. A code hook covers just the instructions not yet
  seen; when a loop comes back to a seen one, the hook stops the CPU, is replaced
  by hooks over the unseen runs only, and the loop then runs natively. Hooking the
  whole function instead costs a Python call per executed instruction: 12,000 for
  the 64 KiB zeroing loop, 200,000 at 1 MiB.
- The machine is reused. Building one (mapping memory, running runtime.main to
  the entry) costs about a millisecond, as much as analysing fifty points; a
  ``_Rig`` keeps one per program and stack at the entry and resets its registers
  and stack before each sweep. Programs themselves are cached by ``build_program``.
- Walks are reused within a run. Most of a body's instructions park the goroutine
  with the same SP, LR, FP and funcspdelta, so their walks read the same words
  and end alike; ``WalkMemo`` reuses a walk only after re-reading those words.
  This halves a 4 KiB frame's sweep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..arm64.cpu import UcError
from ..emulator.goroutine import G_ADDR, StackBounds
from ..emulator.machine import Machine
from ..emulator.unicorn_cpu import SP
from ..releases.runtime_data import facts_for
from ..releases.versions import GoVersion
from ..runtime import unwind
from ..runtime.outcome import Outcome
from ..runtime.preempt import Verdict, async_preempt_stack, park_at, verdict
from ..runtime.safepoint import Reason
from ..toolchain.bigstack import Buffer
from ..toolchain.program import Function, Program, build_program
from .experiment import effective_stack, fault_pc, measured_note, program_for
from .scenario import Scenario

_PAGE = 0x1000
#: Instructions one run may execute (as Machine.run_until): a sweep ends even if the code loops.
_LIMIT = 50_000_000
#: The largest stack a kept machine may have: a rig holds its stack twice (mapped, and the image
#: it restores), and the size plot sweeps frames up to 32 MiB.
_RIG_STACK_LIMIT = 4 << 20


@dataclass(frozen=True)
class Point:
    """What preempting at one PC, and then unwinding, comes to."""

    pc: int
    offset: int
    go: str
    role: str
    """The instruction's part of the function (``asm.Instruction.role``): prologue, body, epilogue ..."""
    outcome: Outcome
    """REFUSED, CLEAN, CRASH, CANNOT_SEE, or NOT_REACHED for an instruction the run never executed."""
    reason: Reason
    """isAsyncSafePoint's rule at this PC (judged statically where it was not reached)."""
    why: str
    """In a sentence: the verdict's, or the walk's, or that the run never got here."""
    message: str | None
    """What the runtime printed, lines joined; None when it printed nothing."""
    error: str | None = None
    """What the runtime died of, short (``Walk.error``); None unless CRASH."""
    sp: int | None = None
    """RSP when SIGURG landed here, before the instruction ran (its first visit); None if never reached."""


def sweep(s: Scenario) -> list[Point]:
    """Every instruction of main.big_stack, in address order, with what preempting there does."""
    bounds = effective_stack(s)
    if bounds.hi - bounds.lo > _RIG_STACK_LIMIT:  # too big to keep (and to copy back): a fresh machine
        return _sweep_on(Machine(program_for(s), bounds, preempt_stop=True), s, {})
    rig = _rig(s.version, s.size, s.leaf, s.buffer, bounds)
    if not rig.lock.acquire(blocking=False):  # another thread is sweeping on it: a fresh machine
        return _sweep_on(Machine(program_for(s), bounds, preempt_stop=True), s, {})
    try:
        rig.reset()
        return _sweep_on(rig.machine, s, rig.verdicts)
    finally:
        rig.lock.release()


def _sweep_on(m: Machine, s: Scenario, verdicts: dict[int, Verdict]) -> list[Point]:
    """The sweep proper, on a machine standing at main.big_stack's entry.

    ``verdicts`` remembers ``verdict`` by PC for an SP with room for asyncPreempt: past its
    stack check, isAsyncSafePoint looks at the PC only (its PCDATA and function).
    """
    program = m.program
    fn = program.target
    facts = facts_for(s.version)
    fpc = fault_pc(program)
    note = measured_note(program)
    b = m.bounds
    stack = (b.lo, b.hi, b.stktopsp)
    room = b.lo + async_preempt_stack(program)
    c = m.cpu
    results: dict[int, Point] = {}
    walks = WalkMemo()

    def visit(address: int) -> None:
        insn = fn.at(address)
        assert insn is not None  # only the function's own PCs are hooked
        sp = c.reg(SP)
        v = verdicts.get(address) if sp >= room else None
        if v is None:
            v = verdict(program, address, sp, b.lo)
            if sp >= room:
                verdicts[address] = v
        if not v.preemptible:
            results[address] = Point(address, insn.offset, insn.go, insn.role, Outcome.REFUSED, v.reason,
                                     v.why, None, sp=sp)
            return
        lr, fp = c.reg(30), c.reg(29)
        key = _walk_key(program, sp, lr, fp, v.resume_pc)
        known = walks.recall(key, m.read_u64)
        if known is not None:
            outcome, why, message, error = known
        else:
            overlay: dict[int, int] = {}
            reads: list[tuple[int, int]] = []

            def read(a: int) -> int:
                if a in overlay:
                    return overlay[a]
                x = m.read_u64(a)
                reads.append((a, x))
                return x

            gp = park_at(program, sp, lr, fp, v.resume_pc, stack, overlay)
            w = unwind.walk(program, gp, read, s.unwind, facts.incgo_offset, s.version, fpc, hexdump=False,
                            measured=note)
            outcome, why, message, error = w.outcome, w.reason, w.message, w.error
            walks.remember(key, reads, (outcome, why, message, error))
        results[address] = Point(address, insn.offset, insn.go, insn.role, outcome, v.reason, why, message,
                                 error, sp)

    until = program.return_address_after("main.main", fn.name)
    entry = m.cpu.save()
    first_visits(m, fn, until, visit)
    tail = m.morestack_tail()
    if tail is not None and any(i.pc not in results for i in fn.instructions):
        # The morestack tail runs when the stack check fails: on the goroutine's first call, whose
        # starting stack is too small (real runs stop there). Take that path from the entry, let
        # newstack grow the stack, and let gogo resume after the CALL, as the runtime does.
        m.cpu.restore(entry)
        m.take_morestack_path()
        first_visits(m, fn, until, visit, pending={i.pc for i in fn.instructions if i.pc not in results})
        if m.in_morestack:
            m.return_from_morestack()
            first_visits(m, fn, until, visit, pending={i.pc for i in fn.instructions if i.pc not in results})
    for insn in fn.instructions:  # never executed: judged statically
        if insn.pc not in results:
            v = verdict(program, insn.pc, b.hi, b.lo)
            results[insn.pc] = Point(insn.pc, insn.offset, insn.go, insn.role,
                                     Outcome.NOT_REACHED if v.preemptible else Outcome.REFUSED, v.reason,
                                     "not reached in this run" if v.preemptible else v.why, None)
    return [results[i.pc] for i in fn.instructions]


Judgement = tuple[Outcome, str, str | None, str | None]
"""(outcome, why, message, error) of one walk."""


class WalkMemo:
    """Walks already done in one run, by what they depend on (``_walk_key``), with the memory words
    they read: a walk is reused only while every word it read still holds the same value, so the
    reused answer is the one walking again would give.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[int, ...], tuple[tuple[tuple[int, int], ...], Judgement]] = {}

    def recall(self, key: tuple[int, ...], read: Callable[[int], int]) -> Judgement | None:
        known = self._known.get(key)
        if known is None or any(read(a) != x for a, x in known[0]):
            return None
        return known[1]

    def remember(self, key: tuple[int, ...], reads: list[tuple[int, int]], judgement: Judgement) -> None:
        self._known[key] = (tuple(reads), judgement)


def _walk_key(program: Program, sp: int, lr: int, fp: int, resume_pc: int) -> tuple[int, ...]:
    """What a walk from the parked state depends on, but for memory: the registers park_at takes, and
    the resume PC only as the unwinder uses it (its function and funcspdelta there). No text the walk
    prints or explains names that PC, so two points with one key and the same words in memory walk alike.
    """
    f = program.findfunc(resume_pc)
    return (sp, lr, fp, f.entry if f else -1, f.spdelta(resume_pc) if f else resume_pc)


def first_visits(m: Machine, fn: Function, until: int, visit: Callable[[int], None],
                 pending: set[int] | None = None) -> None:
    """Run ``m`` natively until ``until``, calling ``visit(pc)`` before each instruction of ``fn``
    executes for the first time (registers and memory as they are then).

    Stops early, quietly, on a fault or a stub (runtime.morestack's BRK): what was not
    reached is not visited. ``pending``: the instructions still to visit (default: all of ``fn``).
    """
    c = m.cpu
    pending = {i.pc for i in fn.instructions} if pending is None else set(pending)
    came_round = False

    def on_code(address: int) -> None:
        nonlocal came_round
        if address in pending:
            pending.discard(address)
            visit(address)
        else:  # a loop is back at a seen instruction: stop, and hook the unseen ones only
            came_round = True
            c.stop()

    # Unicorn adds hook calls to code when it translates it and keeps translated blocks:
    # a block translated while nothing hooked it (an earlier run) would never call back.
    c.forget_code(fn.entry, fn.end)
    pc = m.pc
    while True:
        came_round = False
        hooks = [c.on_code(on_code, lo, hi) for lo, hi in _runs(pending)]
        try:
            c.run(pc, until, _LIMIT)
        except UcError:
            return
        finally:
            for h in hooks:
                c.unhook(h)
        if not came_round:
            return
        pc = m.pc


def _runs(pcs: set[int]) -> Iterator[tuple[int, int]]:
    """Consecutive instructions as inclusive (first, last) address ranges."""
    start = prev = None
    for pc in sorted(pcs):
        if prev is not None and pc == prev + 4:
            prev = pc
            continue
        if start is not None and prev is not None:
            yield start, prev
        start = prev = pc
    if start is not None and prev is not None:
        yield start, prev


class _Rig:
    """A Machine parked at main.big_stack's entry, restored there before each use.

    The sweep's run writes registers and its own stack only, so restoring the CPU
    context, the stack's pages and g's page gives back the machine as built (a test
    compares sweeps on a reused rig with sweeps on fresh machines).
    """

    def __init__(self, program: Program, bounds: StackBounds) -> None:
        self.machine = Machine(program, bounds, preempt_stop=True)
        self.lock = threading.Lock()
        self.verdicts: dict[int, Verdict] = {}
        c = self.machine.cpu
        self._context = c.save()
        lo, hi = bounds.lo & ~(_PAGE - 1), (bounds.hi + _PAGE - 1) & ~(_PAGE - 1)
        g = G_ADDR & ~(_PAGE - 1)
        self._images = [(lo, c.read(lo, hi - lo)), (g, c.read(g, _PAGE))]

    def reset(self) -> None:
        """Back to the entry, with the stack and g as they were then."""
        c = self.machine.cpu
        c.restore(self._context)
        for addr, image in self._images:
            c.write(addr, image)


@lru_cache(maxsize=8)
def _rig(version: GoVersion, size: int, leaf: bool, buffer: Buffer, bounds: StackBounds) -> _Rig:
    """One rig per program and stack (keyed by what names the program: hashing a Program is slow)."""
    return _Rig(build_program(version, size, leaf, buffer), bounds)
