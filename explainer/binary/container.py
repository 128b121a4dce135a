"""ELF and Mach-O, read with LIEF, down to what a Go reader needs: named sections as bytes.

This is the only module that imports LIEF (a 0.4 s import, so nothing imports this module at start-up:
the loader does, when a binary is opened). Apple Silicon users bring Mach-O files, sometimes universal
("fat") ones; linux users bring ELF. Both come out the same shape: the architecture, whether the file
still has a symbol table, and its sections as slices of the file's own bytes, each checked to lie inside
the file, so a truncated download is reported as truncated instead of as "not a Go binary".
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import lief

from .errors import BinaryError

lief.logging.disable()  # LIEF logs parse problems on stderr; our errors say what matters in one line

_ELF_MAGIC = b"\x7fELF"
_MACHO_MAGIC = b"\xcf\xfa\xed\xfe"  # MH_MAGIC_64, little-endian
_MACHO32_MAGICS = (b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf")
_FAT_MAGIC = b"\xca\xfe\xba\xbe"
_CPU_TYPE_ARM64 = 0x0100000C
_N_SECT = 0x0E  # nlist n_type: defined in a section (mach-o/nlist.h)
_EM_AARCH64 = 183
_ELF_MACHINES = {3: "x86 (32-bit)", 8: "mips", 20: "ppc (32-bit)", 21: "ppc64", 22: "s390x",
                 40: "arm (32-bit)", 62: "x86-64", 183: "arm64 (32-bit ELF)", 243: "riscv64", 258: "loong64"}


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
    if head == _ELF_MAGIC:
        return _elf(data, where)
    if head == _MACHO_MAGIC:
        return _macho(data, where)
    if head in _MACHO32_MAGICS:
        raise BinaryError(f"not an arm64 binary: {where} is a 32-bit Mach-O file")
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
        if cputype == _CPU_TYPE_ARM64:
            if offset + size > len(data):
                raise BinaryError(f"truncated: {where}'s arm64 slice ends past the end of the file")
            return data[offset : offset + size]
    raise BinaryError(f"not an arm64 binary: {where} is a universal binary without an arm64 slice")


def _parse(data: bytes, where: str, kind: str) -> lief.Binary:
    try:
        binary = lief.parse(data)
    except Exception as err:  # LIEF raises assorted types on garbage; any of them means "unreadable"
        raise BinaryError(f"unreadable {kind} file {where}: {err}") from None
    if binary is None:
        raise BinaryError(f"unreadable {kind} file {where}")
    return binary


def _elf(data: bytes, where: str) -> Container:
    if len(data) < 64:
        raise BinaryError(f"truncated: {where} ends inside its ELF header")
    (machine,) = struct.unpack_from("<H", data, 0x12)
    if machine != _EM_AARCH64 or data[4] != 2:
        name = _ELF_MACHINES.get(machine, f"machine {machine}")
        raise BinaryError(f"not an arm64 binary: {where} is for {name}")
    _check_elf_extents(data, where)
    binary = _parse(data, where, "ELF")
    sections = []
    for s in binary.sections:
        if s.type == lief.ELF.Section.TYPE.NOBITS or not s.size or not s.name:
            continue
        sections.append(_slice(data, where, s.name, s.virtual_address, s.offset, s.size,
                               s.has(lief.ELF.Section.FLAGS.EXECINSTR)))
    stripped = not any(s.name == ".symtab" for s in binary.sections)
    return Container("elf", "arm64", stripped, tuple(sections), data)


def _check_elf_extents(data: bytes, where: str) -> None:
    """Every segment and section with file contents must end inside the file. Read from the raw
    headers, before LIEF: Go writes the section headers near the start and their names near the end,
    so a truncated Go binary still parses, with nameless sections.
    """
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    tables = ((phoff, phentsize, phnum, "program"), (shoff, shentsize, shnum, "section"))
    for off, size, count, kind in tables:
        if count and off + size * count > len(data):
            raise BinaryError(f"truncated: {where} is {len(data):,} bytes but its {kind} headers end at "
                              f"{off + size * count:,}")
    ends = []
    if phentsize >= 56:
        for i in range(phnum):  # Elf64_Phdr: p_offset at 8, p_filesz at 32
            (p_off,) = struct.unpack_from("<Q", data, phoff + i * phentsize + 8)
            (p_filesz,) = struct.unpack_from("<Q", data, phoff + i * phentsize + 32)
            ends.append((p_off + p_filesz, f"segment {i}"))
    if shentsize >= 64:
        for i in range(shnum):  # Elf64_Shdr: sh_type at 4, sh_offset at 24, sh_size at 32; SHT_NOBITS = 8
            (sh_type,) = struct.unpack_from("<I", data, shoff + i * shentsize + 4)
            sh_off, sh_size = struct.unpack_from("<QQ", data, shoff + i * shentsize + 24)
            if sh_type != 8:
                ends.append((sh_off + sh_size, f"section {i}"))
    end, what = max(ends, default=(0, ""))
    if end > len(data):
        raise BinaryError(f"truncated: {where} is {len(data):,} bytes but {what} ends at {end:,}")


def _macho(data: bytes, where: str) -> Container:
    binary = _parse(data, where, "Mach-O")
    if isinstance(binary, lief.MachO.FatBinary):  # lief.parse hands back the fat wrapper for one slice
        binary = binary.at(0)
    cpu = binary.header.cpu_type
    if cpu != lief.MachO.Header.CPU_TYPE.ARM64:
        raise BinaryError(f"not an arm64 binary: {where} is for {_arch_name(cpu)}")
    for seg in binary.segments:
        if seg.file_offset + seg.file_size > len(data):
            raise BinaryError(f"truncated: {where} is {len(data):,} bytes but segment {seg.name} ends at "
                              f"{seg.file_offset + seg.file_size:,}")
    sections = []
    pure = lief.MachO.Section.FLAGS.PURE_INSTRUCTIONS
    for s in binary.sections:
        if not s.size or s.offset == 0:  # zero-fill sections (__bss) have no file contents
            continue
        sections.append(_slice(data, where, s.name, s.virtual_address, s.offset, s.size, s.has(pure)))
    stripped = not any(sym.raw_type & _N_SECT == _N_SECT for sym in binary.symbols)
    return Container("macho", "arm64", stripped, tuple(sections), data)


def _slice(data: bytes, where: str, name: str, address: int, offset: int, size: int,
           executable: bool) -> Section:
    if offset + size > len(data):
        raise BinaryError(f"truncated: {where} is {len(data):,} bytes but section {name} ends at "
                          f"{offset + size:,}")
    return Section(name, address, data[offset : offset + size], executable)


def _arch_name(machine: object) -> str:
    name = str(machine).rsplit(".", 1)[-1]
    return {"X86_64": "x86-64", "AARCH64": "arm64", "ARM64": "arm64", "X86": "x86 (32-bit)",
            "i386": "x86 (32-bit)"}.get(name, name.lower())
