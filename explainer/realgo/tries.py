"""Run the built reproducer under qemu-aarch64, try after try, and say what happened in each.

Headless: it prints its report line by line (``say``) and returns the exit status ``explainer repro``
gives: 1 when any try crashed, 0 when every try ran its time, 130/143 when interrupted/terminated.
A crash is read in the runtime's own words (``crashlog``) and its PC placed on the split release the
scanner finds in the same binary (``placement``).
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..output.printable import printable

if TYPE_CHECKING:
    from ..binary import Finding

#: Every this many seconds of a quiet run, a line says it is still running.
PROGRESS_EVERY = 60.0

say = functools.partial(print, flush=True)


def scan_findings(binary: Path) -> Sequence[Finding] | str:
    """The scanner's findings for ``binary``, or why there are none.

    A scanner failure must not cost a run of several minutes: it is reported, and the run goes on.
    """
    from ..binary import load, scan

    try:
        return list(scan(load(binary)).findings)
    except Exception as e:  # the scanner's own bug or error, reported in one line
        return f"the scanner failed: {type(e).__name__}: {e}"


def describe_scan(findings: Sequence[Finding] | str) -> str:
    if isinstance(findings, str):
        return f"scan: not available ({findings})"
    exposed = [f for f in findings if f.preemptible]
    if not exposed:
        return (f"scan: {_count(len(findings), 'split release')}, none preemptible: "
                "nothing here for a preemption to land in")
    parts = [f"{printable(f.function)} at {f.pcs[0]:#x}/{f.pcs[1]:#x} (frame {f.frame_size:,} B, "
             f"{f.status})"
             for f in exposed[:4]]
    more = f" and {len(exposed) - 4} more" if len(exposed) > 4 else ""
    return f"scan: {_count(len(exposed), 'preemptible split release')}: {'; '.join(parts)}{more}"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


class _Terminated(Exception):
    """SIGTERM arrived: end like ctrl+c, so the guest's process group is killed on the way out."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Terminated


def run_tries(qemu: Path, step: Any, binary: Path, go: str, shape: str, timeout: float, tries: int,
           findings: Sequence[Finding] | str) -> int:
    """Run the guest ``tries`` times; 1 if any try crashed, 0 if none, 130/143 when interrupted/terminated."""
    from . import guest

    argv = [str(qemu), *step.args, str(binary)]
    env = {**os.environ, **step.env}
    times: list[float] = []
    done = 0
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        for n in range(1, tries + 1):
            say(f"\ntry {n}/{tries}: running (up to {timeout:g} s)")
            outcome = guest.run(argv, env=env, cwd=str(binary.parent), timeout=timeout,
                                echo=lambda line: say(f"  | {line}"),
                                progress=lambda s: say(f"  … {s:.0f} s, no crash yet"),
                                progress_every=PROGRESS_EVERY)
            done = n
            if not outcome.crashed:
                say(f"try {n}/{tries}: no crash in {timeout:g} seconds")
                continue
            times.append(outcome.seconds)
            findings = _report_crash(f"try {n}/{tries}", outcome, binary, findings)
    except (KeyboardInterrupt, _Terminated) as stop:
        say("\ninterrupted" if isinstance(stop, KeyboardInterrupt) else "\nterminated")
        _summary(go, shape, times, done, timeout)
        return 130 if isinstance(stop, KeyboardInterrupt) else 143
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    _summary(go, shape, times, done, timeout)
    return 1 if times else 0


def _report_crash(label: str, outcome: Any, binary: Path,
                  findings: Sequence[Finding] | str) -> Sequence[Finding] | str:
    """Say what the runtime said and where its PC sits; the findings (scanned again if they failed)."""
    from . import crashlog
    from .placement import place

    crash = crashlog.parse(outcome.output)
    if crash is None:
        say(f"{label}: the guest exited by itself (status {outcome.status}) after "
            f"{outcome.seconds:.1f} s with no crash report")
        return findings
    say(f"{label}: crashed after {outcome.seconds:.1f} s: {crash.describe()}")
    if crash.victim is not None and crash.interrupted is not None:
        at = f"{crash.interrupted.pc:#x}" if crash.interrupted.pc is not None else "?"
        say(f"  goroutine {crash.victim.id} [{crash.victim.status}] was interrupted in "
            f"{crash.interrupted.function} at pc={at}")
    if isinstance(findings, str):  # the scan failed before the run: try again now
        findings = scan_findings(binary)
    say(f"  {place(crash, findings)}" if not isinstance(findings, str) else
        f"  cannot place pc on the binary's split releases: {findings}")
    return findings


def _summary(go: str, shape: str, times: list[float], done: int, timeout: float) -> None:
    when = "; crash times: " + ", ".join(f"{t:.1f} s" for t in times) if times else ""
    say(f"\ncrashes: {len(times)}/{done} ({go}, {shape}, {timeout:g} s per try{when})")
