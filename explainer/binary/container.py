"""ELF and Mach-O, down to what a Go reader needs: named sections as views of the file's own bytes.

Apple Silicon users bring Mach-O files, sometimes universal ("fat") ones; linux users bring ELF. Both come
out the same shape: whether the file still has a symbol table, and its sections, each a zero-copy view
of the file (a memory map, or bytes already in memory for a file read out of a container image).

Read with struct from the formats' own definitions (elf(5): Elf64_Ehdr, Elf64_Shdr; mach-o/loader.h:
mach_header_64, segment_command_64, section_64, symtab_command; mach-o/nlist.h: nlist_64), after
extents.py has checked that everything the headers point at lies in the file. No parser library: the
few fields needed cost microseconds, where importing LIEF cost 0.2-0.4 s of every ``explainer scan``,
and nothing here allocates more than the headers' own entries (the sections stay in the file).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Protocol

from .errors import BinaryError
from .extents import CPU_TYPE_ARM64, check_elf, check_macho

_ELF_MAGIC = b"\x7fELF"
_MACHO_MAGIC = b"\xcf\xfa\xed\xfe"  # MH_MAGIC_64, little-endian
_MACHO_OTHER = {b"\xce\xfa\xed\xfe": "a 32-bit", b"\xfe\xed\xfa\xce": "a 32-bit big-endian",
                b"\xfe\xed\xfa\xcf": "a big-endian"}
_FAT_MAGIC = b"\xca\xfe\xba\xbe"
_FAT_MAGIC_64 = b"\xca\xfe\xba\xbf"

_SHT_NOBITS, _SHF_EXECINSTR = 8, 0x4
_LC_SEGMENT_64, _LC_SYMTAB = 0x19, 0x2
_S_ATTR_PURE_INSTRUCTIONS = 0x80000000
_ZEROFILL = (0x1, 0xC, 0x12)  # S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL: no file contents
_N_SECT = 0x0E  # nlist n_type & N_TYPE: defined in a section (mach-o/nlist.h)


class Searchable(Protocol):
    """bytes, bytearray or mmap: indexable, and searchable in place between two offsets."""

    def find(self, sub: bytes, start: int = ..., end: int = ..., /) -> int: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Section:
    """One section with file contents, as the file lays it out."""

    name: str
    address: int
    offset: int
    """Where it starts in the file (in a universal binary's file, not its slice)."""
    size: int
    executable: bool
    file: Searchable = field(repr=False, compare=False)

    @property
    def data(self) -> memoryview:
        """The section's bytes, a view of the file (no copy)."""
        return memoryview(self.file)[self.offset : self.offset + self.size]  # type: ignore[arg-type]

    def find(self, needle: bytes) -> int:
        """Where needle starts in the section, or -1 (searched in place)."""
        at = self.file.find(needle, self.offset, self.offset + self.size)
        return at - self.offset if at >= 0 else -1


@dataclass(frozen=True)
class Segment:
    """One loadable segment: where the loader maps it, with what rights, and its bytes from the file.

    ``size`` may exceed the file's bytes: the rest is zero-filled (.bss, .noptrbss; Mach-O zerofill).
    """

    name: str
    """``text``, ``rodata``, ``data`` for ELF's PT_LOADs (named by their rights); the Mach-O segment's own."""
    address: int
    size: int
    offset: int
    filesize: int
    writable: bool
    executable: bool
    file: Searchable = field(repr=False, compare=False)

    @property
    def data(self) -> memoryview:
        """The bytes the file holds for it (``filesize`` of them, no copy)."""
        return memoryview(self.file)[self.offset : self.offset + self.filesize]  # type: ignore[arg-type]


@dataclass(frozen=True)
class Container:
    """An arm64 executable, format-neutral."""

    format: str
    """``"elf"`` or ``"macho"``."""
    arch: str
    stripped: bool
    """No symbol table naming the program's functions (``-ldflags=-s``)."""
    sections: tuple[Section, ...]
    whole: Section
    """The file (or, for a universal binary, its arm64 slice), as one unnamed section."""
    segments: tuple[Segment, ...] = ()
    """What a loader maps: ELF PT_LOAD program headers, Mach-O LC_SEGMENT_64s with memory."""

    def read(self, address: int, size: int) -> bytes | None:
        """size bytes at a virtual address, from the section holding them; None outside every section."""
        for s in self.sections:
            if s.address <= address and address + size <= s.address + s.size:
                return bytes(s.data[address - s.address : address - s.address + size])
        return None

    def section(self, *suffixes: str) -> Section | None:
        """The first section whose name ends with one of suffixes (``.data.rel.ro.gopclntab`` in PIE)."""
        for s in self.sections:
            if s.name.endswith(suffixes):
                return s
        return None


def sniff(head: bytes) -> str | None:
    """``"elf"``, ``"macho"``, ``"fat"`` or None from a file's first 4 bytes (no parsing)."""
    if head[:4] == _ELF_MAGIC:
        return "elf"
    if head[:4] == _MACHO_MAGIC or head[:4] in _MACHO_OTHER:
        return "macho"
    if head[:4] in (_FAT_MAGIC, _FAT_MAGIC_64):
        return "fat"
    return None


def open_container(data: Searchable, where: str) -> Container:
    """Parse an ELF or Mach-O arm64 executable held in data (bytes, or a memory map of the file).

    Raises:
        BinaryError: not ELF or Mach-O, not arm64, truncated, or unreadable.
    """
    view = memoryview(data).cast("B")  # type: ignore[arg-type]
    base = 0
    head = bytes(view[:4])
    if head == _FAT_MAGIC:
        base, size = _arm64_slice(view, where)
        view = view[base : base + size]
        head = bytes(view[:4])
    if head == _ELF_MAGIC:
        check_elf(view, where)
        return _elf(view, base, data, where)
    if head == _MACHO_MAGIC:
        check_macho(view, where)
        return _macho(view, base, data, where)
    if head in _MACHO_OTHER:
        raise BinaryError(f"not an arm64 binary: {where} is {_MACHO_OTHER[head]} Mach-O file")
    if head == _FAT_MAGIC_64:
        raise BinaryError(f"not read: {where} is a universal binary with 64-bit offsets (fat_arch_64); "
                          "extract its arm64 slice with lipo -thin arm64")
    raise BinaryError(f"not an executable: {where} is neither ELF nor Mach-O")


def _arm64_slice(data: memoryview, where: str) -> tuple[int, int]:
    """(offset, size) of the arm64 member of a universal binary (fat_header/fat_arch are big-endian)."""
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
            return offset, size
    raise BinaryError(f"not an arm64 binary: {where} is a universal binary without an arm64 slice")


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _elf(data: memoryview, base: int, file: Searchable, where: str) -> Container:
    """Elf64_Ehdr: e_shoff at 0x28, e_shentsize/e_shnum/e_shstrndx at 0x3A; Elf64_Shdr: sh_name, sh_type,
    sh_flags, sh_addr, sh_offset, sh_size."""
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    if not 0 < shstrndx < shnum:
        raise BinaryError(f"corrupt ELF file {where}: no section name table (e_shstrndx {shstrndx})")
    _n, _t, _f, _a, str_off, str_size = headers[shstrndx]
    names = bytes(data[str_off : str_off + str_size])
    sections, stripped = [], True
    for sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size in headers:
        name = _name(names[sh_name : sh_name + 256]) if sh_name < len(names) else ""
        stripped &= name != ".symtab"
        if sh_type == _SHT_NOBITS or not sh_size or not name:
            continue
        sections.append(Section(name, sh_addr, base + sh_offset, sh_size, bool(sh_flags & _SHF_EXECINSTR),
                                file))
    return Container("elf", "arm64", stripped, tuple(sections), Section("", 0, base, len(data), False, file),
                     _elf_segments(data, base, file))


_PT_LOAD, _PF_X, _PF_W = 1, 0x1, 0x2


def _elf_segments(data: memoryview, base: int, file: Searchable) -> tuple[Segment, ...]:
    """Elf64_Phdr (elf(5)): p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz; e_phoff at
    0x20, e_phentsize/e_phnum at 0x36 (check_elf has checked that each lies in the file)."""
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _paddr, p_filesz, p_memsz = struct.unpack_from(
            "<IIQQQQQ", data, phoff + i * phentsize)
        if p_type != _PT_LOAD or not p_memsz:
            continue
        name = "text" if p_flags & _PF_X else "data" if p_flags & _PF_W else "rodata"
        out.append(Segment(name, p_vaddr, p_memsz, base + p_offset, min(p_filesz, p_memsz),
                           bool(p_flags & _PF_W), bool(p_flags & _PF_X), file))
    return tuple(out)


def _macho(data: memoryview, base: int, file: Searchable, where: str) -> Container:
    """Load commands after the 32-byte mach_header_64; segment_command_64 (72 bytes) then its
    section_64s (80 bytes: sectname, segname, addr, size, offset, ..., flags at 64)."""
    (ncmds,) = struct.unpack_from("<I", data, 16)
    at, sections, stripped, segments = 32, [], True, []
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, at)
        if cmd == _LC_SEGMENT_64:
            segments += _macho_segment(data, at, base, file)
            (nsects,) = struct.unpack_from("<I", data, at + 64)
            for j in range(nsects):
                s = at + 72 + 80 * j
                addr, size, offset = struct.unpack_from("<QQI", data, s + 32)
                (flags,) = struct.unpack_from("<I", data, s + 64)
                if not size or offset == 0 or flags & 0xFF in _ZEROFILL:
                    continue
                sections.append(Section(_name(bytes(data[s : s + 16])), addr, base + offset, size,
                                        bool(flags & _S_ATTR_PURE_INSTRUCTIONS), file))
        elif cmd == _LC_SYMTAB:
            symoff, nsyms = struct.unpack_from("<II", data, at + 8)
            stripped = not _defines_a_symbol(data, symoff, nsyms)
        at += cmdsize
    whole = Section("", 0, base, len(data), False, file)
    return Container("macho", "arm64", stripped, tuple(sections), whole, tuple(segments))


