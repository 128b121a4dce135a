"""The talk played by its script in a real pseudo-terminal, recorded as asciicast v2 for a fallback video.

What the recording shows is what a terminal shows: the real ``explainer present TALK`` runs in a
pseudo-terminal of the chosen size, gets the key presses a speaker makes (→ after each beat, q at
the end), and every byte it writes is kept. Only the clock is the script's, not the machine's: the
command is typed at a person's pace (a fixed, seeded rhythm, so two exports time the same), each
beat is held for its budget (:func:`explainer.talk.budget.hold_seconds`), and the moment the
presenter took to draw a beat is kept up to :data:`MAX_DRAW` seconds. So the recording lasts the
typing plus the sum of the holds, however fast or slow this machine was while it recorded.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import random
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import zlib
from collections.abc import Callable

from ..engine.errors import ExplainerError
from ..output.asciicast import Event
from . import budget
from .script import Talk

RIGHT, QUIT, ENTER = "\x1b[C", "q", "\r"
PROMPT = "$ "
#: Typing: each key 60-180 ms after the last, a word gap a little longer, then a pause before Enter.
KEY_GAP, KEY_JITTER, WORD_GAP, BEFORE_ENTER = 0.06, 0.12, 0.12, 0.5
#: The longest a beat's drawing is shown taking (seconds); the rest of the real wait is cut.
MAX_DRAW = 0.5
#: The screen is drawn once it has been quiet this long (seconds); the first one waits longer.
QUIET, FIRST_QUIET = 0.4, 1.0
#: The most one beat may take to draw on this machine before the recording gives up (seconds).
DRAW_TIMEOUT = 60.0
#: How long a live beat (``live = true``) is watched after it is drawn: the real run answers in about a
#: second, and its crash (or the recorded log's fallback) is recorded at the moment it came.
LIVE_WAIT = 3.0


def typing(text: str) -> list[float]:
    """The gap before each key of ``text`` (seconds): a person's uneven rhythm, the same on every run."""
    rng = random.Random(zlib.crc32(text.encode()))
    gaps = []
    for k in range(len(text)):
        gap = KEY_GAP + rng.random() * KEY_JITTER
        if k and text[k - 1] == " ":
            gap += WORD_GAP
        gaps.append(round(gap, 3))
    return gaps


def scripted_length(talk: Talk, command: str) -> float:
    """How long the recording lasts by the script: typing, the pause before Enter, every beat's hold."""
    return sum(typing(command)) + BEFORE_ENTER + sum(budget.hold_seconds(b) for b in talk.beats)


class _Terminal:
    """A child process in a pseudo-terminal of a given size; what it writes, read with timestamps."""

    def __init__(self, argv: list[str], size: tuple[int, int], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def read_until_quiet(self, quiet: float, limit: float) -> list[tuple[float, str]]:
        """Chunks (seconds after the call, text) until quiet for ``quiet`` s after the first, or EOF."""
        start = time.monotonic()
        chunks: list[tuple[float, str]] = []
        while True:
            now = time.monotonic()
            if now - start > limit:
                raise ExplainerError(f"the presenter did not finish drawing in {limit:.0f} s")
            wait = quiet if chunks else limit - (now - start)
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                if chunks:
                    return chunks
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                data = b""
            if not data:
                return chunks
            chunks.append((time.monotonic() - start, self.decoder.decode(data)))

    def read_for(self, seconds: float) -> list[tuple[float, str]]:
        """Every chunk written in the next ``seconds`` (seconds after the call, text)."""
        start = time.monotonic()
        chunks: list[tuple[float, str]] = []
        while (left := seconds - (time.monotonic() - start)) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                break
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            chunks.append((time.monotonic() - start, self.decoder.decode(data)))
        return chunks

    def close(self) -> int:
        try:
            status = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what this recording started
            status = self.proc.wait()
        os.close(self.master)
        return status


def record(talk: Talk, command: str, size: tuple[int, int],
           progress: Callable[[int], None] = lambda n: None) -> list[Event]:
    """Play ``talk`` in ``explainer present`` in a pseudo-terminal and return the recording's events.

    ``command`` is what the recording shows being typed (``explainer present split-epilogue``).

    Raises:
        ExplainerError: the presenter did not start, draw or quit as it should.
    """
    events = [Event(0.0, "o", PROMPT)]
    t = 0.0
    for ch, gap in zip(command, typing(command), strict=True):
        t += gap
        events.append(Event(t, "i", ch))
        events.append(Event(t, "o", ch))
    t += BEFORE_ENTER
    events += [Event(t, "i", ENTER), Event(t, "o", "\r\n")]
    with tempfile.TemporaryDirectory(prefix="explainer-cast-") as state:
        env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
               "EXPLAINER_STATE_DIR": state}  # the recording's cue file moves no one's notes
        env.pop("TEXTUAL", None)
        term = _Terminal([sys.executable, "-m", "explainer.cli", "present", str(talk.path)], size, env)
        try:
            for n, beat in enumerate(talk.beats):
                arrived = time.monotonic()
                drawn = term.read_until_quiet(FIRST_QUIET if n == 0 else QUIET, DRAW_TIMEOUT)
                if not drawn and term.proc.poll() is not None:
                    raise ExplainerError(f"the presenter exited at beat {n + 1} "
                                         f"(status {term.proc.returncode})")
                events += [Event(t + min(dt, MAX_DRAW), "o", text) for dt, text in drawn]
                if beat.live:  # the real run answers after the beat is drawn: keep its real timing
                    since = time.monotonic() - arrived
                    hold = budget.hold_seconds(beat)
                    events += [Event(t + min(max(since + dt, MAX_DRAW), hold), "o", text)
                               for dt, text in term.read_for(LIVE_WAIT)]
                progress(n + 1)
                t += budget.hold_seconds(beat)
                key = RIGHT if n + 1 < len(talk.beats) else QUIT
                events.append(Event(t, "i", key))
                term.send(key)
            tail = term.read_until_quiet(QUIET, DRAW_TIMEOUT)
            events += [Event(t + min(dt, MAX_DRAW), "o", text) for dt, text in tail]
        finally:
            status = term.close()
    if status != 0:
        raise ExplainerError(f"the presenter exited with status {status} while recording")
    end = max(e.time for e in events)
    events.append(Event(end, "o", PROMPT))
    return events
