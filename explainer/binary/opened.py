"""A function from a real binary, ready for the lab: its own bytes, pcsp and UnsafePoint tables.

``explainer open BINARY FUNC`` steps, preempts and unwinds real code. The function keeps its
real address and words (capstone decodes them, as everywhere else); the function table the
runtime model consults is the binary's own (pcsp for the unwinder, PCDATA_UnsafePoint and the
function's flags for isAsyncSafePoint). What surrounds it is the engine's: the goroutine stack,
stand-in callers up to runtime.goexit, the release's asyncPreempt. Functions it calls are loaded
too, when they are Go code of the program; a call into the runtime ends the run with an event
(the lab does not emulate the runtime).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..engine.arm64 import asm
from ..engine.arm64.asm import Instruction
from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario
from ..engine.releases.versions import GoVersion
from ..engine.toolchain.bigstack import min_frame
from ..engine.toolchain.program import Function, Program, build_around
from .errors import BinaryError
from .model import GoBinary, GoFunc, bl_target

#: Functions the lab itself provides around the opened one (callers, asyncPreempt, mcall).
_STAND_INS = frozenset({"main.main", "runtime.main", "runtime.goexit", "runtime.asyncPreempt",
                        "runtime.asyncPreempt2", "runtime.mcall"})
#: Callees loaded with the function, at most (a call graph can be the whole program).
_MAX_LOADED = 32
#: Callees never loaded: the runtime (and what the runtime model stands in for).
_NOT_LOADED = ("runtime.", "internal/runtime/", "internal/abi.", "sync/atomic.", "internal/cpu.")


def opened_program(binary: GoBinary, name: str) -> Program:
    """The program the lab runs for ``name`` of ``binary`` (BinaryError when it cannot)."""
    version = binary_version(binary)
    fn = binary.func_named(name)
    if fn.name in _STAND_INS:
        raise BinaryError(f"{fn.name} cannot be opened: the lab runs its own stand-in for it around the "
                          "opened function; open a function it calls")
    if fn.frame_size == 0:
        raise BinaryError(f"{fn.name} has no stack frame (pcsp is 0 throughout): there is nothing to "
                          "release, so no race; pick a function with a frame")
    target = _function(binary, fn, roles=True)
    loaded, stops = _callees(binary, fn)
    return build_around(version, target, fn.leaf, loaded, stops)


def opened_scenario(binary: GoBinary, program: Program) -> Scenario:
    """The scenario the lab labels an opened function with (release, frame, leaf)."""
    size = max(program.size + (-program.size % 16), min_frame(program.leaf))
    return Scenario(binary_version(binary), size, program.leaf)


def binary_version(binary: GoBinary) -> GoVersion:
    """The binary's Go release, as the runtime model needs it."""
    if binary.go_version is None:
        raise BinaryError(f"{binary.path} has no Go build info: the lab needs its Go release")
    try:
        return GoVersion.parse(binary.go_version)
    except ExplainerError as err:
        raise BinaryError(f"{binary.path} was built by go{binary.go_version}: {err}") from None


def _function(binary: GoBinary, fn: GoFunc, roles: bool) -> Function:
    words = list(fn.words)
    while words and words[-1] == 0:  # padding up to the next function (objdump prints "?")
        words.pop()
    names = frozenset((_call_targets(binary, fn, words) | {fn.entry: fn.name}).items())
    insns = []
    for k, word in enumerate(words):
        pc = fn.entry + 4 * k
        try:
            arm, go, writes_sp = asm.decode(word, pc, names)
        except ExplainerError:  # data in the code (a literal pool): objdump prints "?"
            arm, go, writes_sp = f".word {word:#010x}", "?", False
        insns.append(Instruction(pc=pc, offset=pc - fn.entry, word=word, go=go, arm=arm, role="body",
                                 prog=k, prog_source=go, spdelta=fn.spdelta(pc),
                                 unsafe_point=fn.unsafe_point(pc)[0], writes_sp=writes_sp,
                                 uses_r27="x27" in arm or "w27" in arm))
    if roles:
        insns = _with_roles(insns)
    return Function(fn.name, fn.entry, tuple(insns), fn.frame_size, asm=fn.asm or not
                    fn.has_locals_pointer_maps, topframe=fn.topframe, extent=fn.end - fn.entry)


