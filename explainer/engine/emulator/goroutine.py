"""The runtime around the emulated goroutine: its g, m and p where the real ones sat, and its stack.

The goroutine's ``g`` sits where goroutine 1's g sat in the reference crash logs, with ``stack.lo``,
``stack.hi`` and ``stackguard0`` at their real offsets (runtime2.go), so the prologue's stack check
reads real values; ``g.m`` points at an M with a P (go1.26's asyncPreempt reads ``g.m.p.xRegs``), and
``g.preemptStop`` is where the release's asyncPreempt2 reads it (``Release.g_preempt_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..releases.table import Release
from .unicorn_cpu import Cpu

#: goroutine 1's g in the reference logs (``gp=0x40000021c0``).
G_ADDR = 0x40000021C0
#: Where the g/m/p mapping starts, and ends: goroutine stacks must start at or above its end.
G_PAGE = 0x4000000000
RUNTIME_PAGES_END = G_PAGE + 0x60000
#: Where arguments a user places in memory go (``explainer open --args bytes:...``): in the heap arena,
#: above the g/m/p pages and the default goroutine stack, where the runtime would have allocated them.
ARGUMENTS_BASE = 0x4000200000
_M_ADDR = 0x4000040000
_P_ADDR = 0x4000050000
#: Offsets in runtime.g (runtime2.go): stack.lo, stack.hi, stackguard0, m.
G_STACK_LO, G_STACK_HI, G_STACKGUARD0, G_M = 0, 8, 16, 48
#: Offset of m.p in runtime.m (go1.26's asyncPreempt loads it).
M_P = 208
#: _StackGuard on linux/arm64 (928 * stackGuardMultiplier + StackSystem).
STACK_GUARD = 928
#: newproc1: stktopsp = stack.hi - alignUp(4*PtrSize + MinFrameSize, 16) = hi - 48.
TOP_OFFSET = 48


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


def install(cpu: Cpu, bounds: StackBounds, release: Release, preempt_stop: bool) -> None:
    """Map the g/m/p page and fill in what the code reads: the stack bounds, gp.m, m.p, preemptStop."""
    cpu.map(G_PAGE, RUNTIME_PAGES_END - G_PAGE, "rw")
    for offset, value in ((G_STACK_LO, bounds.lo), (G_STACK_HI, bounds.hi),
                          (G_STACKGUARD0, bounds.stackguard0), (G_M, _M_ADDR)):  # running: gp.m is set
        cpu.write(G_ADDR + offset, value.to_bytes(8, "little"))
    cpu.write(_M_ADDR + M_P, _P_ADDR.to_bytes(8, "little"))
    if release.g_preempt_fields is not None:
        cpu.write(G_ADDR + release.g_preempt_fields[0], bytes([1 if preempt_stop else 0]))
