"""``explainer versions``: the Go releases the model knows, one a line."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Add ``versions`` to the ``explainer`` command."""
    subparsers.add_parser("versions", help="Go releases the model knows").set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..engine.releases.versions import known_versions

    for v in known_versions():
        print(v.name)
    return 0