_VM_PROT_WRITE, _VM_PROT_EXECUTE = 0x2, 0x4


def _macho_segment(data: memoryview, at: int, base: int, file: Searchable) -> list[Segment]:
    """segment_command_64: segname at 8, vmaddr, vmsize, fileoff, filesize at 24, initprot at 60.
    __PAGEZERO (no rights) and __LINKEDIT (symbols, not mapped for code) are left out."""
    name = _name(bytes(data[at + 8 : at + 24]))
    vmaddr, vmsize, fileoff, filesize = struct.unpack_from("<QQQQ", data, at + 24)
    (initprot,) = struct.unpack_from("<I", data, at + 60)
    if not vmsize or not initprot or name == "__LINKEDIT":
        return []
    return [Segment(name, vmaddr, vmsize, base + fileoff, min(filesize, vmsize),
                    bool(initprot & _VM_PROT_WRITE), bool(initprot & _VM_PROT_EXECUTE), file)]


def _defines_a_symbol(data: memoryview, symoff: int, nsyms: int) -> bool:
    """Some nlist_64 (16 bytes, n_type at 4) is defined in a section: the symbol table ``-s`` removes.
    Stripped Go binaries keep only undefined (imported) symbols."""
    types = bytes(data[symoff + 4 : symoff + 16 * nsyms : 16])
    return any(t & _N_SECT == _N_SECT for t in types)
