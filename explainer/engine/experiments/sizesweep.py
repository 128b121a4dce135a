"""Unsafe instructions against frame size: where the split release starts and where it stops.

Whether a frame's release is split is a property of one constant, the frame size,
and of the order of asm7.go's checks (immediates.py): one ADD for a 12-bit value
or one shifted by 12, R27 for a MOVZ/MOVN or bitmask value, two ADDs for any other
value below 16 MiB, R27 again above. So "over 64 KiB" is not the rule, and a plot
over sizes shows it better than a sentence: a cliff at 64 KiB, dips at every
multiple of 4 KiB and at the bitmask values, and an edge at 16 MiB.

Each point is a real sweep (``sweep.sweep``) of the reproducer at that size, not
a reading of ``add_plan``; the plan is recorded next to it so the two can be
compared (the tests do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..arm64.immediates import AddPlan, add_plan, movd_const
from ..emulator.goroutine import StackBounds
from ..errors import ExplainerError
from ..releases.versions import DEFAULT_VERSION, GoVersion
from ..runtime.outcome import Outcome
from ..toolchain.bigstack import Buffer, body, min_frame
from .experiment import effective_stack
from .scenario import Scenario
from .sweep import sweep

KiB = 1 << 10
MiB = 1 << 20
#: The largest frame ``default_sizes`` offers: two doublings past the 16 MiB edge cost seconds each.
DEFAULT_LIMIT = 32 * MiB

#: Sizes at the edges of the constant classes, each worked out from the ARM encodings.
_EDGES = (
    4080,       # 0xff0: the largest 12-bit immediate that is a multiple of 16
    4096,       # 0x1000: imm12=1 shifted by 12
    4112,       # 0x1010: no ADD immediate, one MOVZ -> R27
    65520,      # 0xfff0: still one MOVZ (16 bits)
    65536,      # 0x10000: imm12=0x10 shifted by 12
    65552,      # 0x10010: the published leaf frame, two ADDs
    65568,
    65584,      # 0x10030: fast_nonleaf.go's frame, two ADDs
    69632,      # 0x11000: a multiple of 4 KiB, one shifted ADD
    129024,     # 0x1f800: bits 11..16 set, a bitmask -> ORR into R27
    131056,     # 0x1fff0: bits 4..16 set, a bitmask -> ORR into R27
    1048560,    # 0xffff0: bits 4..19 set, a bitmask
    1048576,    # 0x100000: imm12=0x100 shifted by 12
    1048592,    # 0x100010: two ADDs
    16773120,   # 0xfff000: the largest shifted immediate
    16777168,   # 0xffffd0: the largest split (0xffffe0 and 0xfffff0 are bitmasks)
    16777200,   # 0xfffff0: bits 4..23 set, a bitmask
    16777216,   # 0x1000000: one MOVZ (0x100 << 16) -> R27
    16777232,   # 0x1000010: 25 bits, MOVZ + MOVK -> R27
)


@dataclass(frozen=True)
class SizePoint:
    """One frame size and what a sweep of it found."""

    size: int
    """The frame size N, in bytes."""
    unsafe: int
    """Instructions where preempting crashes the unwinder."""
    instructions: int
    """Instructions in main.big_stack at this size."""
    plan: str
    """How the epilogue releases the frame: an ``immediates.AddPlan`` name (``SPLIT`` is the bug)."""


@dataclass(frozen=True)
class SizeRange:
    """Consecutive swept sizes with the same number of unsafe instructions."""

    first: int
    last: int
    unsafe: int
    plans: tuple[str, ...]
    """The release plans seen in the range, in size order, each once."""
    sizes: int
    """How many swept sizes the range holds."""


def release_plan(version: GoVersion, size: int, leaf: bool) -> AddPlan:
    """How obj7.go's epilogue gives back ``size`` bytes (mirrors ``frames.epilogue``).

    A leaf frame, and any frame before the fix (golang/go#73259), release with
    ``ADD $size, RSP, RSP``: the assembler's plan for the constant. After the fix a
    non-leaf frame of 4 KiB or more builds the size in R27 with ``MOVD`` and adds R27.
    """
    if leaf or not version.has_nonleaf_fix or size < 1 << 12:
        return add_plan(size)
    movd = movd_const(size, "x27")
    if movd[0].startswith("orr"):
        return AddPlan.R27_ORR
    return AddPlan.R27_MOVZ if len(movd) == 1 else AddPlan.R27_MOVK


def sweep_stack(size: int) -> StackBounds:
    """The stack a sweep of a ``size``-byte frame runs on: ``experiment.effective_stack``'s.

    The default stack doubles downwards until the frame fits; a stack that would grow
    into the page holding g, m and p is placed higher, at the same size.
    """
    return effective_stack(Scenario(DEFAULT_VERSION, max(size, min_frame(True)), leaf=True))


def buildable(size: int, leaf: bool) -> bool:
    """True if the reproducer can be built with this frame (a multiple of 16, big enough, modelled)."""
    if size <= 0 or size % 16 or size < min_frame(leaf):
        return False
    try:
        body(DEFAULT_VERSION, size, leaf, Buffer.FAST)
    except ExplainerError:  # e.g. a non-leaf spill slot past 16 MiB
        return False
    return True


def size_point(version: GoVersion, leaf: bool, size: int) -> SizePoint:
    """Sweep one frame size and count its unsafe instructions."""
    points = sweep(Scenario(version, size, leaf, stack=sweep_stack(size)))
    unsafe = sum(1 for p in points if p.outcome is Outcome.CRASH)
    return SizePoint(size, unsafe, len(points), release_plan(version, size, leaf).name)


def unsafe_by_size(version: GoVersion, leaf: bool, sizes: Iterable[int],
                   progress: Callable[[int, int], None] | None = None) -> list[SizePoint]:
    """Sweep each frame size, in the order given.

    Args:
        version: The Go release.
        leaf: Leaf frame (fast_leaf) or non-leaf (fast_nonleaf).
        sizes: Frame sizes in bytes (multiples of 16, at least ``reproducer.min_frame``).
        progress: Called as ``progress(done, total)`` after each size.

    Raises:
        ExplainerError: A size no scenario can have.
    """
    todo = list(sizes)
    out: list[SizePoint] = []
    for size in todo:
        out.append(size_point(version, leaf, size))
        if progress is not None:
            progress(len(out), len(todo))
    return out


def default_sizes(limit: int = DEFAULT_LIMIT, leaf: bool = True) -> list[int]:
    """Sizes that show every class and its edges, smallest first, up to ``limit`` bytes.

    Powers of two and the next multiple of 16 after each (the first is often one
    shifted ADD, the second two ADDs), one and a half times each plus 16, and the
    edges in ``_EDGES``; only sizes the reproducer can be built with.
    """
    spread: set[int] = set()
    for k in range(5, 32):
        p = 1 << k
        spread |= {p, p + 16, p + p // 2 + 16}
    return sorted(s for s in spread | set(_EDGES) if s <= limit and buildable(s, leaf))


def size_ranges(points: Sequence[SizePoint]) -> list[SizeRange]:
    """Group points, in size order, into runs with the same unsafe count: the class edges."""
    ranges: list[SizeRange] = []
    run: list[SizePoint] = []
    for p in sorted(points, key=lambda q: q.size):
        if run and p.unsafe != run[0].unsafe:
            ranges.append(_range(run))
            run = []
        run.append(p)
    if run:
        ranges.append(_range(run))
    return ranges


def _range(run: list[SizePoint]) -> SizeRange:
    plans = tuple(dict.fromkeys(p.plan for p in run))
    return SizeRange(run[0].size, run[-1].size, run[0].unsafe, plans, len(run))
