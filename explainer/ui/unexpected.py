"""Our Textual apps' base: an unexpected error ends the app with one line, not a traceback.

Textual's own handling prints a rich traceback (with locals) over the terminal and exits 1, and the
``explainer`` command then exited 0. Here the traceback goes to a file (``explainer.errorlog``), the
terminal gets one line saying where, and the app's return code is ``EXIT_BUG`` (70), which the
commands pass on as the exit status. Under ``run_test`` the error is still raised to the test.
"""

from __future__ import annotations

import sys
from typing import Generic, TypeVar

from textual.app import App

from ..errorlog import EXIT_BUG, record, sentence

ReturnType = TypeVar("ReturnType")


class ReportingApp(App[ReturnType], Generic[ReturnType]):
    """An App whose unhandled errors are logged to a file and said in one line."""

    def _handle_exception(self, error: Exception) -> None:  # Textual's hook (textual/app.py)
        self._return_code = EXIT_BUG
        if self._exception is None:  # run_test re-raises it, so tests still see the error
            self._exception = error
            self._exception_event.set()
        self.bell()
        self._bug_line = sentence(error, record(error))
        self._close_messages_no_wait()

    _bug_line: str | None = None

    def _print_error_renderables(self) -> None:  # Textual prints these once the terminal is restored
        if self._bug_line is None:
            super()._print_error_renderables()
            return
        # Plain, not through Rich: one line however narrow the terminal, so the path can be copied whole.
        print(self._bug_line, file=sys.stderr)
        self._exit_renderables.clear()
