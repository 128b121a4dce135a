"""The body of ``main.big_stack``: the published reproducers' code, for any frame size.

Shapes come from real builds (../shared/reference/objdump): ``fast_leaf.go`` and
``fast_nonleaf.go`` write the buffer 16 times (``big_buffer[(val*i)&mask] =
byte(val)``), ``cloudflare_shape.go`` writes every byte. For the published sizes
(frames 65552 and 65584) the Progs below assemble to exactly the real bodies
(go1.23.4 to go1.25.0 code shape); other sizes scale the same code, masking the
index to the largest power of two that fits the buffer.

Frame layout (what the compiler chose, read off the real builds):
leaf ``[0] saved LR, [8, 8+B) big_buffer, [N-8] FP slot``, so B = N - 16;
non-leaf ``[0] saved LR, [8, 32) sink's slice argument, [32, 32+B) big_buffer,
[32+B] spilled sum, [N-8] FP slot``, so B = N - 48.
"""

from __future__ import annotations

import enum

from .asm import Prog
from .errors import ExplainerError
from .frames import add_const, movd_const
from .immediates import isaddcon
from .versions import GoVersion

#: The argument main.main passes: ``big_stack(1000)``, so every written byte is 0xe8.
VAL = 1000


class Buffer(enum.Enum):
    """What the body leaves in ``big_buffer`` before the epilogue."""

    FAST = "fast"
    """16 bytes written (fast_*.go): the misread slot still holds 0."""
    CLOUDFLARE = "cloudflare"
    """Every byte 0xe8 (cloudflare_shape.go): the misread slot holds 0xe8e8e8e8e8e8e8e8."""
    ZEROS = "zeros"
    """Zeroed and never written (val = 0)."""
    PLANTED_PC = "planted-pc"
    """fast, plus a real return address planted in the misread slot."""


def buffer_offset(leaf: bool) -> int:
    """Where big_buffer starts, in bytes above SP."""
    return 8 if leaf else 32


def buffer_size(size: int, leaf: bool) -> int:
    """Bytes of big_buffer in a frame of ``size`` bytes."""
    return size - (16 if leaf else 48)


def min_frame(leaf: bool) -> int:
    """The smallest frame the reproducer's body fits in (a 16-byte buffer)."""
    return 32 if leaf else 64


def _add_rsp(c: int, rd: str) -> list[Prog]:
    """``ADD $c, RSP, Rd`` as the SSA backend emits it: large constants as high part, then low."""
    if isaddcon(c) or c >= 1 << 24:
        lines, via = add_const("ADD", c, "RSP", rd)
        return [Prog(f"ADD ${c}, RSP, {rd}", lines, restartable=via)]
    hi, lo = c & ~0xFFF, c & 0xFFF
    rdl = rd.replace("R", "x")
    return [
        Prog(f"ADD ${hi}, RSP, {rd}", (f"add {rdl}, sp, #{hi >> 12:#x}, lsl #12",)),
        Prog(f"ADD ${lo}, {rd}, {rd}", (f"add {rdl}, {rdl}, #{lo:#x}",)),
    ]


def misread_slot(size: int) -> int:
    """Bytes above SP of the slot a split release leaves at SP: the low 12 bits of the frame."""
    return size & 0xFFF or 8


def _mask(b: int) -> int:
    return (1 << (b.bit_length() - 1)) - 1


