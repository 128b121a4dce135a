"""A Go-shaped program for unicorn: main.big_stack, its callers up to runtime.goexit, and asyncPreempt.

The large-frame function is built from Progs (prologue, the reproducer's body,
epilogue, morestack tail) exactly as the toolchain would. Its callers carry
their real frame sizes (runtime_data); their code is a stand-in with the real
prologue shape and the real call (standins.py). runtime.asyncPreempt and
asyncPreempt2 are the real instruction sequences of each release family.
Functions sit at the addresses of the real build where the code fits there;
``build_around`` puts the same stand-ins around a function from a real binary.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import TypedDict

from ..arm64 import asm
from ..arm64.asm import Instruction, Prog
from ..releases.runtime_data import FunctionFact, facts_for
from ..releases.versions import GoVersion
from .bigstack import DUFFZERO, VAL, Buffer, Stmt, body, calls_duffzero, duffzero, frame_leaf
from .frames import check_frame_size, epilogue, morestack_tail, needs_stack_check, prologue, stack_check
from .gosource import GoSource, reproducer_source
from .standins import async_preempt, async_preempt2, goexit, label_first, main_main, runtime_main, sink

TARGET = "main.big_stack"

#: Stubs: one instruction each; reaching one stops the emulation with an event.
STUBS = ("runtime.mcall", "runtime.morestack_noctxt.abi0", "runtime.newproc",
         "runtime.goexit1.abi0", "runtime.panicIndex")
_STUB_BASE = 0x11000
#: How many findfunc answers a Program remembers (PCs read off a corrupt stack can be anything).
_FINDFUNC_MEMO = 4096


@dataclass(frozen=True)
class Function:
    """One function of the program, with the tables the runtime keeps for it (its funcInfo)."""

    name: str
    """As the runtime prints it (``main.big_stack``, ``runtime.asyncPreempt``)."""
    entry: int
    instructions: tuple[Instruction, ...]
    frame: int
    """The frame size the prologue allocates (0 for NOFRAME)."""
    asm: bool = False
    """Written in assembly: no locals pointer maps, never async-preempted."""
    topframe: bool = False
    """abi.FuncFlagTopFrame: the unwinder stops here (runtime.goexit)."""
    injected: bool = False
    """An injected call (funcID asyncPreempt): the unwinder reads pushCall's saved LR."""
    standin: bool = False
    """The code is a stand-in (real frame size and call, not the real instructions)."""
    stop: bool = False
    """Reaching it ends the emulation (runtime.mcall, morestack and other stubs)."""
    extent: int = 0
    """The real function's size when only its first part is emulated (asyncPreempt stops at its CALL)."""
    source_file: str = ""
    """Where it came from a binary: its source file as the function table names it (a path, often
    module-relative, as ``-trimpath`` writes it); each instruction names the file of its own line."""

    @cached_property
    def end(self) -> int:
        """One past the function's last byte (the function table's range)."""
        return self.entry + max(4 * max(len(self.instructions), 1), self.extent)

    @cached_property
    def _by_pc(self) -> dict[int, Instruction]:
        return {i.pc: i for i in self.instructions}

    def at(self, pc: int) -> Instruction | None:
        """The instruction at ``pc``, if any."""
        return self._by_pc.get(pc)

    @cached_property
    def _pcsp(self) -> dict[int, int]:
        return {i.pc: i.spdelta for i in self.instructions}

    def spdelta(self, pc: int) -> int:
        """funcspdelta: the pcsp table's value at ``pc``."""
        delta = self._pcsp.get(pc)
        if delta is not None:
            return delta
        if self.instructions and self.entry <= pc < self.end:
            return self.instructions[-1].spdelta  # past the emulated part: the frame as it stands
        return 0

    def unsafe_point(self, pc: int) -> tuple[int, int]:
        """pcdatavalue2(f, PCDATA_UnsafePoint, pc): the value at ``pc`` (-1 where there is no
        instruction) and the first PC of its run."""
        insn = self._by_pc.get(pc)
        value = insn.unsafe_point if insn else asm.SAFE
        start = pc
        while start > self.entry and (prev := self._by_pc.get(start - 4)) and prev.unsafe_point == value:
            start -= 4
        return value, start

    def names_r27(self, pc: int) -> bool:
        """The Prog of the instruction at ``pc`` names R27 itself (asm7.go ``isUnsafePoint``).

        An R27 the assembler inserted to build a constant does not count: the stack check's
        ``SUBS $65456, RSP, R17`` becomes ``MOVD $65456, R27 ; SUBS R27, RSP, R17``, unsafe because
        obj7.go's ``stacksplit`` wraps the whole check (golang/go#35470), not for its R27. (A
        function read from a binary has one Prog per instruction: its stack check is told by role.)
        """
        insn = self._by_pc.get(pc)
        return (insn is not None and insn.role != "stack-check"
                and re.search(r"\bR27\b", insn.prog_source) is not None)

    @property
    def has_locals_pointer_maps(self) -> bool:
        """Go code has them (the compiler emits FUNCDATA_LocalsPointerMaps); assembly has none."""
        return not self.asm


