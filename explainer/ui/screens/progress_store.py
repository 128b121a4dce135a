"""The learner's progress as the screens see it: read once, saved after every change, never lost.

A thin holder around the course engine's immutable ``Progress``: each answer
or finished lesson produces a new value and is written at once (atomically, by
``progress.save``), so nothing is lost when the terminal closes. When the file
is there but cannot be read, nothing is written over it until the learner
decides (:meth:`ProgressStore.reload` or :meth:`ProgressStore.start_afresh`);
a save that fails is said at once through ``notify``, and :attr:`status` (the
course's line under the lessons) stops saying progress is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...course import progress
from ...engine.errors import ExplainerError


class ProgressStore:
    """Progress for this run of the app."""

    def __init__(self, path: Path | None = None, notify: Callable[[str], None] | None = None) -> None:
        """``notify`` is told at once, in one line, when progress could not be saved."""
        self.path = path or progress.default_path()
        self.notify = notify
        self.value = progress.Progress()
        """The current progress."""
        self.warning: str | None = None
        """What happened to the file when it was read (None if nothing)."""
        self.unreadable = False
        """The file could not be read: nothing is saved over it until the learner decides."""
        self.problem: str | None = None
        """Why progress is not being saved now (None while it is)."""
        self._said: str | None = None
        self.reload()

    @property
    def status(self) -> str:
        """One line for the course screen: where progress is saved, or that it is not and why."""
        if self.problem:
            return f"progress is NOT saved: {self.problem}"
        return f"progress is saved in {self.path}"

    def reload(self) -> bool:
        """Read the file again (the learner fixed it); answers given meanwhile are kept. True if readable."""
        loaded = progress.load(self.path)
        self.warning, self.unreadable = loaded.warning, loaded.unreadable
        if self.unreadable:
            self.problem = f"{self.path} could not be read, and is left as it is"
            return False
        self.problem = None
        mine = self.value
        self.value = loaded.progress
        if mine != progress.Progress():  # given while the file could not be read: theirs to keep
            for lesson in mine.done:
                self.value = self.value.finish(lesson)
            for lesson, chosen in mine.answers.items():
                for checkpoint, option in chosen.items():
                    self.value = self.value.answer(lesson, checkpoint, option)
            for lesson, tried in mine.predictions.items():
                for index, right in tried.items():  # the file's first tries came first
                    self.value = self.value.predict(lesson, index, right)
            self._save(self.value)
        return True

    def start_afresh(self) -> str:
        """Rename the unreadable file aside and save from now on; returns what happened, in one line."""
        try:
            aside = progress.set_aside(self.path, "unreadable")
        except OSError as err:
            self.problem = f"{self.path} could not be renamed aside ({err.strerror or err})"
            return f"Nothing changed: {self.problem}."
        self.unreadable = False
        self.problem = None
        self._save(self.value)
        return f"The old file is kept as {aside}; progress is saved in {self.path} from now on."

    def answer(self, lesson: str, checkpoint: int, options: int) -> int | None:
        """The option chosen at a checkpoint of ``options`` options, if any.

        An index the checkpoint no longer has (an option removed since it was chosen) is no answer.
        """
        chosen = self.value.answers.get(lesson, {}).get(checkpoint)
        return chosen if chosen is not None and 0 <= chosen < options else None

    def is_done(self, lesson: str) -> bool:
        """True once the lesson's steps are played and its checkpoints answered right."""
        return lesson in self.value.done

    def record(self, lesson: str, checkpoint: int, option: int) -> None:
        """Save an answer."""
        self._save(self.value.answer(lesson, checkpoint, option))

    def predicted(self, lesson: str, count: int) -> list[bool | None]:
        """For each of a lesson's ``count`` predictions: right at the first try, wrong, or not tried."""
        tried = self.value.predictions.get(lesson, {})
        return [tried.get(k) for k in range(count)]

    def record_prediction(self, lesson: str, index: int, right: bool) -> None:
        """Save how a prediction went, if it is the first try (later tries change nothing)."""
        value = self.value.predict(lesson, index, right)
        if value is not self.value:
            self._save(value)

    def mark_done(self, lesson: str) -> bool:
        """Mark a lesson done; True if it was not done before."""
        if self.is_done(lesson):
            return False
        self._save(self.value.finish(lesson))
        return True

    def _save(self, value: progress.Progress) -> None:
        self.value = value
        if self.unreadable:  # never over a file that could not be read: the learner decides first
            self._failed(f"{self.path} could not be read, and is left as it is")
            return
        try:
            progress.save(value, self.path)
        except ExplainerError as err:  # a read-only home, a full disk: say so now, keep going
            self._failed(str(err))
            return
        self.problem = None

    def _failed(self, why: str) -> None:
        self.problem = why
        if self.notify is not None and why != self._said:  # once per problem; the status line keeps it
            self._said = why
            self.notify(f"Progress not saved: {why}.")
