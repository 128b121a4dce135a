"""The Go version a binary was built with, from its build info blob.

The linker writes a 32-byte header ``"\\xff Go buildinf:"``, pointer size, flags, then (go1.18 and later,
flag 2: "inline strings") two varint-prefixed strings: the runtime version (``go1.23.4``) and the module
info. This mirrors debug/buildinfo's ``readRawBuildInfo``. It lives in the ``.go.buildinfo`` section (ELF)
or ``__go_buildinfo`` (Mach-O); if a tool renamed the sections we search the file, as ``go version``
does (it scans the data segment for the magic).
"""

from __future__ import annotations

import re

from .container import Container

MAGIC = b"\xff Go buildinf:"
_FLAG_INLINE_STRINGS = 0x2
_VERSION = re.compile(r"go(\d+\.\d+(?:\.\d+)?)")


def go_version(container: Container) -> str | None:
    """``"1.23.4"`` from ``go1.23.4``; None when there is no readable build info."""
    sect = container.section(".go.buildinfo", "__go_buildinfo")
    blob = sect.data if sect is not None and sect.data.startswith(MAGIC) else None
    if blob is None:
        at = container.raw.find(MAGIC)
        blob = container.raw[at : at + 4096] if at >= 0 else None
    if blob is None or len(blob) < 33 or not blob[15] & _FLAG_INLINE_STRINGS:
        return None
    text = _varint_string(blob, 32)
    m = _VERSION.match(text or "")
    return m.group(1) if m else None


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
