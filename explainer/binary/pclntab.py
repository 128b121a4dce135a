"""Go's own function table (``.gopclntab``), read the way the runtime reads it.

Every Go binary carries this table, even when linked with ``-s -w``: the runtime itself needs it to
unwind stacks, so it is the one source of function names, bounds, frame sizes and unsafe points that a
stripped binary cannot lose. This module mirrors runtime/symtab.go (``pcHeader``, ``functab``, ``_func``,
``pcvalue``, ``step``, ``readvarint``) for the layout Go has used since go1.20 (magic 0xfffffff1, still
current in go1.27). It reads bytes and nothing else: which file section holds them is the container's
business (container.py), and where the text starts is the loader's (``moduledata.text``).

Every read is bounds-checked and turned into BinaryError: a corrupt table is bad input, not a crash.
"""

from __future__ import annotations

import operator
import struct

from .errors import BinaryError

#: abi.Go120PCLnTabMagic: the table's first word from go1.20 on.
GO120_MAGIC = 0xFFFFFFF1
#: Older layouts, named so the error can say which Go made the binary.
OLDER_MAGICS = {0xFFFFFFF0: "go1.18-go1.19", 0xFFFFFFFA: "go1.16-go1.17", 0xFFFFFFFB: "go1.2-go1.15"}

#: runtime._func up to its variable-length pcdata/funcdata arrays (runtime2.go): entryOff, nameOff, args,
#: deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset, startLine, funcID, flag, pad, nfuncdata.
_FUNC = struct.Struct("<IiiIIIIIIiBBxB")

#: abi.FuncFlag bits (internal/abi/symtab.go).
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

    def __init__(self, data: bytes, where: str) -> None:
        """Check the header and the functab.

        Args:
            data: the whole ``.gopclntab`` section.
            where: the file, for error messages.
        """
        self.data, self.where = data, where
        if len(data) < 8:
            raise self._corrupt("shorter than its header")
        magic, pad1, pad2, quantum, ptrsize = struct.unpack_from("<IBBBB", data, 0)
        if magic in OLDER_MAGICS:
            raise BinaryError(f"{where}: Go function table of {OLDER_MAGICS[magic]} (magic {magic:#x}); "
                              "only go1.20 and later are read")
        if magic != GO120_MAGIC or pad1 or pad2:
            raise self._corrupt(f"bad magic {magic:#x}")
        if quantum != 4 or ptrsize != 8:
            raise self._corrupt(f"instruction size {quantum} and pointer size {ptrsize} "
                                "are not arm64's 4 and 8")
        if len(data) < 8 + 8 * 8:
            raise self._corrupt("shorter than its header")
        (self.nfunc, _nfiles, self.header_text_start, self.funcname_off, _cu, _file, self.pctab_off,
         self.pcln_off) = struct.unpack_from("<8Q", data, 8)
        self.quantum = quantum
        functab_end = self.pcln_off + (self.nfunc + 1) * 8
        if self.nfunc == 0 or functab_end > len(data) or max(self.funcname_off, self.pctab_off) > len(data):
            raise self._corrupt(f"{self.nfunc} functions do not fit in {len(data)} bytes")
        pairs = struct.unpack_from(f"<{2 * (self.nfunc + 1)}I", data, self.pcln_off)
        self._entry_offs = pairs[0::2]
        self._func_offs = pairs[1::2]
        if not all(map(operator.le, self._entry_offs, self._entry_offs[1:])):
            raise self._corrupt("function entries out of order")

    def _corrupt(self, why: str) -> BinaryError:
        return BinaryError(f"{self.where}: corrupt Go function table: {why}")

    def records(self, text_start: int) -> list[Record]:
        """Every function of the functab, in address order (runtime.findfunc's order).

        Vectorised with numpy (a binary has thousands of functions and ``explainer scan`` should take
        milliseconds): the fixed fields of every _func are gathered at once, names are cut at the NULs.

        Args:
            text_start: moduledata.text, the base of every entryOff.
        """
        import numpy as np  # deferred: importing explainer.binary must stay cheap for the CLI

        data, n = self.data, self.nfunc
        raw = np.frombuffer(data, dtype=np.uint8)
        offs = self.pcln_off + np.asarray(self._func_offs[:n], dtype=np.int64)
        bad = np.flatnonzero(offs + _FUNC.size > len(data))
        if bad.size:
            raise self._corrupt(f"function {int(bad[0])} lies outside the table")
        head = raw[offs[:, None] + np.arange(8)].view("<u4")  # entryOff, nameOff of every _func
        entry_offs = head[:, 0]
        name_offs = head[:, 1].view("<i4").astype(np.int64)
        mismatch = np.flatnonzero(entry_offs != np.asarray(self._entry_offs[:n], dtype=np.uint32))
        if mismatch.size:
            raise self._corrupt(f"function {int(mismatch[0])}'s entry disagrees with the functab")
        starts = self.funcname_off + name_offs
        nuls = np.flatnonzero(raw[self.funcname_off :] == 0) + self.funcname_off
        at = np.searchsorted(nuls, starts)
        bad = np.flatnonzero((name_offs < 0) | (starts >= len(data)) | (at >= len(nuls)))
        if bad.size:
            raise self._corrupt(f"function {int(bad[0])}'s name lies outside the table")
        stops = nuls[at]
        ids, flags, ends = raw[offs + 40].tolist(), raw[offs + 41].tolist(), self._entry_offs
        rows = zip(offs.tolist(), entry_offs.tolist(), starts.tolist(), stops.tolist(), ids, flags,
                   strict=True)
        return [(o, text_start + e, text_start + ends[i + 1], data[a:b].decode("utf-8", "replace"), fid, fl)
                for i, (o, e, a, b, fid, fl) in enumerate(rows)]

    def _fields(self, func_off: int) -> tuple[int, ...]:
        return _FUNC.unpack_from(self.data, func_off)

    def _array(self, func_off: int, index: int) -> int:
        """The uint32 at index of the arrays after _func (pcdata first, then funcdata)."""
        at = func_off + _FUNC.size + 4 * index
        if at + 4 > len(self.data):
            raise self._corrupt("a function's pcdata/funcdata lie outside the table")
        return int.from_bytes(self.data[at : at + 4], "little")

    def pcsp_offset(self, func_off: int) -> int:
        return self._fields(func_off)[4]

    def pcdata_offset(self, func_off: int, table: int) -> int:
        """pcdatastart(f, table), or 0 (no table) when table >= npcdata."""
        npcdata = self._fields(func_off)[7]
        return self._array(func_off, table) if 0 <= table < npcdata else 0

    def has_funcdata(self, func_off: int, index: int) -> bool:
        """funcdata(f, index) != nil: the index exists and its offset is not ^uint32(0)."""
        fields = self._fields(func_off)
        npcdata, nfuncdata = fields[7], fields[12]
        return 0 <= index < nfuncdata and self._array(func_off, npcdata + index) != _U32

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