def body(version: GoVersion, size: int, leaf: bool, buffer: Buffer, planted: int = 0) -> list[Prog]:
    """Progs from after the prologue up to (not including) the epilogue.

    Args:
        version: The Go release; go1.25 schedules the EOR of the read loop before the increment.
        size: The frame size N.
        leaf: Leaf (fast_leaf / cloudflare_shape) or non-leaf (fast_nonleaf, calls main.sink).
        buffer: What the body writes.
        planted: For ``planted-pc``, the value stored in the slot the unwinder will misread.
    """
    if size < min_frame(leaf):
        raise ExplainerError(
            f"frame {size} is too small for the reproducer's body: "
            f"at least {min_frame(leaf)} bytes for a {'leaf' if leaf else 'non-leaf'} frame"
        )
    off, b = buffer_offset(leaf), buffer_size(size, leaf)
    ptr, end = ("R16", "R1") if leaf else ("R16", "R3")
    x = {"ptr": "x16", "end": "x1" if leaf else "x3"}
    progs = [Prog(f"ADD ${off}, RSP, {ptr}", (f"add x16, sp, #{off:#x}",), note="zero big_buffer")]
    progs += _add_rsp(off + b - 16, end)
    progs += [
        Prog("STP.P (ZR, ZR), 16(R16)", ("stp xzr, xzr, [x16], #16",), label="zero"),
        Prog(f"CMP {end}, R16", (f"cmp x16, {x['end']}",)),
        Prog("BLE zero", ("b.le {zero}",)),
    ]
    if buffer is Buffer.CLOUDFLARE:
        progs += _fill_every_byte(version, off, b)
    else:
        progs += _fill_sixteen(version, off, b, leaf)
    if buffer is Buffer.PLANTED_PC:
        progs += [
            Prog(f"MOVD ${planted:#x}, R5", movd_const(planted, "x5"), note="plant a real PC"),
            Prog(f"MOVD R5, {misread_slot(size)}(RSP)", (f"str x5, [sp, #{misread_slot(size)}]",),
                 note="the slot the unwinder will read as a return address"),
        ]
    if not leaf:
        progs += _call_sink(off, b)
    return progs


def _fill_sixteen(version: GoVersion, off: int, b: int, leaf: bool) -> list[Prog]:
    """fast_*.go: 16 writes of byte(val), then 16 reads XORed into the sum (R2)."""
    m = _mask(b)
    i, t, p = ("R1", "R2", "R3") if leaf else ("R1", "R3", "R4")
    xi, xt, xp = (r.replace("R", "x") for r in (i, t, p))
    read = [
        Prog("MUL R0, R1, R3", ("mul x3, x1, x0",), label="read"),
        Prog(f"AND ${m}, R3, R3", (f"and x3, x3, #{m:#x}",)),
        Prog(f"ADD ${off}, RSP, R4", (f"add x4, sp, #{off:#x}",)),
        Prog("MOVBU (R4)(R3), R3", ("ldrb w3, [x4, x3]",)),
    ]
    inc = Prog("ADD $1, R1, R1", ("add x1, x1, #0x1",))
    eor = Prog("EOR R3, R2, R2", ("eor x2, x2, x3",))
    read += [eor, inc] if version.minor >= 25 else [inc, eor]
    return [
        Prog(f"MOVD ZR, {i}", (f"mov {xi}, xzr",)),
        Prog("JMP cond1", ("b {cond1}",)),
        Prog(f"MUL R0, {i}, {t}", (f"mul {xt}, {xi}, x0",), label="write"),
        Prog(f"AND ${m}, {t}, {t}", (f"and {xt}, {xt}, #{m:#x}",)),
        Prog(f"ADD ${off}, RSP, {p}", (f"add {xp}, sp, #{off:#x}",)),
        Prog(f"MOVB R0, ({p})({t})", (f"strb w0, [{xp}, {xt}]",),
             note="big_buffer[(val*i)&mask] = byte(val)"),
        Prog(f"ADD $1, {i}, {i}", (f"add {xi}, {xi}, #0x1",)),
        Prog(f"CMP $16, {i}", (f"cmp {xi}, #0x10",), label="cond1"),
        Prog("BLT write", ("b.lt {write}",)),
        Prog("MOVD ZR, R1", ("mov x1, xzr",)),
        Prog("MOVD ZR, R2", ("mov x2, xzr",)),
        Prog("JMP cond2", ("b {cond2}",)),
        *read,
        Prog("CMP $16, R1", ("cmp x1, #0x10",), label="cond2"),
        Prog("BLT read", ("b.lt {read}",)),
    ] + ([Prog("MOVD R2, R0", ("mov x0, x2",), note="return sum")] if leaf else [])


