"""A live CPU running a Go-shaped program on one goroutine stack.

``Machine`` runs the program (``unicorn_cpu.Cpu``, the one binding to the emulator) around the
runtime's g, m and p (``goroutine``); callers get immutable :class:`Snapshot` values. Faults become
:class:`Event` values, never Python exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arm64.cpu import UcError
from ..errors import ExplainerError
from ..toolchain.program import Program
from .faults import Access, describe
from .goroutine import G_ADDR, G_PAGE, RUNTIME_PAGES_END, StackBounds, install
from .unicorn_cpu import NZCV, PC, SP, Cpu

REG_NAMES = tuple(f"R{i}" for i in range(31)) + ("RSP",)
_MASK = (1 << 64) - 1


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
        self.cpu = Cpu()
        """The CPU (``unicorn_cpu.Cpu``): for the sweep's hooks; everything else goes through methods."""
        self._map_text()
        self._map_stack()
        install(self.cpu, bounds, program.version.release, preempt_stop)
        self.step_count = 0
        self.event: Event | None = None
        self._enter_target()

    # --- set-up ---

    def _map_text(self) -> None:
        """The program's memory images (a real binary's segments), then its functions' code over them.

        Also starts recording invalid accesses, so a fault can be told in words (faults.py).
        """
        self._access: Access | None = None

        def on_invalid(kind: int, address: int, size: int) -> None:
            self._access = Access(kind, address, size)

        self.cpu.on_invalid(on_invalid)
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
            self.cpu.map(lo, hi - lo, rights)
        for image in self.program.memory:
            self.cpu.write(image.address, image.data)
        for addr, code in self.program.text.items():
            self.cpu.write(addr, code)

    def _check_image(self, name: str, lo: int, hi: int) -> None:
        """A binary's segment must not lie where the model keeps g, m and p, or the stack."""
        for what, a, b in (("g, m and p", G_PAGE, RUNTIME_PAGES_END),
                           ("the goroutine stack", self.bounds.lo & ~0xFFF, self.bounds.hi)):
            if lo < b and a < hi:
                raise ExplainerError(f"the binary's {name or 'memory'} ({lo:#x}-{hi:#x}) lies where the lab "
                                     f"keeps {what} ({a:#x}-{b:#x}): choose another --stack, or the lab "
                                     "cannot load it")

    def _map_stack(self) -> None:
        lo, hi = self.bounds.lo & ~0xFFF, (self.bounds.hi + 0xFFF) & ~0xFFF
        self.cpu.map(lo, hi - lo, "rw")

    def _enter_target(self) -> None:
        """newproc's start: SP = stktopsp, LR = goexit+4, PC = runtime.main; run to big_stack."""
        for n in range(31):
            self.cpu.set_reg(n, 0)
        self.cpu.set_reg(SP, self.bounds.stktopsp)
        self.cpu.set_reg(30, self.program.symbol("runtime.goexit") + 4)
        self.cpu.set_reg(28, G_ADDR)
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
            return int.from_bytes(self.cpu.read(addr, 8), "little")
        except UcError:
            return 0

    def read_bytes(self, addr: int, size: int) -> bytes:
        """Raw memory; empty if any of it is unmapped."""
        try:
            return self.cpu.read(addr, size)
        except UcError:
            return b""

    def write_u64(self, addr: int, value: int) -> None:
        """Write one word (pushCall and the runtime's own stores)."""
        self.cpu.write(addr, (value & _MASK).to_bytes(8, "little"))

    @property
    def pc(self) -> int:
        """The current PC."""
        return self.cpu.reg(PC)

    def regs(self) -> tuple[int, ...]:
        """R0..R30 then RSP."""
        return tuple(self.cpu.reg(n) for n in range(32))

    def set_reg(self, name: str, value: int) -> None:
        """Set R0..R30, RSP or PC by Go name."""
        self.cpu.set_reg({"PC": PC, "RSP": SP}.get(name) or int(name[1:]), value)

    def snapshot(self, previous: Snapshot | None = None) -> Snapshot:
        """The current state as a value; ``changed`` is relative to ``previous``."""
        regs = self.regs()
        changed: set[str] = set()
        if previous is not None:
            changed = {n for n, a, b in zip(REG_NAMES, regs, previous.regs, strict=True) if a != b}
            if self.pc != previous.pc + 4:
                changed.add("PC")
        return Snapshot(self.step_count, self.pc, regs, self.cpu.reg(NZCV),
                        frozenset(changed), self.event)

    # --- running ---

    def _run(self, begin: int, until: int, count: int) -> Event | None:
        fault = None
        self._access = None
        try:
            self.cpu.run(begin, until, count)
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

        def on_block(address: int, size: int) -> None:
            if address == back_in_main:  # big_stack returned: ``pc`` will never come
                self.cpu.stop()
                return
            counted[0] += size // 4

        h = self.cpu.on_block(on_block)
        # A block hook fires only for code translated after it was added: forget every translated block of
        # the program, or a loop already run by advance() (single steps into the body) goes uncounted.
        text = self.program.functions
        self.cpu.forget_code(min(f.entry for f in text), max(f.end for f in text))
        start = self.pc
        try:
            ev = self._run(start, pc, limit)
        finally:
            self.cpu.unhook(h)
        # unicorn ends a translated block at ``until``, so whole blocks are exactly what ran.
        self.step_count += counted[0]
        if ev is None and self.pc == back_in_main and pc != back_in_main:
            ev = self._returned()
        self.event = ev
        return ev

    def run_to_first(self, pcs: frozenset[int], limit: int = 50_000_000) -> tuple[int | None, Event | None]:
        """A probe: run until one of ``pcs`` is about to run, the target returns or the CPU stops.

        Returns the PC reached (None if none was) and the event that stopped the run. Which of several
        epilogues a path leaves by is known only by running it; the step count is not kept, so the
        machine is for this question only.
        """
        reached: list[int] = []

        def on_code(pc: int) -> None:
            reached.append(pc)
            self.cpu.stop()  # before the instruction runs

        back = self.program.return_address_after("main.main", self.program.target.name)
        watched = sorted(pcs | {back})
        hooks = [self.cpu.on_code(on_code, pc, pc) for pc in watched]
        for pc in watched:  # hooks see only code translated after they exist
            self.cpu.forget_code(pc, pc + 4)
        try:
            ev = self._run(self.pc, 0, limit)
        finally:
            for h in hooks:
                self.cpu.unhook(h)
        self.event = ev or Event("probe", "a probe run: step it no further")
        if reached and reached[0] in pcs:
            return reached[0], None
        return None, ev if ev is not None else self._returned() if reached else Event(
            "limit", f"none reached in {limit:,} instructions")

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
