"""Go's own function table (``.gopclntab``), read the way the runtime reads it.

Every Go binary carries this table, even when linked with ``-s -w``: the runtime itself needs it to
unwind stacks, so it is the one source of function names, bounds, frame sizes and unsafe points that a
stripped binary cannot lose. This module mirrors runtime/symtab.go (``pcHeader``, ``functab``, ``_func``,
``funcdata``, ``pcvalue``, ``step``, ``readvarint``) for the four layouts Go has written since go1.2
(``LAYOUTS``: one entry per table magic, each with the source it was read from). It reads bytes and
nothing else: which file section holds them is the container's business (container.py), and where the
text starts is the loader's (``moduledata.text``).

Every read is bounds-checked and turned into BinaryError: a corrupt table is bad input, not a crash.
"""

from __future__ import annotations

import operator
import struct
from dataclasses import dataclass

from .errors import BinaryError


@dataclass(frozen=True)
class Layout:
    """Where one table format keeps what this reader needs. Offsets are into the ``_func`` record."""

    magic: int
    releases: str
    """The Go releases that wrote it, e.g. ``"go1.16-go1.17"``."""
    first: str
    """The first of them (``"1.16"``): a binary with no version string is at least this."""
    header_words: int
    """uintptr words after the 8-byte magic/quantum/ptrsize prefix: nfunc first, then offsets."""
    absolute_entries: bool
    """functab and ``_func.entry`` hold absolute uintptr PCs (go1.17 and older), else uint32 offsets from
    ``moduledata.text``."""
    name: int
    pcsp: int
    pcfile: int
    npcdata: int
    cu: int | None
    """cuOffset (go1.16 and later); go1.2-go1.15 index one file table directly."""
    func_id: int
    flag: int | None
    """abi.FuncFlag byte; None up to go1.15 (go1.16 has padding there, which reads as no flags)."""
    asm_flag: bool
    """The flag byte carries FuncFlagAsm (go1.18 on: go1.17's tables set only topframe and spwrite)."""
    nfuncdata: int
    size: int
    """Where the pcdata offsets start: the ``_func`` record's size."""
    pointer_funcdata: bool
    """funcdata holds 8-aligned pointers (nil is 0) up to go1.17; uint32 offsets from go.func.* (nil is
    ^uint32(0)) from go1.18."""
    source: str
    args: int = 8
    """``_func.args``: the size of the function's argument and result area on the caller's frame (the
    ``argsize`` the runtime reads); after ``entryOff`` and ``nameOff``, or a uintptr entry."""


#: The table formats, by magic. The go1.19 and go1.27 layouts are read from their runtime sources; the
#: older ones from go1.27.3's debug/gosym/pclntab.go (ver12, ver116), which reads every format. Where no
#: source says it, real binaries do (tests/fixtures/old, esbuild's releases): go1.17.2's flag bytes hold
#: only topframe (1) and spwrite (2), go1.18's hold asm (4) on every runtime/*.s function; go1.17.2's
#: funcdata are 8-aligned pointers, go1.18's uint32 offsets with 0xffffffff for nil.
LAYOUTS = {
    0xFFFFFFFB: Layout(0xFFFFFFFB, "go1.2-go1.15", "1.2", 1, True, name=8, pcsp=20, pcfile=24, npcdata=32,
                       cu=None, func_id=36, flag=None, asm_flag=False, nfuncdata=39, size=40,
                       pointer_funcdata=True,
                       source="go1.27.3 src/debug/gosym/pclntab.go (ver12, funcData.field)", args=12),
    0xFFFFFFFA: Layout(0xFFFFFFFA, "go1.16-go1.17", "1.16", 7, True, name=8, pcsp=20, pcfile=24, npcdata=32,
                       cu=36, func_id=40, flag=41, asm_flag=False, nfuncdata=43, size=44,
                       pointer_funcdata=True,
                       source="go1.27.3 src/debug/gosym/pclntab.go (ver116, funcData.field)", args=12),
    0xFFFFFFF0: Layout(0xFFFFFFF0, "go1.18-go1.19", "1.18", 8, False, name=4, pcsp=16, pcfile=20, npcdata=28,
                       cu=32, func_id=36, flag=37, asm_flag=True, nfuncdata=39, size=40,
                       pointer_funcdata=False,
                       source="go1.19.8 src/runtime/runtime2.go:876 (_func), symtab.go:1099 (funcdata)"),
    0xFFFFFFF1: Layout(0xFFFFFFF1, "go1.20-go1.27", "1.20", 8, False, name=4, pcsp=16, pcfile=20, npcdata=28,
                       cu=32, func_id=40, flag=41, asm_flag=True, nfuncdata=43, size=44,
                       pointer_funcdata=False,
                       source="go1.27.3 src/internal/abi/symtab.go, runtime/runtime2.go (_func)"),
}

#: abi.Go120PCLnTabMagic: the table's first word from go1.20 on.
GO120_MAGIC = 0xFFFFFFF1

