"""A large-frame function's skeleton, as Go lays it out and assembles it, with its body left out.

What ``explainer frame`` prints: the stack check and prologue, the epilogue, and the call to
morestack at the end, where the stack check's branches go (obj7.go ``stacksplit``). Entry and
morestack sit where the real reproducer's build puts them (``runtime_data``); with no body
between, branch distances are shorter than in the real function.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arm64.asm import Instruction, assemble
from ..releases.runtime_data import facts_for
from ..releases.versions import GoVersion
from .frames import epilogue, morestack_tail, needs_stack_check, prologue, stack_check
from .standins import label_first

_MORESTACK = "runtime.morestack_noctxt.abi0"


@dataclass(frozen=True)
class Skeleton:
    """main.big_stack without its body, assembled at the real build's entry."""

    entry: int
    prologue: tuple[Instruction, ...]
    """The stack check (when the frame needs one) and the prologue."""
    epilogue: tuple[Instruction, ...]
    morestack: tuple[Instruction, ...]
    """The morestack call the stack check branches to (none for a NOSPLIT leaf)."""

    def parts(self) -> dict[str, tuple[Instruction, ...]]:
        """The three parts by name, in address order."""
        return {"prologue": self.prologue, "epilogue": self.epilogue, "morestack": self.morestack}


def skeleton(version: GoVersion, size: int, leaf: bool) -> Skeleton:
    """The skeleton of a ``size``-byte frame (``frames.check_frame_size`` first)."""
    real = facts_for(version).functions["fast_leaf" if leaf else "fast_nonleaf"]
    entry = real["main.big_stack"].entry
    check = needs_stack_check(size, leaf)
    # One spilled register argument, as the reproducers' big_stack(v int) has.
    tail = morestack_tail(size, "entry", _MORESTACK, spill_args=1)[1:]
    parts = {"prologue": (stack_check(size, "morestack") if check else []) + prologue(size),
             "epilogue": epilogue(version, size, leaf),
             "morestack": label_first(tail, "morestack") if check else []}
    progs = [p for part in parts.values() for p in part]
    insns = assemble(progs, entry, {"entry": entry, _MORESTACK: real[_MORESTACK].entry},
                     {entry: "main.big_stack", real[_MORESTACK].entry: _MORESTACK})
    out: dict[str, tuple[Instruction, ...]] = {}
    for name, part in parts.items():
        n = sum(len(p.machine) for p in part)
        out[name], insns = tuple(insns[:n]), insns[n:]
    return Skeleton(entry, out["prologue"], out["epilogue"], out["morestack"])
