"""Go's arm64 prologue and epilogue for a frame of N bytes, release by release.

Mirrors cmd/internal/obj/arm64/obj7.go: ``stacksplit`` (the stack check and the
morestack tail), ``preprocess`` at ``obj.ATEXT`` (the prologue) and at
``obj.ARET`` (the epilogue). N is ``c.autosize``: what the prologue takes from
RSP and the epilogue gives back. Constants go through ``immediates.add_plan``,
which mirrors the assembler, so the split appears exactly where asm7.go puts it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arm64.asm import Prog
from ..arm64.immediates import add_const, movd_const
from ..errors import ExplainerError
from ..numbers import quoted
from ..releases.versions import GoVersion

#: abi.StackSmall and abi.StackBig (internal/abi/stack.go): the stack-check thresholds.
STACK_SMALL = 128
STACK_BIG = 4096
#: The largest frame MOVD.W can allocate in one instruction (obj7.go: "aoffset > 0xf0").
MOVDW_MAX = 0xF0

#: Go's compiler refuses a function whose locals, or locals and outgoing arguments, reach 1 GiB:
#: ``maxStackSize = 1 << 30``, "stack frame too large (>1GB)" (cmd/compile/internal/ssagen/pgen.go:295,
#: :304, :319 and :445 at go1.23.4; :297 at go1.27.3). obj7.go then adds the LR and FP slots, so a
#: frame (c.autosize) of exactly 1 GiB can be built and a much larger one cannot.
MAX_FRAME = 1 << 30


@dataclass(frozen=True)
class FrameLimits:
    """The frame sizes something accepts: multiples of 16 from ``smallest`` to ``largest``, one rule
    stated in one sentence, whatever the mistake (not a number, not a multiple of 16, too small, too
    large)."""

    what: str
    """Whose frames: ``a frame``, ``a go1.23.4 non-leaf frame``."""
    smallest: int
    largest: int
    why: str
    """Why ``largest`` is the largest (Go's compiler, or what the model builds)."""

    @property
    def rule(self) -> str:
        """The rule in words, with the largest accepted value."""
        return (f"{self.what} is a multiple of 16 from {self.smallest:,} to {self.largest:,} bytes "
                f"({self.why})")

    def parse(self, text: str) -> int:
        """The size ``text`` spells, checked.

        Decimal, or hex as ``0x10010`` (how a runtime engineer reads frame sizes off objdump and the
        lab's encoder takes them).

        Raises:
            ExplainerError: not decimal or 0x-hex digits, or outside the rule (one sentence stating it).
        """
        t = text.strip()
        digits, base = (t[2:], 16) if t[:2] in ("0x", "0X") else (t, 10)
        allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
        if not (0 < len(digits) <= 20 and all(c in allowed for c in digits)):
            raise ExplainerError(f"bad frame size {quoted(text)}: {self.rule}")
        return self.check(int(digits, base))

    def check(self, size: int) -> int:
        """``size`` if the rule accepts it.

        Raises:
            ExplainerError: it does not, in one sentence stating the rule.
        """
        if size % 16 or not self.smallest <= size <= self.largest:
            raise ExplainerError(f"bad frame size {size:,}: {self.rule}")
        return size


#: What a frame can be at all: what ``explainer frame`` lays out (no body, so no model limit).
GO_FRAMES = FrameLimits("a frame", 16, MAX_FRAME, "Go's compiler refuses 1 GiB of locals: "
                        "maxStackSize in cmd/compile/internal/ssagen/pgen.go")


def check_frame_size(size: int) -> None:
    """Reject sizes no Go frame can have (:data:`GO_FRAMES`)."""
    GO_FRAMES.check(size)


def _add_prog(op: str, c: int, rn: str, rd: str, role: str, *, spadj: int = 0,
              sets_flags: bool = False, unsafe: bool = False, note: str = "", line: int = 0) -> Prog:
    lines, via_r27 = add_const(op, c, rn, rd, sets_flags=sets_flags)
    mnem = op + ("S" if sets_flags else "")
    return Prog(
        source=f"{mnem} ${c}, {rn}, {rd}", machine=lines, role=role, spadj=spadj,
        unsafe=unsafe, restartable=via_r27 and not unsafe, note=note, line=line,
    )


def needs_stack_check(size: int, leaf: bool) -> bool:
    """obj7.go: a leaf whose frame is below StackSmall is marked NOSPLIT (no check)."""
    return not (leaf and size < STACK_SMALL)


def stack_check(size: int, morestack_label: str, line: int = 0) -> list[Prog]:
    """``stacksplit``: compare SP (less the frame) with g.stackguard0; -2 after the load.

    ``line``: the function's own line (its ``func`` line), where the compiler positions the check.
    """
    progs = [Prog("MOVD 16(g), R16", ("ldr x16, [x28, #0x10]",), "stack-check", line=line,
                  note="load g.stackguard0")]
    if size <= STACK_SMALL:
        progs.append(Prog("CMP R16, RSP", ("cmp sp, x16",), "stack-check", line=line, unsafe=True))
    elif size <= STACK_BIG:
        progs.append(_add_prog("SUB", size - STACK_SMALL, "RSP", "R17", "stack-check", line=line,
                               unsafe=True))
        progs.append(Prog("CMP R16, R17", ("cmp x17, x16",), "stack-check", line=line, unsafe=True))
    else:
        progs.append(_add_prog("SUB", size - STACK_SMALL, "RSP", "R17", "stack-check", line=line,
                               sets_flags=True, unsafe=True))
        progs.append(Prog("BLO morestack", (f"b.lo {{{morestack_label}}}",), "stack-check", line=line,
                          unsafe=True, note="SP - frame wrapped around"))
        progs.append(Prog("CMP R16, R17", ("cmp x17, x16",), "stack-check", line=line, unsafe=True))
    progs.append(Prog("BLS morestack", (f"b.ls {{{morestack_label}}}",), "stack-check", line=line,
                      unsafe=True, note="too little stack: grow it first"))
    return progs


def prologue(size: int, line: int = 0) -> list[Prog]:
    """Allocate the frame and save FP and LR (obj7.go ``preprocess``, ``obj.ATEXT``), at the ``func`` line."""
    if size > MOVDW_MAX:
        return [
            _add_prog("SUB", size, "RSP", "R20", "prologue", line=line, note="new SP, computed in R20"),
            Prog("STP (R29, R30), -8(R20)", ("stp x29, x30, [x20, #-8]",), "prologue", line=line,
                 note="save FP and LR below the new SP before moving SP"),
            Prog("MOVD R20, RSP", ("mov sp, x20",), "prologue", line=line, spadj=size, unsafe=True,
                 note="RSP written once: the frame appears whole"),
            Prog("SUB $8, RSP, R29", ("sub x29, sp, #0x8",), "prologue", line=line, note="new frame pointer"),
        ]
    return [
        Prog(f"MOVD.W R30, -{size}(RSP)", (f"str x30, [sp, #-{size}]!",), "prologue", line=line, spadj=size,
             note="allocate and save LR in one instruction"),
        Prog("MOVD R29, -8(RSP)", ("stur x29, [sp, #-8]",), "prologue", line=line, note="save FP"),
        Prog("SUB $8, RSP, R29", ("sub x29, sp, #0x8",), "prologue", line=line, note="new frame pointer"),
    ]


def epilogue(version: GoVersion, size: int, leaf: bool, line: int = 0) -> list[Prog]:
    """Release the frame and return (obj7.go ``preprocess``, ``obj.ARET``), through the RET.

    ``line``: the RET's (the ``return`` statement's): obj7.go inserts the epilogue before the RET Prog
    and gives each instruction the RET's position.
    """
    ret = Prog("RET", ("ret",), "epilogue", line=line, spadj=size, note="return to the caller")
    progs: list[Prog]
    if leaf:
        progs = [
            _add_prog("ADD", size - 8, "RSP", "R29", "epilogue", line=line, note="restore the caller's FP"),
            _add_prog("ADD", size, "RSP", "RSP", "epilogue", line=line, spadj=-size,
                      note="release the frame"),
        ]
    elif version.small_nonleaf_movdp and size <= MOVDW_MAX:
        progs = [
            Prog("MOVD -8(RSP), R29", ("ldur x29, [sp, #-8]",), "epilogue", line=line, note="restore FP"),
            Prog(f"MOVD.P {size}(RSP), R30", (f"ldr x30, [sp], #{size}",), "epilogue", line=line,
                 spadj=-size, note="restore LR and release the frame in one instruction"),
        ]
    else:
        progs = [Prog("LDP -8(RSP), (R29, R30)", ("ldp x29, x30, [sp, #-8]",), "epilogue", line=line,
                      note="restore FP and LR")]
        if version.has_nonleaf_fix and size >= 1 << 12:
            progs += [
                Prog(f"MOVD ${size}, R27", movd_const(size, "x27"), "epilogue", line=line, unsafe=True,
                     note="build the frame size in REGTMP (the fix, golang/go#73259)"),
                Prog("ADD R27, RSP, RSP", ("add sp, sp, x27",), "epilogue", line=line, spadj=-size,
                     unsafe=True, note="release the frame in one instruction"),
            ]
        else:
            progs.append(_add_prog("ADD", size, "RSP", "RSP", "epilogue", line=line, spadj=-size,
                                   note="release the frame"))
    return progs + [ret]


def morestack_tail(size: int, entry_label: str, morestack_sym: str, spill_args: int,
                   line: int = 0) -> list[Prog]:
    """The call to runtime.morestack at the function's end, and the jump back to the entry (at the
    ``func`` line, as the stack check)."""
    progs = [Prog("NOP (spfix)", (), "morestack", line=line, spadj=-size)]
    spills = [Prog(f"MOVD R{i}, {8 + 8 * i}(RSP)", (f"str x{i}, [sp, #{8 + 8 * i}]",), "morestack", line=line,
                   unsafe=True, note="spill register arguments") for i in range(spill_args)]
    progs += spills
    progs.append(Prog("MOVD R30, R3", ("mov x3, x30",), "morestack", line=line, unsafe=True))
    progs.append(Prog("CALL runtime.morestack_noctxt(SB)", (f"bl {{{morestack_sym}}}",),
                      "morestack", line=line, unsafe=True, note="grow the stack"))
    progs += [Prog(f"MOVD {8 + 8 * i}(RSP), R{i}", (f"ldr x{i}, [sp, #{8 + 8 * i}]",), "morestack", line=line)
              for i in range(spill_args)]
    progs.append(Prog("JMP entry", (f"b {{{entry_label}}}",), "morestack", line=line, spadj=size))
    return progs