#: abi.FuncFlag bits (internal/abi/symtab.go; runtime/symtab.go funcFlag_* in go1.17-go1.19).
FUNC_FLAG_TOPFRAME = 1 << 0
FUNC_FLAG_SPWRITE = 1 << 1
FUNC_FLAG_ASM = 1 << 2

#: abi.PCDATA_* and abi.FUNCDATA_* indexes used here.
PCDATA_UNSAFE_POINT = 0
FUNCDATA_LOCALS_POINTER_MAPS = 1

_U32 = 0xFFFFFFFF


#: One function as records() lists it: (offset of its _func in the table, entry, end, name, funcID, flag).
Record = tuple[int, int, int, str, int, int]


class FuncTable:
    """A parsed pcHeader over the table bytes; records and pc-value runs are decoded on demand."""

    def __init__(self, data: bytes, where: str, address: int = 0) -> None:
        """Check the header and the functab.

        Args:
            data: the whole ``.gopclntab`` section.
            where: the file, for error messages.
            address: the table's virtual address (pointer-sized funcdata are 8-aligned in memory).
        """
        self.data, self.where, self.address = data, where, address
        if len(data) < 8:
            raise self._corrupt("shorter than its header")
        magic, pad1, pad2, quantum, ptrsize = struct.unpack_from("<IBBBB", data, 0)
        layout = LAYOUTS.get(magic)
        if layout is None or pad1 or pad2:
            raise self._corrupt(f"bad magic {magic:#x}")
        self.layout = layout
        if quantum != 4 or ptrsize != 8:
            raise self._corrupt(f"instruction size {quantum} and pointer size {ptrsize} "
                                "are not arm64's 4 and 8")
        words = layout.header_words
        if len(data) < 8 + 8 * words:
            raise self._corrupt("shorter than its header")
        head = struct.unpack_from(f"<{words}Q", data, 8)
        self.nfunc = head[0]
        self.quantum = quantum
        self.header_text_start = 0
        self.cu_off = self.filetab_off = 0
        if words == 1:  # go1.2-go1.15: functab right after nfunc; offsets are from the table's start
            self.funcname_off = self.pctab_off = self.pcln_off = 0
            functab = 16
        else:
            if words == 8:  # go1.18 added textStart after nfiles
                self.header_text_start = head[2]
            self.funcname_off, self.cu_off, self.filetab_off, self.pctab_off, self.pcln_off = head[-5:]
            functab = self.pcln_off
        width = 8 if layout.absolute_entries else 4
        functab_end = functab + (2 * self.nfunc + 1) * width
        if self.nfunc == 0 or self.nfunc > len(data) or functab_end > len(data) or \
                max(self.funcname_off, self.pctab_off, self.cu_off, self.filetab_off) > len(data):
            raise self._corrupt(f"{self.nfunc} functions do not fit in {len(data)} bytes")
        code = "Q" if width == 8 else "I"
        pairs = struct.unpack_from(f"<{2 * self.nfunc + 1}{code}", data, functab)
        self._entries = pairs[0::2]  # nfunc entries and the end of the last function
        self._func_offs = pairs[1::2]
        if not all(map(operator.le, self._entries, self._entries[1:])):
            raise self._corrupt("function entries out of order")
        if words == 1:  # the file table's offset follows the functab (debug/gosym ver12)
            if functab_end + 4 > len(data):
                raise self._corrupt("no room for the file table's offset")
            (self.filetab_off,) = struct.unpack_from("<I", data, functab_end)

    def _corrupt(self, why: str) -> BinaryError:
        return BinaryError(f"{self.where}: corrupt Go function table: {why}")

    def records(self, text_start: int) -> list[Record]:
        """Every function of the functab, in address order (runtime.findfunc's order).

        Each _func's entry must be the functab's, and its name must lie in the name table (cut at its
        NUL): a record that does not say so is a corrupt table. Plain struct reads: about a microsecond a
        function, faster than importing an array library for it.

        Args:
            text_start: moduledata.text, the base of every entryOff (unused by go1.17 and older tables,
                whose entries are absolute).
        """
        data, lay, size = self.data, self.layout, len(self.data)
        entry_at = struct.Struct("<Q" if lay.absolute_entries else "<I").unpack_from
        name_at = struct.Struct("<i").unpack_from
        base = 0 if lay.absolute_entries else text_start
        entries, names = self._entries, self.funcname_off
        out: list[Record] = []
        for i, func_off in enumerate(self._func_offs):
            o = self.pcln_off + func_off
            if o + lay.size > size:
                raise self._corrupt(f"function {i} lies outside the table")
            if entry_at(data, o)[0] != entries[i]:
                raise self._corrupt(f"function {i}'s entry disagrees with the functab")
            start = names + name_at(data, o + lay.name)[0]
            stop = data.find(b"\0", start) if names <= start < size else -1
            if stop < 0:
                raise self._corrupt(f"function {i}'s name lies outside the table")
            flag = data[o + lay.flag] if lay.flag is not None else 0
            name = data[start:stop].decode("utf-8", "replace")
            out.append((o, base + entries[i], base + entries[i + 1], name, data[o + lay.func_id], flag))
        return out

    def _u32(self, at: int) -> int:
        if at < 0 or at + 4 > len(self.data):
            raise self._corrupt("a function's fields lie outside the table")
        return int.from_bytes(self.data[at : at + 4], "little")

    def args(self, func_off: int) -> int:
        """``_func.args``: bytes of arguments and results the caller's frame holds for the function."""
        return _int32(self._u32(func_off + self.layout.args))

    def pcsp_offset(self, func_off: int) -> int:
        return self._u32(func_off + self.layout.pcsp)

    def pcdata_offset(self, func_off: int, table: int) -> int:
        """pcdatastart(f, table), or 0 (no table) when table >= npcdata."""
        npcdata = self._u32(func_off + self.layout.npcdata)
        return self._u32(func_off + self.layout.size + 4 * table) if 0 <= table < npcdata else 0

    def has_funcdata(self, func_off: int, index: int) -> bool:
        """funcdata(f, index) != nil (runtime/symtab.go ``funcdata``): uint32 offsets with ^uint32(0) for
        nil from go1.19; before, pointers (nil is 0) that start at the next 8-aligned address."""
        lay = self.layout
        npcdata = self._u32(func_off + lay.npcdata)
        if not 0 <= index < self.data[func_off + lay.nfuncdata]:
            return False
        at = func_off + lay.size + 4 * npcdata
        if not lay.pointer_funcdata:
            return self._u32(at + 4 * index) != _U32
        if (self.address + at) & 4:
            at += 4
        return (self._u32(at + 8 * index) | self._u32(at + 8 * index + 4)) != 0

    def file(self, func_off: int, fileno: int) -> str | None:
        """The source file numbered fileno (a pcfile value) of the function: runtime funcfile."""
        lay = self.layout
        if fileno < 0:
            return None
        if lay.cu is None:  # go1.2-go1.15: filetab[fileno] is the name's offset from the table's start
            if fileno >= self._u32(self.filetab_off):
                return None
            return self._string(self._u32(self.filetab_off + 4 * fileno))
        off = self._u32(self.cu_off + 4 * (self._u32(func_off + lay.cu) + fileno))
        return None if off == _U32 else self._string(self.filetab_off + off)

    def pcfile_offset(self, func_off: int) -> int:
        return self._u32(func_off + self.layout.pcfile)

    def pcln_offset(self, func_off: int) -> int:
        """The pcln table's offset: the ``_func`` field right after pcfile in every layout (go1.27.3
        runtime2.go ``_func``; debug/gosym ``funcData.field(6)`` for the older ones)."""
        return self._u32(func_off + self.layout.pcfile + 4)

    def _string(self, at: int) -> str:
        end = self.data.find(b"\0", at) if 0 <= at < len(self.data) else -1
        if end < 0:
            raise self._corrupt("a file name lies outside the table")
        return bytes(self.data[at:end]).decode("utf-8", "replace")

    def runs(self, off: int, entry: int, end: int) -> tuple[tuple[int, int, int], ...]:
        """Decode a pc-value table into (start_pc, end_pc, value) runs, absolute PCs.

        Mirrors runtime.pcvalue/step: the value starts at -1 and the pc at the entry; each step adds a
        zig-zag varint to the value and a varint times the instruction size to the pc; a zero value
        delta after the first step ends the table. Runs stop at the function's end (the runtime never
        asks past it). Offset 0 means "no table" and gives no runs.
        """
        if off == 0:
            return ()
        p = self.pctab_off + off
        pc, val, out = entry, -1, []
        while pc < end:
            uv, p = self._readvarint(p)
            if uv == 0 and pc != entry:  # step's "first" is pc == entry, not the first step
                break
            delta = ((-(uv & 1)) & _U32) ^ (uv >> 1)
            val = _int32(val + _int32(delta))
            pcdelta, p = self._readvarint(p)
            nxt = pc + ((pcdelta * self.quantum) & _U32)
            out.append((pc, nxt, val))
            pc = nxt
        return tuple(out)

    def _readvarint(self, p: int) -> tuple[int, int]:
        """runtime.readvarint: little-endian base-128, kept to 32 bits. Returns (value, next index)."""
        data, v, shift = self.data, 0, 0
        while True:
            if p >= len(data):
                raise self._corrupt("a pc-value table runs off the end")
            b = data[p]
            p += 1
            v |= (b & 0x7F) << (shift & 31)
            if not b & 0x80:
                return v & _U32, p
            shift += 7


def value_at(runs: tuple[tuple[int, int, int], ...], pc: int, missing: int = -1) -> tuple[int, int]:
    """(value, start of its run) at pc, as runtime.pcvalue returns them; (missing, 0) outside every run."""
    for start, end, value in runs:
        if start <= pc < end:
            return value, start
    return missing, 0


def _int32(x: int) -> int:
    x &= _U32
    return x - (1 << 32) if x & 0x80000000 else x
