"""Preempt the real runtime at every instruction of main.big_stack, several qemu runs at once.

Why it is shaped so: a run starts in ~0.1 s and a preemption that ends clean costs one GC cycle
(~20 ms under qemu), so a run goes on through as many points as the program survives, in the order
the goroutine reaches them (every planned PC has a breakpoint; the first one hit is the next
injected). That order covers even the instructions only the first call runs (the stack check
fails, morestack grows the stack and returns to the tail). A crash ends a run; its remaining points
go back to the queue as a new batch, without costing them a try. A spoiled point costs a try and is
queued again on its own; after ``tries`` spoiled runs it is inconclusive. ``jobs`` runs go at once
(the machine's cores), each in a worker thread that only waits on its two processes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from .gdbrun import kill_all
from .inject import DEFAULT_TRIES, LIMITS, Observation, RealOutcome, RealPoint, RunReport, run_once
from .target import Target


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class Sweep:
    """The state of one sweep: what is queued, what is known, how many tries each point has had."""

    def __init__(self, target: Target, pcs: Sequence[int], tries: int,
                 on_point: Callable[[RealPoint], None] | None,
                 on_run: Callable[[RunReport], None] | None) -> None:
        self.target, self.tries = target, tries
        self.on_point, self.on_run = on_point, on_run
        self.results: dict[int, RealPoint] = {}
        self.reasons: dict[int, list[str]] = {pc: [] for pc in pcs}
        self.last: dict[int, Observation] = {}
        self.queue: list[list[int]] = []
        self.running = 0
        self.runs = 0
        self.strays = 0
        self.stopped = False
        self.working = 0
        """Worker threads not yet finished."""
        self.cond = threading.Condition()

    def batches(self, pcs: Sequence[int], jobs: int) -> None:
        size = -(-len(pcs) // jobs)
        self.queue = [list(pcs[k:k + size]) for k in range(0, len(pcs), size)]

    def _final(self, obs: Observation) -> None:
        insn = self.target.function.at(obs.pc)
        assert insn is not None
        reasons = tuple(self.reasons[obs.pc])
        point = RealPoint(obs.pc, insn.offset, insn.go, obs.outcome, len(reasons) + 1, obs, reasons)
        if obs.outcome is RealOutcome.INCONCLUSIVE:
            point = RealPoint(obs.pc, insn.offset, insn.go, obs.outcome, len(reasons), obs, reasons)
        self.results[obs.pc] = point
        if self.on_point is not None:
            self.on_point(point)

    def _spoiled(self, obs: Observation, again: list[int]) -> None:
        self.reasons[obs.pc].append(obs.reason)
        self.last[obs.pc] = obs
        if len(self.reasons[obs.pc]) >= self.tries:
            self._final(obs)
        else:
            again.append(obs.pc)

    def record(self, report: RunReport) -> None:
        """Take one run's answers; queue what is left."""
        with self.cond:
            self.runs += 1
            self.strays += report.strays
            for obs in report.observations:
                self._final(obs)
            retry: list[int] = []
            if report.spoiled is not None:
                self._spoiled(report.spoiled, retry)
            rest: list[int] = []
            for pc in report.unreached:
                if report.unreached_reason:  # the run waited for it in vain: that was a try
                    self._spoiled(Observation(pc, RealOutcome.INCONCLUSIVE,
                                              reason=f"not reached: {report.unreached_reason}"), rest)
                else:
                    rest.append(pc)
            for batch in (sorted(rest), retry):
                if batch:
                    self.queue.append(batch)
            self.running -= 1
            self.cond.notify_all()
            stopped = self.stopped
        if self.on_run is not None and not stopped:  # a run we killed to stop says nothing true
            self.on_run(report)

    def next_batch(self) -> list[int] | None:
        with self.cond:
            while not self.queue and self.running and not self.stopped:
                self.cond.wait()
            if self.stopped or not self.queue:
                return None
            self.running += 1
            return self.queue.pop(0)

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


def sweep(target: Target, pcs: Sequence[int] | None = None, tries: int = DEFAULT_TRIES,
          jobs: int | None = None, on_point: Callable[[RealPoint], None] | None = None,
          on_run: Callable[[RunReport], None] | None = None,
          limits: Mapping[str, float] = LIMITS) -> tuple[list[RealPoint], Sweep]:
    """The real runtime's answer at each PC (default: every instruction), in address order."""
    pcs = sorted(pcs if pcs is not None else [p.pc for p in target.points])
    jobs = jobs or default_jobs()
    state = Sweep(target, pcs, tries, on_point, on_run)
    state.batches(pcs, jobs)

    def work() -> None:
        try:
            while (batch := state.next_batch()) is not None:
                try:
                    report = run_once(target, batch, limits)
                except BaseException:
                    with state.cond:
                        state.running -= 1
                        state.stopped = True
                        state.cond.notify_all()
                    raise
                state.record(report)
        finally:
            with state.cond:
                state.working -= 1
                state.cond.notify_all()

    # Each worker counts itself out (``working``): Thread.is_alive() is not to be trusted once ctrl+c
    # has interrupted a join (CPython 3.11 then marks the thread stopped while it still runs).
    state.working = jobs
    for k in range(jobs):
        threading.Thread(target=work, name=f"inject-sweep-{k}", daemon=True).start()
    try:
        with state.cond:
            while state.working:
                state.cond.wait(timeout=0.2)  # short waits: ctrl+c reaches the main thread
    except BaseException:
        state.stop()
        # Kill until every worker is out: one may be starting a run (its processes not yet there to
        # kill) when the first kill comes; its close() must remove its private folder before we exit.
        deadline = time.monotonic() + 15
        while state.working and time.monotonic() < deadline:
            kill_all()
            with state.cond:
                state.cond.wait(timeout=0.1)
        raise
    return [state.results[pc] for pc in pcs if pc in state.results], state
