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
import time
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
    from ..realgo.target import WALKS, check_point, prepare

    rel = toolchains.release(args.go or toolchains.DEFAULT_GO)
    shape = Shape.parse(args.shape)
    walks = {t.value: t for t in WALKS}
    if args.unwind not in walks:
        raise ExplainerError(f"bad unwind {args.unwind!r}: inject walks with {' or '.join(walks)}")
    tries = _count(args.tries, "number of tries", 3)
    jobs = _count(args.jobs, "number of jobs", 0) if args.jobs else None
    if jobs and not args.sweep:
        raise ExplainerError("--jobs goes with --sweep")
    at = check_point(args.at or "sp2")
    note = functools.partial(print, file=sys.stderr, flush=True) if args.json else say
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        target = prepare(rel, shape, walks[args.unwind], note)
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


def _engine_for(target: Any, point: Any) -> tuple[Any, list[Any], str]:
    """The engine at the same point: with the real stack, else its own (the first call's stack is too
    small for the frame), else the sweep's static verdict (a point only the first call reaches)."""
    from ..realgo import model_check

    fed = model_check.feed_back(target, point)
    if fed is not None:
        return fed[0], fed[1], ""
    stack = model_check.stack_of(point)
    for use in ((stack, None) if stack else (None,)):
        try:
            return model_check.engine_at(target, point.offset, use), [], ""
        except ExplainerError as err:
            why = str(err)
    try:
        found = model_check.engine_sweep(target).get(point.offset)
    except ExplainerError as err:
        return None, [], str(err)
    return (found, [], "") if found is not None else (None, [], why)


def _one(target: Any, at: str, tries: int, args: argparse.Namespace) -> int:
    from ..engine.runtime.unwind import Trigger
    from ..realgo import inject_report as report
    from ..realgo.inject import RealOutcome, inject

    point, note = target.point(at)
    out: list[str] | None = [] if args.json else None
    if out is None:
        for line in report.header(target, point, at, note):
            say(line)
    count = [0]

    def on_event(ev: Mapping[str, Any]) -> None:
        if out is not None:
            return
        if ev["event"] == "connected":
            count[0] += 1
            say(f"\ntry {count[0]}/{tries}:")
        line = report.event_line(ev, target)
        if line:
            say(f"  {line}")

    started = time.monotonic()
    real = inject(target, point.pc, tries, on_event=on_event)
    engine, checks, why = _engine_for(target, real)
    agree = engine is not None and engine.outcome is real.outcome
    status = {RealOutcome.CRASH: EXIT_CRASH, RealOutcome.INCONCLUSIVE: EXIT_INCONCLUSIVE}.get(real.outcome, 0)
    if args.json:
        print(json.dumps({
            "go": target.release.go, "shape": target.shape.value, "program": target.shape.program,
            "unwind": target.unwind.value, "walk": report.walk_path(target), "at": at, "pc": point.pc,
            "offset": point.offset, "instruction": point.go, "note": note or None,
            "binary": str(target.binary), "real": report.point_json(real),
            "engine": report.engine_json(engine, checks), "agree": agree,
            "seconds": round(time.monotonic() - started, 3)}))
        return status
    if real.answer.output:
        say("  the runtime printed:")
        for line in report.runtime_text(real.answer, args.full):
            say(f"  | {line}")
    if target.unwind is Trigger.TRACEBACK and real.outcome is RealOutcome.CLEAN:
        say(f"  {report.traceback_story(real.answer)}")
    say("")
    say(f"real:   {report.summary(real)}")
    for line in report.engine_lines(engine, checks, why, args.full):
        say(line)
    if engine is not None:
        say("agree" if agree else f"DIFF: the engine says {engine.said.value}, the real runtime "
                                  f"{real.outcome.value}")
    if real.outcome is RealOutcome.CRASH and real.answer.crash is not None:
        say(f"placement: {_place(target, real)}")
    return status


def _place(target: Any, real: Any) -> str:
    from ..realgo.placement import place
    from ..realgo.tries import scan_findings

    findings = scan_findings(target.binary)
    if isinstance(findings, str):
        return findings
    return place(real.answer.crash, findings)


def _sweep(target: Any, tries: int, jobs: int | None, args: argparse.Namespace) -> int:
    from ..realgo import inject_report as report
    from ..realgo import model_check
    from ..realgo.real_sweep import default_jobs, sweep

    jobs = jobs or default_jobs()
    err = functools.partial(print, file=sys.stderr, flush=True)
    if not args.json:
        for line in report.header(target):
            say(line)
    try:
        mismatches = model_check.instruction_mismatches(target)
        engine = model_check.engine_sweep(target)
    except ExplainerError as e:  # a release the engine does not model: the real sweep alone
        err(f"engine: not available ({e})")
        mismatches, engine = [], {}
    for off, real, model in mismatches:
        err(f"the engine's main.big_stack differs at +{off:#x}: real {real!r}, model {model!r}")
    started = time.monotonic()
    total = len(target.points)
    done = [0]

    def on_run(r: Any) -> None:
        done[0] += len(r.observations)
        err(f"  … {done[0]}/{total} answered (a run of {r.seconds:.1f} s: {len(r.observations)} answers"
            + (f", spoiled at {r.spoiled.pc:#x}: {r.spoiled.reason}" if r.spoiled else "") + ")")

    points, state = sweep(target, tries=tries, jobs=jobs, on_run=on_run)
    seconds = time.monotonic() - started
    rows = report.sweep_rows(target, points, engine)
    counts = report.sweep_counts(rows)
    if args.json:
        print(json.dumps(report.sweep_json(target, rows, counts, seconds, state.runs, jobs,
                                           [list(m) for m in mismatches])))
    else:
        for line in report.sweep_table(target, rows, args.full):
            say(line)
        say(report.sweep_footer(target, counts, seconds, state.runs, jobs, state.strays))
    if counts["differ"] or mismatches:
        return EXIT_CRASH
    return EXIT_INCONCLUSIVE if counts["inconclusive"] else 0
