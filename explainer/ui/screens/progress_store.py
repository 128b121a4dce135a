"""The learner's progress as the screens see it: read once, saved after every change.

A thin holder around the course engine's immutable ``Progress``: each answer
or finished lesson produces a new value and is written at once (atomically, by
``progress.save``), so nothing is lost when the terminal closes.
"""

from __future__ import annotations

from pathlib import Path

from ...course import progress
from ...engine.errors import ExplainerError


class ProgressStore:
    """Progress for this run of the app."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or progress.default_path()
        self.value, self.warning = progress.load(self.path)
        """The current progress, and what happened to an unreadable file (None if nothing)."""

    def answer(self, lesson: str, checkpoint: int) -> int | None:
        """The option chosen at a checkpoint, if any."""
        return self.value.answers.get(lesson, {}).get(checkpoint)

    def is_done(self, lesson: str) -> bool:
        """True once the lesson's steps are played and its checkpoints answered right."""
        return lesson in self.value.done

    def record(self, lesson: str, checkpoint: int, option: int) -> None:
        """Save an answer."""
        self._save(self.value.answer(lesson, checkpoint, option))

    def mark_done(self, lesson: str) -> bool:
        """Mark a lesson done; True if it was not done before."""
        if self.is_done(lesson):
            return False
        self._save(self.value.finish(lesson))
        return True

    def _save(self, value: progress.Progress) -> None:
        self.value = value
        try:
            progress.save(value, self.path)
        except (OSError, ExplainerError) as err:  # a read-only home: keep going, say so once
            self.warning = f"progress not saved: {err}"
