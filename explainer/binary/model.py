"""A Go arm64 binary as values: GoBinary and its GoFuncs.

Frozen dataclasses, so the scanner, ``explainer open`` and ``explainer repro`` can pass them around
and compare them. What is cheap is a field (name, bounds, funcID, flags from the function table); what
costs a table decode or a look at the code (pcsp, frame size, leaf) is computed on first use and kept,
because a scan asks for it only for the few functions with findings.
"""

from __future__ import annotations

import bisect
import copy
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from .container import Segment
from .errors import BinaryError
from .pclntab import (
    FUNC_FLAG_ASM,
    FUNC_FLAG_SPWRITE,
    FUNC_FLAG_TOPFRAME,
    FUNCDATA_LOCALS_POINTER_MAPS,
    FuncTable,
    value_at,
)

Runs = tuple[tuple[int, int, int], ...]

#: The calls obj7.go's leaf analysis never sees: the stack-split tail is added after it (stacksplit).
_MORESTACK = "runtime.morestack"


def bl_target(word: int, pc: int) -> int | None:
    """Where ``BL imm26`` at pc calls; None when word is another instruction."""
    if word & 0xFC000000 != 0x94000000:
        return None
    imm = word & 0x03FFFFFF
    return pc + 4 * (imm - (1 << 26) if imm & (1 << 25) else imm)


class Module:
    """What the GoFuncs of one binary share: its function table and its code, by address."""

    def __init__(self, table: FuncTable, code: tuple[tuple[int, memoryview], ...], where: str,
                 asm_flag: bool = True) -> None:
        self.table, self.code_sections, self.where = table, code, where
        self.asm_flag = asm_flag
        """The table's flag byte says FuncFlagAsm (go1.17 and later)."""
        self.functions: tuple[GoFunc, ...] = ()
        self._entries: list[int] = []

    def attach(self, functions: tuple[GoFunc, ...]) -> None:
        self.functions = functions
        self._entries = [f.entry for f in functions]

    def code(self, start: int, end: int) -> bytes:
        for base, data in self.code_sections:
            if base <= start <= end <= base + len(data):
                return bytes(data[start - base : end - base])
        raise BinaryError(f"{self.where}: no code at {start:#x}-{end:#x}")

    def func_at(self, pc: int) -> GoFunc | None:
        i = bisect.bisect_right(self._entries, pc) - 1
        if i < 0:
            return None
        f = self.functions[i]
        return f if f.entry <= pc < f.end else None


