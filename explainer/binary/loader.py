"""Open a Go arm64 binary: file → container → function table → GoBinary.

The function table's entries are offsets from ``moduledata.text``, which the table itself stopped
recording in go1.27 (the pcHeader field is written as 0). We find it as the runtime does: moduledata
points at the table, so the pointer to the table's address, followed by a pointer to its name table,
marks moduledata in the data sections; its ``text`` field is at a fixed offset (runtime/symtab.go, the
same in go1.20..go1.27). Failing that we use the header's value, then the start of the code, which is
what ``go tool objdump`` assumes.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
import struct
from typing import TYPE_CHECKING

from .errors import BinaryError
from .model import GoBinary, GoFunc, Module
from .pclntab import FuncTable

if TYPE_CHECKING:
    from .container import Searchable, Section

#: moduledata: pcHeader *pcHeader; six slices (funcnametab, cutab, filetab, pctab, pclntable, ftab);
#: findfunctab, minpc, maxpc; then text.
_MODULEDATA_TEXT = 8 + 6 * 24 + 3 * 8


def load(path: str | os.PathLike[str]) -> GoBinary:
    """Read a Go arm64 executable (ELF or Mach-O, stripped or not).

    Raises:
        BinaryError: missing or unreadable file, not ELF/Mach-O, not arm64, no Go function table,
            truncated or corrupt.
    """
    where = os.fspath(path)
    return parse(map_regular_file(where), where)


#: The largest file read. Go binaries are tens of MB, rarely a few hundred; beyond this a header could
#: send us through gigabytes of a sparse or hostile file.
MAX_BINARY = 4 << 30
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def map_regular_file(where: str) -> mmap.mmap:
    """The file, memory-mapped read-only: only the pages a reader touches are read.

    Opened without blocking and checked with fstat on the open descriptor (no race between a check and
    the open): a FIFO would block a plain open forever, /dev/zero never ends, so anything but a regular
    file is refused, and so is a file larger than MAX_BINARY.

    Raises:
        BinaryError: missing, unreadable, not a regular file, empty or too large.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(where, flags)
    except FileNotFoundError:
        raise BinaryError(f"no such file: {where}") from None
    except IsADirectoryError:
        raise BinaryError(f"not an executable: {where} is a directory") from None
    except OSError as err:
        with contextlib.suppress(OSError):  # a socket cannot be opened at all (ENXIO): say what it is
            if stat.S_ISSOCK(os.stat(where).st_mode):
                raise BinaryError(f"not a regular file: {where} is a socket") from None
        raise BinaryError(f"cannot read {where}: {err.strerror or err}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise BinaryError(f"not an executable: {where} is a directory")
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
            raise BinaryError(f"not a regular file: {where} is {kind}")
        if st.st_size == 0:
            raise BinaryError(f"not an executable: {where} is empty")
        if st.st_size > MAX_BINARY:
            raise BinaryError(f"too large: {where} is {st.st_size:,} bytes; binaries up to "
                              f"{MAX_BINARY:,} are read")
        try:
            return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as err:
            raise BinaryError(f"cannot read {where}: {err}") from None
    finally:
        os.close(fd)


def parse(data: Searchable, where: str = "<bytes>") -> GoBinary:
    """Like load, from bytes already in memory or a memory map (where names them in messages)."""
    from .buildinfo import go_version
    from .container import open_container

    if not len(data):
        raise BinaryError(f"not an executable: {where} is empty")
    if len(data) > MAX_BINARY:
        raise BinaryError(f"too large: {where} is {len(data):,} bytes; binaries up to {MAX_BINARY:,} "
                          "are read")
    box = open_container(data, where)
    tab = box.section(".gopclntab", "__gopclntab")
    if tab is None:
        raise BinaryError(f"not a Go binary: no .gopclntab section in {where}")
    code = tuple((s.address, s.data) for s in box.sections if s.executable)
    if not code:
        raise BinaryError(f"not an executable: {where} has no code section")
    table = FuncTable(bytes(tab.data), where, tab.address)
    text = 0 if table.layout.absolute_entries else _text_start(box.sections, tab.address, table, code)
    version, version_source = go_version(box)
    module = Module(table, code, where, asm_flag=table.layout.asm_flag)
    functions = tuple(GoFunc(name, entry, end, fid, flag, module, off)
                      for off, entry, end, name, fid, flag in table.records(text))
    module.attach(functions)
    return GoBinary(where, box.format, box.arch, version, box.stripped, functions, module,
                    go_version_source=version_source, table_releases=table.layout.releases,
                    segments=box.segments)


def _text_start(sections: tuple[Section, ...], table_address: int, table: FuncTable,
                code: tuple[tuple[int, memoryview], ...]) -> int:
    def in_code(addr: int) -> bool:
        return any(base <= addr < base + len(data) for base, data in code)

    needle = struct.pack("<QQ", table_address, table_address + table.funcname_off)
    for s in sections:  # .noptrdata up to go1.26, .go.module from go1.27 (__noptrdata, __go_module)
        if s.executable or s.address == table_address or "debug" in s.name:
            continue
        at = s.find(needle)
        if at >= 0 and at + _MODULEDATA_TEXT + 8 <= s.size:
            (text,) = struct.unpack_from("<Q", s.data, at + _MODULEDATA_TEXT)
            if in_code(text):
                return int(text)
    if table.header_text_start and in_code(table.header_text_start):
        return int(table.header_text_start)
    for name in (".text", "__text"):
        for s in sections:
            if s.name == name and s.executable:
                return int(s.address)
    return code[0][0]
