"""What ``frame`` and ``sweep`` both ask for: a Go release, a frame size, leaf or not, JSON or not."""

from __future__ import annotations

import argparse


def add_frame_arguments(parser: argparse.ArgumentParser) -> None:
    """``--go``, ``--size``, ``--leaf`` and ``--json``, in that order (the help lists them so)."""
    parser.add_argument("--go", required=True, help="1.23.4 or go1.23.4")
    parser.add_argument("--size", required=True, help="frame size in bytes, a multiple of 16, decimal or "
                                                      "0x hex (65552 or 0x10010; a size out of range is "
                                                      "refused with the largest accepted)")
    parser.add_argument("--leaf", action="store_true", help="a leaf function (calls nothing)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def frame_size(text: str, version: str | None = None, leaf: bool = False) -> int:
    """``--size``: a frame Go can have (``frame``), or, given the release, one the model can run (``sweep``).

    Raises:
        ExplainerError: anything else (``²``, ``６４``, 5,000 digits, ``-16``, 1 GiB for a non-leaf
            sweep), in one sentence stating the rule and the largest accepted value.
    """
    from ..engine.experiments.scenario import frame_limits
    from ..engine.releases.versions import GoVersion
    from ..engine.toolchain.frames import GO_FRAMES

    limits = GO_FRAMES if version is None else frame_limits(GoVersion.parse(version), leaf)
    return limits.parse(text)
