"""One run of a reproducer under ``qemu-aarch64 -g`` driven by gdb-multiarch: two processes, one stream.

Why it is shaped so:

- qemu listens on a Unix socket in a fresh private folder, not a TCP port: no port to pick, no race
  with another run (a sweep runs several at once), nothing reachable from outside.
- Both processes get their own session (ctrl+c in the terminal reaches only ``explainer``, which then
  kills them: a SIGINT reaching gdb would stop the guest mid-run) and the kernel's parent-death signal
  (SIGKILL when the thread that started them ends, even when ``explainer`` itself is killed with
  SIGKILL). ``close`` kills both sessions and waits for them; nothing is left behind after any outcome.
- The gdb script's events (``@inject {json}`` lines on gdb's stdout) and the guest's output (qemu's
  stdout and stderr: the runtime writes its crash report on stderr) come through one queue, each
  line timestamped when read, so a caller can wait for "the next event or this deadline" and never
  block on a silent process.
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any

from .toolchains import MissingTool

#: Debian's and Ubuntu's package for a gdb that debugs arm64 programs on any host.
INSTALL_GDB = "sudo apt-get install gdb-multiarch"
GDB_NAMES = ("gdb-multiarch", "gdb")
#: What the gdb script prints before each event's JSON.
EVENT_PREFIX = "@inject "
_PR_SET_PDEATHSIG = 1
#: Runs whose processes are alive: ``kill_all`` ends them from another thread (ctrl+c mid-sweep).
_ACTIVE: set[Run] = set()
_ACTIVE_LOCK = threading.Lock()


#: A run's private folder: ``explainer-inject-PID-XXXXXXXX`` in the temporary directory.
_FOLDER_PREFIX = "explainer-inject-"


def remove_stale_folders() -> None:
    """Remove the private folders of runs whose ``explainer`` is gone without closing them (SIGKILL:
    the parent-death signal ended qemu and gdb, but nothing could remove the folder)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_FOLDER_PREFIX}*-*"):
        pid = folder.name[len(_FOLDER_PREFIX):].partition("-")[0]
        try:
            if not pid.isdigit() or int(pid) == os.getpid() or folder.lstat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:  # that explainer is gone
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, or not ours to ask about: leave it
            continue


def kill_all(thread: int | None = None) -> None:
    """Kill the processes of every run still open, in any thread; with ``thread`` (an ident), only
    those of runs that thread started (the lab's esc on one side of the split view)."""
    with _ACTIVE_LOCK:
        runs = [r for r in _ACTIVE if thread is None or r.thread == thread]
    for run in runs:
        run.kill()


@dataclass(frozen=True)
class Gdb:
    """A gdb on this machine that can debug aarch64 and has Python."""

    path: Path
    version: str
    """``GNU gdb (Debian 13.1-3) 13.1``: the first line of ``gdb --version``."""


def find_gdb() -> Gdb:
    """gdb-multiarch (or a gdb that knows aarch64), with Python.

    Raises:
        MissingTool: none found, or it lacks aarch64 or Python (the message names the install command).
    """
    for name in GDB_NAMES:
        path = shutil.which(name)
        if path is None:
            continue
        try:
            done = subprocess.run([path, "-nx", "-batch", "-ex", "python print('py-ok')",
                                   "-ex", "set architecture aarch64"], capture_output=True, text=True,
                                  timeout=60)
            banner = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired) as e:
            raise MissingTool(f"{path} does not work ({e}); install gdb with: {INSTALL_GDB}") from None
        if done.returncode == 0 and "py-ok" in done.stdout and "Undefined item" not in done.stderr:
            return Gdb(Path(path), (banner.splitlines() or ["gdb"])[0].strip())
    raise MissingTool(f"no gdb-multiarch with Python on PATH; install it with: {INSTALL_GDB}")


def script_text() -> str:
    """The gdb script, shipped as package data."""
    return resources.files("explainer.realgo").joinpath("gdbscripts", "inject.py").read_text(encoding="utf-8")


_prctl: Any = None


def _child_setup() -> None:  # runs in the child between fork and exec: no imports, no Python locks
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # qemu would otherwise write qemu_*.core files
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _load_prctl() -> None:
    """Find libc's prctl once, in the parent (the child must not load libraries)."""
    global _prctl
    if _prctl is None:
        try:
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):  # not Linux: the sessions are still killed on the way out
            _prctl = False


@dataclass(frozen=True)
class Line:
    """One line read from either process."""

    at: float
    """time.monotonic() when it was read."""
    source: str
    """``gdb`` or ``guest``."""
    text: str | None
    """The line, or None at the end of that process's output."""
    event: Mapping[str, Any] | None = None
    """The gdb script's event, when the line is one."""


