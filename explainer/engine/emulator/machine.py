"""A live CPU running a Go-shaped program on one goroutine stack.

``Machine`` runs the program (``unicorn_cpu.Cpu``, the one binding to the emulator) around the
runtime's g, m and p (``goroutine``); callers get immutable :class:`Snapshot` values. Faults become
:class:`Event` values, never Python exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..arm64.cpu import UcError
from ..errors import ExplainerError
from ..toolchain.program import Program
from .faults import Access, describe
from .goroutine import G_ADDR, G_PAGE, RUNTIME_PAGES_END, StackBounds, install
from .unicorn_cpu import NZCV, PC, SP, Cpu

REG_NAMES = tuple(f"R{i}" for i in range(31)) + ("RSP",)
_MASK = (1 << 64) - 1
#: The most instructions one run may execute (to a point, or to a step): a minute at most of native
#: emulation on one core of a loaded 2-core machine. A 2 GiB frame's fast body runs 0.4 G; the 16 MiB
#: cloudflare body (every byte written) 0.2 G; only bigger cloudflare bodies need more.
RUN_LIMIT = 4_000_000_000
#: Instructions run natively between two progress reports (a few milliseconds).
_CHUNK = 1 << 20
#: Runs this short count their blocks from the start (no replay when they stop early).
_SHORT_RUN = 1 << 16

Progress = Callable[[int], None]
"""Told, between chunks of a long run, how many instructions it has run; raise Cancelled to stop it."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something that stopped the emulation."""

    kind: str
    """returned, fault, stub, limit."""
    text: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The CPU after some number of steps into main.big_stack."""

    step: int
    """Instructions executed since main.big_stack's entry."""
    pc: int
    regs: tuple[int, ...]
    """R0..R30 then RSP."""
    nzcv: int
    changed: frozenset[str]
    """Register names (R0.., RSP, PC) that the last step changed."""
    event: Event | None = None

    def reg(self, name: str) -> int:
        """A register by Go name: R0..R30, RSP (also R27 REGTMP, R28 g, R29 FP, R30 LR)."""
        return self.regs[REG_NAMES.index(name)]

    @property
    def sp(self) -> int:
        """RSP."""
        return self.regs[31]


_CHANGED: dict[frozenset[str], frozenset[str]] = {}


def _interned(names: frozenset[str]) -> frozenset[str]:
    """One object per set of changed registers: a trace of 100,000 steps holds a few dozen sets."""
    if len(_CHANGED) > 4096:  # a bound, should register sets ever be many
        _CHANGED.clear()
    return _CHANGED.setdefault(names, names)


