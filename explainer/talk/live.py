"""A beat's real crash, run live: ``explainer repro`` for the beat's release and shape, when this machine can.

A talk ends on a real crash. The recorded log (``assets/logs/``) is always
there; when a Go toolchain for the beat's release and qemu-aarch64 are already
installed, the presenter can also run the reproducer for real and stream what
it prints. It runs as ``explainer repro`` in a child process (the command's
contract: exit 1 on a crash), so the talk depends on the command, not on its
insides, and nothing is downloaded during a talk: without the tools the
recorded log stays on screen.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario

#: Seconds one live try may run (the recorded go1.27.3 leaf crashes came after 56 to 74 s).
TIMEOUT = 180


def repro_argv(scenario: Scenario) -> list[str]:
    """The ``explainer repro`` command line for a scenario's release and shape, one try."""
    return [sys.executable, "-m", "explainer.cli", "repro", "--go", str(scenario.version),
            "--shape", "leaf" if scenario.leaf else "nonleaf", "--tries", "1", "--timeout", str(TIMEOUT)]


def unavailable(scenario: Scenario) -> str | None:
    """Why the reproducer cannot run here without downloading anything (None: it can)."""
    try:
        from ..realgo import qemu, toolchains

        qemu.find_qemu()
        release = toolchains.release(str(scenario.version))
        if toolchains.find(release) is None:
            return f"no {release.name} toolchain installed (explainer repro installs it)"
    except ExplainerError as err:
        return str(err)
    return None


def start(argv: list[str]) -> subprocess.Popen[str]:
    """Start ``argv`` with its stdout and stderr merged into one text pipe, read line by line."""
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", bufsize=1)


def stream(proc: subprocess.Popen[str], line: Callable[[str], None]) -> int:
    """Call ``line`` with each line ``proc`` prints until it exits; its exit status."""
    assert proc.stdout is not None
    for text in proc.stdout:
        line(text.rstrip("\n"))
    return proc.wait()


def stop(proc: subprocess.Popen[str] | None) -> None:
    """End a run the presenter moved away from.

    SIGINT, as ctrl+c: repro then kills its guest's process group (qemu) before it exits; SIGTERM
    would end repro at once and leave qemu running.
    """
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
