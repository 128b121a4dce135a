"""``explainer frame --go V --size N [--leaf] [--json]``: a frame's prologue and epilogue, assembled.

``--json``: ``{"go", "size", "leaf", "entry", "prologue", "epilogue", "morestack"}``, each part a list of
``{"pc", "hex", "go", "arm", "writes_sp", "spdelta", "unsafe_point"}``: ``pc`` an offset from ``entry``
(main.big_stack's address, as the model lays it out), ``spdelta`` what the pcsp table records at that
PC (the unwinder's idea of the frame size there), ``unsafe_point`` its PCDATA $UnsafePoint (-1 safe,
-2 unsafe, -3/-4 restartable, as ``go build -gcflags=-S`` prints it).
"""

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
    return {"pc": i.offset, "hex": i.hex, "go": i.go, "arm": i.arm, "writes_sp": i.writes_sp,
            "spdelta": i.spdelta, "unsafe_point": i.unsafe_point}


def run(args: argparse.Namespace) -> int:
    from ..engine.releases.versions import GoVersion
    from ..engine.toolchain.skeleton import skeleton

    version, size = GoVersion.parse(args.go), frame_size(args.size)
    frame = skeleton(version, size, args.leaf)
    if args.json:
        print(json.dumps({"go": str(version), "size": size, "leaf": args.leaf, "entry": frame.entry,
                          **{name: [_insn(i) for i in part] for name, part in frame.parts().items()}}))
        return 0
    print(f"go{version} · frame {size:,} B · {'leaf' if args.leaf else 'non-leaf'} · "
          f"entry {frame.entry:#x} (the body, left out, sits between prologue and epilogue)")
    for title, part in frame.parts().items():
        if part:
            print(f"{title}:")
        for i in part:
            mark = "  <- writes RSP" if i.writes_sp else ""
            print(f"  +{i.offset:#06x}  {i.hex}  {i.go:<32} {i.arm}{mark}")
    return 0