class Run:
    """qemu running ``program`` under a gdb that runs the inject script with ``plan``.

    Use as a context manager: leaving it kills both processes, whatever happened.
    """

    def __init__(self, qemu: Path, gdb: Path, program: Path, plan: Mapping[str, Any],
                 guest_env: Mapping[str, str], socket_wait: float = 10.0) -> None:
        self._qemu_argv = [str(qemu), "-g", "", str(program)]
        self._gdb_path, self._program, self._plan = gdb, program, dict(plan)
        self._guest_env = {**os.environ, **guest_env}
        self._socket_wait = socket_wait
        self._procs: list[subprocess.Popen[bytes]] = []
        self._lines: queue.Queue[Line] = queue.Queue()
        self._readers: list[threading.Thread] = []
        self._dir: Path | None = None
        self.guest: list[str] = []
        """Everything the guest printed so far, in order."""
        self.guest_times: list[float] = []
        """When each of ``guest``'s lines was read (time.monotonic())."""
        self.guest_ended = False
        """True once the guest's output has ended (qemu closed it: the guest has exited)."""
        self.gdb_text: list[str] = []
        """gdb's lines that were not events (its own messages, a Python traceback)."""
        self.started = 0.0
        self.thread = threading.get_ident()
        """The thread that started the run (``kill_all(thread)`` ends only its runs)."""

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def __enter__(self) -> Run:
        _load_prctl()
        self.thread = threading.get_ident()
        with _ACTIVE_LOCK:
            _ACTIVE.add(self)
        self.started = time.monotonic()
        remove_stale_folders()
        self._dir = Path(tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-"))
        sock = self._dir / "gdb.sock"
        self._qemu_argv[2] = str(sock)
        (self._dir / "plan.json").write_text(json.dumps({**self._plan, "socket": str(sock)}))
        (self._dir / "inject.py").write_text(script_text(), encoding="utf-8")
        try:
            self._start(self._qemu_argv, "guest", self._guest_env, self._program.parent)
            deadline = time.monotonic() + self._socket_wait
            while not sock.exists():
                if self._procs[0].poll() is not None or time.monotonic() > deadline:
                    raise MissingTool(f"qemu-aarch64 did not open its gdb socket ({' '.join(self._qemu_argv)}"
                                      f"): {' '.join(self._drain_guest())[:300]}")
                time.sleep(0.005)
            gdb_argv = [str(self._gdb_path), "-nx", "-batch", "-iex", "set auto-load off",
                        "-iex", "set pagination off", "-iex", "set confirm off",
                        "-x", str(self._dir / "inject.py"), str(self._program)]
            env = {**os.environ, "EXPLAINER_INJECT_PLAN": str(self._dir / "plan.json"), "PYTHONPATH": ""}
            self._start(gdb_argv, "gdb", env, self._dir)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self, argv: Sequence[str], source: str, env: Mapping[str, str], cwd: Path) -> None:
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=dict(env), cwd=str(cwd),
                                preexec_fn=_child_setup, start_new_session=True)
        self._procs.append(proc)
        reader = threading.Thread(target=self._read, args=(proc.stdout, source), daemon=True)
        reader.start()
        self._readers.append(reader)

    def _read(self, stream: IO[bytes], source: str) -> None:
        for raw in stream:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            event = None
            if source == "gdb" and text.startswith(EVENT_PREFIX):
                try:
                    event = json.loads(text[len(EVENT_PREFIX):])
                except ValueError:
                    event = None
            self._lines.put(Line(time.monotonic(), source, text, event))
        self._lines.put(Line(time.monotonic(), source, None))

    def _drain_guest(self) -> list[str]:
        out: list[str] = []
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return out
            if line.source == "guest" and line.text is not None:
                out.append(line.text)

    def next_line(self, deadline: float) -> Line | None:
        """The next line from either process, or None when ``deadline`` (monotonic) passes first."""
        wait = deadline - time.monotonic()
        if wait <= 0:
            return None
        try:
            line = self._lines.get(timeout=wait)
        except queue.Empty:
            return None
        if line.source == "guest" and line.text is None:
            self.guest_ended = True
        elif line.source == "guest" and line.text is not None:  # (None is the end, above)
            self.guest.append(line.text)
            self.guest_times.append(line.at)
        elif line.source == "gdb" and line.text is not None and line.event is None:
            self.gdb_text.append(line.text)
        return line

    def threads(self) -> str:
        """qemu's threads and what each waits in (``/proc``): the state of a run that stopped answering."""
        if not self._procs:
            return ""
        task = Path(f"/proc/{self._procs[0].pid}/task")
        states = []
        try:
            for tid in sorted(task.iterdir(), key=lambda p: int(p.name)):
                stat = (tid / "stat").read_text().rsplit(")", 1)[1].split()
                wchan = (tid / "wchan").read_text().strip() if (tid / "wchan").exists() else ""
                states.append(f"{tid.name}:{stat[0]}{'/' + wchan if wchan and wchan != '0' else ''}")
        except OSError:
            return ""
        return " ".join(states)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def finish_guest(self, wait: float) -> int | None:
        """Wait up to ``wait`` seconds for the guest to exit and its output to end; its status or None."""
        deadline = time.monotonic() + wait
        qemu = self._procs[0] if self._procs else None
        while not self.guest_ended and self.next_line(deadline) is not None:
            pass
        if qemu is None:
            return None
        try:
            return qemu.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL both processes' sessions (safe from any thread; ``close`` still reaps them)."""
        for proc in list(self._procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def close(self) -> None:
        """Kill both processes (their whole sessions), reap them, and remove the private folder."""
        self.kill()
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # unkillable (D state): nothing more we can do
                pass
        for reader in self._readers:  # the pipes are at their end now that the writers are dead
            reader.join(timeout=2)
        for proc, reader in zip(self._procs, self._readers, strict=False):
            # Closing a pipe a reader still blocks on would wait for its lock forever: if a process
            # could not be killed, its (daemon) reader keeps the pipe.
            if proc.stdout is not None and not reader.is_alive():
                proc.stdout.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        with _ACTIVE_LOCK:
            _ACTIVE.discard(self)