def _call_targets(binary: GoBinary, fn: GoFunc, words: Sequence[int]) -> dict[int, str]:
    """Entry → name of every function ``fn`` calls directly (BL), so CALLs print as objdump's."""
    out: dict[int, str] = {}
    for k, word in enumerate(words):
        target = bl_target(word, fn.entry + 4 * k)
        callee = binary.func_at(target) if target is not None else None
        if callee is not None and callee.entry == target:
            out[callee.entry] = _objdump_name(callee)
    return out


#: ABI0 assembly functions a large-frame function calls; objdump names them with their ABI
#: (``CALL runtime.morestack_noctxt.abi0(SB)``), the function table without. The table does not
#: say which assembly functions are ABI0, so only these, whose ABI is known, get the suffix.
_ABI0 = frozenset({"runtime.morestack", "runtime.morestack_noctxt", "runtime.morestackc"})


def _objdump_name(f: GoFunc) -> str:
    return f"{f.name}.abi0" if f.name in _ABI0 else f.name


def _callees(binary: GoBinary, fn: GoFunc) -> tuple[tuple[Function, ...], dict[int, str]]:
    """Go functions reachable by direct calls (loaded), and the runtime entries they call (stops)."""
    loaded: dict[str, Function] = {}
    stops: dict[int, str] = {}
    todo = [fn]
    while todo:
        f = todo.pop()
        for entry, name in _call_targets(binary, f, f.words).items():
            callee = binary.func_at(entry)
            if callee is None or callee.name == fn.name or callee.name in loaded:
                continue
            if callee.name.startswith(_NOT_LOADED) or len(loaded) >= _MAX_LOADED:
                stops[entry] = name
                continue
            loaded[callee.name] = _function(binary, callee, roles=False)
            todo.append(callee)
    return tuple(loaded.values()), stops


def _with_roles(insns: list[Instruction]) -> list[Instruction]:
    """Name the parts of a real function as the lab shows the reproducer's.

    stack-check: from the entry to the branch to the morestack call; morestack: from that
    branch's target to the end; prologue: up to ``SUB $8, RSP, R29`` (obj7.go's last step);
    epilogue: the restore and SP writes before one RET (the one with a split release, if any).
    """
    roles = ["body"] * len(insns)
    by_pc = {i.pc: k for k, i in enumerate(insns)}
    tail = len(insns)
    if insns and insns[0].go == "MOVD 16(R28), R16":
        for k, i in enumerate(insns[:8]):
            target = _branch_target(i)
            if target is not None and target in by_pc:
                tail = min(tail, by_pc[target])
                roles[: k + 1] = ["stack-check"] * (k + 1)
    start = roles.count("stack-check")
    for k in range(start, min(start + 8, tail)):
        if insns[k].go == "SUB $8, RSP, R29":
            roles[start : k + 1] = ["prologue"] * (k + 1 - start)
            break
    roles[tail:] = ["morestack"] * (len(insns) - tail)
    rets = [k for k in range(tail) if insns[k].go == "RET"]
    epilogues = [(_epilogue_start(insns, k), k) for k in rets]
    chosen = next(((a, b) for a, b in epilogues if sum(insns[j].writes_sp for j in range(a, b)) > 1),
                  epilogues[-1] if epilogues else None)
    if chosen is not None:
        roles[chosen[0] : chosen[1] + 1] = ["epilogue"] * (chosen[1] + 1 - chosen[0])
    return [replace(i, role=r) for i, r in zip(insns, roles, strict=True)]


def _branch_target(i: Instruction) -> int | None:
    if i.arm.startswith("b.") and "#" in i.arm:
        return int(i.arm.rsplit("#", 1)[1], 16)
    return None


def _epilogue_start(insns: list[Instruction], ret: int) -> int:
    """The first of the instructions before ``ret`` that restore FP/LR or release the frame."""
    k = ret
    while k > 0 and _releases(insns[k - 1]):
        k -= 1
    return k


def _releases(i: Instruction) -> bool:
    go = i.go
    return (i.writes_sp or go.startswith("LDP -8(RSP), (R29, R30)") or go == "MOVD -8(RSP), R29"
            or go.endswith((", RSP, R29", ", R29, R29", ", R27")) or go.startswith("MOVD.P"))