@dataclass(frozen=True)
class MemoryImage:
    """Memory a program brings besides its functions' code: a real binary's segments (code, rodata,
    data, bss at their addresses), or arguments the user placed in memory."""

    name: str
    address: int
    size: int
    """Bytes mapped; past ``data`` they read as zero (.bss)."""
    data: bytes
    writable: bool
    executable: bool = False

    @property
    def end(self) -> int:
        """One past its last byte."""
        return self.address + self.size


@dataclass(frozen=True)
class Program:
    """Everything mapped into the text segment, and the function table over it."""

    version: GoVersion
    size: int
    leaf: bool
    buffer: Buffer
    functions: tuple[Function, ...]
    target_name: str = TARGET
    """The large-frame function: the reproducer's, or one loaded from a real binary."""
    locals_name: str = "big_buffer"
    """What the stack view calls the frame's locals (the reproducer's buffer, or just locals)."""
    memory: tuple[MemoryImage, ...] = ()
    """Mapped before the functions' code, which is written over it (a real binary's segments)."""
    registers: tuple[tuple[str, int], ...] = ()
    """Registers set when the target is entered: its arguments (R0 ...), as the caller would pass them."""
    lookup: Callable[[int], Function | None] | None = field(default=None, compare=False, repr=False)
    """findfunc for PCs outside ``functions``: the rest of a real binary's function table, read on demand."""
    source: GoSource | None = None
    """The Go source the target was compiled from (its instructions' lines point into it); None for a
    function from a binary, whose instructions name their own files."""

    @cached_property
    def by_name(self) -> dict[str, Function]:
        """Functions by name."""
        return {f.name: f for f in self.functions}

    @property
    def target(self) -> Function:
        """The large-frame function (main.big_stack unless loaded from a binary)."""
        return self.by_name[self.target_name]

    @cached_property
    def _by_entry(self) -> tuple[list[int], list[Function]]:
        ordered = sorted(self.functions, key=lambda f: f.entry)
        return [f.entry for f in ordered], ordered

    @cached_property
    def _found(self) -> dict[int, Function | None]:
        return {}

    def findfunc(self, pc: int) -> Function | None:
        """runtime.findfunc: the function containing ``pc``, or None (not a valid PC)."""
        found = self._found  # the unwinder asks about the same few return addresses again and again
        if pc in found:
            return found[pc]
        # Functions do not overlap (``_place``): the last one starting at or below pc is the only candidate.
        entries, ordered = self._by_entry
        k = bisect.bisect_right(entries, pc) - 1
        f = ordered[k] if k >= 0 and pc < ordered[k].end else None
        if f is None and self.lookup is not None:
            f = self.lookup(pc)
        if len(found) < _FINDFUNC_MEMO:
            found[pc] = f
        return f

    def symbol(self, name: str) -> int:
        """A function's entry address."""
        return self.by_name[name].entry

    @cached_property
    def text(self) -> dict[int, bytes]:
        """Code bytes by function entry, as loaded into unicorn."""
        out: dict[int, bytes] = {}
        for f in self.functions:
            if f.instructions:
                out[f.entry] = b"".join(i.word.to_bytes(4, "little") for i in f.instructions)
        return out

    @cached_property
    def _return_addresses(self) -> dict[tuple[str, str], int]:
        return {}

    def return_address_after(self, caller: str, callee: str) -> int:
        """The PC after ``caller``'s call to ``callee`` (what the callee's saved LR holds)."""
        known = self._return_addresses.get((caller, callee))
        if known is not None:
            return known
        target = self.symbol(callee)
        for insn in self.by_name[caller].instructions:
            if insn.go.startswith("CALL") and insn.arm.startswith("bl") and f"#{target:#x}" in insn.arm:
                self._return_addresses[caller, callee] = insn.pc + 4
                return insn.pc + 4
        raise KeyError(f"{caller} does not call {callee}")


