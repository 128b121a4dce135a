"""Time in a talk: each beat's budget, the talk's plan, the time spent on each beat in a rehearsal.

A talk file may give the whole talk ``minutes`` (the plan) and each beat
``minutes`` (its budget). The notes window counts down the plan and warns when
a beat runs over its budget; ``present --rehearse`` measures every beat with a
:class:`Stopwatch` and prints a :func:`table`; the cast export holds each beat
for :func:`hold_seconds`. Headless: only numbers and text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .script import Beat, Talk

#: How long the cast export holds a beat that has no budget (seconds), as the README states.
DEFAULT_HOLD = 30


def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), with a minus sign below zero; whole seconds, rounded down."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    h, m = divmod(s // 60, 60)
    return f"{sign}{h}:{m:02d}:{s % 60:02d}" if h else f"{sign}{m}:{s % 60:02d}"


def beat_seconds(beat: Beat) -> int | None:
    """The beat's budget in seconds (None: it has none)."""
    return None if beat.minutes is None else round(beat.minutes * 60)


def beats_total(talk: Talk) -> int:
    """The sum of the beats' budgets (seconds); beats without one count 0."""
    return sum(beat_seconds(b) or 0 for b in talk.beats)


def planned(talk: Talk) -> int | None:
    """The talk's length in seconds: its own ``minutes``, else the beats' budgets when every beat has one."""
    if talk.minutes is not None:
        return talk.minutes * 60
    if all(b.minutes is not None for b in talk.beats):
        return beats_total(talk)
    return None


def hold_seconds(beat: Beat) -> int:
    """How long a recording holds the beat: its budget, else :data:`DEFAULT_HOLD`."""
    budget = beat_seconds(beat)
    return DEFAULT_HOLD if budget is None else budget


def summary(talk: Talk) -> list[str]:
    """What ``present --check`` says about time: the total budget, and what does not add up."""
    missing = [b.index + 1 for b in talk.beats if b.minutes is None]
    n = len(talk.beats)
    lines = []
    if len(missing) == n:
        lines.append("time: no beat has a budget (minutes = 1.5 in a [[beat]])" +
                     (f"; the talk is planned for {clock(talk.minutes * 60)}" if talk.minutes else ""))
        return lines
    total = beats_total(talk)
    given = f"{n - len(missing)} of {n} beats" if missing else f"all {n} beats"
    lines.append(f"time: {clock(total)} budgeted in {given}")
    if missing:
        lines.append(f"time: no budget for beat{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(map(str, missing))} (a recording holds each for {DEFAULT_HOLD} s)")
    if talk.minutes is not None:
        spare = talk.minutes * 60 - total
        lines.append(f"time: the talk is planned for {clock(talk.minutes * 60)}: " +
                     (f"{clock(spare)} to spare" if spare >= 0 else f"the beats are {clock(-spare)} over"))
    return lines


@dataclass
class Stopwatch:
    """Time spent on each beat while the presenter shows it; coming back to a beat adds to its time."""

    now: Callable[[], float] = time.monotonic
    spent: dict[int, float] = field(default_factory=dict)
    """Beat index -> seconds on screen so far."""
    beat: int | None = None
    """The beat being timed (None: stopped)."""
    since: float = 0.0
    arrived: float = 0.0
    """When the presenter came to the current beat (going back and forth starts it again)."""

    def arrive(self, index: int) -> None:
        """The presenter shows beat ``index`` now (the same beat again, after ``r``, goes on timing it)."""
        if index == self.beat:
            return
        self.stop()
        self.beat, self.since = index, self.now()
        self.arrived = self.since

    def stop(self) -> None:
        """Add the current beat's time and stop timing."""
        if self.beat is not None:
            self.spent[self.beat] = self.spent.get(self.beat, 0.0) + self.now() - self.since
            self.beat = None

    def on_beat(self) -> float:
        """Seconds since the presenter came to the current beat."""
        return self.now() - self.arrived if self.beat is not None else 0.0


@dataclass(frozen=True)
class Row:
    """One beat of a rehearsal."""

    number: int
    title: str
    budget: int | None
    spent: float
    shown: bool = True
    """False: the rehearsal never came to this beat."""

    @property
    def over(self) -> float | None:
        """Seconds over the budget (negative: under); None without a budget or never shown."""
        return None if self.budget is None or not self.shown else self.spent - self.budget


def rows(talk: Talk, spent: dict[int, float]) -> list[Row]:
    """A rehearsal's rows, one per beat, in talk order, in whole seconds (a beat never shown spent 0)."""
    return [Row(b.index + 1, b.title, beat_seconds(b), round(spent.get(b.index, 0.0)), b.index in spent)
            for b in talk.beats]


def _over(over: float | None) -> str:
    if over is None:
        return ""
    return f"+{clock(over)} over" if over >= 1 else f"{clock(-over)} under" if over <= -1 else "on time"


def table(talk: Talk, spent: dict[int, float], markdown: bool = False) -> str:
    """The rehearsal table: beat, title, budget, spent, over or under; the totals last."""
    body = rows(talk, spent)
    total_budget = planned(talk)
    total_spent = sum(r.spent for r in body)
    total = ["", "total", clock(total_budget) if total_budget is not None else "",
             clock(total_spent), _over(None if total_budget is None else total_spent - total_budget)]
    cells = [[str(r.number), r.title, clock(r.budget) if r.budget is not None else "",
              clock(r.spent) if r.shown else "-", _over(r.over) if r.shown else "not shown"]
             for r in body] + [total]
    head = ["#", "beat", "budget", "spent", "over/under"]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|---:|---|---:|---:|---|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    width = [max(len(row[k]) for row in [head, *cells]) for k in range(len(head))]
    right = (True, False, True, True, False)

    def line(row: list[str]) -> str:
        cells = (c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, width, right, strict=True))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in width)
    return "\n".join([line(head), rule, *map(line, cells[:-1]), rule, line(cells[-1])]).rstrip() + "\n"
