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
                                   "lab, inside the engine's goroutine stack and stand-in callers. The "
                                   "binary's code and data are mapped at their addresses; Go code runs as "
                                   "it is, the runtime only in memmove, memclr and duffzero/duffcopy: any "
                                   "other runtime call ends the run.")
    p.add_argument("binary", help="a Go arm64 executable (ELF or Mach-O, stripped or not)")
    p.add_argument("function", help="as the function table spells it, e.g. main.big_stack")
    p.add_argument("--run", action="store_true", dest="run_once",
                   help="no lab: emulate to --at, preempt, unwind, print what the runtime prints "
                        "(exit 1 when it crashed)")
    p.add_argument("--at", default="sp2",
                   help="where to preempt with --run: entry, body, epilogue, sp1, sp2, ret (of the first "
                        "epilogue the run reaches; sp2#3: of the third split release), +0xNN from the entry, "
                        "or a PC (0x140d4c): the prologue builds the frame, then the run starts at the "
                        "epilogue holding that PC (default sp2)")
    p.add_argument("--args", nargs="+", default=[], metavar="V",
                   help="the arguments, R0 first: integers (7, -1, 0x2a) or bytes:HEX, a []byte placed in "
                        "memory (pointer, length and capacity take three registers)")
    p.add_argument("--unwind", default="gc",
                   help="who unwinds with --run: gc, traceback, goroutine-profile, cpu-profile, heap-dump, "
                        "panic, copy (gc)")
    p.add_argument("--stack", help="0xLO-0xHI: the goroutine stack (default: fast_leaf-go1.23.4.log's)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..binary import load
    from ..binary.arguments import parse_arguments
    from ..binary.opened import opened_scenario
    from ..binary.reach import lab_program, parse_point, reach
    from ..engine.experiments import report
    from ..engine.experiments.scenario import Scenario, trigger
    from ..engine.runtime.outcome import Outcome
    from ..output.printable import printable

    # Names as a terminal may show them (control characters escaped), named so once for every screen;
    # the function is found by its raw name or by that escaped spelling, the one scan prints.
    binary = load(args.binary).shown(printable)
    function = printable(args.function)
    arguments = parse_arguments(args.args)
    point = parse_point(args.at)
    if args.run_once:
        def configure(scenario: Scenario) -> Scenario:
            if args.stack:
                scenario = scenario.with_stack(args.stack)
            # --unwind on its own: a scenario line built from the options would read "gc/leaf" as parts
            # and check a leaf's frame size as a non-leaf's
            return replace(scenario, unwind=trigger(args.unwind))

        reached = reach(binary, function, point, arguments, configure)
        program, result = reached.program, reached.result
        kind = "leaf" if program.leaf else "non-leaf"
        at = report.where(result.function, result.snapshot.pc, f" ({reached.how})" if reached.how else "")
        said = report.sentence(at, result.outcome, result.verdict, result.walk)
        print(printable(f"{program.target_name} in {binary.path} (go{reached.scenario.version}, "
                        f"frame {program.size:,} B, {kind}): {said}"), file=sys.stderr)
        for line in result.output:
            print(printable(line, keep="\t"))  # the runtime indents with a tab
        return 1 if result.outcome is Outcome.CRASH else 0
    import shlex

    from ..ui.app import ExplainerApp
    from ..ui.screens.lab import OpenedFunction

    program = lab_program(binary, function, arguments, point)
    scenario = opened_scenario(binary, program)
    if args.stack:
        scenario = scenario.with_stack(args.stack)
    words = ["explainer", "open", binary.path, program.target_name]
    if point.number is not None:
        words += ["--at", args.at]
    if arguments.given:
        words += ["--args", *arguments.given]
    app = ExplainerApp(scenario, OpenedFunction(program, printable(f"{binary.path} · {program.target_name}"),
                                                shlex.join(words)))
    app.run()
    return app.return_code or 0  # 70 after an unexpected error (explainer.errorlog)