def target_progs(version: GoVersion, size: int, leaf: bool, buffer: Buffer, planted: int = 0) -> list[Prog]:
    """main.big_stack as Progs: stack check, prologue, body, epilogue, morestack tail, each with its line
    in ``reproducer_source`` (the frame's parts at the ``func`` line, the epilogue at ``return``'s)."""
    check_frame_size(size)
    progs: list[Prog] = []
    leaf_frame = frame_leaf(version, size, leaf)  # a CALL to runtime.duffzero makes it a non-leaf
    check = needs_stack_check(size, leaf_frame)
    line = reproducer_source(size, leaf, buffer).func_line
    if check:
        progs += stack_check(size, "morestack", line)
    progs += prologue(size, line)
    progs += body(version, size, leaf, buffer, planted, line)
    progs += epilogue(version, size, leaf_frame, line + Stmt.RETURN)
    if check:
        tail = morestack_tail(size, "entry", "runtime.morestack_noctxt.abi0", spill_args=1, line=line)
        first = tail[0]
        progs.append(replace(first, label="__spfix__"))
        progs += label_first(tail[1:], "morestack")
    return label_first(progs, "entry")


@lru_cache(maxsize=64)
def build_program(version: GoVersion, size: int, leaf: bool, buffer: Buffer) -> Program:
    """Lay out and assemble every function for one experiment.

    Cached: a Program is an immutable value, and assembling one costs milliseconds
    (keystone and capstone for every instruction), more than a whole sweep.
    """
    facts = facts_for(version)
    shape = "fast_leaf" if leaf else "fast_nonleaf"
    real = facts.functions[shape]
    sources = _standins(version, real, 0 if buffer is Buffer.ZEROS else VAL)
    if not leaf:
        sources["main.sink"] = (sink(version), {})
    if calls_duffzero(version, size, leaf):
        sources[DUFFZERO] = (duffzero(), {"asm": True})
    # Entries: the real build's where the code fits, else packed after the last one.
    placeholder = target_progs(version, size, leaf, buffer, planted=0)
    sizes = {name: 4 * sum(len(p.machine) for p in progs) for name, (progs, _) in sources.items()}
    sizes[TARGET] = 4 * sum(len(p.machine) for p in placeholder)
    sizes.update({name: 4 for name in STUBS})
    # The linker lays out package main in source order: main.main right after big_stack, at the
    # next 16 bytes (cloudflare_shape's shorter big_stack puts it 0x10 lower than fast_leaf's).
    wanted = {n: real[n].entry for n in sizes if n in real}
    wanted["main.main"] = (real[TARGET].entry + sizes[TARGET] + 15) & ~15
    entries = _place(sizes, wanted)
    for k, name in enumerate(n for n in STUBS if n not in real):
        entries[name] = _STUB_BASE + 16 * k
    planted = 0
    if buffer is Buffer.PLANTED_PC:
        # A real return PC: main.main's own caller, so the walk goes on through a wrong frame.
        planted = _return_after(sources["runtime.main"][0], entries, "runtime.main")
    sources[TARGET] = (target_progs(version, size, leaf, buffer, planted), {})
    symbol_for = {addr: name for name, addr in entries.items()}
    source = reproducer_source(size, leaf, buffer)
    functions = _assemble(version, sources, entries, symbol_for, real, {TARGET: size}, {TARGET: source.name})
    functions += [_stub(name, entries[name], symbol_for) for name in STUBS]
    return Program(version, size, leaf, buffer, tuple(sorted(functions, key=lambda f: f.entry)),
                   source=source)


