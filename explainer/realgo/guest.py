"""Run one guest process with a time limit, echoing its output as it comes and timing its crash.

The reproducers loop forever: a run either ends in a crash report (the runtime prints it and exits) or
runs its time and is killed. Output is read on a thread so the deadline holds while the guest is silent,
and the crash is timed at the first line of the runtime's report (``crashlog.CRASH_START``), not at the
exit, which comes after the whole traceback has been printed. A guest that keeps running after it has
started a crash report is given ``grace`` seconds to finish it, then killed.
"""

from __future__ import annotations

import os
import queue
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from .crashlog import CRASH_START


@dataclass(frozen=True)
class Outcome:
    """How one run of the guest ended."""

    seconds: float
    """Time to the first line of the crash report; else to the exit; else the time limit."""
    crashed: bool
    """True when the runtime started a crash report or the guest exited by itself."""
    timed_out: bool
    """True when the guest ran until the time limit and was killed."""
    status: int | None
    """The exit status (negative: killed by that signal); None if we killed it."""
    output: str
    """Everything the guest wrote, stdout and stderr merged in order."""


def _no_core_dump() -> None:  # runs in the child before exec: no imports, no locks
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # qemu would otherwise write qemu_*.core files


def _read_lines(stream: IO[bytes], lines: queue.Queue[tuple[float, str | None]]) -> None:
    for raw in stream:
        lines.put((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\n")))
    lines.put((time.monotonic(), None))


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run(argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
        timeout: float, echo: Callable[[str], None] = print, grace: float = 10.0,
        progress: Callable[[float], None] | None = None, progress_every: float = 60.0) -> Outcome:
    """Run ``argv`` for at most ``timeout`` seconds, echoing each output line as it comes.

    Args:
        progress: called with the elapsed seconds every ``progress_every`` seconds of silence-free
            waiting, so a long quiet run shows it is alive.
    """
    start = time.monotonic()
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, cwd=cwd, preexec_fn=_no_core_dump,
                            start_new_session=True)
    lines: queue.Queue[tuple[float, str | None]] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    out: list[str] = []
    crash_at: float | None = None
    eof_at: float | None = None
    next_progress = start + progress_every
    try:
        while eof_at is None:
            now = time.monotonic()
            deadline = start + timeout if crash_at is None else crash_at + grace
            if now >= deadline:
                break
            wait = deadline - now
            if progress is not None and crash_at is None:
                wait = min(wait, max(0.0, next_progress - now))
            try:
                at, line = lines.get(timeout=wait)
            except queue.Empty:
                now = time.monotonic()
                if progress is not None and crash_at is None and next_progress <= now < start + timeout:
                    progress(now - start)
                    next_progress += progress_every
                continue
            if line is None:
                eof_at = at
                break
            if crash_at is None and CRASH_START.match(line):
                crash_at = at
            out.append(line)
            echo(line)
    finally:
        status = proc.poll()
        if status is None and eof_at is not None:  # output closed: the guest is exiting
            try:
                status = proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        killed = status is None
        if killed:
            _kill(proc)
        reader.join(timeout=5)
    ended = eof_at if eof_at is not None else time.monotonic()
    exited_by_itself = not killed
    crashed = crash_at is not None or exited_by_itself
    seconds = (crash_at if crash_at is not None else ended if exited_by_itself else start + timeout) - start
    return Outcome(seconds=seconds, crashed=crashed, timed_out=not crashed, status=status,
                   output="\n".join(out))
