"""isAsyncSafePoint: would the runtime async-preempt a goroutine stopped at this PC, and why (not)?

Mirrors runtime/preempt.go ``isAsyncSafePoint`` (go1.23.4 :363-447, go1.27.3 :390-496), the checks in
the runtime's order, keeping those that depend on the code and the stack and dropping those that
depend on the M (``mp.curg``, locks, ``mallocing``): the goroutine this model preempts runs user code
on a healthy M. The one implementation for the lab's emulated program and for ``explainer scan``'s
real binaries: each hands over its function as a :class:`FuncInfo`.

Every answer carries a :class:`Reason` naming the rule that decided it; words for a person are the
caller's business (the lab's, the scanner's), never parsed back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from ..arm64.asm import RESTART1, RESTART2, RESTART_AT_ENTRY, SAFE, UNSAFE
from ..releases.preemption import PreemptionRule


class Reason(enum.Enum):
    """Why isAsyncSafePoint preempts here, or which of its rules refuses."""

    SAFE_POINT = "safe-point"
    """Every check passed: preempt at this PC."""
    RESTARTABLE = "restartable"
    """PCDATA -3/-4: a sequence whose R27 the assembler inserted; preempt, resuming at its start."""
    RESTART_AT_ENTRY = "restart-at-entry"
    """PCDATA -5: preempt, resuming at the function's entry."""
    NO_ASYNC_PREEMPTION = "no-async-preemption"
    """The binary has no runtime.asyncPreempt: built before go1.14, nothing is ever async-preempted."""
    NO_STACK_ROOM = "no-stack-room"
    """``sp - gp.stack.lo < asyncPreemptStack``: no room to inject asyncPreempt's frames."""
    NOT_GO_CODE = "not-go-code"
    """``findfunc(pc)`` failed."""
    EXPLICIT_R27 = "explicit-r27"
    """PCDATA -2 on an instruction that names R27 (REGTMP) itself, which asyncPreempt clobbers
    (asm7.go isUnsafePoint): the fixed epilogue's MOVD/MOVK/ADD R27."""
    UNSAFE_SEQUENCE = "unsafe-sequence"
    """PCDATA -2 on a sequence the compiler or assembler marked unsafe: the stack check, the
    frame-allocating ``MOVD R20, RSP``, the morestack call (obj7.go)."""
    ASSEMBLY_FUNCTION = "assembly-function"
    """No locals pointer maps, or FuncFlagAsm: "This is assembly code"."""
    RUNTIME_FUNCTION = "runtime-function"
    """The name starts with one of the release's runtime prefixes (``runtime.``, ``reflect.`` ...)."""

    @property
    def preemptible(self) -> bool:
        """The runtime preempts (perhaps resuming elsewhere)."""
        return self in (Reason.SAFE_POINT, Reason.RESTARTABLE, Reason.RESTART_AT_ENTRY)


class FuncInfo(Protocol):
    """What isAsyncSafePoint reads of a function: the runtime's funcInfo, as the caller has it."""

    @property
    def name(self) -> str: ...
    @property
    def entry(self) -> int: ...
    @property
    def asm(self) -> bool: ...
    @property
    def has_locals_pointer_maps(self) -> bool: ...
    def unsafe_point(self, pc: int) -> tuple[int, int]:
        """pcdatavalue2(f, PCDATA_UnsafePoint, pc): the value and the start of its run."""
        ...
    def names_r27(self, pc: int) -> bool:
        """The instruction at ``pc`` names R27 explicitly (why the assembler marked it unsafe)."""
        ...


@dataclass(frozen=True)
class SafePoint:
    """isAsyncSafePoint's answer: preempt or not, the rule that decided, and where the goroutine resumes."""

    reason: Reason
    resume_pc: int
    """The PC asyncPreempt returns to: ``pc``, or backed up for a restartable sequence."""
    unsafe_point: int
    """The PCDATA_UnsafePoint value at the PC (SAFE where none was read)."""

    @property
    def preemptible(self) -> bool:
        """The runtime preempts here."""
        return self.reason.preemptible


def is_async_safe_point(f: FuncInfo | None, pc: int, rule: PreemptionRule, *,
                        stack_room: bool = True) -> SafePoint:
    """isAsyncSafePoint(gp, pc, sp, lr), from the stack check on.

    Args:
        f: ``findfunc(pc)``, None when it failed.
        pc: Where the goroutine stopped.
        rule: The release's runtime prefixes (``releases.preemption``).
        stack_room: ``sp - gp.stack.lo >= asyncPreemptStack`` (True when the caller cannot know).
    """
    if not stack_room:
        return SafePoint(Reason.NO_STACK_ROOM, pc, SAFE)
    if f is None:
        return SafePoint(Reason.NOT_GO_CODE, pc, SAFE)
    up, start = f.unsafe_point(pc)
    if up == UNSAFE:
        return SafePoint(Reason.EXPLICIT_R27 if f.names_r27(pc) else Reason.UNSAFE_SEQUENCE, pc, up)
    if f.asm or not f.has_locals_pointer_maps:
        return SafePoint(Reason.ASSEMBLY_FUNCTION, pc, up)
    if f.name.startswith(rule.prefixes):
        return SafePoint(Reason.RUNTIME_FUNCTION, pc, up)
    if up in (RESTART1, RESTART2):
        return SafePoint(Reason.RESTARTABLE, start, up)
    if up == RESTART_AT_ENTRY:
        return SafePoint(Reason.RESTART_AT_ENTRY, f.entry, up)
    return SafePoint(Reason.SAFE_POINT, pc, up)
