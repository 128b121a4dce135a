"""``explainer run SCENARIO [--stack LO-HI] [--json]``: emulate a scenario, print what the runtime prints.

Exit 1 when the runtime crashed, so a script can tell the bug from the fix.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Add ``run`` to the ``explainer`` command."""
    p = subparsers.add_parser("run", help="emulate a scenario and print what the runtime prints")
    p.add_argument("scenario")
    p.add_argument("--stack", help="0xLO-0xHI: replaces the scenario's stack")
    p.add_argument("--json", action="store_true")
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
    return 1 if r.outcome is Outcome.CRASH else 0
