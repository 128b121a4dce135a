"""How numbers and names look on screen: one place, so every panel agrees."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

#: Go's names for the arm64 registers that have one (cmd/internal/obj/arm64/a.out.go).
GO_NAMES = {"R26": "R26 ctxt", "R27": "R27 TMP", "R28": "R28 g", "R29": "R29 FP", "R30": "R30 LR"}


def addr(value: int) -> str:
    """A stack or text address, as the runtime prints it (``0x40000bdf20``)."""
    return f"{value:#x}"


def word(value: int | None) -> str:
    """A 64-bit value; ``?`` when unknown."""
    return "?" if value is None else f"{value:#x}"


def size(n: int) -> str:
    """Bytes with thousands separators (``65,552 B``)."""
    return f"{n:,} B"


def offset(n: int) -> str:
    """An offset from a function's entry, as ``go tool objdump`` users read it."""
    return f"+{n:#06x}"


def reg_label(name: str) -> str:
    """R27 → ``R27 TMP``; others unchanged."""
    return GO_NAMES.get(name, name)


def plain(static: Static) -> str:
    """What a Static shows, as plain text (tests and exports read panels through this)."""
    content = static.content
    return content.plain if isinstance(content, (Text, Content)) else str(content)