@dataclass(frozen=True)
class GoFunc:
    """One function of Go's function table (a runtime ``funcInfo``)."""

    name: str
    """As the table spells it: ``main.big_stack``, ``runtime.call65536`` (no ``.abi0``)."""
    entry: int
    end: int
    """Exclusive: the next function's entry."""
    func_id: int
    """abi.FuncID: 0 for ordinary functions; the numbering of special ones differs between releases."""
    flag: int
    """abi.FuncFlag bits: topframe 1, spwrite 2, asm 4."""
    _module: Module = field(repr=False, compare=False)
    _offset: int = field(repr=False, compare=False)
    """Where its runtime._func starts in the table."""

    @property
    def asm(self) -> bool:
        """Written in assembly: the runtime never async-preempts it. FuncFlagAsm where the table records
        it (go1.17 and later); before, the function's source file is a ``.s`` file, which is what the
        assembler sets the flag for (go1.19.8 cmd/internal/obj/plist.go: ``if ctxt.IsAsm``)."""
        if self._module.asm_flag:
            return bool(self.flag & FUNC_FLAG_ASM)
        return (self.file or "").endswith(".s")

    @cached_property
    def file(self) -> str | None:
        """The source file at the entry, as the pcfile table names it (``runtime/asm_arm64.s``)."""
        t = self._module.table
        value, _ = value_at(t.runs(t.pcfile_offset(self._offset), self.entry, self.end), self.entry)
        return t.file(self._offset, value)

    def positions(self, pcs: Sequence[int]) -> list[tuple[str | None, int]]:
        """(source file, line) at each of ``pcs`` (ascending, inside the function), as ``runtime.funcline1``
        and debug/gosym's ``PCToLine`` read them: the pcfile table's file (an inlined call's own file)
        and the pcln table's line; (None, 0) where the tables say nothing."""
        t = self._module.table
        files = t.runs(t.pcfile_offset(self._offset), self.entry, self.end)
        lines = t.runs(t.pcln_offset(self._offset), self.entry, self.end)
        names: dict[int, str | None] = {}
        out: list[tuple[str | None, int]] = []
        fi = li = 0
        for pc in pcs:
            while fi < len(files) and files[fi][1] <= pc:
                fi += 1
            while li < len(lines) and lines[li][1] <= pc:
                li += 1
            fileno = files[fi][2] if fi < len(files) and files[fi][0] <= pc else -1
            if fileno not in names:
                names[fileno] = t.file(self._offset, fileno)
            line = lines[li][2] if li < len(lines) and lines[li][0] <= pc else 0
            out.append((names[fileno], max(line, 0)))
        return out

    @property
    def topframe(self) -> bool:
        """Unwinding stops here (FuncFlagTopFrame: goexit, mstart, rt0_go ...)."""
        return bool(self.flag & FUNC_FLAG_TOPFRAME)

    @property
    def spwrite(self) -> bool:
        """Writes SP other than by a constant (FuncFlagSPWrite): unwinding stops with an error here."""
        return bool(self.flag & FUNC_FLAG_SPWRITE)

    def pcsp(self) -> Runs:
        """(start_pc, end_pc, spdelta) runs: how far SP is below its value at entry (funcspdelta)."""
        return self._pcsp

    def pcdata(self, table: int) -> Runs:
        """(start_pc, end_pc, value) runs of pcdata table; table 0 is UnsafePoint. () if absent."""
        t = self._module.table
        return t.runs(t.pcdata_offset(self._offset, table), self.entry, self.end)

    def spdelta(self, pc: int) -> int:
        """funcspdelta(f, pc): the frame the unwinder assumes at pc (0 outside the table)."""
        return value_at(self._pcsp, pc, missing=0)[0]

    def unsafe_point(self, pc: int) -> tuple[int, int]:
        """(UnsafePoint value, start of its run) at pc: -1 safe, -2 unsafe, -3/-4 restart, -5 entry."""
        return value_at(self.pcdata(0), pc)

    @property
    def args_size(self) -> int:
        """The argument and result area the caller reserves for it (``_func.args``): stack-assigned
        arguments and results, and the spill slots of register arguments (ABIInternal)."""
        return self._module.table.args(self._offset)

    @property
    def has_locals_pointer_maps(self) -> bool:
        """funcdata(f, FUNCDATA_LocalsPointerMaps) != nil; without it the runtime never preempts."""
        return self._module.table.has_funcdata(self._offset, FUNCDATA_LOCALS_POINTER_MAPS)

    @cached_property
    def _pcsp(self) -> Runs:
        t = self._module.table
        return t.runs(t.pcsp_offset(self._offset), self.entry, self.end)

    @cached_property
    def frame_size(self) -> int:
        """The largest pcsp value: what the prologue allocates, saved LR and FP included."""
        return max((v for _, _, v in self._pcsp), default=0)

    @cached_property
    def leaf(self) -> bool:
        """True when the function calls nothing, as obj7.go's preprocess decides (no BL, DUFFZERO or
        DUFFCOPY, which are BLs too). A leaf's epilogue does not reload LR from its frame. The call to
        ``runtime.morestack*`` in the stack-split tail does not count: the compiler adds it after
        deciding. A register call (BLR) counts; its target is unknown.
        """
        for k, word in enumerate(self.words):
            if word & 0xFFFFFC1F == 0xD63F0000:  # BLR Xn
                return False
            target = bl_target(word, self.entry + 4 * k)
            if target is not None:
                callee = self._module.func_at(target)
                if callee is None or not callee.name.startswith(_MORESTACK):
                    return False
        return True

    @cached_property
    def words(self) -> tuple[int, ...]:
        """The function's instruction words, entry to end (padding included)."""
        code = self._module.code(self.entry, self.end)
        return tuple(int.from_bytes(code[k : k + 4], "little") for k in range(0, len(code) - 3, 4))


@dataclass(frozen=True)
class GoBinary:
    """A Go arm64 executable: its format, Go version and every function of its function table."""

    path: str
    format: str
    """``"elf"`` or ``"macho"``."""
    arch: str
    go_version: str | None
    """``"1.23.4"``, from the build info or the runtime's version string; None when neither is there."""
    stripped: bool
    functions: tuple[GoFunc, ...]
    _module: Module = field(repr=False, compare=False)
    go_version_source: str | None = None
    """Where go_version came from: ``"build info"`` or ``"runtime.buildVersion"``."""
    table_releases: str = "go1.20-go1.27"
    """The releases that write this function table format (``"go1.2-go1.15"``)."""
    segments: tuple[Segment, ...] = field(default=(), repr=False, compare=False)
    """What a loader maps (text, rodata, data and bss), at their addresses: ``explainer open`` runs on it."""

    def code(self, start: int, end: int) -> bytes:
        """The code bytes at absolute addresses [start, end). BinaryError outside the code."""
        return self._module.code(start, end)

    def func_at(self, pc: int) -> GoFunc | None:
        """The function whose [entry, end) holds pc (runtime.findfunc), or None."""
        return self._module.func_at(pc)

    def shown(self, show: Callable[[str], str]) -> GoBinary:
        """This binary with every function named as ``show`` spells it: the lab and ``open`` show names
        with their control characters escaped (``output.printable``), everywhere a name reaches a
        screen (titles, CALL targets, the stack, the unwinder's words), by naming them so once here.
        Code and tables are shared, not copied."""
        module = copy.copy(self._module)
        functions = tuple(replace(f, name=show(f.name), _module=module) for f in self.functions)
        module.attach(functions)
        return replace(self, functions=functions, _module=module)

    def func_named(self, name: str) -> GoFunc:
        """The function the table spells name. BinaryError with the nearest names otherwise."""
        for f in self.functions:
            if f.name == name:
                return f
        names = [f.name for f in self.functions]
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        if not near:  # "big_stack" for "main.big_stack": match on the last part too
            tail = name.rsplit(".", 1)[-1]
            near = [n for n in names if n.rsplit(".", 1)[-1] == tail][:3]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise BinaryError(f"no function {name!r} in {self.path}{hint}")
