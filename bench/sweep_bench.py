"""How fast ``explainer.engine.experiments.sweep.sweep`` analyses preemption points, against a naive baseline.

Run: ``python bench/sweep_bench.py`` (``--quick`` for a smaller baseline). Prints
figures; asserts nothing. Targets: 50,000 points/s on one core over frames from
the reproducer's smallest to 1 MiB, and 20 times the baseline.

A point is one instruction of main.big_stack: the runtime's verdict there and, if
it would preempt, the whole stack walk that follows. ``sweep`` runs the function
once, natively, and analyses each instruction at its first visit. The baseline
does what one would without it: for every point a new Machine
(``experiment.start``), ``Machine.step`` from the entry to the point, then what ``explainer run`` does
there (``experiment.preempt_and_unwind``: the verdict, the real pushCall and
asyncPreempt, the walk). Both run in this process on one core
(pinned), on go1.23.4, leaf and non-leaf, ``buffer=fast``; the baseline's
answers are compared with the sweep's.

Figures: *cold* is each scenario's first sweep in the process (assembling the
program and building its machine included); *warm* is the best of several
sweeps of the same scenario in a row (programs and machines are cached, every
point is analysed again from a fresh run each time).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable, Iterable

import unicorn

from explainer.engine.experiments import experiment
from explainer.engine.experiments import sweep as sweep_module
from explainer.engine.experiments.scenario import Scenario
from explainer.engine.experiments.sweep import sweep
from explainer.engine.releases.versions import GoVersion
from explainer.engine.runtime.preempt import verdict
from explainer.engine.toolchain.bigstack import min_frame

VERSION = GoVersion(23, 4)
MiB = 1 << 20
#: The baseline's scenarios: whole sweeps, one new machine and single steps per point.
BASELINE = [(32, True), (4112, True), (65552, True), (64, False), (4144, False), (65584, False)]
QUICK_BASELINE = [(32, True), (4112, True), (64, False), (4144, False)]

Verdict = tuple[int, str, str | None]
"""(pc, outcome, message) of one point."""


def spread() -> list[Scenario]:
    """Powers of two from the smallest frame to 1 MiB, and each plus 16 (the split epilogue's shape)."""
    out = []
    for leaf in (True, False):
        sizes = {min_frame(leaf)} | {n for k in range(5, 21) for n in (1 << k, (1 << k) + 16)}
        out += [Scenario(VERSION, n, leaf) for n in sorted(sizes) if min_frame(leaf) <= n <= MiB + 16]
    return out


def timed(f: Callable[[], object]) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


Figures = dict[Scenario, tuple[int, float, float]]
"""Per scenario: points, cold seconds, warm seconds."""


def measure(scenarios: Iterable[Scenario], rounds: int) -> Figures:
    """Per scenario: (points, cold seconds, warm seconds), all first sweeps before any warm one."""
    scenarios = list(scenarios)
    cold = {}
    for s in scenarios:
        start = time.perf_counter()
        n = len(sweep(s))
        cold[s] = (n, time.perf_counter() - start)
    return {s: (cold[s][0], cold[s][1], min(timed(lambda s=s: sweep(s)) for _ in range(rounds)))
            for s in scenarios}


def rate(figures: Figures, chosen: Iterable[Scenario]) -> tuple[float, float]:
    """(cold, warm) points per second over the chosen scenarios."""
    rows = [figures[s] for s in chosen]
    points = sum(r[0] for r in rows)
    return points / sum(r[1] for r in rows), points / sum(r[2] for r in rows)


def baseline(s: Scenario) -> list[Verdict]:
    """Every point the slow way: new machine, single steps to its first visit, inject, walk."""
    program = experiment.program_for(s)
    out: list[Verdict] = []
    for insn in program.target.instructions:
        m = experiment.start(s, program)
        while m.pc != insn.pc and m.step() is None:
            pass
        if m.pc != insn.pc:  # never executed (the morestack tail): judged statically, as sweep does
            v = verdict(program, insn.pc, m.bounds.hi, m.bounds.lo)
            out.append((insn.pc, "not-reached" if v.preemptible else "refused", None))
            continue
        _, _, w = experiment.preempt_and_unwind(m, m.snapshot(), s.unwind)
        if w is None:
            out.append((insn.pc, "refused", None))
            continue
        out.append((insn.pc, w.outcome.value, w.message))
    return out


def native_ceiling(s: Scenario, rounds: int) -> float:
    """Seconds for the run alone: reset the kept machine, run big_stack natively with no hook.

    A sweep cannot be faster than this (every point needs the run to reach it), so
    points / this time is the rate if analysing a point cost nothing.
    """
    rig = sweep_module._rig(s.version, s.size, s.leaf, s.buffer, experiment.effective_stack(s))
    m = rig.machine
    fn = m.program.target
    until = m.program.return_address_after("main.main", fn.name)

    def run() -> None:
        rig.reset()
        m.cpu.forget_code(fn.entry, fn.end)  # as a sweep does, so blocks are translated again
        m.cpu.run(m.pc, until, 50_000_000)

    return min(timed(run) for _ in range(rounds))


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), platform.processor() or "?")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{model}; nproc {os.cpu_count()}; load average {load}; Python {platform.python_version()}; "
            f"unicorn {unicorn.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="warm sweeps per scenario (the best counts)")
    ap.add_argument("--quick", action="store_true", help="leave the 64 KiB frames out of the baseline")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"machine: {machine()}")

    scenarios = spread()
    chosen = [Scenario(VERSION, n, leaf) for n, leaf in (QUICK_BASELINE if args.quick else BASELINE)]
    figures = measure(dict.fromkeys(scenarios + chosen), args.rounds)
    points = sum(figures[s][0] for s in scenarios)
    cold, warm = rate(figures, scenarios)
    print(f"\nsweep over {len(scenarios)} scenarios ({VERSION.name}, leaf and non-leaf, "
          f"{scenarios[0].size} B to {max(s.size for s in scenarios):,} B, buffer=fast): {points} points")
    print(f"  cold (first sweep of each, assembling included): {cold:10,.0f} points/s")
    print(f"  warm (best of {args.rounds} sweeps in a row):            {warm:10,.0f} points/s")
    print("  warm, by frame size:")
    for lo, hi in ((0, 4096), (4096, 65536), (65536, 262144), (262144, MiB + 17)):
        part = [s for s in scenarios if lo <= s.size < hi]
        part_warm = rate(figures, part)[1]
        ceiling = sum(figures[s][0] for s in part) / sum(native_ceiling(s, args.rounds) for s in part)
        print(f"    {lo:>9,} B to {hi - 1:>9,} B: {part_warm:10,.0f} points/s ({len(part)} scenarios; "
              f"the native run alone allows {ceiling:,.0f})")

    start = time.perf_counter()
    slow = {s: baseline(s) for s in chosen}
    slow_rate = sum(len(v) for v in slow.values()) / (time.perf_counter() - start)
    sub_cold, sub_warm = rate(figures, chosen)
    same = all(slow[s] == [(p.pc, p.outcome.value, p.message) for p in sweep(s)] for s in chosen)
    print(f"\nbaseline on {', '.join(str(s) for s in chosen)}: {sum(figures[s][0] for s in chosen)} points")
    print(f"  baseline (new machine, single steps, inject, walk): {slow_rate:10,.1f} points/s")
    print(f"  sweep on the same scenarios, cold:                  {sub_cold:10,.0f} points/s "
          f"({sub_cold / slow_rate:,.0f}x)")
    print(f"  sweep on the same scenarios, warm:                  {sub_warm:10,.0f} points/s "
          f"({sub_warm / slow_rate:,.0f}x)")
    print(f"  same answers at every point: {'yes' if same else 'NO'}")

    print(f"\ntargets: >= 50,000 points/s over the spread: {'met' if warm >= 50_000 else 'missed'} "
          f"({warm:,.0f} warm, {cold:,.0f} cold); >= 20x baseline: "
          f"{'met' if sub_cold / slow_rate >= 20 else 'missed'} ({sub_cold / slow_rate:,.0f}x cold, "
          f"{sub_warm / slow_rate:,.0f}x warm)")

if __name__ == "__main__":
    main()
