"""Which processes a test left behind: read from /proc, shared by the real-runtime tests.

``inject``, the lab's ``r`` and the talk's live beat start qemu-aarch64 and gdb-multiarch; each test
that runs them checks that none is left after any outcome (crash, refusal, a spoiled try, esc, ctrl+c).
"""

from __future__ import annotations

import os
from pathlib import Path


def _state(stat: str) -> str:
    """The state letter of a ``/proc/PID/stat`` line (after the command name, which may hold ``)``)."""
    return stat.rsplit(")", 1)[1].split()[0]


def children(pid: int | None = None) -> dict[int, str]:
    """Live child processes of ``pid`` (this process by default; zombies are dead), by pid, with their
    command name."""
    out = {}
    for task in Path(f"/proc/{pid or os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                stat = Path(f"/proc/{child}/stat").read_text()
            except OSError:
                continue
            if _state(stat) != "Z":
                out[int(child)] = stat.split("(", 1)[1].rsplit(")", 1)[0]
    return out


def alive(pid: int) -> bool:
    """``pid`` runs (a zombie does not)."""
    try:
        return _state(Path(f"/proc/{pid}/stat").read_text()) != "Z"
    except OSError:
        return False
