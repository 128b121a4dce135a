"""``explainer open BINARY FUNC``: a real function of a real binary, in the lab (or run once, --run).

Nothing heavy at import: LIEF, unicorn and Textual load when the command runs.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``open`` to the ``explainer`` command."""
    p = sub.add_parser("open", help="step, preempt and unwind a real function of a Go arm64 binary",
                       description="Load FUNC's own bytes, pcsp and UnsafePoint tables from BINARY into the "
                                   "lab, inside the engine's goroutine stack and stand-in callers.")
    p.add_argument("binary", help="a Go arm64 executable (ELF or Mach-O, stripped or not)")
    p.add_argument("function", help="as the function table spells it, e.g. main.big_stack")
    p.add_argument("--run", action="store_true", dest="run_once",
                   help="no lab: emulate to --at, preempt, unwind, print what the runtime prints "
                        "(exit 1 when it crashed)")
    p.add_argument("--at", default="sp2",
                   help="where to preempt with --run: entry, body, epilogue, sp1, sp2, ret or +0xNN (sp2)")
    p.add_argument("--unwind", default="gc",
                   help="who unwinds with --run: gc, traceback, goroutine-profile, cpu-profile, heap-dump, panic, copy (gc)")
    p.add_argument("--stack", help="0xLO-0xHI: the goroutine stack (default: fast_leaf-go1.23.4.log's)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..binary import load
    from ..binary.opened import opened_program, opened_scenario
    from ..engine.experiments import experiment
    from ..engine.experiments.scenario import parse
    from ..engine.runtime.outcome import Outcome

    binary = load(args.binary)
    program = opened_program(binary, args.function)
    scenario = opened_scenario(binary, program)
    if args.stack:
        scenario = scenario.with_stack(args.stack)
    if args.run_once:
        options = parse(f"go{scenario.version}/{scenario.size}/at={args.at}/unwind={args.unwind}")
        scenario = replace(scenario, at=options.at, unwind=options.unwind)
        result = experiment.run(scenario, program)
        kind = "leaf" if program.leaf else "non-leaf"
        print(f"{program.target_name} in {binary.path} (go{scenario.version}, frame {program.size:,} B, "
              f"{kind}): preempted at +{result.snapshot.pc - result.entry:#x}, {result.verdict.why}; "
              f"{result.outcome.value}", file=sys.stderr)
        for line in result.output:
            print(line)
        return 1 if result.outcome is Outcome.CRASH else 0
    import shlex

    from ..ui.app import ExplainerApp
    from ..ui.screens.lab import OpenedFunction

    command = shlex.join(["explainer", "open", binary.path, program.target_name])
    ExplainerApp(scenario, OpenedFunction(program, f"{binary.path} · {program.target_name}", command)).run()
    return 0
