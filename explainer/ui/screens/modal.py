"""A modal dialog that leaves once: what the save-folder and options dialogs are built on.

Textual's ``Screen.dismiss`` pops whatever screen is on top. A dialog closes a frame or two after it
is dismissed, so a second Enter (or Escape then Enter) pressed before then dismissed it again and
popped the lab under it (a blank app); a third raised ScreenStackError. Here every dismissal after
the first is ignored.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class OnceModal(ModalScreen[ResultType], Generic[ResultType]):
    """A ModalScreen whose ``dismiss`` acts once."""

    _left = False

    def dismiss(self, result: ResultType | None = None) -> AwaitComplete:
        """Dismiss with ``result`` the first time; later calls do nothing."""
        if self._left or not self.is_attached:
            return AwaitComplete()
        self._left = True
        return super().dismiss(result)
