"""ELF and Mach-O, read with LIEF, down to what a Go reader needs: named sections as bytes.

This is the only module that imports LIEF (a 0.4 s import, so nothing imports this module at start-up:
the loader does, when a binary is opened). Apple Silicon users bring Mach-O files, sometimes universal
("fat") ones; linux users bring ELF. Both come out the same shape: the architecture, whether the file
still has a symbol table, and its sections as slices of the file's own bytes.

The raw headers are checked first (extents.py) and LIEF is asked for headers and sections only (no
relocations, notes, dynamic symbols or dyld info): that is all we use, and it keeps LIEF quick on
corrupt files.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import lief

from .errors import BinaryError
from .extents import CPU_TYPE_ARM64, check_elf, check_macho

lief.logging.disable()  # LIEF logs parse problems on stderr; our errors say what matters in one line

_ELF_MAGIC = b"\x7fELF"
_MACHO_MAGIC = b"\xcf\xfa\xed\xfe"  # MH_MAGIC_64, little-endian
_MACHO_OTHER = {b"\xce\xfa\xed\xfe": "a 32-bit", b"\xfe\xed\xfa\xce": "a 32-bit big-endian",
                b"\xfe\xed\xfa\xcf": "a big-endian"}
_FAT_MAGIC = b"\xca\xfe\xba\xbe"
_N_SECT = 0x0E  # nlist n_type: defined in a section (mach-o/nlist.h)


@dataclass(frozen=True)
class Section:
    """One section with file contents, as the file lays it out."""

    name: str
    address: int
    data: bytes
    executable: bool


@dataclass(frozen=True)
class Container:
    """An arm64 executable, format-neutral."""

    format: str
    """``"elf"`` or ``"macho"``."""
    arch: str
    stripped: bool
    """No symbol table naming the program's functions (``-ldflags=-s``)."""
    sections: tuple[Section, ...]
    raw: bytes
    """The file (or, for a universal binary, its arm64 slice)."""

    def read(self, address: int, size: int) -> bytes | None:
        """size bytes at a virtual address, from the section holding them; None outside every section."""
        for s in self.sections:
            if s.address <= address and address + size <= s.address + len(s.data):
                return bytes(s.data[address - s.address : address - s.address + size])
        return None

    def section(self, *suffixes: str) -> Section | None:
        """The first section whose name ends with one of suffixes (``.data.rel.ro.gopclntab`` in PIE)."""
        for s in self.sections:
            if s.name.endswith(suffixes):
                return s
        return None


def open_container(data: bytes, where: str) -> Container:
    """Parse an ELF or Mach-O arm64 executable.

    Raises:
        BinaryError: not ELF or Mach-O, not arm64, truncated, or unreadable.
    """
    head = data[:4]
    if head == _FAT_MAGIC:
        data = _arm64_slice(data, where)
        head = data[:4]
    with warnings.catch_warnings():  # a value outside LIEF's enums warns on stderr as it converts
        warnings.simplefilter("ignore")
        if head == _ELF_MAGIC:
            check_elf(data, where)
            return _elf(data, where)
        if head == _MACHO_MAGIC:
            check_macho(data, where)
            return _macho(data, where)
    if head in _MACHO_OTHER:
        raise BinaryError(f"not an arm64 binary: {where} is {_MACHO_OTHER[head]} Mach-O file")
    raise BinaryError(f"not an executable: {where} is neither ELF nor Mach-O")


def _arm64_slice(data: bytes, where: str) -> bytes:
    """The arm64 member of a universal binary (fat_header and fat_arch are big-endian)."""
    if len(data) < 8:
        raise BinaryError(f"truncated: {where} ends inside its universal header")
    (count,) = struct.unpack_from(">I", data, 4)
    if not 0 < count < 32 or len(data) < 8 + 20 * count:  # Java class files share the magic
        raise BinaryError(f"not an executable: {where} is neither ELF nor Mach-O")
    for i in range(count):
        cputype, _sub, offset, size, _align = struct.unpack_from(">IIIII", data, 8 + 20 * i)
        if cputype == CPU_TYPE_ARM64:
            if offset + size > len(data):
                raise BinaryError(f"truncated: {where}'s arm64 slice ends past the end of the file")
            return data[offset : offset + size]
    raise BinaryError(f"not an arm64 binary: {where} is a universal binary without an arm64 slice")


def _parse(parse: object, data: bytes, config: object, where: str, kind: str) -> object:
    try:
        binary = parse(io.BytesIO(data), config)  # type: ignore[operator]
    except Exception as err:  # LIEF raises assorted types on garbage; any of them means "unreadable"
        raise BinaryError(f"unreadable {kind} file {where}: {err}") from None
    if binary is None:
        raise BinaryError(f"unreadable {kind} file {where}")
    return binary


def _elf_config() -> lief.ELF.ParserConfig:
    config = lief.ELF.ParserConfig()
    config.parse_relocations = config.parse_dyn_symbols = config.parse_symtab_symbols = False
    config.parse_symbol_versions = config.parse_notes = config.parse_overlay = False
    return config


def _elf(data: bytes, where: str) -> Container:
    binary = _parse(lief.ELF.parse, data, _elf_config(), where, "ELF")
    sections, stripped = [], True
    for s in binary.sections:  # type: ignore[attr-defined]
        name = _name(s.name)
        stripped &= name != ".symtab"
        if s.type == lief.ELF.Section.TYPE.NOBITS or not s.size or not name:
            continue
        sections.append(_slice(data, where, name, s.virtual_address, s.offset, s.size,
                               s.has(lief.ELF.Section.FLAGS.EXECINSTR)))
    return Container("elf", "arm64", stripped, tuple(sections), data)


def _macho(data: bytes, where: str) -> Container:
    fat = _parse(lief.MachO.parse, data, lief.MachO.ParserConfig.quick, where, "Mach-O")
    binary = fat.at(0)  # type: ignore[attr-defined]  # keep fat referenced while its slice is in use
    if binary is None:
        raise BinaryError(f"unreadable Mach-O file {where}")
    sections = []
    pure = lief.MachO.Section.FLAGS.PURE_INSTRUCTIONS
    for s in binary.sections:
        if not s.size or s.offset == 0:  # zero-fill sections (__bss) have no file contents
            continue
        sections.append(_slice(data, where, _name(s.name), s.virtual_address, s.offset, s.size, s.has(pure)))
    stripped = not any(sym.raw_type & _N_SECT == _N_SECT for sym in binary.symbols)
    return Container("macho", "arm64", stripped, tuple(sections), data)


def _name(raw: str | bytes) -> str:
    """LIEF hands back bytes for a name that is not UTF-8."""
    return raw if isinstance(raw, str) else raw.decode("utf-8", "replace")


def _slice(data: bytes, where: str, name: str, address: int, offset: int, size: int,
           executable: bool) -> Section:
    if offset + size > len(data):  # checked in extents.py already; LIEF may see other numbers
        raise BinaryError(f"truncated: {where} is {len(data):,} bytes but section {name} ends at "
                          f"{offset + size:,}")
    return Section(name, address, data[offset : offset + size], executable)
