"""Would the runtime async-preempt a goroutine stopped at this PC? Decided from the binary alone.

Mirrors runtime/preempt.go ``isAsyncSafePoint`` (go1.23 .. go1.27), keeping the checks that depend on
the code and dropping those that depend on the moment (which M, how much stack is left):

1. ``findfunc(pc)`` must be valid (Go code);
2. the UnsafePoint pcdata at pc must not be ``-2`` (abi.UnsafePointUnsafe);
3. the function must have locals pointer maps and not be assembly (FuncFlagAsm);
4. its name must not start with ``runtime.``, ``internal/runtime/`` (``runtime/internal/`` before go1.24)
   or ``reflect.``. The runtime checks the innermost inlined function's name; the epilogues this tool
   looks at belong to the outer function, so we check that one.

Restartable sequences (-3, -4, -5) are preemptible: the runtime backs the PC up and preempts.
"""

from __future__ import annotations

from .model import GoFunc

UNSAFE_POINT_UNSAFE = -2
_RUNTIME_PREFIXES = ("runtime.", "internal/runtime/", "runtime/internal/", "reflect.")


def async_safe_point(func: GoFunc | None, pc: int) -> tuple[bool, str]:
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
    if func.name.startswith(_RUNTIME_PREFIXES):
        return False, "runtime"
    return True, ("restartable sequence" if up in (-3, -4, -5) else "safe point")
