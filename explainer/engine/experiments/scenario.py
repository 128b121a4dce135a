"""One value names a whole experiment, with a one-line form that round-trips.

``go<version>/<size>[/leaf|/nonleaf][/buffer=B][/stack=0xLO-0xHI][/at=A][/unwind=T][/step=N]``
Defaults (non-leaf, buffer=fast, the fast_leaf-go1.23.4.log stack, at=sp2,
unwind=gc) are left out when printed, so each value prints one canonical string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..emulator.goroutine import RUNTIME_PAGES_END, STACK_GUARD, TOP_OFFSET, StackBounds
from ..emulator.machine import RUN_LIMIT
from ..errors import ExplainerError
from ..numbers import quoted, whole_number
from ..releases.runtime_data import facts_for
from ..releases.versions import GoVersion
from ..runtime.unwind import Trigger
from ..toolchain.bigstack import Buffer, largest_frame, min_frame
from ..toolchain.frames import GO_FRAMES, MAX_FRAME, FrameLimits

#: The stack of goroutine 1 in fast_leaf-go1.23.4.log.
DEFAULT_STACK = StackBounds(0x40000AE000, 0x40000CE000)
#: Where arm64's user addresses end: 48 bits (Go's heapAddrBits on linux/arm64, malloc.go).
ADDRESS_END = 1 << 48
#: The largest stack the model maps: room for the largest frame (frames.MAX_FRAME) and its callers,
#: with the doubling copystack does to spare.
MAX_STACK = 4 << 30
ANCHORS = ("entry", "body", "epilogue", "sp1", "sp2", "ret")
#: Where a scenario preempts when it does not say: the epilogue's last write to RSP.
DEFAULT_AT = "sp2"
# fullmatch, not ``$``: ``$`` also matches before a final newline.
_OFFSET = re.compile(r"\+0x[0-9a-fA-F]+")
_STACK = re.compile(r"(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)")


@dataclass(frozen=True)
class Scenario:
    """An experiment: toolchain, frame, buffer, stack, where to preempt, who unwinds."""

    version: GoVersion
    size: int
    leaf: bool = False
    buffer: Buffer = Buffer.FAST
    stack: StackBounds = DEFAULT_STACK
    at: str = DEFAULT_AT
    """A named anchor (entry, body, epilogue, sp1, sp2, ret) or ``+0xNN`` from the entry."""
    unwind: Trigger = Trigger.GC
    step: int | None = None
    """Where the lab's cursor stands when opened (instructions from the entry)."""

    def __post_init__(self) -> None:
        frame_limits(self.version, self.leaf).check(self.size)
        if self.stack != DEFAULT_STACK:  # the default grows to fit the frame (experiment.effective_stack)
            check_stack(self.stack, self.size, self.leaf, self.version)
        if self.at not in ANCHORS and not (_OFFSET.fullmatch(self.at) and int(self.at[1:], 16) % 4 == 0):
            raise ExplainerError(f"bad preemption point {quoted(self.at)}: one of {', '.join(ANCHORS)} "
                                 "or +0xNN (a multiple of 4)")
        if self.at not in ANCHORS:  # one spelling per point: +0x1c, not +0x01C
            object.__setattr__(self, "at", f"+{int(self.at[1:], 16):#x}")
        if self.step is not None and not 0 <= self.step <= RUN_LIMIT:
            raise ExplainerError(f"bad step {self.step}: from 0 to {RUN_LIMIT:,} (the most instructions "
                                 "one run may execute)")

    def __str__(self) -> str:
        parts = [f"go{self.version}", str(self.size)]
        if self.leaf:
            parts.append("leaf")
        if self.buffer is not Buffer.FAST:
            parts.append(f"buffer={self.buffer.value}")
        if self.stack != DEFAULT_STACK:
            parts.append(f"stack={self.stack.lo:#x}-{self.stack.hi:#x}")
        if self.at != DEFAULT_AT:
            parts.append(f"at={self.at}")
        if self.unwind is not Trigger.GC:
            parts.append(f"unwind={self.unwind.value}")
        if self.step is not None:
            parts.append(f"step={self.step}")
        return "/".join(parts)

    def with_stack(self, text: str) -> Scenario:
        """The same scenario on other stack bounds (``--stack 0xLO-0xHI``)."""
        return replace(self, stack=parse_stack(text))


def frame_limits(version: GoVersion, leaf: bool) -> FrameLimits:
    """The frames a scenario may have: at least the reproducer's body (a 16-byte buffer), at most
    what Go's compiler builds (frames.MAX_FRAME) or, where it is lower, what the model's body does."""
    what = f"a go{version} {'leaf' if leaf else 'non-leaf'} frame"
    model = largest_frame(version, leaf)
    if model is None or model >= MAX_FRAME:
        return replace(GO_FRAMES, what=what, smallest=min_frame(leaf))
    return FrameLimits(what, min_frame(leaf), model,
                       "past that, the real assembler reaches the body's spill of sum through the constant "
                       "pool, which the model does not build: asm7.go splitImm24uScaled")


