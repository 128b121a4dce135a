"""A rehearsal's record: the table of ``present --rehearse``, saved as Markdown beside the talk.

One file per rehearsal, named after the talk and the moment it ended
(``my-talk.rehearsal-20250601-140503.md``), so rehearsals sit side by side and
compare at a glance. Written through the project's one writer
(:func:`explainer.output.save.save`): whole or not at all, and never over
another file unless the speaker says so.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..output.save import save
from . import budget
from .script import Talk


def file_for(talk: Path, folder: Path, when: float) -> Path:
    """``<folder>/<talk stem>.rehearsal-YYYYmmdd-HHMMSS.md`` (local time)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    return folder / f"{talk.stem}.rehearsal-{stamp}.md"


def document(talk: Talk, spent: dict[int, float], when: float) -> str:
    """The saved record: which talk, when, and the table."""
    moment = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return (f"# Rehearsal: {talk.title}\n\n{moment} · `{talk.path}`\n\n"
            f"{budget.table(talk, spent, markdown=True)}")


def write(path: Path, talk: Talk, spent: dict[int, float], when: float, replace: bool = False) -> Path:
    """Save the record at ``path``.

    Raises:
        Exists: ``path`` exists and ``replace`` is False.
        SaveError: it cannot be written.
    """
    return save(path, document(talk, spent, when), replace=replace)
