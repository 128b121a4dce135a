"""``explainer inject``: preempt the real runtime at one instruction (or every one, ``--sweep``).

Exit status: 0 refused or clean, 1 crash, 3 inconclusive, 2 bad input or a missing tool (the
message names the command that installs it), 130/143 when interrupted/terminated. With ``--sweep``:
0 when every instruction is conclusive and the engine agrees at each, 1 when it differs at any, 3
when some are inconclusive (and none differs).
"""

from __future__ import annotations

import argparse
import functools
import json
import signal
import sys
import threading
from collections.abc import Mapping
from typing import Any

from ..engine.errors import ExplainerError

say = functools.partial(print, flush=True)
EXIT_CRASH, EXIT_INCONCLUSIVE = 1, 3


def add_parser(subparsers: Any) -> None:
    """Add ``inject`` to the ``explainer`` command."""
    p = subparsers.add_parser(
        "inject", help="preempt the real runtime at one instruction, under qemu-aarch64 and gdb",
        description="Build a reproducer with a real Go toolchain, run it under qemu-aarch64 -g with "
                    "gdb-multiarch, stop the goroutine at one instruction of main.big_stack, request an "
                    "async preemption there as runtime.suspendG does, and report what the real runtime "
                    "did: refused, preempted then clean, or crash; beside it, the engine's answer. "
                    "Exit 0 refused or clean, 1 crash, 3 inconclusive, 2 bad input or a missing tool; "
                    "with --sweep, 0 when every instruction is conclusive and the engine agrees at each, "
                    "1 when it differs, 3 when some are inconclusive.")
    p.add_argument("--go", help="Go release, 1.23.4 or go1.23.4 (default 1.23.4)")
    p.add_argument("--shape", default="nonleaf", help="leaf, nonleaf (default) or cloudflare")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--at", help="entry, body, epilogue, sp1, sp2 (default), ret, or +0xNN from the entry")
    where.add_argument("--sweep", action="store_true",
                       help="every instruction, the real verdict beside the engine's")
    p.add_argument("--unwind", default="gc",
                   help="who walks the parked stack: gc (the program's GC loop, default) or traceback "
                        "(a variant that prints every goroutine's stack with runtime.Stack)")
    p.add_argument("--tries", default="3", help="runs allowed per instruction before it is inconclusive")
    p.add_argument("--jobs", help="with --sweep: qemu runs at once (default: the machine's cores)")
    p.add_argument("--full", action="store_true", help="print all of the runtime's output")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=run)


def _count(text: str | None, what: str, default: int) -> int:
    if text is None:
        return default
    if not text.strip().isascii() or not text.strip().isdigit() or int(text) < 1:
        raise ExplainerError(f"bad {what} {text!r}: must be a whole number, 1 or more")
    return int(text)


class _Terminated(Exception):
    """SIGTERM arrived: end like ctrl+c, so every qemu and gdb is killed on the way out."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Terminated


def run(args: argparse.Namespace) -> int:
    from ..realgo import toolchains
    from ..realgo.build import Shape
    from ..realgo.injection import prepare_target
    from ..realgo.target import WALKS, check_point

    # every input checked before anything is built; an empty --go or --at is bad input, not the default
    toolchains.release(toolchains.DEFAULT_GO if args.go is None else args.go)
    Shape.parse(args.shape)
    walks = [t.value for t in WALKS]
    if args.unwind not in walks:
        raise ExplainerError(f"bad unwind {args.unwind!r}: inject walks with {' or '.join(walks)}")
    tries = _count(args.tries, "number of tries", 3)
    jobs = _count(args.jobs, "number of jobs", 0) if args.jobs else None
    if jobs and not args.sweep:
        raise ExplainerError("--jobs goes with --sweep")
    at = check_point("sp2" if args.at is None else args.at)
    note = functools.partial(print, file=sys.stderr, flush=True) if args.json else say
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        target = prepare_target(args.go, args.shape, args.unwind, note)
        if args.sweep:
            return _sweep(target, tries, jobs, args)
        return _one(target, at, tries, args)
    except (KeyboardInterrupt, _Terminated) as stop:
        print("\ninterrupted" if isinstance(stop, KeyboardInterrupt) else "\nterminated",
              file=sys.stderr, flush=True)
        return 130 if isinstance(stop, KeyboardInterrupt) else 143
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _one(target: Any, at: str, tries: int, args: argparse.Namespace) -> int:
    from ..engine.runtime.unwind import Trigger
    from ..realgo import inject_report as report
    from ..realgo.inject import RealOutcome
    from ..realgo.injection import inject_at

    if not args.json:
        point, note = target.point(at)  # the header before the first try
        for line in report.header(target, point, at, note):
            say(line)
    count = [0]

    def on_event(ev: Mapping[str, Any]) -> None:
        if args.json:
            return
        if ev["event"] == "connected":
            count[0] += 1
            say(f"\ntry {count[0]}/{tries}:")
        line = report.event_line(ev, target)
        if line:
            say(f"  {line}")

    done = inject_at(target, at, tries, on_event=on_event)
    real = done.real
    status = {RealOutcome.CRASH: EXIT_CRASH, RealOutcome.INCONCLUSIVE: EXIT_INCONCLUSIVE}.get(real.outcome, 0)
    if args.json:
        print(json.dumps(report.injection_json(done)))
        return status
    if done.output:
        say("  the runtime printed:")
        for line in report.runtime_text(real.answer, args.full):
            say(f"  | {line}")
    if target.unwind is Trigger.TRACEBACK and real.outcome is RealOutcome.CLEAN:
        say(f"  {report.traceback_story(real.answer)}")
    say("")
    say(f"real:   {report.summary(real)}")
    for line in report.engine_lines(done.engine, done.checks, done.engine_error, args.full):
        say(line)
    if done.engine is not None:
        say("agree" if done.agree else f"DIFF: the engine says {done.engine.said.value}, the real runtime "
                                       f"{real.outcome.value}")
    placement = done.placement()
    if placement is not None:
        say(f"placement: {placement}")
    return status


def _sweep(target: Any, tries: int, jobs: int | None, args: argparse.Namespace) -> int:
    from ..realgo import inject_report as report
    from ..realgo.injection import sweep_real

    err = functools.partial(print, file=sys.stderr, flush=True)
    if not args.json:
        for line in report.header(target):
            say(line)
    total = len(target.points)
    done = [0]

    def on_run(r: Any) -> None:
        n = len(r.observations)
        done[0] += n
        err(f"  … {done[0]}/{total} answered (a run of {r.seconds:.1f} s: {n} answer{'' if n == 1 else 's'}"
            + (f", spoiled at {r.spoiled.pc:#x}: {r.spoiled.reason}" if r.spoiled else "") + ")")

    result = sweep_real(target, tries, jobs, on_run)
    if result.engine_error:
        err(f"engine: not available ({result.engine_error})")
    for off, real, model in result.mismatches:
        err(f"the engine's main.big_stack differs at +{off:#x}: real {real!r}, model {model!r}")
    if args.json:
        print(json.dumps(report.sweep_json(result)))
    else:
        for line in report.sweep_table(target, result.rows, args.full):
            say(line)
        say(report.sweep_footer(result))
    if result.counts["differ"] or result.mismatches:
        return EXIT_CRASH
    return EXIT_INCONCLUSIVE if result.counts["inconclusive"] else 0
