"""The stack hex dump the runtime prints after "unexpected return pc" (traceback.go ``tracebackHexdump``).

Mirrors go1.27.3's ``tracebackHexdump`` (traceback.go) and its ``hexdumper`` (hexdump.go, new in
go1.26): a window from 256 bytes below ``frame.sp`` to 2 KiB above it (less if ``frame.fp`` is
closer, never outside the stack), sixteen bytes a line as two little-endian words, an ASCII column,
and under each line a caret for each word that is ``frame.fp`` (``FP``), ``frame.sp`` (``SP``) or a
code address (``<function+0xoff>``). The engine reaches this print only from go1.27, whose
``gp.m != nil`` guard lets ``next()`` print for a stopped goroutine (earlier releases fault first).
"""

from __future__ import annotations

from collections.abc import Callable

_PTR = 8
_LINE = 16
#: Visual column of each byte of a line: "00112233 44556677  8899AABB CCDDEEFF", words byte-swapped
#: (little endian: byte 0 of a word prints last).
_POS = tuple((f := i ^ (_PTR - 1)) * 2 + f // 4 + f // 8 for i in range(_LINE))
_DATA_START = 2 * _PTR + len(": ")
_DATA_CHARS = (_LINE - 1) * 2 + (_LINE - 1) // 4 + (_LINE - 1) // 8 + 2
_ASCII_START = _DATA_START + _DATA_CHARS + len("  ")


def traceback_hexdump(stack: tuple[int, int], sp: int, fp: int, read_byte: Callable[[int], int],
                      symbol: Callable[[int], str | None], bad: int = 0) -> list[str]:
    """The lines ``tracebackHexdump(gp.stack, frame, bad)`` prints, ``stack: frame=...`` first.

    Args:
        stack: ``(gp.stack.lo, gp.stack.hi)``.
        sp: ``frame.sp``.
        fp: ``frame.fp``.
        read_byte: Reads one byte of the goroutine's stack.
        symbol: ``<funcname+0xoff>`` text for a word that is a code address, else None (findfunc).
        bad: A word to mark ``bad`` (next() passes 0).
    """
    expand, max_expand = 32 * _PTR, 256 * _PTR
    lo, hi = sp, sp
    if fp and fp < lo:
        lo = fp
    if fp and fp > hi:
        hi = fp
    lo, hi = max(lo - expand, sp - max_expand, stack[0]), min(hi + expand, sp + max_expand, stack[1])
    out = [f"stack: frame={{sp:{sp:#x}, fp:{fp:#x}}} stack=[{stack[0]:#x},{stack[1]:#x})"]

    def mark(addr: int, caret: int) -> list[str]:
        marks = (("FP", addr == fp), ("SP", addr == sp), ("bad", bad and addr == bad))
        notes = [n for n, hit in marks if hit]
        word = int.from_bytes(bytes(read_byte(addr + i) for i in range(_PTR)), "little")
        if (sym := symbol(word)) is not None:
            notes.append(sym)
        return [" " * caret + "^ " + n for n in notes]

    header = [" "] * (_ASCII_START + _LINE)
    for offset, pos in enumerate(_POS):
        header[_DATA_START + pos + 1] = f"{offset:x}"
    for offset in range(_LINE):
        header[_ASCII_START + offset] = f"{offset:x}"
    out.append("".join(header))
    line_addr, skip = lo & ~(_LINE - 1), lo & (_LINE - 1)
    while line_addr < hi:
        n = min(_LINE, hi - line_addr)
        buf = [" "] * (_ASCII_START + n)
        buf[:_DATA_START] = f"{line_addr:016x}: "
        for offset in range(skip, n):
            b = read_byte(line_addr + offset)
            buf[_DATA_START + _POS[offset]:_DATA_START + _POS[offset] + 2] = f"{b:02x}"
            buf[_ASCII_START + offset] = chr(b) if 0x20 <= b <= 0x7E else "."
        out.append("".join(buf))
        for offset in range(skip, n - _PTR + 1, _PTR):
            out += mark(line_addr + offset, _DATA_START + min(_POS[offset], _POS[offset + _PTR - 1]))
        line_addr, skip = line_addr + _LINE, 0
    return out
