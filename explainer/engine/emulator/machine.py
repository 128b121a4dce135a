"""A live unicorn CPU running a Go-shaped program on one goroutine stack.

``Machine`` owns the emulator; callers get immutable :class:`Snapshot` values.
Faults become :class:`Event` values, never Python exceptions. The goroutine's
``g`` sits where goroutine 1's g sat in the reference crash logs, with
``stack.lo``, ``stack.hi`` and ``stackguard0`` at their real offsets (0, 8, 16),
so the prologue's stack check reads real values.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arm64 import cpu
from ..toolchain.program import Program

#: goroutine 1's g in the reference logs (``gp=0x40000021c0``).
G_ADDR = 0x40000021C0
_G_PAGE = 0x4000000000
#: End of the g/m/p mapping: goroutine stacks must start at or above it.
RUNTIME_PAGES_END = _G_PAGE + 0x60000
_M_ADDR = 0x4000040000  # an M with a P, for go1.26's asyncPreempt (g.m.p.xRegs)
_P_ADDR = 0x4000050000
#: Offsets in runtime.g (runtime2.go): stack.lo, stack.hi, stackguard0, m.
G_STACK_LO, G_STACK_HI, G_STACKGUARD0, G_M = 0, 8, 16, 48
#: _StackGuard on linux/arm64 (928 * stackGuardMultiplier + StackSystem).
STACK_GUARD = 928
#: newproc1: stktopsp = stack.hi - alignUp(4*PtrSize + MinFrameSize, 16) = hi - 48.
TOP_OFFSET = 48
REG_NAMES = tuple(f"R{i}" for i in range(31)) + ("RSP",)
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class StackBounds:
    """A goroutine stack ``[lo, hi)``."""

    lo: int
    hi: int

    @property
    def stktopsp(self) -> int:
        """Where newproc1 leaves the first SP (runtime/proc.go)."""
        return self.hi - TOP_OFFSET

    @property
    def stackguard0(self) -> int:
        """stack.lo + _StackGuard."""
        return self.lo + STACK_GUARD


@dataclass(frozen=True)
class Event:
    """Something that stopped the emulation."""

    kind: str
    """returned, fault, stub, limit."""
    text: str


@dataclass(frozen=True)
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


class Machine:
    """One goroutine running ``program`` on ``bounds``; starts at main.big_stack's entry."""

    def __init__(self, program: Program, bounds: StackBounds, preempt_stop: bool = True) -> None:
        self.program = program
        self.bounds = bounds
        self.uc = cpu.new_emulator()
        self._map_text()
        self._map_stack()
        self._map_runtime(preempt_stop)
        self.step_count = 0
        self.event: Event | None = None
        self._enter_target()

    # --- set-up ---

    def _map_text(self) -> None:
        lo = min(f.entry for f in self.program.functions) & ~0xFFF
        hi = (max(f.end for f in self.program.functions) + 0xFFF) & ~0xFFF
        self.uc.mem_map(lo, hi - lo, cpu.UC_PROT_READ_EXEC)
        for addr, code in self.program.text.items():
            self.uc.mem_write(addr, code)

    def _map_stack(self) -> None:
        lo, hi = self.bounds.lo & ~0xFFF, (self.bounds.hi + 0xFFF) & ~0xFFF
        self.uc.mem_map(lo, hi - lo, cpu.UC_PROT_READ_WRITE)

    def _map_runtime(self, preempt_stop: bool) -> None:
        self.uc.mem_map(_G_PAGE, RUNTIME_PAGES_END - _G_PAGE, cpu.UC_PROT_READ_WRITE)
        self.write_u64(G_ADDR + G_STACK_LO, self.bounds.lo)
        self.write_u64(G_ADDR + G_STACK_HI, self.bounds.hi)
        self.write_u64(G_ADDR + G_STACKGUARD0, self.bounds.stackguard0)
        self.write_u64(G_ADDR + G_M, _M_ADDR)  # running: gp.m is set
        self.write_u64(_M_ADDR + 208, _P_ADDR)  # m.p (go1.26+ asyncPreempt reads it)
        fields = self.program.version.release.g_preempt_fields
        if fields is not None:  # g.preemptStop, as the release's asyncPreempt2 reads it
            self.uc.mem_write(G_ADDR + fields[0], bytes([1 if preempt_stop else 0]))

    def _enter_target(self) -> None:
        """newproc's start: SP = stktopsp, LR = goexit+4, PC = runtime.main; run to big_stack."""
        for reg in cpu.UC_X:
            self.uc.reg_write(reg, 0)
        self.uc.reg_write(cpu.UC_SP, self.bounds.stktopsp)
        self.uc.reg_write(cpu.UC_X[30], self.program.symbol("runtime.goexit") + 4)
        self.uc.reg_write(cpu.UC_X[28], G_ADDR)
        start, target = self.program.symbol("runtime.main"), self.program.target.entry
        ev = self._run(start, target, 10_000)
        if self.pc != target:
            raise RuntimeError(f"set-up did not reach main.big_stack: {ev}")
        self.event = None
        self.step_count = 0

    # --- memory and registers ---

    def read_u64(self, addr: int) -> int:
        """One little-endian word; 0 if unmapped (the unwinder would fault: see Event)."""
        try:
            return int.from_bytes(self.uc.mem_read(addr, 8), "little")
        except cpu.UcError:
            return 0

    def read_bytes(self, addr: int, size: int) -> bytes:
        """Raw memory; empty if any of it is unmapped."""
        try:
            return bytes(self.uc.mem_read(addr, size))
        except cpu.UcError:
            return b""

    def write_u64(self, addr: int, value: int) -> None:
        """Write one word (pushCall and the runtime's own stores)."""
        self.uc.mem_write(addr, (value & _MASK).to_bytes(8, "little"))

    @property
    def pc(self) -> int:
        """The current PC."""
        return int(self.uc.reg_read(cpu.UC_PC))

    def regs(self) -> tuple[int, ...]:
        """R0..R30 then RSP."""
        return tuple(int(self.uc.reg_read(r)) for r in cpu.UC_X) + (int(self.uc.reg_read(cpu.UC_SP)),)

    def set_reg(self, name: str, value: int) -> None:
        """Set R0..R30, RSP or PC by Go name."""
        if name == "PC":
            self.uc.reg_write(cpu.UC_PC, value)
        elif name == "RSP":
            self.uc.reg_write(cpu.UC_SP, value)
        else:
            self.uc.reg_write(cpu.UC_X[int(name[1:])], value)

    def snapshot(self, previous: Snapshot | None = None) -> Snapshot:
        """The current state as a value; ``changed`` is relative to ``previous``."""
        regs = self.regs()
        changed: set[str] = set()
        if previous is not None:
            changed = {n for n, a, b in zip(REG_NAMES, regs, previous.regs, strict=True) if a != b}
            if self.pc != previous.pc + 4:
                changed.add("PC")
        return Snapshot(self.step_count, self.pc, regs, int(self.uc.reg_read(cpu.UC_NZCV)),
                        frozenset(changed), self.event)

    # --- running ---

    def _run(self, begin: int, until: int, count: int) -> Event | None:
        fault = None
        try:
            self.uc.emu_start(begin, until, count=count)
        except cpu.UcError as err:
            fault = Event("fault", f"{err} at PC {self.pc:#x}")
        f = self.program.findfunc(self.pc)
        if f is not None and f.stop:  # a stub's BRK faults: it is the stop, not a crash
            return Event("stub", f"reached {f.name}")
        return fault

    def step(self) -> Event | None:
        """Execute one instruction of the goroutine."""
        return self.advance(1)

    def advance(self, count: int) -> Event | None:
        """Execute exactly ``count`` instructions natively (replaying a trace to its Nth step)."""
        if count <= 0 or self.event is not None:
            return self.event
        ev = self._run(self.pc, 0, count)
        self.step_count += count
        if ev is None and self.program.findfunc(self.pc) is self.program.by_name.get("main.main"):
            ev = self._returned()
        self.event = ev
        return ev

    def run_until(self, pc: int, limit: int = 50_000_000) -> Event | None:
        """Run natively until ``pc`` (not executed), counting instructions with a block hook."""
        counted = [0]
        back_in_main = self.program.return_address_after("main.main", self.program.target.name)

        def on_block(uc: object, address: int, size: int, user: object) -> None:
            if address == back_in_main:  # big_stack returned: ``pc`` will never come
                self.uc.emu_stop()
                return
            counted[0] += size // 4

        h = self.uc.hook_add(cpu.UC_HOOK_BLOCK, on_block)
        self.uc.ctl_remove_cache(back_in_main, back_in_main + 4)  # hooks see only freshly translated code
        start = self.pc
        try:
            ev = self._run(start, pc, limit)
        finally:
            self.uc.hook_del(h)
        # unicorn ends a translated block at ``until``, so whole blocks are exactly what ran.
        self.step_count += counted[0]
        if ev is None and self.pc == back_in_main and pc != back_in_main:
            ev = self._returned()
        self.event = ev
        return ev

    def _returned(self) -> Event:
        return Event("returned", f"{self.program.target_name} returned to main.main at {self.pc:#x}")
