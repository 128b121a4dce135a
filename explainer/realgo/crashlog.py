"""Read what the Go runtime printed when it died: the error, the unwinder's view, the interrupted PC.

The runtime's crash text (runtime/traceback.go, runtime/panic.go, runtime/signal_unix.go) has three
shapes for this bug (RUNTIME.md, and the logs in ../shared/reference/crashes):

- ``fatal error: traceback did not unwind completely``, after ``runtime: g1: frame.sp=... top=...``:
  the slot the unwinder read as the return address held 0 (finishInternal: traceback.go:566 at
  go1.23.4, :572 at go1.27.3).
- ``SIGSEGV: segmentation violation`` with ``addr=0x118`` (0x110 on go1.25) in
  ``runtime.(*unwinder).next``: the slot held a non-code value and ``gp.m.incgo`` was read with a nil m
  (traceback.go:458 at go1.23.4 and go1.25.0, compiled ``MOVBU 280(R5)`` and ``MOVBU 272(R5)``:
  tests/data/realgo/incgo_by_release.json).
- from go1.27, whose ``gp.m != nil`` guard skips that read (traceback.go:463 at go1.27.3),
  ``runtime: g 1: unexpected return pc for main.big_stack called from 0x...`` then ``fatal error:
  unknown caller pc`` (:471 and :475; the throw is there before go1.27 too, but the nil m faults first).

Whichever it is, the PC that matters is not where the runtime died but where the scanned goroutine was
interrupted: the frame ``runtime.asyncPreempt`` was injected over. The scanned goroutine is the one whose
``gp`` is ``runtime.scanstack``'s first argument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A line that starts the runtime's crash report (time to crash is measured to the first one).
CRASH_START = re.compile(
    r"^(fatal error: |fatal: |panic: |SIG[A-Z]+: |unexpected signal|runtime: g ?\d+: )")

_HEX = r"0x[0-9a-f]+"
_FUNC = re.compile(r"^(\S+)\(([^()]*)\)$")
_WHERE = re.compile(r"^\t(\S+)(?: \+(0x[0-9a-f]+))?(.*)$")
_FIELD = re.compile(rf"\b(fp|sp|pc)=({_HEX})")
_GOROUTINE = re.compile(
    rf"^goroutine (\d+)(?: gp=({_HEX}))?(?: m=(\S+))?(?: mp=\S+)? \[(.*)\]:$")
_SIGNAL = re.compile(r"^(SIG[A-Z]+): (.*)$")
_SIGNAL_PC = re.compile(rf"^PC=({_HEX})(?: .*?addr=({_HEX}))?")
_SIGNAL_BRACKET = re.compile(rf"^\[signal (SIG[A-Z]+): [^\]]*?(?:addr=({_HEX}))? pc=({_HEX})\]")
_FATAL = re.compile(r"^fatal error: (.*)$")
_UNWOUND = re.compile(rf"^runtime: g ?(\d+): frame\.sp=({_HEX}) top=({_HEX})")
_STACK = re.compile(rf"^\tstack=\[({_HEX})-({_HEX})\]?")
_UNEXPECTED = re.compile(rf"^runtime: g ?(\d+): unexpected return pc for (\S+) called from ({_HEX})")


@dataclass(frozen=True)
class Frame:
    """One frame of a printed traceback: ``main.big_stack(0x0?)`` and its ``file:line +off fp= sp= pc=``."""

    function: str
    args: str
    where: str = ""
    """``fast_nonleaf/main.go:18``."""
    pc: int | None = None
    sp: int | None = None
    fp: int | None = None


@dataclass(frozen=True)
class Goroutine:
    """A ``goroutine N gp=... m=... [status]:`` block."""

    id: int
    gp: int | None
    m: str | None
    status: str
    """``preempted (scan)``, ``runnable (scan)``, ``GC worker (active)`` ..."""
    frames: tuple[Frame, ...]


@dataclass(frozen=True)
class Crash:
    """What one crash report says."""

    headline: str
    """The runtime's own words: ``fatal error: ...`` or ``SIGSEGV: segmentation violation``."""
    fatal: str | None = None
    """The ``fatal error:`` message, when there is one."""
    signal: str | None = None
    signal_pc: int | None = None
    signal_addr: int | None = None
    signal_function: str | None = None
    """The function the signal's PC is in (``runtime.(*unwinder).next``)."""
    frame_sp: int | None = None
    """``runtime: g1: frame.sp=...``: where the unwinder stopped ..."""
    top: int | None = None
    """... and ``top=...``, the stack top it should have reached."""
    stack: tuple[int, int] | None = None
    unexpected_return: tuple[str, int] | None = None
    """``unexpected return pc for FUNC called from PC``."""
    scanned_gp: int | None = None
    """``runtime.scanstack``'s first argument: the goroutine the GC was scanning."""
    victim: Goroutine | None = None
    """The goroutine whose stack the unwinder could not walk."""
    interrupted: Frame | None = None
    """The victim's frame ``runtime.asyncPreempt`` was injected over: the PC of the preemption."""

    def describe(self) -> str:
        """One line: the error in the runtime's words."""
        text = self.headline
        if self.signal and self.signal_addr is not None:
            text += f" addr={self.signal_addr:#x}"
        if self.signal and self.signal_function:
            text += f" in {self.signal_function}"
        if self.signal and self.fatal and self.fatal not in self.headline:
            text += f" (fatal error: {self.fatal})"
        return text


