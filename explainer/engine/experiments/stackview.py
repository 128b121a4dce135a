"""The goroutine stack as a runtime engineer draws it: annotated words, big regions folded.

The lab shows a 64 KiB frame on a 40-line screen, so the view keeps only the
words that explain the race (each frame's saved LR and FP, the buffer's edges,
the word at SP, what preemption pushed, the slot the unwinder read) and folds
the rest into one row that says how many bytes of what it hides. Every value is
read from emulator memory at the moment the view is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..runtime.preempt import Parked
from ..runtime.unwind import Walk
from ..toolchain.bigstack import buffer_offset, buffer_size
from ..toolchain.program import Program

#: Folds larger than this are not summarised (reading 16 MiB every step would cost frames).
_SUMMARY_LIMIT = 1 << 20


@dataclass(frozen=True)
class StackRow:
    """One row of the drawing: a word, or a folded run of words."""

    addr: int
    """The lowest address the row covers."""
    size: int
    """Bytes covered: 8 for a word, more for a fold."""
    value: int | None
    """The word's value; for a fold, the word every 8 bytes repeat, or None when they differ."""
    meaning: str
    """What the runtime keeps there."""
    frame: str
    """Whose frame the row belongs to (``main.big_stack``, ``runtime.asyncPreempt``, ``free``)."""
    marks: tuple[str, ...] = ()
    """``SP``, ``FP``, ``read`` (the unwinder took the return address here), ``real`` (where it is)."""

    @property
    def folded(self) -> bool:
        """True for a run of more than one word."""
        return self.size > 8


@dataclass(frozen=True)
class StackView:
    """The annotated stack at one moment, high addresses first."""

    rows: tuple[StackRow, ...]
    sp: int
    fp: int
    real_slot: int
    """Where main.big_stack's true return address is: its saved-LR slot, or pushCall's copy of R30."""
    read_slot: int | None = None
    """Where the unwinder read main.big_stack's return address, after an unwind."""

    @property
    def distance(self) -> int | None:
        """Bytes between the slot read and the real one: the bug, measured (0 when they agree)."""
        return None if self.read_slot is None else self.read_slot - self.real_slot


@dataclass(frozen=True)
class FrameLayout:
    """Where each caller's frame sits, fixed by the real frame sizes and stktopsp."""

    top: int
    """stktopsp."""
    runtime_main_sp: int
    main_main_sp: int
    """Also main.big_stack's SP at entry."""
    big_sp: int
    """main.big_stack's SP after the prologue: its return address is stored here."""
    buffer_lo: int
    buffer_hi: int
    target: str = "main.big_stack"
    """The large-frame function's name."""
    locals_name: str = "big_buffer"
    """What its locals are called: the reproducer's buffer, or a real function's locals."""

    @classmethod
    def of(cls, program: Program, stktopsp: int) -> FrameLayout:
        """The layout for ``program`` on a stack whose top is ``stktopsp``."""
        rm = stktopsp - program.by_name["runtime.main"].frame
        mm = rm - program.by_name["main.main"].frame
        big = mm - program.size
        lo = big + buffer_offset(program.leaf, program.version)
        return cls(stktopsp, rm, mm, big, lo, lo + buffer_size(program.size, program.leaf),
                   program.target_name, program.locals_name)


