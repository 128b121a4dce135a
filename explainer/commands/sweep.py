"""``explainer sweep --go V --size N [--leaf] [--unwind T] [--json]``: preempt at every instruction.

``--json``: ``{"go", "size", "leaf", "function", "entry", "unwind", "points", "unsafe", "not_reached"}``,
each point ``{"pc", "go", "outcome", "reason", "message", "preemption": {"preemptible", "reason"},
"sp", "spdelta", "writes_sp"}``: ``pc`` an offset from ``entry`` (absolute, as every other address),
``sp`` RSP when SIGURG lands there (before the instruction runs; null where never reached) and
``spdelta`` the frame size the function's pcsp table records for that PC, what the unwinder adds to
SP: where ``sp + spdelta`` is not the frame's top, the unwinder reads the wrong slot.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from .frame_options import add_frame_arguments, frame_size

if TYPE_CHECKING:
    from ..engine.arm64.asm import Instruction
    from ..engine.experiments.sweep import Point


def add_parser(subparsers: Any) -> None:
    """Add ``sweep`` to the ``explainer`` command."""
    p = subparsers.add_parser("sweep", help="preempt at every instruction and unwind")
    p.set_defaults(run=run)
    add_frame_arguments(p)
    p.add_argument("--unwind", default="gc",
                   help="who walks the stack after each preemption: gc (default), traceback, "
                        "goroutine-profile, cpu-profile, heap-dump, panic or copy")


#: The sweep's own words for an outcome, as ``sweep --json`` has always printed them.
WORDS = {"clean": "safe", "cannot-see": "safe", "crash": "unsafe", "refused": "not-preemptible",
         "not-reached": "not-reached"}


def _point(p: Point, insn: Instruction) -> dict[str, object]:
    return {"pc": p.offset, "go": p.go, "outcome": WORDS[p.outcome.value], "reason": p.why,
            "message": p.message,
            "preemption": {"preemptible": p.reason.preemptible, "reason": p.reason.value},
            "sp": p.sp, "spdelta": insn.spdelta, "writes_sp": insn.writes_sp}


def run(args: argparse.Namespace) -> int:
    from ..engine.experiments.experiment import program_for
    from ..engine.experiments.scenario import parse
    from ..engine.experiments.sweep import sweep
    from ..engine.releases.versions import GoVersion
    from ..engine.runtime.outcome import Outcome

    leaf = "/leaf" if args.leaf else ""
    size = frame_size(args.size, args.go, args.leaf)
    s = parse(f"go{GoVersion.parse(args.go)}/{size}{leaf}/unwind={args.unwind}")
    points = sweep(s)
    unsafe = sum(p.outcome is Outcome.CRASH for p in points)
    unreached = sum(p.outcome is Outcome.NOT_REACHED for p in points)
    if args.json:
        fn = program_for(s).target
        insns = {i.pc: i for i in fn.instructions}
        print(json.dumps({"go": str(s.version), "size": s.size, "leaf": s.leaf, "function": fn.name,
                          "entry": fn.entry, "unwind": s.unwind.value,
                          "points": [_point(p, insns[p.pc]) for p in points], "unsafe": unsafe,
                          "not_reached": unreached}))
        return 0
    for p in points:
        extra = f"  -> {p.message.splitlines()[-1]}" if p.message else ""
        print(f"+{p.offset:#06x}  {p.go:<36} {WORDS[p.outcome.value]:<16} {p.why}{extra}")
    # an instruction the run never executed is neither safe nor unsafe: counted apart
    apart = (f" · {unreached} not reached in this run (never executed, so never preempted)"
             if unreached else "")
    print(f"{unsafe} unsafe instruction{'s' if unsafe != 1 else ''} out of {len(points)}{apart}")
    return 0
