"""Every step the lab has taken, as stops on a line, with the moments that matter marked.

A person stepping through a 64 KiB frame loses track of where things happened.
The timeline lists the session's recorded moments (``Session.trace``, in step
order) and marks three kinds of moment: where RSP changed since the stop before,
where the runtime preempted the goroutine (a SIGURG taken there), and where the
unwind that followed read main.big_stack's return address from a slot that does
not hold it (the bug, seen by the unwinder: the value read is not main.main's
return address). Values only: the lab's widget
draws them, and jumping is ``Session.goto`` on a stop's step.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from .session import Preemption, Session, Trace


class Mark(enum.Enum):
    """What happened at a stop; ordered from least to most telling."""

    RSP = "RSP changed"
    PREEMPTED = "preempted"
    BAD_READ = "bad slot read"


def marks(trace: Trace, preemptions: Mapping[int, Preemption], function: str,
          return_address: int) -> dict[int, frozenset[Mark]]:
    """The marked stops, by index into ``trace``.

    Args:
        trace: The session's moments.
        preemptions: A step to the last SIGURG taken there.
        function: The stepped function (main.big_stack).
        return_address: Its true return address (into main.main): an unwind step of ``function``
            that read anything else read a bad slot.

    Called on every new step, so it touches each moment once and builds sets only where a mark is.
    """
    found: dict[int, set[Mark]] = {}
    moments = trace.moments
    previous = moments[0].snapshot.regs[31] if moments else 0
    for i, moment in enumerate(moments):
        sp = moment.snapshot.regs[31]
        if sp != previous:
            found[i] = {Mark.RSP}
            previous = sp
    for step, p in preemptions.items():
        at = trace.index_of(step)
        if at is None or p.parked is None:
            continue
        here = found.setdefault(at, set())
        here.add(Mark.PREEMPTED)
        if p.walk is not None and any(u.function == function and u.slot is not None
                                      and u.value != return_address for u in p.walk.steps):
            here.add(Mark.BAD_READ)
    return {i: frozenset(m) for i, m in found.items()}


def return_of(session: Session) -> tuple[str, int]:
    """The stepped function's name and its true return address: ``marks``'s last two arguments."""
    name = session.function.name
    return name, session.program.return_address_after("main.main", name)


def next_marked(found: Mapping[int, frozenset[Mark]], index: int, direction: int,
                mark: Mark | None = None) -> int | None:
    """The nearest marked index after (``direction`` 1) or before (-1) ``index``; only ``mark`` if given."""
    candidates = [i for i, m in found.items() if (i - index) * direction > 0 and (mark is None or mark in m)]
    if not candidates:
        return None
    return min(candidates) if direction > 0 else max(candidates)
