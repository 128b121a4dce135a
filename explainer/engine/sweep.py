"""Preempt at every instruction of the large-frame function and unwind each time.

One emulation per frame: a code hook notes each PC's first visit, and there the
runtime's verdict is taken and, when it would preempt, the walk is computed on
the live memory plus the few words pushCall and asyncPreempt would write
(``preempt.park_analytically``, checked against the real emulation in tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import cpu, unwind
from .experiment import effective_stack, fault_pc, program_for
from .machine import Machine
from .preempt import park_analytically, verdict
from .runtime_data import facts_for
from .scenario import Scenario


@dataclass(frozen=True)
class Point:
    """The verdict at one PC."""

    pc: int
    offset: int
    go: str
    outcome: str
    """safe, unsafe or not-preemptible."""
    reason: str
    message: str | None


def sweep(s: Scenario) -> list[Point]:
    """Every instruction of main.big_stack, in address order, with what preempting there does."""
    program = program_for(s)
    fn = program.target
    m = Machine(program, effective_stack(s), preempt_stop=True)
    facts = facts_for(s.version)
    fpc = fault_pc(program)
    b = m.bounds
    results: dict[int, Point] = {}

    def on_code(uc: object, address: int, size: int, user: object) -> None:
        if address in results:
            return
        insn = fn.at(address)
        if insn is None:
            return
        regs = m.regs()
        v = verdict(program, address, regs[31], b.lo)
        if not v.preemptible:
            results[address] = Point(address, insn.offset, insn.go, "not-preemptible", v.reason, None)
            return
        overlay: dict[int, int] = {}
        gp = park_analytically(program, regs, v.resume_pc, (b.lo, b.hi, b.stktopsp), overlay)
        w = unwind.walk(program, gp, lambda a: overlay[a] if a in overlay else m.read_u64(a),
                        s.unwind, facts.incgo_offset, s.version, fpc)
        crashed = w.outcome is unwind.Outcome.CRASH
        results[address] = Point(address, insn.offset, insn.go, "unsafe" if crashed else "safe",
                                 w.reason, w.message)

    h = m.uc.hook_add(cpu.UC_HOOK_CODE, on_code, begin=fn.entry, end=fn.end - 1)
    try:
        m.run_until(program.return_address_after("main.main", "main.big_stack"))
    finally:
        m.uc.hook_del(h)
    for insn in fn.instructions:  # never executed (the morestack tail): judged statically
        if insn.pc not in results:
            v = verdict(program, insn.pc, b.hi, b.lo)
            results[insn.pc] = Point(insn.pc, insn.offset, insn.go,
                                     "safe" if v.preemptible else "not-preemptible",
                                     "not reached in this run" if v.preemptible else v.reason, None)
    return [results[i.pc] for i in fn.instructions]