def build_around(version: GoVersion, target: Function, leaf: bool, loaded: tuple[Function, ...] = (),
                 stops: dict[int, str] | None = None, *, memory: tuple[MemoryImage, ...] = (),
                 registers: tuple[tuple[str, int], ...] = (), args_size: int = 0,
                 lookup: Callable[[int], Function | None] | None = None, above: int = 0) -> Program:
    """A program around a function taken from a real binary, at its real address.

    ``target`` and ``loaded`` (its callees, real code too) keep their addresses; ``stops`` are
    functions the real code calls that are not emulated (the runtime's), each a one-word stub at
    its real entry that ends the run. The callers (main.main, runtime.main, goexit) and
    asyncPreempt are the stand-ins build_program uses, placed above the real code and ``above`` (the
    end of the binary's segments, mapped from ``memory``), within a BL's reach. main.main's frame
    holds the target's argument and result area (``args_size``, the function table's ``args``)
    above its saved LR, as a real caller's does.
    """
    facts = facts_for(version)
    real = facts.functions["fast_leaf" if leaf else "fast_nonleaf"]
    # A caller's frame: its saved LR at 0(RSP), then the callee's arguments and results.
    caller_frame = max(real["main.main"].frame, (8 + args_size + 15) & ~15)
    sources = _standins(version, real, VAL, caller_frame)
    stops = dict(stops or {})
    taken = {f.name for f in (target, *loaded)} | set(stops.values())
    sources = {n: v for n, v in sources.items() if n not in taken}
    cursor = (max([f.end for f in (target, *loaded)] + [above]) + 0xFFFF) & ~0xFFF
    entries = {f.name: f.entry for f in (target, *loaded)} | {n: a for a, n in stops.items()}
    entries[TARGET] = target.entry  # main.main's stand-in calls it by the reproducer's name
    for name, (progs, _) in sources.items():
        entries[name] = cursor
        cursor = (cursor + 4 * sum(len(p.machine) for p in progs) + 15) & ~15
    for name in STUBS:
        if name not in entries:
            entries[name], cursor = cursor, cursor + 16
    symbol_for = {addr: name for name, addr in entries.items() if name != TARGET}
    functions = [target, *loaded]
    # The stand-in main.main starts the GC goroutine through a newproc that returns at once; when the
    # real code calls runtime.newproc too, that entry is a stop, so the stand-ins get their own.
    standin_entries = entries
    if "runtime.newproc" in stops.values():
        standin_entries = entries | {"runtime.newproc": cursor}
        functions.append(_stub("runtime.newproc", cursor, {cursor: "runtime.newproc"}))
        symbol_for.setdefault(cursor, "runtime.newproc")
        cursor += 16
    functions += _assemble(version, sources, standin_entries, symbol_for, real, {})
    functions += [_stub(name, entries[name], symbol_for) for name in STUBS if name not in stops.values()]
    functions += [_stub(name, addr, symbol_for, stop=True) for addr, name in stops.items()]
    return Program(version, target.frame, leaf, Buffer.FAST, tuple(sorted(functions, key=lambda f: f.entry)),
                   target_name=target.name, locals_name="locals", memory=memory, registers=registers,
                   lookup=lookup)


