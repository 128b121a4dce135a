"""Put the crashing PC on the instruction ``explainer scan`` found in the same binary.

The runtime says where the scanned goroutine was interrupted (``main.big_stack ... pc=0x77ca0``); the
scanner says where the binary's split releases are (``pcs=(first, second)``). When the PC is the second
half of a split release, the crash is the race this project is about: the first ADD had moved SP by the
low part only when the preemption landed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .crashlog import Crash

if TYPE_CHECKING:
    from ..binary import Finding


def _release(f: Finding) -> str:
    return f"{f.function} (frame {f.frame_size:,} B, {f.status})"


def place(crash: Crash, findings: Sequence[Finding]) -> str:
    """One sentence: where the interrupted PC sits relative to the scanner's findings."""
    frame = crash.interrupted
    if frame is None or frame.pc is None:
        return "the report names no goroutine interrupted by asyncPreempt, so there is no PC to place"
    pc, fn = frame.pc, frame.function
    for f in findings:
        first, second = f.pcs
        if pc == second:
            return (f"the crash is at the second half of the split release in {_release(f)}, {pc:#x}: "
                    f"the first half ({first:#x}) had moved SP by its low part only")
        if pc == first:
            return f"the crash is at the first half of the split release in {_release(f)}, {pc:#x}"
    own = [f for f in findings if f.function == fn]
    if own:
        spots = ", ".join(f"{f.pcs[0]:#x}/{f.pcs[1]:#x}" for f in own)
        return f"{fn} was interrupted at {pc:#x}, not on its split release ({spots})"
    return f"{fn} was interrupted at {pc:#x}; the scanner found no split release in {fn}"
