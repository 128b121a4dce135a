"""Check an executable's own headers before LIEF reads it: everything they point at lies in the file.

Two reasons. A truncated download must say "truncated", but Go writes ELF section headers near the
start and their names near the end, so LIEF reads a cut Go binary happily, with nameless sections, and
we would report "not a Go binary". And LIEF is not built for hostile input: fuzzing the fixtures found
headers that kept it busy for 25 s or more (a Mach-O ``nsects`` of 13,000; an ELF section offset moved
off its segment while it parsed symbols). The checks here are what the formats require anyway
(elf(5), mach-o/loader.h), read with struct from the raw bytes.
"""

from __future__ import annotations

import struct

from .errors import BinaryError

Buffer = bytes | memoryview

EM_AARCH64 = 183
ELF_MACHINES = {3: "x86 (32-bit)", 8: "mips", 20: "ppc (32-bit)", 21: "ppc64", 22: "s390x",
                40: "arm (32-bit)", 62: "x86-64", 243: "riscv64", 258: "loong64"}
CPU_TYPE_ARM64 = 0x0100000C
MACHO_CPUS = {7: "x86 (32-bit)", 0x01000007: "x86-64", 12: "arm (32-bit)", 18: "ppc (32-bit)",
              0x01000012: "ppc64"}

_SHT_NOBITS = 8
_LC_SEGMENT_64, _LC_SYMTAB = 0x19, 0x2
_ZEROFILL = (0x1, 0xC, 0x12)  # S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL: no file contents


def check_elf(data: Buffer, where: str) -> None:
    """An arm64 ELF64 whose program headers, section headers and their contents lie in the file."""
    if len(data) < 64:
        raise BinaryError(f"truncated: {where} ends inside its ELF header")
    (machine,) = struct.unpack_from("<H", data, 0x12)
    if machine != EM_AARCH64:
        arch = ELF_MACHINES.get(machine, f"machine {machine}")
        raise BinaryError(f"not an arm64 binary: {where} is for {arch}")
    if data[4] != 2 or data[5] != 1:
        raise BinaryError(f"not an arm64 binary: {where} is a 32-bit or big-endian ELF file")
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    for off, size, count, minimum, kind in ((phoff, phentsize, phnum, 56, "program"),
                                            (shoff, shentsize, shnum, 64, "section")):
        if count and size < minimum:
            raise BinaryError(f"corrupt ELF file {where}: {kind} header entries of {size} bytes")
        if count and off + size * count > len(data):
            raise _truncated(data, where, f"its {kind} headers", off + size * count)
    for i in range(phnum):  # Elf64_Phdr: p_offset at 8, p_filesz at 32
        at = phoff + i * phentsize
        (p_off,) = struct.unpack_from("<Q", data, at + 8)
        (p_filesz,) = struct.unpack_from("<Q", data, at + 32)
        _inside(data, where, f"segment {i}", p_off, p_filesz)
    for i in range(shnum):  # Elf64_Shdr: sh_type at 4, sh_offset at 24, sh_size at 32
        at = shoff + i * shentsize
        (sh_type,) = struct.unpack_from("<I", data, at + 4)
        sh_off, sh_size = struct.unpack_from("<QQ", data, at + 24)
        if sh_type != _SHT_NOBITS:
            _inside(data, where, f"section {i}", sh_off, sh_size)


def check_macho(data: Buffer, where: str) -> None:
    """A 64-bit little-endian arm64 Mach-O whose load commands, segments, sections and symbol table
    lie in the file, each segment command holding the sections it claims."""
    if len(data) < 32:
        raise BinaryError(f"truncated: {where} ends inside its Mach-O header")
    cputype, _sub, _type, ncmds, sizeofcmds = struct.unpack_from("<IIIII", data, 4)
    if cputype != CPU_TYPE_ARM64:
        arch = MACHO_CPUS.get(cputype, f"CPU {cputype:#x}")
        raise BinaryError(f"not an arm64 binary: {where} is for {arch}")
    if 32 + sizeofcmds > len(data):
        raise _truncated(data, where, "its load commands", 32 + sizeofcmds)
    at, end = 32, 32 + sizeofcmds
    for i in range(ncmds):
        if at + 8 > end:
            raise BinaryError(f"corrupt Mach-O file {where}: load command {i} lies past the commands' end")
        cmd, cmdsize = struct.unpack_from("<II", data, at)
        if cmdsize < 8 or at + cmdsize > end:
            raise BinaryError(f"corrupt Mach-O file {where}: load command {i} has size {cmdsize}")
        if cmd == _LC_SEGMENT_64:
            _segment(data, where, at, cmdsize)
        elif cmd == _LC_SYMTAB and cmdsize >= 24:
            symoff, nsyms, stroff, strsize = struct.unpack_from("<IIII", data, at + 8)
            _inside(data, where, "the symbol table", symoff, 16 * nsyms)
            _inside(data, where, "the string table", stroff, strsize)
        at += cmdsize


def _segment(data: Buffer, where: str, at: int, cmdsize: int) -> None:
    """segment_command_64 (72 bytes) then nsects section_64 (80 bytes each)."""
    if cmdsize < 72:
        raise BinaryError(f"corrupt Mach-O file {where}: a segment command of {cmdsize} bytes")
    name = bytes(data[at + 8 : at + 24]).split(b"\0", 1)[0].decode("ascii", "replace")
    fileoff, filesize = struct.unpack_from("<QQ", data, at + 40)
    (nsects,) = struct.unpack_from("<I", data, at + 64)
    if 72 + 80 * nsects > cmdsize:
        raise BinaryError(f"corrupt Mach-O file {where}: segment {name} claims {nsects} sections "
                          f"in {cmdsize} bytes")
    _inside(data, where, f"segment {name}", fileoff, filesize)
    for j in range(nsects):
        s = at + 72 + 80 * j
        size, offset = struct.unpack_from("<QI", data, s + 40)
        (flags,) = struct.unpack_from("<I", data, s + 64)
        if flags & 0xFF not in _ZEROFILL:
            sect = bytes(data[s : s + 16]).split(b"\0", 1)[0].decode("ascii", "replace")
            _inside(data, where, f"section {sect}", offset, size)


def _inside(data: Buffer, where: str, what: str, offset: int, size: int) -> None:
    if size and offset + size > len(data):
        raise _truncated(data, where, what, offset + size)


def _truncated(data: Buffer, where: str, what: str, end: int) -> BinaryError:
    return BinaryError(f"truncated: {where} is {len(data):,} bytes but {what} ends at {end:,}")
