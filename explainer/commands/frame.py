"""``explainer frame --go V --size N [--leaf] [--json]``: a frame's prologue and epilogue, assembled."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from .frame_options import add_frame_arguments, frame_size

if TYPE_CHECKING:
    from ..engine.arm64.asm import Instruction


def add_parser(subparsers: Any) -> None:
    """Add ``frame`` to the ``explainer`` command."""
    p = subparsers.add_parser("frame", help="prologue and epilogue of a frame")
    p.set_defaults(run=run)
    add_frame_arguments(p)


def _insn(i: Instruction) -> dict[str, object]:
    return {"pc": i.offset, "hex": i.hex, "go": i.go, "arm": i.arm}


def run(args: argparse.Namespace) -> int:
    from ..engine.arm64.asm import assemble
    from ..engine.releases.runtime_data import facts_for
    from ..engine.releases.versions import GoVersion
    from ..engine.toolchain.frames import epilogue, morestack_tail, needs_stack_check, prologue, stack_check
    from ..engine.toolchain.standins import label_first

    version, size = GoVersion.parse(args.go), frame_size(args.size)
    # The function's skeleton as Go lays it out, minus the body: stack check, prologue, epilogue, and
    # the call to morestack at the end, where the stack check's branches go. Entry and morestack sit
    # where the real reproducer's build puts them; with no body between, branch distances are shorter.
    real = facts_for(version).functions["fast_leaf" if args.leaf else "fast_nonleaf"]
    entry, morestack = real["main.big_stack"].entry, "runtime.morestack_noctxt.abi0"
    check = needs_stack_check(size, args.leaf)
    parts = {"prologue": (stack_check(size, "morestack") if check else []) + prologue(size),
             "epilogue": epilogue(version, size, args.leaf),
             # One spilled register argument, as the reproducers' big_stack(v int) has.
             "morestack": label_first(morestack_tail(size, "entry", morestack, spill_args=1)[1:], "morestack")
             if check else []}
    progs = [p for part in parts.values() for p in part]
    insns = assemble(progs, entry, {"entry": entry, morestack: real[morestack].entry},
                     {entry: "main.big_stack", real[morestack].entry: morestack})
    out: dict[str, list[Any]] = {}
    for name, part in parts.items():
        n = sum(len(p.machine) for p in part)
        out[name], insns = insns[:n], insns[n:]
    if args.json:
        print(json.dumps({"go": str(version), "size": size, "leaf": args.leaf, "entry": entry,
                          **{name: [_insn(i) for i in part] for name, part in out.items()}}))
        return 0
    print(f"go{version} · frame {size:,} B · {'leaf' if args.leaf else 'non-leaf'} · "
          f"entry {entry:#x} (the body, left out, sits between prologue and epilogue)")
    for title, part in out.items():
        if part:
            print(f"{title}:")
        for i in part:
            mark = "  <- writes RSP" if i.writes_sp else ""
            print(f"  +{i.offset:#06x}  {i.hex}  {i.go:<32} {i.arm}{mark}")
    return 0