def _frames(lines: list[str], i: int) -> tuple[list[Frame], int]:
    """The frames from ``lines[i]`` on; returns them and the index of the first line that is not one.

    A frame is its call line (``main.big_stack(0x0?)``) and, under it, its tab-indented ``file:line``;
    ``created by ...`` (with its line) and ``...additional frames elided...`` belong to the block too.
    Anything else ends the block, blank or not: a goroutine header or a second report printed straight
    after the last frame (qemu's own line does that: cloudflare_shape-go1.23.4-singlestep.log) is read
    as what it is, never swallowed as frames.
    """
    frames: list[Frame] = []
    while i < len(lines):
        line = lines[i]
        if line == "...additional frames elided...":
            i += 1
            continue
        m = _FUNC.match(line)
        if not (m or line.startswith("created by ")):
            break
        where, fields = "", {}
        if i + 1 < len(lines) and (w := _WHERE.match(lines[i + 1])):
            where, fields = w.group(1), dict(_FIELD.findall(w.group(3)))
            i += 1
        if m and not line.startswith("created by "):
            frames.append(Frame(m.group(1), m.group(2), where,
                                *(int(fields[k], 16) if k in fields else None for k in ("pc", "sp", "fp"))))
        i += 1
    return frames, i


def _victim(goroutines: list[Goroutine], scanned: int | None, unexpected: str | None) -> Goroutine | None:
    """The goroutine the unwinder choked on: the scanned one, else one preempted in the named function."""
    preempted = [(g, f) for g in goroutines if (f := _after_async_preempt(g)) is not None]
    for g, _ in preempted:
        if scanned is not None and g.gp == scanned:
            return g
    for g, frame in preempted:
        if unexpected is not None and frame.function == unexpected:
            return g
    scans = [g for g, _ in preempted if "(scan)" in g.status]
    return next(iter(scans or [g for g, _ in preempted]), None)


def _after_async_preempt(g: Goroutine) -> Frame | None:
    for caller, callee in zip(g.frames[1:], g.frames, strict=False):
        if callee.function == "runtime.asyncPreempt":
            return caller
    return None


def parse(text: str) -> Crash | None:
    """The crash in ``text`` (a guest's whole output), or None if it holds no crash report."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if CRASH_START.match(line)), None)
    if start is None:
        return None
    fatal = signal = signal_text = None
    signal_pc = signal_addr = frame_sp = top = None
    stack: tuple[int, int] | None = None
    unexpected: tuple[str, int] | None = None
    goroutines: list[Goroutine] = []
    runtime_stack: list[Frame] = []
    i = start
    # A report's own lines (its error, the unwinder's view, the signal) come before its first traceback
    # block ("runtime stack:" or a goroutine's), so a report's first line after a block is the next
    # report: the first one ends there, blank line or not, and none of its fields come from the next.
    blocks = 0
    while i < len(lines):
        line = lines[i]
        if blocks and CRASH_START.match(line):
            break
        if m := _GOROUTINE.match(line):
            blocks += 1
            frames, i = _frames(lines, i + 1)
            goroutines.append(Goroutine(int(m.group(1)), int(m.group(2), 16) if m.group(2) else None,
                                        m.group(3), m.group(4), tuple(frames)))
            continue
        if line == "runtime stack:":
            blocks += 1
            frames, i = _frames(lines, i + 1)
            runtime_stack += frames
            continue
        if (m := _FATAL.match(line)) and fatal is None:
            fatal = m.group(1)
        elif (m := _SIGNAL.match(line)) and signal is None:
            signal, signal_text = m.group(1), line
        elif (m := _SIGNAL_PC.match(line)) and signal and signal_pc is None:
            signal_pc = int(m.group(1), 16)
            signal_addr = int(m.group(2), 16) if m.group(2) else None
        elif (m := _SIGNAL_BRACKET.match(line)) and signal_pc is None:
            signal, signal_pc = m.group(1), int(m.group(3), 16)
            signal_addr = int(m.group(2), 16) if m.group(2) else None
        elif (m := _UNWOUND.match(line)) and frame_sp is None:
            frame_sp, top = int(m.group(2), 16), int(m.group(3), 16)
            if i + 1 < len(lines) and (s := _STACK.match(lines[i + 1])):
                stack = (int(s.group(1), 16), int(s.group(2), 16))
        elif (m := _UNEXPECTED.match(line)) and unexpected is None:
            unexpected = (m.group(2), int(m.group(3), 16))
        i += 1

    every_frame = runtime_stack + [f for g in goroutines for f in g.frames]
    scanned = next((int(f.args.split(",")[0].rstrip("?"), 16) for f in every_frame
                    if f.function == "runtime.scanstack" and f.args.startswith("0x")), None)
    victim = _victim(goroutines, scanned, unexpected[0] if unexpected else None)
    return Crash(
        headline=signal_text or (f"fatal error: {fatal}" if fatal else lines[start]),
        fatal=fatal, signal=signal, signal_pc=signal_pc, signal_addr=signal_addr,
        signal_function=next((f.function for f in every_frame if signal_pc and f.pc == signal_pc), None),
        frame_sp=frame_sp, top=top, stack=stack, unexpected_return=unexpected, scanned_gp=scanned,
        victim=victim, interrupted=_after_async_preempt(victim) if victim else None,
    )
