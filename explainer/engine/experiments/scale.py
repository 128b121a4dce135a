"""Scale maths: how a one-instruction window becomes crashes a day across a fleet.

crashes/day = machines × preemptions/s landing in exposed functions (per machine)
              × P(the signal lands in the window) × P(a walker unwinds the parked goroutine) × 86,400

P(lands in the window) is the window's share of the function's instructions per
call, each instruction weighted equally (an assumption: loads and stores cost
more than ADDs). The window and the instructions per call come from the engine;
every other input is an assumption the user sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..runtime.outcome import Outcome
from .scenario import Scenario
from .session import Session
from .sweep import sweep

SECONDS_PER_DAY = 86_400
#: STORY.md: "up to 30 fatal panics a day" at peak, across Cloudflare's fleet.
OBSERVED_PEAK_PER_DAY = 30


@dataclass(frozen=True)
class Assumptions:
    """The inputs; defaults are guesses of the right order, labelled as such in the lesson."""

    machines: int = 1_000
    """Machines running the exposed service."""
    preemptions_per_second: float = 0.01
    """Async preemptions per second, per machine, that land inside an exposed function."""
    window: int = 1
    """Instructions where a preemption is unsafe (the engine's sweep)."""
    instructions_per_call: int = 12_576
    """Instructions one call of the function executes (the engine's emulation)."""
    p_unwound: float = 0.5
    """Chance a GC scan or traceback walks the goroutine while it is parked there."""


def crashes_per_day(a: Assumptions) -> float:
    """The expected fatal errors a day across the fleet."""
    p_window = a.window / a.instructions_per_call if a.instructions_per_call else 0.0
    return a.machines * a.preemptions_per_second * p_window * a.p_unwound * SECONDS_PER_DAY


def measured(s: Scenario) -> tuple[int, int]:
    """(unsafe window in instructions, instructions per call) for a scenario, by emulation."""
    window = sum(1 for p in sweep(s) if p.outcome is Outcome.CRASH)
    session = Session(s)
    calls = session.run_to("ret").snapshot.step + 1  # RET itself runs too
    return window, calls
