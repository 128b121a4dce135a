"""What ``frame`` and ``sweep`` both ask for: a Go release, a frame size, leaf or not, JSON or not."""

from __future__ import annotations

import argparse


def add_frame_arguments(parser: argparse.ArgumentParser) -> None:
    """``--go``, ``--size``, ``--leaf`` and ``--json``, in that order (the help lists them so)."""
    parser.add_argument("--go", required=True, help="1.23.4 or go1.23.4")
    parser.add_argument("--size", required=True, help="frame size in bytes (a positive multiple of 16)")
    parser.add_argument("--leaf", action="store_true", help="a leaf function (calls nothing)")
    parser.add_argument("--json", action="store_true")


def frame_size(text: str) -> int:
    """``--size``: a positive multiple of 16 the model can lay out.

    Raises:
        ExplainerError: anything else (``²``, ``６４``, 5,000 digits, ``-16``), in one line.
    """
    from ..engine.numbers import whole_number
    from ..engine.toolchain.frames import check_frame_size

    size = whole_number(text, "frame size", 1, (1 << 31) - 1, " bytes")
    check_frame_size(size)
    return size
