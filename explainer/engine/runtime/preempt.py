"""Async preemption: the runtime's verdict at a PC, and the call it injects.

``verdict`` asks ``isAsyncSafePoint`` (``safepoint``, runtime/preempt.go); ``inject``
mirrors ``sigctxt.pushCall`` (runtime/signal_arm64.go) and then really runs
runtime.asyncPreempt and asyncPreempt2 in the emulator until ``mcall``, where
the goroutine parks: ``sched.pc`` = the return address, ``sched.sp`` = SP, and
``gp.m`` = nil (dropg), as the GC's ``suspendG`` leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..emulator.goroutine import G_ADDR, G_M
from ..emulator.machine import Machine
from ..releases.preemption import rule_for
from ..toolchain.program import Function, Program
from .safepoint import Reason, SafePoint, is_async_safe_point
from .unwind import Goroutine


@dataclass(frozen=True)
class Verdict:
    """Would the runtime preempt here, by which rule, and where would the goroutine resume?"""

    reason: Reason
    """The rule of isAsyncSafePoint that decided."""
    resume_pc: int
    """The PC asyncPreempt returns to (backed up for a restartable sequence)."""
    unsafe_point: int
    """The PCDATA_UnsafePoint value at the PC."""
    why: str
    """The same, in a sentence for a person (never parsed: read ``reason``)."""

    @property
    def preemptible(self) -> bool:
        """The runtime preempts here."""
        return self.reason.preemptible


def verdict(program: Program, pc: int, sp: int, stack_lo: int) -> Verdict:
    """isAsyncSafePoint(gp, pc, sp, lr) for the emulated goroutine (``safepoint``), with its sentence."""
    room = sp >= stack_lo and sp - stack_lo >= async_preempt_stack(program)
    f = program.findfunc(pc)
    answer = is_async_safe_point(f, pc, rule_for(str(program.version)), stack_room=room)
    return Verdict(answer.reason, answer.resume_pc, answer.unsafe_point, why(answer, f, pc))


#: Which region obj7.go wrapped in StartUnsafePoint/EndUnsafePoint, by the instruction's role.
_UNSAFE_REGION = {
    "stack-check": "the stack check is one unsafe point (obj7.go stacksplit, golang/go#35470)",
    "prologue": "the prologue's write to SP is an unsafe point (obj7.go)",
    "morestack": "the call to morestack is an unsafe point (obj7.go stacksplit)",
}


def why(answer: SafePoint, f: Function | None, pc: int) -> str:
    """isAsyncSafePoint's answer at ``pc`` in a sentence for a person (the rule, and where it resumes)."""
    insn = f.at(pc) if f is not None else None
    return {
        Reason.NO_STACK_ROOM: "too little stack left to inject asyncPreempt",
        Reason.NOT_GO_CODE: "not a Go function (findfunc failed)",
        Reason.EXPLICIT_R27: "not preemptible: names R27 explicitly (asm7.go isUnsafePoint), "
                             "and asyncPreempt returns through R27",
        Reason.UNSAFE_SEQUENCE: "not preemptible: " + _UNSAFE_REGION.get(insn.role if insn else "",
                                                                         "an unsafe point (PCDATA -2)"),
        Reason.ASSEMBLY_FUNCTION: "not preemptible: assembly function (no locals pointer maps)",
        Reason.RUNTIME_FUNCTION: f"not preemptible: {f.name.split('.')[0] if f else '?'}. function",
        Reason.RESTARTABLE: "restartable: the assembler built R27 for this sequence "
                            f"(asm7.go isRestartable); resumes at its start, {answer.resume_pc:#x}",
        Reason.RESTART_AT_ENTRY: "restart at entry",
        Reason.SAFE_POINT: "safe point",
    }.get(answer.reason, answer.reason.value)


def async_preempt_stack(program: Program) -> int:
    """asyncPreemptStack: asyncPreempt's and asyncPreempt2's frames plus 8 words (preempt.go init)."""
    return program.by_name["runtime.asyncPreempt"].frame + program.by_name["runtime.asyncPreempt2"].frame + 64


@dataclass(frozen=True)
class Parked:
    """The goroutine after asyncPreempt parked it."""

    goroutine: Goroutine
    pushed_at: int
    """The SP after pushCall: where it saved LR (and R29 just below)."""
    saved_lr: int
    """The LR pushCall saved (the interrupted function's R30)."""
    resume_pc: int


def inject(machine: Machine, resume_pc: int) -> Parked:
    """pushCall, then run asyncPreempt until asyncPreempt2's mcall parks the goroutine."""
    regs = machine.regs()
    sp = regs[31] - 16  # SP needs 16-byte alignment
    machine.set_reg("RSP", sp)
    machine.write_u64(sp, regs[30])
    machine.write_u64(sp - 8, regs[29])
    machine.set_reg("R30", resume_pc)
    machine.set_reg("PC", machine.program.symbol("runtime.asyncPreempt"))
    machine.event = None
    machine.run_until(machine.program.symbol("runtime.mcall"), limit=10_000)
    park = machine.regs()
    machine.write_u64(G_ADDR + G_M, 0)  # dropg: a parked goroutine has no M
    b = machine.bounds
    gp = Goroutine(goid=1, stack_lo=b.lo, stack_hi=b.hi, stktopsp=b.stktopsp,
                   sched_pc=park[30], sched_sp=park[31], m=0)
    return Parked(gp, sp, regs[30], resume_pc)


def park_at(program: Program, sp: int, lr: int, fp: int, resume_pc: int, stack: tuple[int, int, int],
            overlay: dict[int, int]) -> Goroutine:
    """The same parked state as ``inject``, computed without emulating asyncPreempt (for sweeps).

    Needs only RSP, R30 (LR) and R29 (FP). Writes into ``overlay`` the four words the unwinder
    reads: pushCall's LR and FP, asyncPreempt's saved LR (the resume PC) and asyncPreempt2's
    saved LR. tests/engine/test_park.py checks it against ``inject``.
    """
    sp -= 16
    overlay[sp] = lr
    overlay[sp - 8] = fp
    ap_sp = sp - program.by_name["runtime.asyncPreempt"].frame
    overlay[ap_sp] = resume_pc
    ap2_sp = ap_sp - program.by_name["runtime.asyncPreempt2"].frame
    overlay[ap2_sp] = program.return_address_after("runtime.asyncPreempt", "runtime.asyncPreempt2")
    lo, hi, top = stack
    return Goroutine(1, lo, hi, top, _park_pc(program), ap2_sp, 0)


def _park_pc(program: Program) -> int:
    return program.return_address_after("runtime.asyncPreempt2", "runtime.mcall")
