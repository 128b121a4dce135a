"""The runtime's stack walk, mirroring ``runtime.(*unwinder)`` in runtime/traceback.go.

``initAt`` starts from the parked goroutine's ``sched`` (pc, sp, lr=0);
``resolveInternal`` derives ``frame.fp = frame.sp + funcspdelta(pc)`` and, on
arm64, reads the return address from ``*(frame.sp)``; ``next`` steps to the
caller (for an injected call such as asyncPreempt it reads the LR that
``pushCall`` saved and uses it only when ``funcspdelta == 0``);
``finishInternal`` checks that the walk ended at ``gp.stktopsp``. Every step is
data (:class:`UnwindStep`); the outcome carries the runtime's own text for the
chosen release.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..releases.versions import GoVersion
from ..toolchain.program import Function, Program
from .hexdump import traceback_hexdump
from .outcome import Outcome


class Trigger(enum.Enum):
    """Who walks the stack, named as a user would, with the flags the runtime passes.

    Line numbers are go1.23.4's (tests/data/realgo/go_sources.json has every release's).
    """

    GC = "gc"
    """GC stack scan of a stopped goroutine: ``scanstack``, ``u.init(gp, 0)`` (mgcmark.go:887)."""
    TRACEBACK = "traceback"
    """Traceback of all goroutines (``runtime.Stack(buf, true)``, a crash dump): ``tracebackothers``,
    unwindPrintErrors."""
    GOROUTINE_PROFILE = "goroutine-profile"
    """pprof's goroutine profile: ``saveg``, ``u.initAt(pc, sp, 0, gp, unwindSilentErrors)``
    (mprof.go:1680)."""
    CPU_PROFILE = "cpu-profile"
    """A CPU profile's SIGPROF: ``sigprof`` walks only the goroutine it interrupted, from the
    interrupted pc, sp and lr, with unwindSilentErrors|unwindTrap|unwindJumpStack (proc.go:5478)."""
    HEAP_DUMP = "heap-dump"
    """``debug.WriteHeapDump``: ``dumpgoroutine``, ``u.initAt(pc, sp, lr, gp, 0)``: no error flags
    (heapdump.go:374)."""
    PANIC = "panic"
    """A panic in this goroutine: walks its own stack only."""
    COPY = "copy"
    """Stack copy/shrink during GC: refused while gp.asyncSafePoint is set (stack.go:1166)."""

    @property
    def print_errors(self) -> bool:
        """unwindPrintErrors is set."""
        return self is Trigger.TRACEBACK

    @property
    def silent_errors(self) -> bool:
        """unwindSilentErrors is set."""
        return self in (Trigger.GOROUTINE_PROFILE, Trigger.CPU_PROFILE)

    @property
    def interrupts(self) -> bool:
        """It walks the goroutine where a signal interrupted it, not one stopped by SIGURG."""
        return self is Trigger.CPU_PROFILE

    @property
    def label(self) -> str:
        """What a user calls it."""
        return {Trigger.GC: "GC stack scan", Trigger.TRACEBACK: "traceback of all goroutines",
                Trigger.GOROUTINE_PROFILE: "goroutine profile", Trigger.CPU_PROFILE: "CPU profile",
                Trigger.HEAP_DUMP: "heap dump", Trigger.PANIC: "panic", Trigger.COPY: "stack copy"}[self]

    @property
    def where(self) -> str:
        """The runtime call that starts this walk."""
        return {
            Trigger.GC: "runtime.scanstack (mgcmark.go) u.init(gp, 0)",
            Trigger.TRACEBACK: "runtime.tracebackothers u.initAt(..., unwindPrintErrors)",
            Trigger.GOROUTINE_PROFILE: "runtime.saveg (mprof.go) u.initAt(pc, sp, 0, gp, unwindSilentErrors)",
            Trigger.CPU_PROFILE: "runtime.sigprof (proc.go) u.initAt(pc, sp, lr, gp, unwindSilentErrors|"
                                 "unwindTrap|unwindJumpStack): the interrupted goroutine only",
            Trigger.HEAP_DUMP: "runtime.dumpgoroutine (heapdump.go) u.initAt(pc, sp, lr, gp, 0)",
            Trigger.PANIC: "runtime.gopanic: walks the panicking goroutine's own stack",
            Trigger.COPY: "runtime.copystack via shrinkstack (stack.go)",
        }[self]


@dataclass(frozen=True)
class UnwindStep:
    """One frame of the walk, in the runtime's terms."""

    function: str
    """funcname(frame.fn), or ``?`` when findfunc failed."""
    pc: int
    """frame.pc."""
    sp: int
    """frame.sp."""
    fp: int
    """frame.fp = frame.sp + funcspdelta(f, frame.pc)."""
    spdelta: int
    """funcspdelta(f, frame.pc): the frame size the table records at this PC."""
    slot: int | None
    """The address the return address was read from (None when no read happened)."""
    value: int | None
    """What was read there: the caller's PC as the unwinder believes it."""
    verdict: str
    """What the runtime concludes at this step, in a few words."""


