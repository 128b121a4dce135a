"""One value names a whole experiment, with a one-line form that round-trips.

``go<version>/<size>[/leaf|/nonleaf][/buffer=B][/stack=0xLO-0xHI][/at=A][/unwind=T][/step=N]``
Defaults (non-leaf, buffer=fast, the fast_leaf-go1.23.4.log stack, at=sp2,
unwind=gc) are left out when printed, so each value prints one canonical string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..emulator.goroutine import StackBounds
from ..errors import ExplainerError
from ..releases.versions import GoVersion
from ..runtime.unwind import Trigger
from ..toolchain.bigstack import Buffer, min_frame
from ..toolchain.frames import check_frame_size

#: The stack of goroutine 1 in fast_leaf-go1.23.4.log.
DEFAULT_STACK = StackBounds(0x40000AE000, 0x40000CE000)
ANCHORS = ("entry", "body", "epilogue", "sp1", "sp2", "ret")
# fullmatch, not ``$``: ``$`` also matches before a final newline.
_OFFSET = re.compile(r"\+0x[0-9a-fA-F]+")
_STACK = re.compile(r"(0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)")
_NUMBER = re.compile(r"[0-9]+")  # str.isdigit() takes "²" and "６４" too


@dataclass(frozen=True)
class Scenario:
    """An experiment: toolchain, frame, buffer, stack, where to preempt, who unwinds."""

    version: GoVersion
    size: int
    leaf: bool = False
    buffer: Buffer = Buffer.FAST
    stack: StackBounds = DEFAULT_STACK
    at: str = "sp2"
    """A named anchor (entry, body, epilogue, sp1, sp2, ret) or ``+0xNN`` from the entry."""
    unwind: Trigger = Trigger.GC
    step: int | None = None
    """Where the lab's cursor stands when opened (instructions from the entry)."""

    def __post_init__(self) -> None:
        check_frame_size(self.size)
        if self.size < min_frame(self.leaf):
            raise ExplainerError(
                f"bad frame size {self.size}: the reproducer needs at least {min_frame(self.leaf)} bytes "
                f"for a {'leaf' if self.leaf else 'non-leaf'} frame")
        if self.stack.lo >= self.stack.hi or self.stack.lo % 16 or self.stack.hi % 16:
            raise ExplainerError(f"bad stack {self.stack.lo:#x}-{self.stack.hi:#x}: need 16-aligned lo < hi")
        if self.at not in ANCHORS and not (_OFFSET.fullmatch(self.at) and int(self.at[1:], 16) % 4 == 0):
            raise ExplainerError(f"bad preemption point {self.at!r}: one of {', '.join(ANCHORS)} "
                                 "or +0xNN (a multiple of 4)")
        if self.at not in ANCHORS:  # one spelling per point: +0x1c, not +0x01C
            object.__setattr__(self, "at", f"+{int(self.at[1:], 16):#x}")
        if self.step is not None and self.step < 0:
            raise ExplainerError(f"bad step {self.step}: must be 0 or more")

    def __str__(self) -> str:
        parts = [f"go{self.version}", str(self.size)]
        if self.leaf:
            parts.append("leaf")
        if self.buffer is not Buffer.FAST:
            parts.append(f"buffer={self.buffer.value}")
        if self.stack != DEFAULT_STACK:
            parts.append(f"stack={self.stack.lo:#x}-{self.stack.hi:#x}")
        if self.at != "sp2":
            parts.append(f"at={self.at}")
        if self.unwind is not Trigger.GC:
            parts.append(f"unwind={self.unwind.value}")
        if self.step is not None:
            parts.append(f"step={self.step}")
        return "/".join(parts)

    def with_stack(self, text: str) -> Scenario:
        """The same scenario on other stack bounds (``--stack 0xLO-0xHI``)."""
        return replace(self, stack=parse_stack(text))


def parse_stack(text: str) -> StackBounds:
    """``0xLO-0xHI``."""
    m = _STACK.fullmatch(text.strip())
    if not m:
        raise ExplainerError(f"bad stack {text!r}: expected 0xLO-0xHI")
    return StackBounds(int(m.group(1), 16), int(m.group(2), 16))


def _choice(kind: type[Buffer] | type[Trigger], value: str, what: str) -> Buffer | Trigger:
    """An enum member by value, or an error naming every allowed value."""
    if kind is Trigger and value == "profile":  # the name before issue 19: two walkers now
        raise ExplainerError(f"bad {what} 'profile': say goroutine-profile (pprof's goroutine profile, "
                             "saveg) or cpu-profile (SIGPROF walks the goroutine it interrupts)")
    try:
        return kind(value)
    except ValueError:
        raise ExplainerError(f"bad {what} {value!r}: one of {', '.join(m.value for m in kind)}") from None


def parse(text: str) -> Scenario:
    """Parse the one-line form; every mistake names the part that is wrong."""
    line = text.strip()
    if not line.isascii():  # Python's \d and int() read "２３" as 23: a line is plain ASCII
        raise ExplainerError(f"bad scenario {text!r}: only ASCII characters")
    if any(c.isspace() for c in line):
        raise ExplainerError(f"bad scenario {text!r}: no spaces inside a scenario")
    parts = line.split("/")
    if len(parts) < 2 or not parts[0].startswith("go"):
        raise ExplainerError(f"bad scenario {text!r}: expected go<version>/<size>[/...]")
    version = GoVersion.parse(parts[0])
    if not _NUMBER.fullmatch(parts[1]):
        raise ExplainerError(f"bad frame size {parts[1]!r}: expected a number of bytes")
    fields: dict[str, object] = {"version": version, "size": int(parts[1])}
    seen: set[str] = set()
    for part in parts[2:]:
        key, _, value = part.partition("=")
        if key in seen or (key in ("leaf", "nonleaf") and seen & {"leaf", "nonleaf"}):
            raise ExplainerError(f"bad scenario part {part!r}: given twice")
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
            if not _NUMBER.fullmatch(value):
                raise ExplainerError(f"bad step {value!r}: expected a number")
            fields["step"] = int(value)
        else:
            raise ExplainerError(f"bad scenario part {part!r}: expected leaf, nonleaf, buffer=, "
                                 "stack=, at=, unwind= or step=")
    return Scenario(**fields)  # type: ignore[arg-type]
