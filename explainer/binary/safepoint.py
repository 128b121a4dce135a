"""Would the runtime async-preempt a goroutine stopped at this PC? Decided from the binary alone.

The decision is the engine's isAsyncSafePoint (``explainer.engine.runtime.safepoint``), the one
implementation the lab uses too, with the release's rule (``explainer.engine.releases.preemption``:
which name prefixes the runtime never preempts, from go1.14 on). What a binary cannot tell, the moment
(which M, how much stack is left), is taken as the best case: the stack has room.

Releases before go1.14 have no asynchronous preemption at all (no ``runtime.asyncPreempt``: the
scanner asks the binary). The runtime checks the innermost inlined function's name; the epilogues this
tool looks at belong to the outer function, so we check that one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.releases.preemption import LATEST, RULES, PreemptionRule, rule_for
from ..engine.runtime.safepoint import Reason, is_async_safe_point
from .model import GoFunc

__all__ = ["ASYNC_PREEMPT", "LATEST", "RULES", "PreemptionRule", "Reason", "async_safe_point", "rule_for",
           "words"]

#: The function async preemption injects a call to; absent before go1.14 (and the scanner's proof that
#: a binary predates async preemption, whatever its version string says).
ASYNC_PREEMPT = "runtime.asyncPreempt"
#: R27 (REGTMP) in an A64 register field.
_R27 = 27


@dataclass(frozen=True)
class _FuncInfo:
    """A binary's function as isAsyncSafePoint reads it."""

    func: GoFunc

    @property
    def name(self) -> str:
        return self.func.name

    @property
    def entry(self) -> int:
        return self.func.entry

    @property
    def asm(self) -> bool:
        return self.func.asm

    @property
    def has_locals_pointer_maps(self) -> bool:
        return self.func.has_locals_pointer_maps

    def unsafe_point(self, pc: int) -> tuple[int, int]:
        return self.func.unsafe_point(pc)

    def names_r27(self, pc: int) -> bool:
        from ..engine.arm64 import cpu

        word = self.func.words[(pc - self.func.entry) // 4]
        insn = next(cpu.disassembler().disasm(word.to_bytes(4, "little"), pc), None)
        return insn is not None and any(cpu.reg_name(r) in ("x27", "w27") for r in insn.regs_access()[0] +
                                        insn.regs_access()[1])


def async_safe_point(func: GoFunc | None, pc: int, rule: PreemptionRule = LATEST) -> Reason:
    """isAsyncSafePoint's rule at ``pc`` of ``func`` (None: findfunc failed)."""
    info = _FuncInfo(func) if func is not None and func.entry <= pc < func.end else None
    return is_async_safe_point(info, pc, rule).reason


def words(reason: Reason, func: GoFunc | None) -> str:
    """The scan report's words for a reason: ``safe point``, ``assembly``, ``runtime`` ..."""
    if reason is Reason.ASSEMBLY_FUNCTION:
        return "assembly" if func is not None and func.asm else "no pointer maps"
    return {Reason.SAFE_POINT: "safe point", Reason.RESTARTABLE: "restartable sequence",
            Reason.RESTART_AT_ENTRY: "restartable sequence", Reason.NOT_GO_CODE: "not Go code",
            Reason.EXPLICIT_R27: "unsafe point", Reason.UNSAFE_SEQUENCE: "unsafe point",
            Reason.RUNTIME_FUNCTION: "runtime",
            Reason.NO_ASYNC_PREEMPTION: "no async preemption before go1.14"}[reason]
