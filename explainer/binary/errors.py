"""The binary reader's one error type.

A subclass of the engine's ``ExplainerError``, so the CLI prints it as one line and exits 2, and callers
that open real binaries can catch "this file is not something we can read" and nothing else.
"""

from __future__ import annotations

from ..engine.errors import ExplainerError
from ..output.printable import printable


class BinaryError(ExplainerError):
    """A file that is not a readable Go arm64 binary: missing, not ELF or Mach-O, another architecture,
    no Go function table, truncated or corrupt. The message is one line naming the file.
    """

    def __init__(self, message: str) -> None:
        # Names and paths read from the file are data: a newline in a segment name must not forge a
        # second line of the CLI's one-line error (found by bench/fuzz_bench.py at 10,000 inputs).
        super().__init__(printable(message))