def stack_room(size: int, leaf: bool, version: GoVersion) -> int:
    """The fewest bytes a goroutine stack needs for the frame: newproc's top, the callers' frames
    (runtime.main, main.main: the real build's), the frame, and the stack guard below it."""
    real = facts_for(version).functions["fast_leaf" if leaf else "fast_nonleaf"]
    return TOP_OFFSET + real["runtime.main"].frame + real["main.main"].frame + size + STACK_GUARD + 16


def check_stack(stack: StackBounds, size: int, leaf: bool, version: GoVersion) -> None:
    """A stack the model can map and run ``size`` on; every mistake named in one line.

    Raises:
        ExplainerError: not 16-aligned, empty or reversed, under the g/m/p pages, past 48-bit
            addresses, larger than 4 GiB, or too small for the frame and its callers.
    """
    lo, hi = stack.lo, stack.hi
    bad = f"bad stack {lo:#x}-{hi:#x}"
    if lo % 16 or hi % 16:
        raise ExplainerError(f"{bad}: both bounds must be multiples of 16 (arm64 keeps SP 16-aligned)")
    if lo >= hi:
        raise ExplainerError(f"{bad}: the low bound must be below the high one")
    if lo < RUNTIME_PAGES_END:
        raise ExplainerError(f"{bad}: it must start at or above {RUNTIME_PAGES_END:#x}, above the "
                             "model's g, m and p (goroutine stacks live in the heap arena)")
    if hi > ADDRESS_END:
        raise ExplainerError(f"{bad}: it must end at or below {ADDRESS_END:#x} (48-bit addresses)")
    if hi - lo > MAX_STACK:
        raise ExplainerError(f"{bad}: {hi - lo:,} bytes; the model maps at most {MAX_STACK:,} (4 GiB)")
    need = stack_room(size, leaf, version)
    if hi - lo < need:
        raise ExplainerError(f"{bad}: {hi - lo:,} bytes is too small for a {size:,}-byte frame: it needs "
                             f"{need:,} with its callers and the stack guard (the prologue's stack check "
                             "would call runtime.morestack)")


def parse_stack(text: str) -> StackBounds:
    """``0xLO-0xHI``."""
    m = _STACK.fullmatch(text.strip())
    if not m:
        raise ExplainerError(f"bad stack {quoted(text)}: expected 0xLO-0xHI")
    return StackBounds(int(m.group(1), 16), int(m.group(2), 16))


def _choice(kind: type[Buffer] | type[Trigger], value: str, what: str) -> Buffer | Trigger:
    """An enum member by value, or an error naming every allowed value."""
    if kind is Trigger and value == "profile":  # the name before issue 19: two walkers now
        raise ExplainerError(f"bad {what} 'profile': say goroutine-profile (pprof's goroutine profile, "
                             "saveg) or cpu-profile (SIGPROF walks the goroutine it interrupts)")
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise ExplainerError(f"bad {what} {quoted(value)}: one of {names}") from None


def trigger(text: str) -> Trigger:
    """Who unwinds, by name (``gc``, ``traceback``, ...): ``unwind=``'s value, or ``--unwind``."""
    found = _choice(Trigger, text, "unwind")
    assert isinstance(found, Trigger)
    return found


def parse(text: str) -> Scenario:
    """Parse the one-line form; every mistake names the part that is wrong."""
    line = text.strip()
    if not line.isascii():  # Python's \d and int() read "２３" as 23: a line is plain ASCII
        raise ExplainerError(f"bad scenario {quoted(text)}: only ASCII characters")
    if any(c.isspace() for c in line):
        raise ExplainerError(f"bad scenario {quoted(text)}: no spaces inside a scenario")
    parts = line.split("/")
    if len(parts) < 2 or not parts[0].startswith("go"):
        raise ExplainerError(f"bad scenario {quoted(text)}: expected go<version>/<size>[/...]")
    version = GoVersion.parse(parts[0])
    fields: dict[str, object] = {"version": version}
    seen: set[str] = set()
    for part in parts[2:]:
        key, _, value = part.partition("=")
        if key in ("leaf", "nonleaf") and seen & {"leaf", "nonleaf"} - {key}:
            raise ExplainerError(f"bad scenario part {quoted(part)}: leaf and nonleaf both given")
        if key in seen:
            raise ExplainerError(f"bad scenario part {quoted(part)}: given twice")
        seen.add(key)
        if part in ("leaf", "nonleaf"):
            fields["leaf"] = part == "leaf"
        elif key == "buffer":
            fields["buffer"] = _choice(Buffer, value, "buffer")
        elif key == "stack":
            fields["stack"] = parse_stack(value)
        elif key == "at":
            fields["at"] = value
        elif key == "unwind":
            fields["unwind"] = _choice(Trigger, value, "unwind")
        elif key == "step":
            fields["step"] = whole_number(value, "step", 0, RUN_LIMIT, " instructions")
        else:
            raise ExplainerError(f"bad scenario part {quoted(part)}: expected leaf, nonleaf, buffer=, "
                                 "stack=, at=, unwind= or step=")
    # the size last: its rule depends on the release and on leaf, and is stated once, whole
    fields["size"] = frame_limits(version, bool(fields.get("leaf"))).parse(parts[1])
    return Scenario(**fields)  # type: ignore[arg-type]
