"""``explainer run SCENARIO [--stack LO-HI] [--json]``: emulate a scenario, print what the runtime prints.

Stdout is exactly what the runtime prints (nothing on a clean walk or a refusal), or with ``--json``
the report of :mod:`explainer.engine.experiments.report`. Stderr says in one line what happened:
where SIGURG landed, whether the runtime preempted and by which rule of isAsyncSafePoint, and how the
walk ended. Exit 1 when the runtime crashed, so a script can tell the bug from the fix.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Add ``run`` to the ``explainer`` command."""
    p = subparsers.add_parser(
        "run", help="emulate a scenario and print what the runtime prints",
        description="Emulate SCENARIO to its preemption point, send SIGURG there and let its walker unwind "
                    "the stack. Stdout: what the runtime prints, byte for byte (nothing when it does not "
                    "crash). Stderr: one line saying what happened and why. Exit 1 when the runtime "
                    "crashed, 0 otherwise, 2 on bad input.")
    p.add_argument("scenario",
                   help="what to run, in one line: go<version>/<size> and optional parts, e.g. "
                        "go1.23.4/65552/leaf or go1.25.0/65584/at=sp1/unwind=traceback (parts: leaf, "
                        "buffer=, stack=, at=, unwind=, step=; the README describes each)")
    p.add_argument("--stack", metavar="0xLO-0xHI",
                   help="the goroutine stack's bounds; replaces the scenario's")
    p.add_argument("--json", action="store_true",
                   help="print the report as one JSON object instead: outcome, why, the runtime's output, "
                        "registers, stack, unwind steps and isAsyncSafePoint's verdict (preemption.reason)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..engine.experiments import experiment, report
    from ..engine.experiments.scenario import parse
    from ..engine.runtime.outcome import Outcome

    s = parse(args.scenario)
    if args.stack:
        s = s.with_stack(args.stack)
    r = experiment.run(s)
    if args.json:
        print(report.dumps(report.of_result(r)))
    else:
        for line in r.output:
            print(line)
    said = report.sentence(report.where(r.function, r.snapshot.pc), r.outcome, r.verdict, r.walk)
    print(f"{r.scenario}: {said}", file=sys.stderr)
    return 1 if r.outcome is Outcome.CRASH else 0
