"""Open a Go arm64 binary: file → container → function table → GoBinary.

The function table's entries are offsets from ``moduledata.text``, which the table itself stopped
recording in go1.27 (the pcHeader field is written as 0). We find it as the runtime does: moduledata
points at the table, so the pointer to the table's address, followed by a pointer to its name table,
marks moduledata in the data sections; its ``text`` field is at a fixed offset (runtime/symtab.go, the
same in go1.20..go1.27). Failing that we use the header's value, then the start of the code, which is
what ``go tool objdump`` assumes.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

from .errors import BinaryError
from .model import GoBinary, GoFunc, Module
from .pclntab import FuncTable

if TYPE_CHECKING:  # container.py imports LIEF: only when a binary is opened
    from .container import Section

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
    try:
        with open(where, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise BinaryError(f"no such file: {where}") from None
    except IsADirectoryError:
        raise BinaryError(f"not an executable: {where} is a directory") from None
    except OSError as err:
        raise BinaryError(f"cannot read {where}: {err.strerror or err}") from None
    return parse(data, where)


def parse(data: bytes, where: str = "<bytes>") -> GoBinary:
    """Like load, from bytes already in memory (where names them in messages)."""
    from .buildinfo import go_version
    from .container import open_container

    if not data:
        raise BinaryError(f"not an executable: {where} is empty")
    box = open_container(bytes(data), where)
    tab = box.section(".gopclntab", "__gopclntab")
    if tab is None:
        raise BinaryError(f"not a Go binary: no .gopclntab section in {where}")
    code = tuple((s.address, s.data) for s in box.sections if s.executable)
    if not code:
        raise BinaryError(f"not an executable: {where} has no code section")
    table = FuncTable(tab.data, where, tab.address)
    text = 0 if table.layout.absolute_entries else _text_start(box.sections, tab.address, table, code)
    version, version_source = go_version(box)
    module = Module(table, code, where, asm_flag=table.layout.asm_flag)
    functions = tuple(GoFunc(name, entry, end, fid, flag, module, off)
                      for off, entry, end, name, fid, flag in table.records(text))
    module.attach(functions)
    return GoBinary(where, box.format, box.arch, version, box.stripped, functions, module,
                    go_version_source=version_source, table_releases=table.layout.releases)


def _text_start(sections: tuple[Section, ...], table_address: int, table: FuncTable,
                code: tuple[tuple[int, bytes], ...]) -> int:
    def in_code(addr: int) -> bool:
        return any(base <= addr < base + len(data) for base, data in code)

    needle = struct.pack("<QQ", table_address, table_address + table.funcname_off)
    for s in sections:  # .noptrdata up to go1.26, .go.module from go1.27 (__noptrdata, __go_module)
        if s.executable or s.address == table_address or "debug" in s.name:
            continue
        at = s.data.find(needle)
        if at >= 0 and at + _MODULEDATA_TEXT + 8 <= len(s.data):
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
