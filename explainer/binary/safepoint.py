"""Would the runtime async-preempt a goroutine stopped at this PC? Decided from the binary alone.

Mirrors runtime/preempt.go ``isAsyncSafePoint``, keeping the checks that depend on the code and dropping
those that depend on the moment (which M, how much stack is left):

1. ``findfunc(pc)`` must be valid (Go code);
2. the UnsafePoint pcdata at pc must not be ``-2`` (abi.UnsafePointUnsafe);
3. the function must have locals pointer maps and not be assembly (FuncFlagAsm);
4. its name must not start with one of the runtime's prefixes, which changed between releases
   (``RULES``). The runtime checks the innermost inlined function's name; the epilogues this tool
   looks at belong to the outer function, so we check that one.

Restartable sequences (-3, -4, -5) are preemptible: the runtime backs the PC up and preempts.

The checks are the same from go1.19.8 to go1.27.3; only the prefixes moved. Releases before go1.14 have
no asynchronous preemption at all (no ``runtime.asyncPreempt``: the scanner asks the binary). For
go1.14 to go1.18 and go1.20 no runtime source is available here: those get the nearest release's rule
(``RulesFor.own`` is False, and the report says whose rule it applied) over the binary's own marks (its
UnsafePoint pcdata, flags and funcdata, which every release's compiler wrote).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import GoFunc

UNSAFE_POINT_UNSAFE = -2
#: The function async preemption injects a call to; absent before go1.14 (and the scanner's proof that
#: a binary predates async preemption, whatever its version string says).
ASYNC_PREEMPT = "runtime.asyncPreempt"


@dataclass(frozen=True)
class PreemptionRule:
    """isAsyncSafePoint as one range of releases wrote it."""

    first: tuple[int, int]
    """The first minor release it covers, e.g. (1, 24)."""
    source: str
    """The release and file it was read from, with lines."""
    prefixes: tuple[str, ...]
    """Function-name prefixes never preempted."""
    own: bool = True
    """Read from these releases' own source; False when borrowed from the nearest one we have."""


#: By first release covered, oldest first. The go1.14-go1.18 entry is go1.19.8's rule, borrowed.
RULES = (
    PreemptionRule((1, 14), "go1.19.8 src/runtime/preempt.go:363-453 (isAsyncSafePoint)",
                   ("runtime.", "runtime/internal/", "reflect."), own=False),
    PreemptionRule((1, 19), "go1.19.8 src/runtime/preempt.go:363-453, prefixes :425-427",
                   ("runtime.", "runtime/internal/", "reflect.")),
    PreemptionRule((1, 20), "go1.21.13 src/runtime/preempt.go:362, prefixes :419-421 (the same checks as "
                   "go1.19.8's)", ("runtime.", "runtime/internal/", "reflect."), own=False),
    PreemptionRule((1, 21), "go1.21.13 src/runtime/preempt.go:362, prefixes :419-421; go1.22.10 and "
                   "go1.23.4 the same (:362, :363)", ("runtime.", "runtime/internal/", "reflect.")),
    PreemptionRule((1, 24), "go1.24.3 src/runtime/preempt.go:363, prefixes :420-423",
                   ("runtime.", "runtime/internal/", "internal/runtime/", "reflect.")),
    PreemptionRule((1, 25), "go1.25.0 src/runtime/preempt.go:363, prefixes :420-422; go1.26.0 and go1.27.3 "
                   "the same (:390, :463-465)", ("runtime.", "internal/runtime/", "reflect.")),
)
LATEST = RULES[-1]


def rule_for(version: str | None) -> PreemptionRule:
    """The rule of release ``version`` (``"1.15.7"``); the latest one when the release is unknown."""
    if version is None:
        return LATEST
    try:
        minor = tuple(int(x) for x in version.split(".")[:2])
    except ValueError:
        return LATEST
    fitting = [r for r in RULES if r.first <= minor]
    return fitting[-1] if fitting else RULES[0]


def async_safe_point(func: GoFunc | None, pc: int, rule: PreemptionRule = LATEST) -> tuple[bool, str]:
    """(preemptible, why) at pc, in the runtime's terms.

    Returns:
        ``(True, "safe point")``, ``(True, "restartable sequence")``, or False with the reason:
        ``"not Go code"``, ``"unsafe point"``, ``"assembly"``, ``"no pointer maps"``, ``"runtime"``.
    """
    if func is None or not func.entry <= pc < func.end:
        return False, "not Go code"
    up, _start = func.unsafe_point(pc)
    if up == UNSAFE_POINT_UNSAFE:
        return False, "unsafe point"
    if func.asm:
        return False, "assembly"
    if not func.has_locals_pointer_maps:
        return False, "no pointer maps"
    if func.name.startswith(rule.prefixes):
        return False, "runtime"
    return True, ("restartable sequence" if up in (-3, -4, -5) else "safe point")