def _cmp_const(reg: str, c: int) -> Prog:
    lines, via = add_const("SUB", c, reg, "ZR", sets_flags=True)
    lines = tuple(line.replace("subs xzr,", "cmp") for line in lines)
    return Prog(f"CMP ${c}, {reg}", lines, restartable=via)


def _fill_every_byte(version: GoVersion, off: int, b: int) -> list[Prog]:
    """cloudflare_shape.go: write byte(val) to every byte, then XOR every byte into R1."""
    read_inc = Prog("ADD $1, R0, R0", ("add x0, x0, #0x1",))
    read_eor = Prog("EOR R3, R1, R1", ("eor x1, x1, x3",))
    tail = [read_eor, read_inc] if version.minor >= 25 else [read_inc, read_eor]
    return [
        Prog("MOVD ZR, R1", ("mov x1, xzr",)),
        Prog("JMP cond1", ("b {cond1}",)),
        Prog(f"ADD ${off}, RSP, R2", (f"add x2, sp, #{off:#x}",), label="write"),
        Prog("MOVB R0, (R2)(R1)", ("strb w0, [x2, x1]",), note="big_buffer[i] = byte(val)"),
        Prog("ADD $1, R1, R1", ("add x1, x1, #0x1",)),
        _with_label(_cmp_const("x1", b), "cond1"),
        Prog("BLT write", ("b.lt {write}",)),
        Prog("MOVD ZR, R0", ("mov x0, xzr",)),
        Prog("MOVD ZR, R1", ("mov x1, xzr",)),
        Prog("JMP cond2", ("b {cond2}",)),
        Prog(f"ADD ${off}, RSP, R2", (f"add x2, sp, #{off:#x}",), label="read"),
        Prog("MOVBU (R2)(R0), R3", ("ldrb w3, [x2, x0]",)),
        *tail,
        _with_label(_cmp_const("x0", b), "cond2"),
        Prog("BLT read", ("b.lt {read}",)),
        Prog("MOVD R1, R0", ("mov x0, x1",), note="return sum"),
    ]


def _with_label(p: Prog, label: str) -> Prog:
    return Prog(p.source, p.machine, p.role, p.spadj, p.unsafe, p.restartable, label, p.note)


def _call_sink(off: int, b: int) -> list[Prog]:
    """fast_nonleaf.go: ``return sum + sink(big_buffer[:])``, spilling sum across the call."""
    slot = off + b
    hi, lo = slot & ~0xFFF, slot & 0xFFF
    if not isaddcon(hi) or lo % 8:
        raise ExplainerError(f"frame too large for the modelled spill slot at {slot}")
    spill = ((f"add x27, sp, #{hi >> 12:#x}, lsl #12", f"str x2, [x27, #{lo}]") if hi
             else (f"str x2, [sp, #{lo}]",))
    reload = ((f"add x27, sp, #{hi >> 12:#x}, lsl #12", f"ldr x3, [x27, #{lo}]") if hi
              else (f"ldr x3, [sp, #{lo}]",))
    return [
        Prog(f"MOVD R2, {slot}(RSP)", spill, restartable=bool(hi), note="spill sum across the call"),
        Prog(f"ADD ${off}, RSP, R0", (f"add x0, sp, #{off:#x}",), note="slice pointer"),
        Prog(f"MOVD ${b}, R1", movd_const(b, "x1"), note="slice length"),
        Prog("MOVD R1, R2", ("mov x2, x1",), note="slice capacity"),
        Prog("CALL main.sink(SB)", ("bl {main.sink}",), note="the call that makes this a non-leaf"),
        Prog(f"MOVD {slot}(RSP), R3", reload, restartable=bool(hi), note="reload sum"),
        Prog("ADD R3, R0, R0", ("add x0, x0, x3",)),
    ]