class Flags(TypedDict, total=False):
    """The Function flags a source sets (typed: a plain dict of bools could land in ``source_file``)."""

    asm: bool
    topframe: bool
    injected: bool
    standin: bool
    stop: bool


Sources = dict[str, tuple[list[Prog], Flags]]
"""Function name -> its Progs and its Function flags (asm, topframe, injected, standin)."""


def _standins(version: GoVersion, real: dict[str, FunctionFact], val: int, main_frame: int = 0) -> Sources:
    """main.big_stack's callers up to runtime.goexit, and asyncPreempt: the same around any target
    (main.main's frame the real build's, or ``main_frame`` when larger)."""
    return {
        "runtime.goexit": (goexit(), {"asm": True, "topframe": True}),
        "runtime.main": (runtime_main(version, real["runtime.main"].frame), {"standin": True}),
        "main.main": (main_main(version, max(real["main.main"].frame, main_frame), val), {"standin": True}),
        "runtime.asyncPreempt": (async_preempt(version), {"asm": True, "injected": True}),
        "runtime.asyncPreempt2": (async_preempt2(version), {}),
    }


def _assemble(version: GoVersion, sources: Sources, entries: dict[str, int], symbol_for: dict[int, str],
              real: dict[str, FunctionFact], frames: dict[str, int],
              files: dict[str, str] | None = None) -> list[Function]:
    """Each source assembled at its entry, with its frame (``frames``, else its prologue's, and
    asyncPreempt's from the release table), its Go file (``files``: where its Progs' lines are) and,
    for asyncPreempt*, the real function's extent."""
    functions = []
    for name, (progs, flags) in sources.items():
        frame = frames.get(name, max((p.spadj for p in progs if p.role == "prologue"), default=0))
        if name == "runtime.asyncPreempt":
            frame = version.async_preempt_frame
        insns = asm.assemble(progs, entries[name], entries, symbol_for, (files or {}).get(name, ""))
        extent = real[name].size if name in real and name.startswith("runtime.asyncPreempt") else 0
        functions.append(Function(name, entries[name], tuple(insns), frame, extent=extent, **flags))
    return functions


def _stub(name: str, entry: int, symbol_for: dict[int, str], stop: bool = False) -> Function:
    if name == "runtime.newproc" and not stop:  # the GC goroutine is not modelled: the user triggers it
        insns = asm.assemble([Prog("RET", ("ret",), role="stub")], entry, {}, symbol_for)
        return Function(name, entry, tuple(insns), 0, standin=True)
    insns = asm.assemble([Prog("BRK", ("brk #0",), role="stub")], entry, {}, symbol_for)
    return Function(name, entry, tuple(insns), 0, asm=True, stop=True, standin=True)


def _return_after(progs: list[Prog], entries: dict[str, int], name: str) -> int:
    offset = 0
    for p in progs:
        offset += 4 * len(p.machine)
        if p.source.startswith("CALL main.main"):
            return entries[name] + offset
    raise KeyError(name)


def _place(sizes: dict[str, int], real: dict[str, int]) -> dict[str, int]:
    """Real entries where nothing overlaps; anything that would overlap goes after the rest."""
    placed: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    # main.big_stack first: it must sit at the real build's address; stand-ins give way.
    order = sorted(sizes, key=lambda n: (n != TARGET, real.get(n, 1 << 40)))
    for name in order:
        start = real.get(name)
        if start is None or any(start < e and s < start + sizes[name] for s, e in spans):
            continue
        placed[name] = start
        spans.append((start, start + sizes[name]))
    cursor = max((e for _, e in spans), default=0x70000)
    for name in order:
        if name not in placed:
            cursor = (cursor + 15) & ~15
            placed[name] = cursor
            spans.append((cursor, cursor + sizes[name]))
            cursor += sizes[name]
    return placed
