"""A function from a real binary, ready for the lab: its own bytes, pcsp and UnsafePoint tables.

``explainer open BINARY FUNC`` steps, preempts and unwinds real code. The binary's segments are
mapped at their addresses (code, read-only data, data and bss), so the function reads its tables and
globals where it would; the function table the runtime model consults is the binary's own (pcsp for
the unwinder, PCDATA_UnsafePoint and the function's flags for isAsyncSafePoint), read on demand for
any PC. What surrounds it is the engine's: the goroutine stack, stand-in callers up to
runtime.goexit, the release's asyncPreempt. Go code of the program runs as it is; of the runtime,
only the leaf assembly helpers compiled code calls into run (``HELPERS``); any other runtime
function ends the run at its entry with an event (the lab does not emulate the runtime).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..engine.arm64 import asm
from ..engine.arm64.asm import Instruction
from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario
from ..engine.releases.versions import GoVersion, known_versions
from ..engine.toolchain.bigstack import min_frame
from ..engine.toolchain.program import Function, MemoryImage, Program, build_around
from .arguments import INT_ARG_REGS, Arguments
from .errors import BinaryError
from .model import GoBinary, GoFunc, bl_target
from .pclntab import value_at

#: Functions the lab itself provides around the opened one (callers, asyncPreempt, mcall).
_STAND_INS = frozenset({"main.main", "runtime.main", "runtime.goexit", "runtime.asyncPreempt",
                        "runtime.asyncPreempt2", "runtime.mcall"})
#: Direct callees loaded with the function, at most (the rest is read when a run gets there).
_MAX_LOADED = 32
#: Callees never run: the runtime (and what the runtime model stands in for).
_NOT_LOADED = ("runtime.", "internal/runtime/", "internal/abi.", "sync/atomic.", "internal/cpu.")
#: The runtime's leaf assembly helpers that compiled code calls, run from the binary's own code. They
#: touch only the memory their arguments name (no g, no system call, no further call), and the
#: compiler enters DUFFZERO and DUFFCOPY in the middle (``CALL runtime.duffzero+N``), which works
#: because the binary's code is where it is. Sources: go1.23.4 src/runtime/duff_arm64.s,
#: memclr_arm64.s (memclrNoHeapPointers), memmove_arm64.s (memmove).
HELPERS = frozenset({"runtime.duffzero", "runtime.duffcopy", "runtime.memclrNoHeapPointers",
                     "runtime.memmove"})
#: The most memory a binary's segments may take when mapped (code, data and bss together): Go programs
#: take tens of MB, rarely hundreds; a corrupt header could ask for terabytes.
MAX_MAPPED = 1 << 30
#: BRK #0: a stop at a runtime function's entry (the lab's stubs are the same word).
_BRK = 0xD4200000


def opened_program(binary: GoBinary, name: str, arguments: Arguments | None = None,
                   epilogue: int | None = None) -> Program:
    """The program the lab runs for ``name`` of ``binary`` (BinaryError when it cannot).

    Args:
        arguments: what the caller passes (registers, and bytes placed in memory).
        epilogue: which of the function's epilogues the lab calls *the* epilogue (1-based, counted as
            ``epilogues`` counts them); the first that splits its release when None.
    """
    version = binary_version(binary)
    fn = binary.func_named(name)
    if fn.name in _STAND_INS:
        raise BinaryError(f"{fn.name} cannot be opened: the lab runs its own stand-in for it around the "
                          "opened function; open a function it calls")
    if fn.frame_size == 0:
        raise BinaryError(f"{fn.name} has no stack frame (pcsp is 0 throughout): there is nothing to "
                          "release, so no race; pick a function with a frame")
    target = _function(binary, fn, roles=True, epilogue=epilogue)
    loaded, stops = _callees(binary, fn)
    arguments = arguments or Arguments()
    segments = _segments(binary, {fn.entry} | {f.entry for f in loaded})
    # Every argument register set: what --args gives, zero (a zero value: 0, nil) for the rest.
    given = len(arguments.registers)
    registers = arguments.registers + tuple((f"R{k}", 0) for k in range(given, INT_ARG_REGS))
    return build_around(version, target, fn.leaf, loaded, stops, memory=segments + arguments.memory,
                        registers=registers, args_size=fn.args_size, lookup=_Lookup(binary),
                        above=max((m.end for m in segments), default=0))


def opened_scenario(binary: GoBinary, program: Program) -> Scenario:
    """The scenario the lab labels an opened function with (release, frame, leaf)."""
    size = max(program.size + (-program.size % 16), min_frame(program.leaf))
    return Scenario(binary_version(binary), size, program.leaf)


def binary_version(binary: GoBinary) -> GoVersion:
    """The binary's Go release, as the runtime model needs it.

    Raises:
        BinaryError: no release recorded, or one the model has no runtime facts for (saying which
            facts are missing for a release older than the model's first).
    """
    if binary.go_version is None:
        raise BinaryError(f"{binary.path} has no Go build info: the lab needs its Go release")
    try:
        return GoVersion.parse(binary.go_version)
    except ExplainerError as err:
        first = known_versions()[0]
        old = re.match(r"1\.(\d+)", binary.go_version)
        if old and int(old.group(1)) < first.minor:
            raise BinaryError(
                f"{binary.path} was built by go{binary.go_version}, older than the lab's runtime model, "
                f"which starts at go1.{first.minor}: for go1.{old.group(1)} it has no recorded runtime facts "
                "(asyncPreempt's code and frame, g's preemptStop and asyncSafePoint offsets, m.incgo's "
                "offset, where the unwinder faults), and its traceback is gentraceback, not the "
                f"runtime.(*unwinder) the model follows (go1.{first.minor}'s runtime/traceback.go). "
                "explainer scan reads this binary; open cannot run it") from None
        raise BinaryError(f"{binary.path} was built by go{binary.go_version}: {err}") from None


def _segments(binary: GoBinary, running: set[int]) -> tuple[MemoryImage, ...]:
    """The binary's segments as memory images; in the code, every runtime function that does not run
    (all but ``HELPERS`` and the functions loaded to run) is BRKs throughout: a call into it, at its
    entry or anywhere inside, ends the run there."""
    out = []
    brk = _BRK.to_bytes(4, "little")
    claimed = sum(seg.size for seg in binary.segments)
    if claimed > MAX_MAPPED:
        raise BinaryError(f"{binary.path}'s segments claim {claimed:,} bytes of memory; the lab maps up to "
                          f"{MAX_MAPPED:,}")
    for seg in binary.segments:
        if seg.address + seg.size > 1 << 48:
            raise BinaryError(f"{binary.path}: segment {seg.name} ({seg.address:#x}, {seg.size:,} bytes) "
                              "lies past arm64's 48-bit addresses")
        data = bytes(seg.data)
        if seg.executable:
            code = bytearray(data)
            for f in binary.functions:
                at, end = f.entry - seg.address, min(f.end - seg.address, len(code)) & ~3
                if _stops_at(f) and f.entry not in running and 0 <= at < end:
                    code[at:end] = brk * ((end - at) // 4)
            data = bytes(code)
        out.append(MemoryImage(seg.name, seg.address, seg.size, data, seg.writable, seg.executable))
    return tuple(out)


def _stops_at(f: GoFunc) -> bool:
    """A call to ``f`` ends the run: the runtime, but for the helpers that run."""
    return f.name.startswith(_NOT_LOADED) and f.name not in HELPERS


class _Lookup:
    """findfunc for the rest of the binary: any PC of its function table, as a Function, on demand.

    Go code is decoded when first asked for (a binary holds hundreds of thousands of instructions;
    a run meets a few functions); a runtime function that does not run is its entry's stop.
    """

    def __init__(self, binary: GoBinary) -> None:
        self.binary = binary
        self.found: dict[int, Function] = {}

    def __call__(self, pc: int) -> Function | None:
        f = self.binary.func_at(pc)
        if f is None:
            return None
        if f.entry not in self.found:
            if _stops_at(f):
                self.found[f.entry] = _stop(f)
            else:
                self.found[f.entry] = _function(self.binary, f, roles=False)
        return self.found[f.entry]


def _stop(f: GoFunc) -> Function:
    """A runtime function as the lab sees it: a BRK at its entry, its real extent."""
    pc = f.entry
    arm, go, _ = asm.decode(_BRK, pc, frozenset())
    insn = Instruction(pc=pc, offset=0, word=_BRK, go=go, arm=arm, role="stub", prog=0, prog_source="BRK",
                       spdelta=0, unsafe_point=asm.SAFE, writes_sp=False, uses_r27=False)
    return Function(_objdump_name(f), pc, (insn,), 0, asm=True, stop=True, standin=True,
                    extent=f.end - f.entry)


def _function(binary: GoBinary, fn: GoFunc, roles: bool, epilogue: int | None = None) -> Function:
    words = list(fn.words)
    while words and words[-1] == 0:  # padding up to the next function (objdump prints "?")
        words.pop()
    names = frozenset((_call_targets(binary, fn, words) | {fn.entry: fn.name}).items())
    unsafe = fn.pcdata(0)  # decoded once: a table lookup per instruction, not a table decode
    positions = fn.positions([fn.entry + 4 * k for k in range(len(words))])
    insns = []
    for k, word in enumerate(words):
        pc = fn.entry + 4 * k
        path, line = positions[k]
        try:
            arm, go, writes_sp = asm.decode(word, pc, names)
        except ExplainerError:  # data in the code (a literal pool): objdump prints "?"
            arm, go, writes_sp = f".word {word:#010x}", "?", False
        insns.append(Instruction(pc=pc, offset=pc - fn.entry, word=word, go=go, arm=arm, role="body",
                                 prog=k, prog_source=go, spdelta=fn.spdelta(pc),
                                 unsafe_point=value_at(unsafe, pc)[0], writes_sp=writes_sp,
                                 uses_r27="x27" in arm or "w27" in arm,
                                 file=objdump_base(path) if path and line else "", line=line if path else 0))
    if roles:
        insns = _with_roles(insns, epilogue)
    return Function(fn.name, fn.entry, tuple(insns), fn.frame_size, asm=fn.asm or not
                    fn.has_locals_pointer_maps, topframe=fn.topframe, extent=fn.end - fn.entry,
                    source_file=fn.file or "")


def objdump_base(path: str) -> str:
    """A source path as ``go tool objdump``'s first column names it: its last element, after the last
    ``/`` or ``\\`` (go1.27.3 src/cmd/internal/disasm/disasm.go ``base``)."""
    return path[path.rfind("/") + 1:].rsplit("\\", 1)[-1]


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
    """The functions ``fn`` calls directly that run (loaded: Go code and ``HELPERS``, entered at any
    offset), and the runtime entries it calls (stops). What they call in turn runs too: the lookup
    reads it when a run gets there."""
    loaded: dict[str, Function] = {}
    stops: dict[int, str] = {}
    for k, word in enumerate(fn.words):
        target = bl_target(word, fn.entry + 4 * k)
        callee = binary.func_at(target) if target is not None else None
        if callee is None or callee.name == fn.name or callee.name in loaded:
            continue
        if _stops_at(callee):
            if callee.entry == target:
                stops[target] = _objdump_name(callee)
        elif len(loaded) < _MAX_LOADED:
            loaded[callee.name] = _function(binary, callee, roles=False)
    return tuple(loaded.values()), stops


@dataclass(frozen=True)
class Epilogue:
    """One way out of a function: the instructions that restore FP and LR and release the frame, and
    the RET."""

    number: int
    """1-based, in PC order, among what ``epilogues`` lists (``sp2#3`` is the third)."""
    start: int
    writes: tuple[int, ...]
    """The PCs that write RSP: two when the release is split."""
    ret: int

    @property
    def split(self) -> bool:
        """The frame is released by more than one write to RSP."""
        return len(self.writes) > 1

    @property
    def anchors(self) -> dict[str, int]:
        """Its points as the lab names them: epilogue, sp1, sp2, ret."""
        out = {"epilogue": self.start, "ret": self.ret}
        if self.writes:
            out["sp1"], out["sp2"] = self.writes[0], self.writes[-1]
        return out


def epilogues(fn: Function, every: bool = False) -> tuple[Epilogue, ...]:
    """The epilogues that split their release, in PC order; every epilogue when none does (or when
    ``every``: then numbered among all)."""
    insns = list(fn.instructions)
    return _epilogues(insns, len(insns) - sum(i.role == "morestack" for i in insns), every)


def _epilogues(insns: list[Instruction], tail: int, every: bool = False) -> tuple[Epilogue, ...]:
    spans = []
    for k in range(tail):
        if insns[k].go == "RET":
            a = _epilogue_start(insns, k)
            writes = tuple(insns[j].pc for j in range(a, k) if insns[j].writes_sp)
            spans.append((insns[a].pc, writes, insns[k].pc))
    split = [] if every else [s for s in spans if len(s[1]) > 1]
    return tuple(Epilogue(n, *s) for n, s in enumerate(split or spans, start=1))


def _with_roles(insns: list[Instruction], epilogue: int | None = None) -> list[Instruction]:
    """Name the parts of a real function as the lab shows the reproducer's.

    stack-check: from the entry to the branch to the morestack call; morestack: from that
    branch's target to the end; prologue: up to ``SUB $8, RSP, R29`` (obj7.go's last step);
    epilogue: the restore and SP writes before one RET (the ``epilogue``-th of ``epilogues``;
    by default the first split one, or the last when none splits).
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
    found = _epilogues(insns, tail)
    if epilogue is not None and not 1 <= epilogue <= len(found):
        kind = "split releases" if any(e.split for e in found) else "epilogues"
        raise BinaryError(f"no epilogue #{epilogue}: the function has {len(found)} {kind}"
                          + (f" (#1 to #{len(found)})" if found else ""))
    if found:  # by default the first split release; with none, the last way out (the fall-through's)
        chosen = found[epilogue - 1] if epilogue else found[0] if found[0].split else found[-1]
        a, b = by_pc[chosen.start], by_pc[chosen.ret]
        roles[a : b + 1] = ["epilogue"] * (b + 1 - a)
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

