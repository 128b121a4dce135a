"""What ``explainer inject`` preempts: a built reproducer, its ``main.big_stack``, and the runtime PCs
the gdb script breaks on, all read from the binary itself.

The instructions come from the binary's own words and tables (``explainer.binary``, as ``explainer
open`` loads a function), so the points are the real ones; the engine's model of the same function
is built separately (``model_check``) and compared instruction by instruction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..engine.errors import ExplainerError
from ..engine.experiments.experiment import anchors
from ..engine.experiments.scenario import ANCHORS
from ..engine.runtime.unwind import Trigger
from ..engine.toolchain.program import Function
from .build import Shape, build
from .gdbrun import Gdb, find_gdb
from .qemu import Qemu, find_qemu
from .toolchains import GoRelease, Toolchain, find, install

#: The function the reproducers race in.
FUNCTION = "main.big_stack"
#: Runtime functions the gdb script breaks on, by the name the binary's function table gives them.
RUNTIME = {"isAsyncSafePoint": "runtime.isAsyncSafePoint", "asyncPreempt": "runtime.asyncPreempt",
           "scanstack": "runtime.scanstack", "traceback1": "runtime.traceback1",
           "unwinder.next": "runtime.(*unwinder).next"}
#: The walks ``--unwind`` offers: the reproducer's GC loop, or the variant's traceback of all goroutines.
WALKS = (Trigger.GC, Trigger.TRACEBACK)
_OFFSET = re.compile(r"\+0x[0-9a-fA-F]+")
#: What the guest runs with: one P, so one thread at a time runs Go code (and takes signals).
GUEST_ENV = {"GOMAXPROCS": "1"}


@dataclass(frozen=True)
class Point:
    """One instruction of the real function."""

    pc: int
    offset: int
    go: str
    """Go assembler syntax, as ``go tool objdump`` prints it."""


@dataclass(frozen=True)
class Target:
    """A reproducer built and read, with the tools that will run it."""

    release: GoRelease
    shape: Shape
    unwind: Trigger
    toolchain: Toolchain
    binary: Path
    qemu: Qemu
    gdb: Gdb
    function: Function
    """main.big_stack as the binary has it (no trailing padding word)."""
    frame_size: int
    leaf: bool
    addresses: dict[str, int]
    """Entry PCs of the runtime functions in ``RUNTIME``."""
    padding: tuple[int, ...]
    """PCs of zero words after the last instruction (never executed: not swept)."""

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(Point(i.pc, i.offset, i.go) for i in self.function.instructions)

    def point(self, at: str) -> tuple[Point, str]:
        """The instruction ``at`` names (an anchor or ``+0xNN``), with a note when it needs one.

        Raises:
            ExplainerError: no such instruction (the message lists the anchors).
        """
        fn = self.function
        names = anchors(fn)
        note = ""
        if at.startswith("+"):
            try:
                pc = fn.entry + int(at[1:], 16)
            except ValueError:
                raise ExplainerError(f"bad point {at!r}: expected +0xNN") from None
            if pc in self.padding:
                raise ExplainerError(f"{at} is the padding word after {FUNCTION}'s last instruction: "
                                     "never executed, so nothing can be preempted there")
        elif at in names:
            pc = names[at]
            if at in ("sp1", "sp2") and names.get("sp1") == names.get("sp2"):
                insn1 = fn.at(pc)
                assert insn1 is not None  # an anchor names one of fn's instructions
                one = insn1.go
                note = (f"this epilogue releases the frame with one write to RSP ({one}): "
                        f"sp1 and sp2 are that one instruction")
                if one == "ADD R27, RSP, RSP":  # obj7.go's fix (go1.23.12, go1.24.6, go1.25.0)
                    note = (f"{self.release.name} has the fix: the epilogue builds the frame size in R27 "
                            f"(MOVD, MOVK) and releases the frame with one write to RSP, {one}; there "
                            f"is no sp2 between two ADDs, so {at} is the fixed release's ADD R27 point")
        else:
            raise ExplainerError(f"bad point {at!r}: one of {', '.join(names)} or +0xNN")
        insn = fn.at(pc)
        if insn is None:
            last = fn.instructions[-1]
            raise ExplainerError(f"bad point {at}: no instruction of {FUNCTION} at {pc:#x} (its instructions "
                                 f"are +0x0 to +{last.offset:#x}, {fn.entry:#x}-{last.pc:#x})")
        return Point(insn.pc, insn.offset, insn.go), note


def check_point(at: str) -> str:
    """``at`` as ``point`` takes it, checked before anything is built: an anchor or ``+0xNN``.

    Raises:
        ExplainerError: neither (the message lists the anchors).
    """
    if at in ANCHORS:
        return at
    if _OFFSET.fullmatch(at):
        offset = int(at[1:], 16)
        if offset % 4 == 0:
            return f"+{offset:#x}"
        raise ExplainerError(f"bad point {at!r}: arm64 instructions are 4 bytes, so +0xNN is a multiple of 4")
    raise ExplainerError(f"bad point {at!r}: one of {', '.join(ANCHORS)} or +0xNN (from the entry)")


def prepare(release: GoRelease, shape: Shape, unwind: Trigger,
            say: Callable[[str], None] = print) -> Target:
    """Find qemu and gdb, get the toolchain (installing it if needed), build and read the reproducer.

    Raises:
        MissingTool: qemu-aarch64, gdb-multiarch or the toolchain cannot be had (the message says how).
        ExplainerError: the build failed, or the binary lacks what the script needs.
    """
    if unwind not in WALKS:
        raise ExplainerError(f"bad unwind {unwind.value!r}: inject walks with gc or traceback")
    qemu = find_qemu()  # both tools before any download: no point fetching Go for a machine that
    gdb = find_gdb()  # cannot run it
    tc = find(release) or install(release, say)
    binary = build(tc, shape, traceback=unwind is Trigger.TRACEBACK)
    return read(binary, release, shape, unwind, tc, qemu, gdb)


def read(binary: Path, release: GoRelease, shape: Shape, unwind: Trigger, tc: Toolchain, qemu: Qemu,
         gdb: Gdb) -> Target:
    """Read ``main.big_stack`` and the runtime's entry points from a built reproducer."""
    from ..binary import BinaryError, load
    from ..binary.opened import opened_program

    try:
        loaded = load(binary)
        fn = opened_program(loaded, FUNCTION).target
        addresses = {key: loaded.func_named(name).entry for key, name in RUNTIME.items()}
        real = loaded.func_named(FUNCTION)
    except BinaryError as err:
        raise ExplainerError(f"cannot read {binary}: {err}") from None
    last = fn.instructions[-1].pc + 4
    padding = tuple(range(last, real.end, 4))
    return Target(release, shape, unwind, tc, binary, qemu, gdb, fn, real.frame_size, real.leaf,
                  addresses, padding)
