"""A beat's real crash, run live, when this machine can.

A talk ends on a real crash. The recorded log (``assets/logs/``) is always
there, and two live runs can replace it:

- a beat with ``live = true`` shows, on arrival, the real runtime preempted at the beat's own moment
  (``explainer inject`` through :mod:`explainer.realgo.at_moment`): the crash lands on cue in about a
  second. When this machine cannot run it (qemu-user, gdb-multiarch or the release's toolchain missing)
  or the run is inconclusive, the recorded log stays, and the presenter's cue file says which one is
  showing and why (``Shown``), for the notes window;
- ``x`` on a beat with ``repro = true`` runs ``explainer repro`` in a child process (the command's
  contract: exit 1 on a crash) and streams what it prints: the race itself, a minute or more.

Nothing is downloaded during a talk: without the tools the recorded log stays on screen.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario
from ..engine.experiments.scenario import parse as parse_scenario
from ..engine.runtime.unwind import Trigger
from ..realgo.at_moment import RealMoment, cannot_run, target_for
from .script import Beat

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


#: Runs a live beat may take before it is inconclusive (each about a second; a talk cannot wait longer).
LIVE_TRIES = 2


def live_moment(beat: Beat) -> RealMoment:
    """The beat's moment as the real runtime runs it: its scenario, its stop, its walk.

    Raises:
        ExplainerError: the beat cannot be run live (its walk, its stop, or a frame no real reproducer has).
    """
    words = (beat.action or "").split()
    if words[:1] != ["unwind"] or len(words) != 2 or words[1] not in ("gc", "traceback"):
        raise ExplainerError(f"a live beat preempts the real runtime and lets it walk the stack: its action "
                             f"is unwind gc or unwind traceback, not {beat.action!r}")
    if isinstance(beat.stop, int):
        raise ExplainerError(f"a live beat stops at an instruction (an anchor or +0xNN), not after "
                             f"{beat.stop} instructions: the real run preempts an instruction's first visit")
    scenario = replace(parse_scenario(beat.scenario), at=beat.stop, unwind=Trigger(words[1]))
    return target_for(scenario)


def live_unavailable(beat: Beat) -> str | None:
    """Why this machine shows the beat's recorded log instead of the live run (None: it can run it)."""
    try:
        moment = live_moment(beat)
    except ExplainerError as err:
        return str(err)
    return cannot_run(moment.go)


def one_line(text: str) -> str:
    """A message of several lines (the install commands) as one: ``needs X: cmd1; cmd2``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out = ""
    for line in lines:
        out += line if not out else (" " if out.endswith(":") else "; ") + line
    return out


@dataclass(frozen=True)
class Shown:
    """Which log the presenter shows on a live beat, for the notes window."""

    live: bool
    said: str
    """Why, or how long the real run took."""

    @property
    def line(self) -> str:
        """``LIVE · ...`` or ``RECORDED · ...``: one line for the cue file and the notes."""
        return f"{'LIVE' if self.live else 'RECORDED'} · {self.said}"
