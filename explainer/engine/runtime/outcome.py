"""What sending SIGURG at an instruction came to: one vocabulary from the engine to the widget.

A preemption is refused (isAsyncSafePoint said no: ``safepoint.Reason`` says why) or taken; a taken
one is parked until someone walks the stack, and the walk ends clean, in a crash, or never happens
because that walker cannot see a goroutine parked so. A sweep adds the instructions its run never
reached. Only JSON and screens turn these into words.
"""

from __future__ import annotations

import enum


class Outcome(enum.Enum):
    """How a preemption at one instruction ended."""

    REFUSED = "refused"
    """isAsyncSafePoint refused: the goroutine runs on."""
    PARKED = "parked"
    """Preempted (pushCall, asyncPreempt) and parked; no one has walked its stack yet."""
    CLEAN = "clean"
    """The walk reached runtime.goexit with frame.sp == stktopsp, or stopped quietly."""
    CRASH = "crash"
    """The runtime threw or faulted."""
    CANNOT_SEE = "cannot-see"
    """This walker never walks a goroutine parked in this state (a panic, a stack copy)."""
    NOT_REACHED = "not-reached"
    """The run never executed this instruction (a sweep's morestack tail): nothing to preempt."""
