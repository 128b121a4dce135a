"""``explainer scan BINARY [--json]``: is this Go arm64 binary exposed to the split-epilogue race?

Exit 0 when nothing is exposed, 1 when the runtime can preempt a goroutine between the two halves of
some SP adjustment, 2 on bad input (one line on stderr, from BinaryError). Nothing heavy is imported
here: the parser is built on every start of ``explainer``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Add ``scan`` to the ``explainer`` command."""
    sp = subparsers.add_parser(
        "scan", help="find split stack-pointer adjustments in a Go arm64 binary (ELF or Mach-O)",
        description="List every pair of instructions that moves SP in two steps, whether the runtime "
                    "can preempt between them, and what to do. "
                    "Exit 0: nothing exposed; 1: exposed; 2: bad input.")
    sp.add_argument("binary", help="a Go arm64 executable, stripped or not")
    sp.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    sp.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..binary import scan

    report = scan(args.binary)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print("\n".join(report.lines()))
    return 1 if report.exposed else 0