@dataclass(frozen=True)
class Walk:
    """A whole stack walk: its steps, how it ended, and what the runtime printed."""

    trigger: Trigger
    steps: tuple[UnwindStep, ...]
    outcome: Outcome
    output: tuple[str, ...]
    """The runtime's lines, exactly as printed (``fatal error: ...`` included)."""
    reason: str
    """One sentence: why it ended so."""
    error: str | None = None
    """What the runtime died of, short, in its own words: ``traceback did not unwind completely``,
    ``unknown caller pc``, ``SIGSEGV addr=0x118``; None when it did not crash."""

    @property
    def message(self) -> str | None:
        """The output joined by newlines, or None when the runtime printed nothing."""
        return "\n".join(self.output) if self.output else None


@dataclass(frozen=True)
class Goroutine:
    """What the unwinder needs of the parked goroutine (runtime.g fields)."""

    goid: int
    stack_lo: int
    stack_hi: int
    stktopsp: int
    sched_pc: int
    sched_sp: int
    m: int = 0
    """gp.m: 0 (nil) for a parked goroutine: the reason for the 0x118 SIGSEGV."""
    lr: int = 0
    """The LR the walk starts with: 0 from ``sched`` (a stopped goroutine); R30 for a goroutine a
    signal interrupted (sigprof passes the signal context's lr)."""


ReadWord = Callable[[int], int]


#: The M whose thread takes the SIGSEGV: the one running the scanning GC worker, not the parked
#: goroutine's (it has none); fatalsignal prints ``mp.id`` (signal_unix.go:842, go1.23.4). Which M
#: that is varies from run to run; 2 is the one in cloudflare_shape-go1.23.4-singlestep.log
#: (``PC=0x60598 m=2 sigcode=1 addr=0x118``), and every SIGSEGV's reason says so.
SCANNER_M = 2


def _hex(v: int) -> str:
    return f"{v:#x}"


def walk(program: Program, gp: Goroutine, read: ReadWord, trigger: Trigger,
         incgo_offset: int, version: GoVersion, fault_pc: int = 0, max_frames: int = 64,
         hexdump: bool = True, measured: str = "") -> Walk:
    """Walk ``gp``'s stack as the runtime does for ``trigger``.

    Args:
        program: The function table (findfunc, funcspdelta, flags).
        gp: The parked goroutine.
        read: Reads one 8-byte word of goroutine memory.
        trigger: Who unwinds (sets the flags).
        incgo_offset: offsetof(runtime.m, incgo) for this release.
        version: The release, for its printed texts and the go1.27 nil-m guard.
        fault_pc: Where in runtime.(*unwinder).next the gp.m.incgo load sits (real builds).
        max_frames: A bound, so a corrupt stack cannot loop forever.
        hexdump: Print the stack dump after "unexpected return pc" (a sweep leaves it out: its
            analytic park does not write asyncPreempt's saved registers, which the dump shows).
        measured: Where ``incgo_offset`` and ``fault_pc`` were read off, for the SIGSEGV's reason.
    """
    if trigger is Trigger.PANIC:
        return Walk(trigger, (), Outcome.CANNOT_SEE, (),
                    "A panic unwinds only the panicking goroutine's own stack, which is mid-call, "
                    "never parked between the two ADDs: it cannot see this state.")
    if trigger is Trigger.COPY:
        return Walk(trigger, (), Outcome.CANNOT_SEE, (),
                    "isShrinkStackSafe refuses while gp.asyncSafePoint is set, and growth only "
                    "comes from the goroutine's own morestack: no stack copy walks this state.")
    steps: list[UnwindStep] = []
    fn = program.findfunc(gp.sched_pc)
    pc, sp, lr = gp.sched_pc, gp.sched_sp, gp.lr
    innermost = True
    for _ in range(max_frames):
        if fn is None:  # initAt: not a Go function
            break
        # resolveInternal: arm64 reads the LR slot when the frame has one (innermost) or lr is unknown
        delta = fn.spdelta(pc)
        fp = sp + delta
        slot: int | None = None
        if fn.topframe:
            lr = 0
        elif lr == 0 or (innermost and sp < fp):
            slot = sp
            lr = read(sp)
        innermost = False
        steps.append(UnwindStep(fn.name, pc, sp, fp, delta, slot, lr if slot is not None or lr else None,
                                "top of stack" if fn.topframe else "ok"))
        # next
        if lr == 0:
            return _finish(steps, gp, trigger, sp, version)
        caller = program.findfunc(lr)
        if caller is None:
            return _bad_pc(steps, gp, trigger, fn, lr, incgo_offset, version, fault_pc,
                           read if hexdump else None, program, measured)
        injected = fn.injected
        pc, sp, lr, fn = lr, fp, 0, caller
        if injected:
            x = read(sp)
            sp += 16  # alignUp(sys.MinFrameSize, sys.StackAlign)
            if caller.spdelta(pc) == 0:
                lr = x
            steps[-1] = _with_verdict(steps[-1], f"injected call: pushCall saved LR {_hex(x)} at "
                                      f"{_hex(sp - 16)}; frame.sp += 16" +
                                      ("" if lr else f"; spdelta={caller.spdelta(pc)} != 0, so the LR is "
                                       "ignored and read from *(frame.sp) instead"))
    return Walk(trigger, tuple(steps), Outcome.CRASH, ("fatal error: traceback stuck",),
                "The walk did not end.", error="traceback stuck")


