"""How fast the lab steps, and what a long trace costs in memory (issue 22, item 4).

Run: ``python bench/step_bench.py`` (``--steps N``, default 100,000). Prints figures; asserts
nothing. Target: the same steps per second at the end of the trace as at its start (a step costs
O(1) amortised: before, recording a step rebuilt the whole trace, and 10,000 steps took 18 s).

What is measured, in this process on one core:

- ``Session.step`` N times on ``go1.23.4/1048576`` (the 1 MiB frame's body runs 196,887
  instructions, so every step is a new one): steps per second in each tenth of the run, the Python
  memory the trace holds (tracemalloc) per moment, and the process's peak RSS;
- a lesson's ``- do: step 10000`` three times on the same frame, as ``explainer lessons --check``
  plays it (before: past 400 s);
- the native runs a person waits for in the lab: ``goto`` a far step and ``run_to`` a far point
  (``w``) on a 16 MiB cloudflare frame, in instructions per second.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc

from explainer.course import play
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session

FRAME = "go1.23.4/1048576"
FAR = "go1.23.4/16777216/leaf/buffer=cloudflare"


def rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stepping(steps: int) -> None:
    session = Session(parse(FRAME))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tenth = max(1, steps // 10)
    rates = []
    start = t = time.perf_counter()
    for i in range(1, steps + 1):
        session.step()
        if i % tenth == 0:
            now = time.perf_counter()
            rates.append(tenth / (now - t))
            t = now
    total = time.perf_counter() - start
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    print(f"Session.step x {steps:,} on {FRAME}: {total:.1f} s, {steps / total:,.0f} steps/s")
    print("  steps/s by tenth: " + " ".join(f"{r:,.0f}" for r in rates))
    print(f"  first tenth {rates[0]:,.0f}/s, last tenth {rates[-1]:,.0f}/s "
          f"(ratio {rates[-1] / rates[0]:.2f}; 1.00 is O(1) per step)")
    print(f"  trace: {len(session.trace):,} moments, {held / 2**20:.1f} MiB held by Python, "
          f"{held / len(session.trace):,.0f} B a moment; peak RSS {rss_mb():.0f} MB")


def lesson_steps() -> None:
    session = Session(parse(FRAME))
    start = time.perf_counter()
    for _ in range(3):
        play.do(session, "step 10000")
    took = time.perf_counter() - start
    print(f"lesson '- do: step 10000' x 3 on {FRAME}: {took:.1f} s "
          f"(now at step {session.current.snapshot.step:,})")


def native_runs() -> None:
    s = parse(FAR)
    session = Session(s)
    start = time.perf_counter()
    moment = session.run_to("sp2")
    took = time.perf_counter() - start
    n = moment.snapshot.step
    print(f"run_to sp2 on {FAR}: {n:,} instructions in {took:.2f} s ({n / took / 1e6:,.0f} M/s)")
    fresh = Session(s)
    start = time.perf_counter()
    fresh.goto(n - 1)
    took = time.perf_counter() - start
    print(f"goto step {n - 1:,} (a replay): {took:.2f} s ({n / took / 1e6:,.0f} M/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; one core")
    stepping(args.steps)
    lesson_steps()
    native_runs()


if __name__ == "__main__":
    main()