class Machine:
    """One goroutine running ``program`` on ``bounds``; starts at main.big_stack's entry."""

    def __init__(self, program: Program, bounds: StackBounds, preempt_stop: bool = True) -> None:
        self.program = program
        self.bounds = bounds
        self._check_code()
        self._preempt_stop = preempt_stop
        self._start()

    def _start(self) -> None:
        """A fresh CPU at main.big_stack's entry (again, for a replay)."""
        self._cpu = Cpu()
        self._map_text()
        self._map_stack()
        install(self._cpu, self.bounds, self.program.version.release, self._preempt_stop)
        self.step_count = 0
        self.event: Event | None = None
        self._enter_target()
        self._changed_by_hand = False
        """pushCall wrote here: a replay from the entry would not come back to this state."""

    # --- set-up ---

    def _map_text(self) -> None:
        """The program's memory images (a real binary's segments), then its functions' code over them.

        Also starts recording invalid accesses, so a fault can be told in words (faults.py).
        """
        self._access: Access | None = None

        def on_invalid(kind: int, address: int, size: int) -> None:
            self._access = Access(kind, address, size)

        self._cpu.on_invalid(on_invalid)
        pages: dict[int, str] = {}
        for image in self.program.memory:
            self._check_image(image.name, image.address, image.end)
            rights = "r" + ("w" if image.writable else "") + ("x" if image.executable else "")
            for page in range(image.address & ~0xFFF, image.end, 0x1000):
                pages[page] = _union(pages.get(page, ""), rights)
        for f in self.program.functions:
            for page in range(f.entry & ~0xFFF, f.end, 0x1000):
                pages[page] = _union(pages.get(page, ""), "rx")
        for lo, hi, rights in _runs(pages):
            self._cpu.map(lo, hi - lo, rights)
        for image in self.program.memory:
            self._cpu.write(image.address, image.data)
        for addr, code in self.program.text.items():
            self._cpu.write(addr, code)

    def _check_image(self, name: str, lo: int, hi: int) -> None:
        """A binary's segment must not lie where the model keeps g, m and p, or the stack."""
        for what, a, b in (("g, m and p", G_PAGE, RUNTIME_PAGES_END),
                           ("the goroutine stack", self.bounds.lo & ~0xFFF, self.bounds.hi)):
            if lo < b and a < hi:
                raise ExplainerError(f"the binary's {name or 'memory'} ({lo:#x}-{hi:#x}) lies where the lab "
                                     f"keeps {what} ({a:#x}-{b:#x}): choose another --stack, or the lab "
                                     "cannot load it")

    @property
    def cpu(self) -> Cpu:
        """The CPU (``unicorn_cpu.Cpu``), for the sweep's hooks and tests that write memory.

        Whoever takes it may change the state behind the machine's back, so from then on the machine
        never replays itself from the entry to count a run (``_counted_run``): it counts blocks.
        """
        self._changed_by_hand = True
        return self._cpu

    def release(self) -> None:
        """Give the CPU's memory back now, when the machine is done with (a big frame's stack is GiBs)."""
        self._cpu.release()

    def _check_code(self) -> None:
        """The functions' code must not lie on the goroutine stack (``_check_image`` does the rest)."""
        b = self.bounds
        for f in self.program.functions:
            if f.entry < b.hi and b.lo < f.end:
                raise ExplainerError(f"bad stack {b.lo:#x}-{b.hi:#x}: it overlaps {f.name}'s code "
                                     f"({f.entry:#x}-{f.end:#x}); choose a stack elsewhere")

    def _map_stack(self) -> None:
        lo, hi = self.bounds.lo & ~0xFFF, (self.bounds.hi + 0xFFF) & ~0xFFF
        self._cpu.map(lo, hi - lo, "rw")

    def _enter_target(self) -> None:
        """newproc's start: SP = stktopsp, LR = goexit+4, PC = runtime.main; run to big_stack."""
        for n in range(31):
            self._cpu.set_reg(n, 0)
        self._cpu.set_reg(SP, self.bounds.stktopsp)
        self._cpu.set_reg(30, self.program.symbol("runtime.goexit") + 4)
        self._cpu.set_reg(28, G_ADDR)
        start, target = self.program.symbol("runtime.main"), self.program.target.entry
        ev = self._run(start, target, 10_000)
        if self.pc != target:
            raise RuntimeError(f"set-up did not reach main.big_stack: {ev}")
        for name, value in self.program.registers:  # the arguments, as the caller passes them
            self.set_reg(name, value)
        self.event = None
        self.step_count = 0

    # --- memory and registers ---

    def read_u64(self, addr: int) -> int:
        """One little-endian word; 0 if unmapped (the unwinder would fault: see Event)."""
        try:
            return int.from_bytes(self._cpu.read(addr, 8), "little")
        except UcError:
            return 0

    def read_bytes(self, addr: int, size: int) -> bytes:
        """Raw memory; empty if any of it is unmapped."""
        try:
            return self._cpu.read(addr, size)
        except UcError:
            return b""

    def write_u64(self, addr: int, value: int) -> None:
        """Write one word (pushCall and the runtime's own stores)."""
        self._changed_by_hand = True
        self._cpu.write(addr, (value & _MASK).to_bytes(8, "little"))

    @property
    def pc(self) -> int:
        """The current PC."""
        return self._cpu.reg(PC)

    def regs(self) -> tuple[int, ...]:
        """R0..R30 then RSP."""
        return self._cpu.regs()

    def set_reg(self, name: str, value: int) -> None:
        """Set R0..R30, RSP or PC by Go name."""
        self._changed_by_hand = True
        self._cpu.set_reg({"PC": PC, "RSP": SP}.get(name) or int(name[1:]), value)

    def snapshot(self, previous: Snapshot | None = None) -> Snapshot:
        """The current state as a value; ``changed`` is relative to ``previous``."""
        regs = self.regs()
        changed: set[str] = set()
        if previous is not None:
            changed = {n for n, a, b in zip(REG_NAMES, regs, previous.regs, strict=True) if a != b}
            if self.pc != previous.pc + 4:
                changed.add("PC")
            # The same int objects where nothing changed: a long trace holds few distinct values.
            regs = tuple(b if a == b else a for a, b in zip(regs, previous.regs, strict=True))
        return Snapshot(self.step_count, self.pc, regs, self._cpu.reg(NZCV),
                        _interned(frozenset(changed)), self.event)

    # --- running ---

    def _run(self, begin: int, until: int, count: int) -> Event | None:
        fault = None
        self._access = None
        try:
            self._cpu.run(begin, until, count)
        except UcError as err:
            word = self.read_bytes(self.pc, 4)
            fault = Event("fault", describe(err, self.pc, self._access, self.program,
                                            int.from_bytes(word, "little") if word else None, self.regs()))
        f = self.program.findfunc(self.pc)
        if f is not None and f.stop:  # a stub's BRK faults: it is the stop, not a crash
            return Event("stub", f"reached {f.name}")
        return fault

    def step(self) -> Event | None:
        """Execute one instruction of the goroutine."""
        return self.advance(1)

    def advance(self, count: int, progress: Progress | None = None) -> Event | None:
        """Execute exactly ``count`` instructions natively, or fewer when main.big_stack returns first.

        ``step_count`` is exact either way: a step past the return stands at the return, counted.
        (Before, the run went on through main.main's loop, which calls big_stack forever.)

        Raises:
            Cancelled: ``progress`` asked to stop (the machine stands at an exact, earlier step).
        """
        if count <= 0 or self.event is not None:
            return self.event
        back = self._back_in_main
        ev = self._counted_run((back,), count, progress)
        if ev is None and self.pc == back:
            ev = self._returned()
        self.event = ev
        return ev

    def run_until(self, pc: int, limit: int = RUN_LIMIT, progress: Progress | None = None) -> Event | None:
        """Run natively until ``pc`` (not executed), the return from main.big_stack, or ``limit``.

        Returns the event that stopped the CPU, or a ``limit`` event (the CPU may run on from
        there), or None at ``pc``.

        Raises:
            Cancelled: ``progress`` asked to stop (the machine stands at an exact, earlier step).
        """
        back = self._back_in_main
        start = self.step_count
        ev = self._counted_run((pc, back), limit, progress)
        if ev is None and self.pc == back and pc != back:
            ev = self._returned()
        self.event = ev
        if ev is None and self.pc != pc and self.step_count - start >= limit:
            return Event("limit", f"stopped after {limit:,} instructions, the most one run may execute")
        return ev

    @property
    def _back_in_main(self) -> int:
        return self.program.return_address_after("main.main", self.program.target.name)

    def _counted_run(self, exits: tuple[int, ...], limit: int, progress: Progress | None) -> Event | None:
        """Run until an exit (not executed), a stop, or ``limit`` instructions; add exactly what ran.

        Unicorn's own instruction count is fast (about five times a block hook's) but says nothing of
        how many ran when the CPU stops early, at an exit or a fault. So the run goes in chunks of
        that count; when a chunk stops early, the CPU is rebuilt and replayed natively to the chunk's
        start, and that one chunk runs again counting its blocks. Between chunks ``progress`` hears
        how far the run got, and may cancel it: the machine then stands at an exact step. A machine
        its callers changed by hand (pushCall) cannot be replayed, so it counts blocks all along, as
        short runs do.
        """
        if self.pc in exits:
            return None
        self._cpu.stop_at(exits)
        try:
            if 1 < limit <= _SHORT_RUN or self._changed_by_hand:
                return self._count_blocks(exits, limit, progress)
            ran = 0
            while ran < limit:
                n = min(_CHUNK, limit - ran)
                before = self.step_count
                ev = self._run(self.pc, 0, n)
                if ev is None and self.pc not in exits:
                    self.step_count += n
                    ran += n
                    if progress is not None and ran < limit:
                        progress(ran)
                    continue
                if n == 1:  # one instruction ran (a fault counts: the CPU stood at its PC)
                    self.step_count += 1
                    return ev
                self._replay(before, exits, progress, ran)
                return self._count_blocks(exits, n, None)
            return None
        finally:
            self._cpu.stop_at_until()  # ``until`` again, for the set-up and the sweep's own runs

    def _count_blocks(self, exits: tuple[int, ...], limit: int, progress: Progress | None) -> Event | None:
        """Run with a block hook that counts what runs: exact wherever the CPU stops."""
        counted = [0]
        rest = [0]

        def on_block(address: int, size: int) -> None:
            n = size // 4
            if address in exits:  # unicorn stops there before the block runs
                return
            if counted[0] + n > limit:  # the limit falls inside this block: finish it by native count
                rest[0] = limit - counted[0]
                self._cpu.stop()  # before this block runs
                return
            if progress is not None and counted[0] // _CHUNK != (counted[0] + n) // _CHUNK:
                progress(counted[0])  # may raise Cancelled: emulation stops before this block
            counted[0] += n

        h = self._cpu.on_block(on_block)
        # A block hook fires only for code translated after it was added: drop every translated block,
        # or a loop already run natively would go uncounted.
        self._cpu.forget_all_code()
        try:
            ev = self._run(self.pc, 0, 0)
        finally:
            self._cpu.unhook(h)
            self._cpu.forget_all_code()
            self.step_count += counted[0]  # whole blocks are exactly what ran
        if ev is None and rest[0]:
            ev = self._run(self.pc, 0, rest[0])
            self.step_count += rest[0]
        return ev

    def _replay(self, step: int, exits: tuple[int, ...], progress: Progress | None, ran: int) -> None:
        """A fresh CPU run natively to ``step``, a step this machine reached before.

        ``progress`` hears ``ran`` (how far the run being repeated got) between chunks, and may cancel.
        """
        self._cpu.release()
        self._start()
        while self.step_count < step:  # no exits: the way here may pass them
            n = min(_CHUNK, step - self.step_count)
            self._run(self.pc, 0, n)
            self.step_count += n
            if progress is not None:
                progress(ran)
        self._cpu.stop_at(exits)

    def run_to_first(self, pcs: frozenset[int], limit: int = 50_000_000) -> tuple[int | None, Event | None]:
        """A probe: run until one of ``pcs`` is about to run, the target returns or the CPU stops.

        Returns the PC reached (None if none was) and the event that stopped the run. Which of several
        epilogues a path leaves by is known only by running it; the step count is not kept, so the
        machine is for this question only.
        """
        reached: list[int] = []

        def on_code(pc: int) -> None:
            reached.append(pc)
            self._cpu.stop()  # before the instruction runs

        back = self.program.return_address_after("main.main", self.program.target.name)
        watched = sorted(pcs | {back})
        hooks = [self._cpu.on_code(on_code, pc, pc) for pc in watched]
        for pc in watched:  # hooks see only code translated after they exist
            self._cpu.forget_code(pc, pc + 4)
        try:
            ev = self._run(self.pc, 0, limit)
        finally:
            for h in hooks:
                self._cpu.unhook(h)
        self.event = ev or Event("probe", "a probe run: step it no further")
        if reached and reached[0] in pcs:
            return reached[0], None
        return None, ev if ev is not None else self._returned() if reached else Event(
            "limit", f"none reached in {limit:,} instructions")

    # --- the stack check's other path: morestack, newstack, gogo ---

    def morestack_tail(self) -> tuple[int, int] | None:
        """The target's morestack tail: (its first instruction, the one after its CALL), or None.

        ``MOVD R0, 8(RSP) ; MOVD R30, R3 ; CALL runtime.morestack_noctxt ; MOVD 8(RSP), R0 ;
        JMP entry`` (obj7.go stacksplit): the stack check branches to its first instruction when the
        frame does not fit, and gogo resumes the goroutine at the one after the CALL.
        """
        tail = [i for i in self.program.target.instructions if i.role == "morestack"]
        call = next((i for i in tail if i.go.startswith("CALL runtime.morestack")), None)
        return (tail[0].pc, call.pc + 4) if tail and call is not None else None

    def take_morestack_path(self) -> None:
        """Stand where the stack check's branch goes when the frame does not fit (the tail's start).

        The goroutine's first call does this on its small starting stack; here the machine's stack
        stands for the one runtime.newstack grows it to.
        """
        tail = self.morestack_tail()
        if tail is not None:
            self.set_reg("PC", tail[0])  # by hand: a replay from the entry would not come here
            self.event = None

    @property
    def in_morestack(self) -> bool:
        """The CPU stands in runtime.morestack (its stand-in stops at the entry): the tail's CALL ran."""
        f = self.program.findfunc(self.pc)
        return f is not None and f.name.startswith("runtime.morestack")

    def return_from_morestack(self) -> None:
        """Resume as gogo does after runtime.newstack grew the stack: at the instruction after the
        CALL, with LR = the caller's PC the tail saved in R3.

        runtime/asm_arm64.s (go1.23.4): morestack stores ``RSP`` in gobuf_sp, ``R29`` in gobuf_bp,
        ``LR`` (the CALL's return address) in gobuf_pc and ``R3`` in gobuf_lr (:310-313); newstack
        ends in ``gogo(&gp.sched)`` (stack.go:1131), which restores RSP, R29 and LR from them
        (:148-151) and branches to gobuf_pc (:160-161). The copy to the new stack is the machine's
        own stack here, so RSP and R29 stay as they are.
        """
        regs = self.regs()
        self.set_reg("PC", regs[30])
        self.set_reg("R30", regs[3])
        self.event = None

    def _returned(self) -> Event:
        return Event("returned", f"{self.program.target_name} returned to main.main at {self.pc:#x}")


def _union(a: str, b: str) -> str:
    """Page rights held by both images: r, rw, rx or rwx."""
    both = set(a) | set(b)
    return "".join(c for c in "rwx" if c in both)


def _runs(pages: dict[int, str]) -> list[tuple[int, int, str]]:
    """Pages (address -> rights) as maximal runs of adjacent pages with the same rights."""
    out: list[tuple[int, int, str]] = []
    for page in sorted(pages):
        rights = pages[page]
        if out and out[-1][1] == page and out[-1][2] == rights:
            out[-1] = (out[-1][0], page + 0x1000, rights)
        else:
            out.append((page, page + 0x1000, rights))
    return out