def _with_verdict(step: UnwindStep, verdict: str) -> UnwindStep:
    return replace(step, verdict=verdict)


def _finish(steps: list[UnwindStep], gp: Goroutine, trigger: Trigger, sp: int, version: GoVersion) -> Walk:
    """finishInternal: with no error flags, the walk must end exactly at gp.stktopsp."""
    last = steps[-1]
    flags_set = trigger.print_errors or trigger.silent_errors
    if sp == gp.stktopsp:
        steps[-1] = _with_verdict(last, "lr == 0 at stktopsp: the walk is complete")
        return Walk(trigger, tuple(steps), Outcome.CLEAN, (), "The walk reached runtime.goexit at stktopsp.")
    if flags_set:
        steps[-1] = _with_verdict(last, "lr == 0 before stktopsp: walk ends early (errors tolerated)")
        return Walk(trigger, tuple(steps), Outcome.CLEAN, (),
                    f"The return address read was 0, so the {trigger.label} stopped early; "
                    "with error flags set, finishInternal does not check frame.sp.")
    steps[-1] = _with_verdict(last, "lr == 0 but frame.sp != stktopsp: throw")
    out = (f"runtime: g{gp.goid}: frame.sp={_hex(sp)} top={_hex(gp.stktopsp)}",
           f"\tstack=[{_hex(gp.stack_lo)}-{_hex(gp.stack_hi)}",
           "fatal error: traceback did not unwind completely")
    return Walk(trigger, tuple(steps), Outcome.CRASH, out,
                f"The slot read as the return address held 0, so the walk stopped at "
                f"frame.sp={_hex(sp)}, {gp.stktopsp - sp:,} bytes short of stktopsp.",
                error="traceback did not unwind completely")


def _bad_pc(steps: list[UnwindStep], gp: Goroutine, trigger: Trigger, fn: Function, lr: int,
            incgo_offset: int, version: GoVersion, fault_pc: int, read: ReadWord | None,
            program: Program, measured: str = "") -> Walk:
    """next(): findfunc(frame.lr) failed."""
    fail = not (trigger.print_errors or trigger.silent_errors)
    do_print = not trigger.silent_errors
    last = steps[-1]
    if do_print and gp.m == 0 and not version.guards_nil_m:
        steps[-1] = _with_verdict(last, f"findfunc({_hex(lr)}) invalid; gp.m.incgo with gp.m == nil")
        segv = ("SIGSEGV: segmentation violation",
                f"PC={_hex(fault_pc)} m={SCANNER_M} sigcode=1 addr={_hex(incgo_offset)}")
        return Walk(trigger, tuple(steps), Outcome.CRASH, segv,
                    f"{_hex(lr)} is not a function's PC; before printing, next() reads gp.m.incgo, but the "
                    f"stopped goroutine's gp.m is nil: a load from address {_hex(incgo_offset)}. m= names "
                    f"the thread that took the fault: it varies from run to run ({SCANNER_M} is the real "
                    "log's)." + (f" {measured}" if measured else ""),
                    error=f"SIGSEGV addr={_hex(incgo_offset)}")
    out: tuple[str, ...] = ()
    if do_print:
        # traceback.go prints "runtime: g " with a space here in every release (go1.22 to go1.27),
        # unlike finishInternal's "runtime: g1: frame.sp=" line.
        out = (f"runtime: g {gp.goid}: unexpected return pc for {fn.name} called from {_hex(lr)}",
               *(_hexdump(gp, last, read, program) if read else ()))
    if fail:
        steps[-1] = _with_verdict(last, f"findfunc({_hex(lr)}) invalid: throw")
        return Walk(trigger, tuple(steps), Outcome.CRASH, out + ("fatal error: unknown caller pc",),
                    f"{_hex(lr)} is not a function's PC and a GC scan must see every frame.",
                    error="unknown caller pc")
    steps[-1] = _with_verdict(last, f"findfunc({_hex(lr)}) invalid: stop (errors tolerated)")
    return Walk(trigger, tuple(steps), Outcome.CLEAN, out,
                f"{_hex(lr)} is not a function's PC; the {trigger.label} stops there without crashing.")


def _hexdump(gp: Goroutine, frame: UnwindStep, read: ReadWord, program: Program) -> list[str]:
    """tracebackHexdump(gp.stack, frame, 0): printed right after "unexpected return pc"."""
    def read_byte(addr: int) -> int:
        return (read(addr & ~7) >> (8 * (addr & 7))) & 0xFF

    def symbol(v: int) -> str | None:
        f = program.findfunc(v)
        return f"<{f.name}+{v - f.entry:#x}>" if f else None

    return traceback_hexdump((gp.stack_lo, gp.stack_hi), frame.sp, frame.fp, read_byte, symbol)
