"""What the caller passes to an opened function: integers in registers, and byte slices in memory.

Go's register ABI (ABIInternal, go1.17 on) passes integer and pointer arguments in R0-R15, in order;
a ``[]byte`` takes three of them (pointer, length, capacity) and a string two (pointer, length).
``explainer open ... --args 7 bytes:7c0802a6 0x10`` gives R0 = 7, R1-R3 = a slice of those four bytes
placed in memory, R4 = 16. Arguments past what the registers hold go on the stack, which the lab does
not fill: it says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.emulator.goroutine import ARGUMENTS_BASE
from ..engine.toolchain.program import MemoryImage
from .errors import BinaryError

#: cmd/compile/internal/ssagen/ssa.go (arm64: ``IntArgRegs = 16``, R0-R15).
INT_ARG_REGS = 16
#: The most bytes the arguments may place in memory.
MAX_BYTES = 1 << 20
_INT = re.compile(r"-?(0x[0-9a-fA-F]+|[0-9]+)")
_HEX = re.compile(r"(?:0x)?((?:[0-9a-fA-F]{2})*)")
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Arguments:
    """Registers to set at the function's entry, and the memory they point into."""

    registers: tuple[tuple[str, int], ...] = ()
    memory: tuple[MemoryImage, ...] = ()
    given: tuple[str, ...] = ()
    """As the user wrote them (to repeat the command)."""


def parse_arguments(values: list[str] | tuple[str, ...]) -> Arguments:
    """``--args`` values, R0 first: an integer (``42``, ``-1``, ``0x2a``), or ``bytes:HEX``, a
    ``[]byte`` of those bytes placed in memory (three registers: pointer, length, capacity).

    Raises:
        BinaryError: a value that is neither, odd hex digits, more than the registers hold, too many bytes.
    """
    regs: list[int] = []
    blob = bytearray()
    for text in values:
        kind, sep, rest = text.partition(":")
        if sep and kind == "bytes":
            m = _HEX.fullmatch(rest)
            if m is None:
                raise BinaryError(f"bad argument {text!r}: bytes: takes hex digits, two per byte "
                                  "(bytes:7c0802a6)")
            data = bytes.fromhex(m.group(1))
            if len(blob) + len(data) > MAX_BYTES:
                raise BinaryError(f"bad argument {text[:40]!r}: the arguments may place at most "
                                  f"{MAX_BYTES:,} bytes in memory")
            regs += [ARGUMENTS_BASE + len(blob), len(data), len(data)]
            blob += data + bytes(-len(data) % 16)  # each slice 16-aligned, as mallocgc would give it
        elif _INT.fullmatch(text):
            value = int(text, 0) if not text.startswith("-") else -int(text[1:], 0)
            if not -(1 << 63) <= value < (1 << 64):
                raise BinaryError(f"bad argument {text!r}: it does not fit in a 64-bit register")
            regs.append(value & _MASK)
        else:
            raise BinaryError(f"bad argument {text!r}: an integer (42, -1, 0x2a) or bytes:HEX "
                              "(a []byte placed in memory)")
    if len(regs) > INT_ARG_REGS:
        raise BinaryError(f"too many arguments: they take {len(regs)} registers, and Go passes at most "
                          f"{INT_ARG_REGS} integer arguments in registers (R0-R15); the lab does not "
                          "place arguments on the stack")
    memory: tuple[MemoryImage, ...] = ()
    if blob:
        size = (len(blob) + 0xFFF) & ~0xFFF
        memory = (MemoryImage("arguments", ARGUMENTS_BASE, size, bytes(blob), writable=True),)
    return Arguments(tuple((f"R{k}", v) for k, v in enumerate(regs)), memory, tuple(values))
