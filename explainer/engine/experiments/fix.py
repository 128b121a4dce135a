"""The fix as the lab and a talk both show it: the frame before and after it, and what it changed.

One home for the two, so the lab's split view and box and a talk's split beat
and ``release`` highlight cannot drift apart. Headless and light (engine
values only): the lab imports it at start-up.
"""

from __future__ import annotations

from dataclasses import replace

from ..arm64.asm import Instruction
from ..releases.versions import DEFAULT_VERSION, FIXED_VERSION
from ..toolchain.program import Function
from .scenario import Scenario


def split_pair(s: Scenario) -> tuple[Scenario, Scenario]:
    """The same frame before and after the fix: the scenario's own release on its side."""
    if s.version.has_nonleaf_fix:
        return replace(s, version=DEFAULT_VERSION), s
    return s, replace(s, version=FIXED_VERSION)


def release(fn: Function) -> list[Instruction]:
    """The epilogue's instructions that release the frame: RSP writes and the R27 built for them."""
    epi = [i for i in fn.instructions if i.role == "epilogue"]
    idx = [k for k, i in enumerate(epi) if i.writes_sp or i.uses_r27]
    return epi[idx[0]: idx[-1] + 1] if idx else []
