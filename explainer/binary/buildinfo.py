"""The Go release a binary was built with: from its build info, or from ``runtime.buildVersion``.

The linker writes a 32-byte header ``"\\xff Go buildinf:"``, pointer size, flags, and then either (go1.18
and later, flag 2: "inline strings") two varint-prefixed strings, the runtime version (``go1.23.4``) and
the module info; or (go1.13-go1.17) two pointers, the first to ``runtime.buildVersion``'s string header.
This mirrors debug/buildinfo's ``readRawBuildInfo`` (go1.19.8 src/debug/buildinfo/buildinfo.go). The blob
lives in ``.go.buildinfo`` (ELF) or ``__go_buildinfo`` (Mach-O); if a tool renamed the sections we search
the file, as ``go version`` does.

Some binaries have no build info at all (esbuild's releases drop it; go1.12 and older never wrote it).
Their runtime still knows its release: ``runtime.buildVersion`` is a Go string, a (pointer, length) header
in the data that points at ``go1.X.Y`` in the read-only data. We look for exactly that shape, and say in
the report that the release came from there.
"""

from __future__ import annotations

import re
import struct

from .container import Container

MAGIC = b"\xff Go buildinf:"
_FLAG_INLINE_STRINGS = 0x2
_VERSION = re.compile(rb"go(1\.\d+(?:\.\d+)?)")
_STRICT = re.compile(r"1\.\d+(?:\.\d+)?$")

FROM_BUILD_INFO = "build info"
FROM_RUNTIME_STRING = "runtime.buildVersion"


def go_version(container: Container) -> tuple[str | None, str | None]:
    """(``"1.23.4"``, where it came from: FROM_BUILD_INFO or FROM_RUNTIME_STRING), or (None, None)."""
    version = _from_build_info(container)
    if version is not None:
        return version, FROM_BUILD_INFO
    version = _from_runtime_string(container)
    return (version, FROM_RUNTIME_STRING) if version is not None else (None, None)


def _from_build_info(container: Container) -> str | None:
    sect = container.section(".go.buildinfo", "__go_buildinfo")
    blob = bytes(sect.data[:4096]) if sect is not None and sect.data[:14] == MAGIC else None
    if blob is None:
        at = container.whole.find(MAGIC)
        blob = bytes(container.whole.data[at : at + 4096]) if at >= 0 else None
    if blob is None or len(blob) < 32:  # go1.13-go1.17 write just the header: two pointers in it
        return None
    if blob[15] & _FLAG_INLINE_STRINGS:
        text = _varint_string(blob, 32)
    elif blob[14] == 8 and not blob[15] & 1:  # little-endian, 8-byte pointers: *runtime.buildVersion
        (header,) = struct.unpack_from("<Q", blob, 16)
        text = _go_string(container, header)
    else:
        return None
    m = _VERSION.match((text or "").encode())
    return m.group(1).decode() if m else None


def _go_string(container: Container, header: int) -> str | None:
    """The Go string whose (pointer, length) header is at address header; None if it is not readable."""
    raw = container.read(header, 16)
    if raw is None:
        return None
    ptr, n = struct.unpack("<QQ", raw)
    text = container.read(ptr, n) if 0 < n <= 64 else None
    return text.decode("utf-8", "replace") if text is not None else None


def _from_runtime_string(container: Container) -> str | None:
    """The highest ``go1.X[.Y]`` that some string header in the data points at with its exact length.

    Libraries can mention older releases too (so several may match); the toolchain that linked the
    binary is at least as new as anything its code names, so the highest wins.
    """
    data = [s for s in container.sections if not s.executable]
    found: set[str] = set()
    for s in data:
        for m in _VERSION.finditer(s.data):
            text = m.group(0)
            needle = struct.pack("<QQ", s.address + m.start(), len(text))
            if any(d.find(needle) >= 0 for d in data):
                found.add(m.group(1).decode())
    found = {v for v in found if _STRICT.match(v)}
    return max(found, key=lambda v: tuple(int(x) for x in v.split("."))) if found else None


def _varint_string(blob: bytes, at: int) -> str | None:
    """encoding/binary.Uvarint length, then that many bytes; None if it does not fit."""
    n = shift = 0
    while at < len(blob) and shift < 64:
        b = blob[at]
        at += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return blob[at : at + n].decode("utf-8", "replace") if at + n <= len(blob) else None
        shift += 7
    return None
