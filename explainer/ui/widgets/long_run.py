"""Engine calls that may run long, moved off the UI thread: progress on screen, esc stops them.

A command first calls the engine right away with a budget of :data:`AT_ONCE` instructions, so a
step or a short run draws in the same frame (and a test sees it at once). A call that goes past the
budget stops there (the engine leaves the cursor where it was: ``Cancelled``) and runs again in a
worker thread, as Harlequin runs a query: its progress callback posts how far it got, and raises
``Cancelled`` once the worker is cancelled (esc, ctrl+c, another scenario, quitting). Meanwhile the
widget refuses other commands: its session belongs to the worker until the result comes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from ...engine.errors import Cancelled, ExplainerError

#: Instructions a command may run before it moves to a worker: tens of milliseconds.
AT_ONCE = 1 << 22
#: How often the worker's progress is shown.
_SHOW_EVERY = 0.1

Call = Callable[[Callable[[int], None] | None], Any]
"""An engine call taking a progress callback."""


class _TooLong(Cancelled):
    """The call passed :data:`AT_ONCE` on the UI thread: run it again in a worker."""


def _at_once(done: int) -> None:
    if done >= AT_ONCE:
        raise _TooLong


class RunStatus(Static):
    """One line under a pane while its engine call runs in a worker: what, how far, how to stop it."""

    DEFAULT_CSS = """
    RunStatus { height: 1; padding: 0 1; background: $warning 30%; display: none; }
    RunStatus.running { display: block; }
    """


class LongRuns(Widget):
    """A widget whose engine calls go through :meth:`emulate` (a pane of the lab)."""

    class Progress(Message):
        """How many instructions the worker's call has run."""

        def __init__(self, done: int) -> None:
            super().__init__()
            self.done = done

    class Finished(Message):
        """The worker's call ended: with a result, an ExplainerError, or stopped."""

        def __init__(self, then: Callable[[Any], None], result: Any, error: str | None,
                     stopped: bool) -> None:
            super().__init__()
            self.then, self.result, self.error, self.stopped = then, result, error, stopped

    _worker: Worker[None] | None = None
    _what = ""

    @property
    def running(self) -> bool:
        """An engine call of this widget is running in a worker."""
        return self._worker is not None

    def emulate(self, call: Call, then: Callable[[Any], None], what: str) -> None:
        """``call(progress)``, then ``then(result)`` on the UI thread; a long call goes to a worker.

        Raises:
            ExplainerError: from a call that ran at once (a worker's is said in a note instead).
        """
        if self.running:
            self.notify(f"Still {self._what}: esc stops it.", severity="warning")
            return
        try:
            result = call(_at_once)
        except _TooLong:
            self._what = what
            self._show(0)
            self._worker = self.run_worker(lambda: self._in_worker(call, then), thread=True,
                                           group="emulation", exit_on_error=True)
            return
        then(result)

    def stop_run(self) -> bool:
        """Stop the call running in a worker; True if there was one."""
        if self._worker is None:
            return False
        self._worker.cancel()
        return True

    def _in_worker(self, call: Call, then: Callable[[Any], None]) -> None:
        worker = get_current_worker()
        shown = [time.monotonic()]

        def progress(done: int) -> None:
            if worker.is_cancelled:
                raise Cancelled
            now = time.monotonic()
            if now - shown[0] >= _SHOW_EVERY:
                shown[0] = now
                self.post_message(self.Progress(done))  # post_message is thread-safe

        try:
            result = call(progress)
        except Cancelled:
            self.post_message(self.Finished(then, None, None, stopped=True))
        except ExplainerError as err:
            self.post_message(self.Finished(then, None, str(err), stopped=False))
        else:
            self.post_message(self.Finished(then, result, None, stopped=False))

    def on_long_runs_progress(self, message: LongRuns.Progress) -> None:
        message.stop()
        if self.running:
            self._show(message.done)

    def on_long_runs_finished(self, message: LongRuns.Finished) -> None:
        message.stop()
        self._worker = None
        for status in self.query(RunStatus):
            status.remove_class("running")
        if message.stopped:
            self.notify(f"Stopped {self._what}: the cursor stays where it was.")
        elif message.error is not None:
            self.notify(message.error, title="Cannot do that", severity="error")
        else:
            message.then(message.result)

    def _show(self, done: int) -> None:
        for status in self.query(RunStatus):
            status.update(f"{self._what}: {done:,} instructions so far · esc stops it")
            status.add_class("running")
