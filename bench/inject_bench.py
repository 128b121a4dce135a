"""How fast ``explainer inject`` gets the real crash, against waiting for the race (``explainer repro``).

Run: ``python bench/inject_bench.py`` (``--repro 0`` to use the repro figures recorded in
../shared/reference/README.md instead of running repro for up to 3 x 300 s). Prints figures; asserts
nothing. Targets (issue 23/24): median under 2 s from the command to the real crash line, at least 50
times faster than waiting for the race; a whole sweep of main.big_stack under 60 s on 2 cores.

What is timed, for both commands the same way: from starting the command to the moment its output
shows the first line of the runtime's crash report (``  | runtime: g1: frame.sp=...``: both echo the
guest's lines with ``  | ``). The build is cached (one untimed inject first). ``explainer repro`` runs
the same binary under single-step qemu and waits for the race, one try of up to ``--timeout`` s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from explainer.realgo.crashlog import CRASH_START

ROOT = Path(__file__).resolve().parents[1]
#: ../shared/reference/README.md: non-leaf go1.23.4 under QEMU_SINGLESTEP=1, 240 s limit, 2 cores.
RECORDED_REPRO = (66.0, 105.0)


def _explainer(*args: str) -> list[str]:
    return [sys.executable, "-m", "explainer.cli", *args]


def time_to_crash_line(argv: list[str], timeout: float) -> tuple[float | None, float, int]:
    """(seconds to the first crash line or None, seconds to exit, exit status)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    crash = None
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if crash is None and line.startswith("  | ") and CRASH_START.match(line[4:]):
                crash = time.monotonic() - started
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return crash, time.monotonic() - started, proc.returncode


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--go", default="1.23.4")
    p.add_argument("--shape", default="nonleaf")
    p.add_argument("--runs", type=int, default=10, help="injects at sp2 (default 10)")
    p.add_argument("--repro", type=int, default=3, help="repro runs (default 3; 0: the recorded figures)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per repro run (default 300)")
    p.add_argument("--sweeps", type=int, default=1, help="whole sweeps to time (default 1)")
    args = p.parse_args()
    where = ["--go", args.go, "--shape", args.shape]
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, {platform.platform()}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    time_to_crash_line(_explainer("inject", *where), 600)  # builds (or finds) the binary: untimed

    times = []
    for k in range(args.runs):
        crash, total, status = time_to_crash_line(_explainer("inject", *where, "--at", "sp2"), 300)
        label = f"  inject {k + 1}/{args.runs}:"
        print(f"{label} crash line after {crash:.2f} s, exit {status} after {total:.2f} s"
              if crash is not None else f"{label} no crash line (exit {status})")
        if crash is not None:
            times.append(crash)
    crashed = f"{len(times)}/{args.runs} crashed"
    if times:
        print(f"inject --at sp2: {crashed}; to the crash line: median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s")

    for k in range(args.sweeps):
        _crash, total, status = time_to_crash_line(_explainer("inject", *where, "--sweep"), 900)
        print(f"inject --sweep ({args.go} {args.shape}), whole sweep {k + 1}: {total:.1f} s (exit {status})")

    if args.repro:
        waits = []
        for k in range(args.repro):
            crash, total, status = time_to_crash_line(
                _explainer("repro", *where, "--tries", "1", "--timeout", f"{args.timeout:g}"),
                args.timeout + 120)
            print(f"  repro {k + 1}/{args.repro}: " + (f"crash line after {crash:.1f} s" if crash is not None
                                                       else f"no crash in {args.timeout:g} s"))
            waits.append(crash)
        seen = [w for w in waits if w is not None]
        source = f"explainer repro, {len(seen)}/{len(waits)} crashed within {args.timeout:g} s"
        # a run with no crash waited at least the whole limit: count it as the limit (a lower bound)
        bounded = [w if w is not None else args.timeout for w in waits]
    else:
        bounded = list(RECORDED_REPRO)
        source = "recorded in ../shared/reference/README.md (go1.23.4 non-leaf, single-step qemu: 66, 105 s)"
    repro_median = statistics.median(bounded)
    print(f"repro ({source}): median {repro_median:.1f} s" +
          (" (a lower bound: some runs did not crash)" if args.repro and None in waits else ""))
    if times:
        print(f"inject is {repro_median / statistics.median(times):.0f} times faster to a real crash "
              f"(median against median)")


if __name__ == "__main__":
    main()
