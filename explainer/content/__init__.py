"""What the app reads at run time and ships inside the package: the course, the talks, the real logs.

Contributors edit the top-level ``lessons/``, ``assets/talks/`` and ``assets/logs/``; the folders here
are links to them, and the packaging config (pyproject.toml's package-data) copies their files into
every wheel, so ``pip install .`` and ``pipx install .`` work from any folder, and an editable
install reads the sources themselves. Found with ``importlib.resources``, never from ``__file__``.
tests/test_packaging.py builds a wheel and fails when its copy differs from the sources.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _folder(name: str) -> Path:
    # An installed package is a folder on disk (no zip imports): its resources are plain paths.
    return Path(str(resources.files(__name__) / name))


def lessons_dir() -> Path:
    """The course: ``NN-slug.md`` lessons and ``FORMAT.md``."""
    return _folder("lessons")


def talks_dir() -> Path:
    """The shipped talks, one TOML file each."""
    return _folder("talks")


def logs_dir() -> Path:
    """Real crash logs the lessons and talks quote."""
    return _folder("logs")


def shipped_talks() -> dict[str, Path]:
    """The shipped talks by name (the file name without ``.toml``), sorted."""
    return {p.stem: p for p in sorted(talks_dir().glob("*.toml"))}