def view(program: Program, stktopsp: int, read: Callable[[int], int], read_bytes: Callable[[int, int], bytes],
         sp: int, fp: int, parked: Parked | None = None, walk: Walk | None = None) -> StackView:
    """The annotated stack for registers ``sp``/``fp``, after ``parked`` and ``walk`` if given."""
    lay = FrameLayout.of(program, stktopsp)
    words: dict[int, str] = {
        lay.top: "stktopsp: top of stack (runtime.goexit)",
        lay.runtime_main_sp: "saved LR → runtime.goexit",
        lay.main_main_sp: "saved LR → runtime.main",
        lay.main_main_sp - 8: "saved FP (runtime.main's R29)",
        lay.big_sp: "saved LR → main.main",
        lay.big_sp - 8: "saved FP (main.main's R29)",
    }
    for a in (lay.buffer_lo, lay.buffer_lo + 8, lay.buffer_hi - 8):
        words.setdefault(a, _buffer_word(lay, a))
    if lay.big_sp < sp < lay.main_main_sp:
        words.setdefault(sp, _frame_word(lay, sp))
    read_slot = None
    if parked is not None:
        # asyncPreempt's frame now covers what lay below the interrupted SP: its old meanings are gone.
        words = {a: w for a, w in words.items() if a >= parked.pushed_at + 16}
        words[parked.pushed_at + 8] = "pushCall: unused half"
        words[parked.pushed_at] = "pushCall: saved LR (R30)"
        words[parked.pushed_at - 8] = "pushCall: saved R29"
        ap_sp = parked.pushed_at - program.by_name["runtime.asyncPreempt"].frame
        words[ap_sp] = "saved LR → resume PC"
        sched = parked.goroutine.sched_sp
        words[sched] = "saved LR → asyncPreempt (gp.sched.sp)"
    if walk is not None:
        step = next((s for s in walk.steps if s.function == program.target.name), None)
        if step is not None and step.slot is not None:
            read_slot = step.slot
            words.setdefault(step.slot, _frame_word(lay, step.slot))
    real_slot = lay.big_sp
    true_lr = program.return_address_after("main.main", program.target.name)
    if parked is not None and parked.saved_lr == true_lr and lay.big_sp < parked.pushed_at + 16:
        # The frame's saved-LR slot is gone (not yet stored, or the epilogue released it and reloaded
        # R30): the return address lives on only in R30, which pushCall saved here.
        real_slot = parked.pushed_at
    if parked is not None and real_slot != lay.big_sp and lay.big_sp < parked.pushed_at:
        words[lay.big_sp] = "old saved LR slot, now asyncPreempt's"
    marks: dict[int, list[str]] = {}
    for addr, mark in ((sp, "SP"), (fp, "FP"), (real_slot, "real"), (read_slot, "read")):
        if addr is not None:
            marks.setdefault(addr, []).append(mark)
            if addr in words or mark in ("SP", "read"):
                words.setdefault(addr, _frame_word(lay, addr))
    rows = _fold(sorted(words, reverse=True), words, marks, lay, read, read_bytes, parked, program)
    return StackView(tuple(rows), sp, fp, real_slot, read_slot)


def _fold(addrs: list[int], words: dict[int, str], marks: dict[int, list[str]],
          lay: FrameLayout, read: Callable[[int], int], read_bytes: Callable[[int, int], bytes],
          parked: Parked | None, program: Program) -> list[StackRow]:
    rows: list[StackRow] = []
    for i, addr in enumerate(addrs):
        rows.append(StackRow(addr, 8, read(addr), words[addr], _owner(lay, addr, parked, program),
                             tuple(marks.get(addr, ()))))
        if i + 1 < len(addrs):
            below = addrs[i + 1] + 8
            if below < addr:
                rows.append(_fold_row(below, addr - below, lay, read_bytes, parked, program))
    return rows


def _fold_row(lo: int, size: int, lay: FrameLayout, read_bytes: Callable[[int, int], bytes],
              parked: Parked | None, program: Program) -> StackRow:
    what = _region(lay, lo, parked, program)
    value = None
    if size <= _SUMMARY_LIMIT:
        data = read_bytes(lo, size)
        first = data[:8]
        if len(data) == size and data == first * (size // 8):
            value = int.from_bytes(first, "little")
    return StackRow(lo, size, value, what, _owner(lay, lo, parked, program))


def _region(lay: FrameLayout, addr: int, parked: Parked | None, program: Program) -> str:
    if lay.buffer_lo <= addr < lay.buffer_hi:
        return lay.locals_name
    owner = _owner(lay, addr, parked, program)
    if owner == "free":
        return "free stack"
    return f"{owner}'s frame"


def _owner(lay: FrameLayout, addr: int, parked: Parked | None, program: Program) -> str:
    """Whose frame ``addr`` is in; after preemption, everything below the interrupted SP is new."""
    if addr >= lay.runtime_main_sp:
        return "runtime.main" if addr < lay.top else "runtime.goexit"
    if addr >= lay.main_main_sp:
        return "main.main"
    if parked is None:
        return lay.target if addr >= lay.big_sp else "free"
    if addr >= parked.pushed_at + 16:
        return lay.target
    if addr >= parked.pushed_at:
        return "pushCall"
    if addr >= parked.pushed_at - program.by_name["runtime.asyncPreempt"].frame:
        return "runtime.asyncPreempt"
    if addr >= parked.goroutine.sched_sp:
        return "runtime.asyncPreempt2"
    return "free"


def _buffer_word(lay: FrameLayout, addr: int) -> str:
    i = addr - lay.buffer_lo
    return f"{lay.locals_name}[{i:,}..{i + 7:,}]"


def _frame_word(lay: FrameLayout, addr: int) -> str:
    if lay.buffer_lo <= addr < lay.buffer_hi:
        return _buffer_word(lay, addr)
    if lay.big_sp < addr < lay.buffer_lo:
        return f"{_short(lay.target)} local at SP+{addr - lay.big_sp}"
    if lay.buffer_hi <= addr < lay.main_main_sp:
        return f"{_short(lay.target)} local"
    return "stack word"


def _short(name: str) -> str:
    """``big_stack`` for ``main.big_stack``: the name without its package."""
    return name.rsplit(".", 1)[-1]
