"""What a wheel ships is what the checkout has: the lessons, the talks and the logs the app reads.

The top-level ``lessons/``, ``assets/talks/`` and ``assets/logs/`` are the sources contributors edit;
pyproject.toml's package-data copies them into the wheel under ``explainer/content/``, where
``importlib.resources`` finds them (``explainer.content``). This builds a real wheel and compares.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Where each source folder lands in the wheel.
SHIPPED = {"lessons": "explainer/content/lessons", "assets/talks": "explainer/content/talks",
           "assets/logs": "explainer/content/logs", "explainer/realgo/src": "explainer/realgo/src"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """A wheel built as a fresh clone builds it: from the sources alone, links kept, no egg-info (whose
    SOURCES.txt would otherwise put in whatever an earlier build found, and hide a missing rule)."""
    src, out = tmp_path_factory.mktemp("src") / "checkout", tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".*", "*.egg-info", "build", "dist", "__pycache__", "tests", "bench"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
                   check=True, capture_output=True)
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


@pytest.mark.parametrize(("source", "packaged"), SHIPPED.items())
def test_the_wheel_ships_each_source_file_byte_for_byte(wheel: zipfile.ZipFile, source: str,
                                                        packaged: str) -> None:
    files = {p.relative_to(ROOT / source).as_posix(): p.read_bytes()
             for p in (ROOT / source).rglob("*") if p.is_file() and not p.name.startswith(".")}
    shipped = {n.removeprefix(packaged + "/"): wheel.read(n) for n in wheel.namelist()
               if n.startswith(packaged + "/")}
    assert files, f"nothing in {source}"
    assert sorted(shipped) == sorted(files)
    assert shipped == files


def test_the_shipped_course_is_the_one_the_app_reads() -> None:
    """In this install the app's folders are the sources themselves (links), not a stale copy."""
    from explainer import content

    assert content.lessons_dir().resolve() == (ROOT / "lessons").resolve()
    assert content.talks_dir().resolve() == (ROOT / "assets" / "talks").resolve()
    assert content.logs_dir().resolve() == (ROOT / "assets" / "logs").resolve()
