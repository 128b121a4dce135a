"""`explainer scan` with a pseudo-terminal behind stderr (or both streams), as a person at a terminal runs
it: what the terminal got, byte for byte, and what went to a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys


def _drain(leader: int) -> bytes:
    """Everything written to the terminal until its last writer closes it (EIO on Linux)."""
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            return drawn
        if not chunk:
            return drawn
        drawn += chunk


def scan_on_a_terminal(*args: str, columns: int = 80, stdout_too: bool = False) -> tuple[int, bytes, bytes]:
    """``explainer scan ARGS`` with stderr on a pseudo-terminal (``stdout_too``: stdout as well, else a
    pipe): (status, what the pipe got, what the terminal got)."""
    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS=str(columns), LINES="24", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "scan", *args],
                            stdout=follower if stdout_too else subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    drawn = _drain(leader)
    out, _ = proc.communicate(timeout=60)
    os.close(leader)
    return proc.returncode, out or b"", drawn
