"""The code stays typed and in style: ``mypy --strict`` over the package, ``ruff check`` over every file.

Both read their settings from pyproject.toml ([tool.mypy]: strict, files = explainer; [tool.ruff]). CI runs
them too (.ci/run); here they also guard every landing on main, where several people change code at once.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=ROOT)


def test_mypy_strict_passes_on_the_whole_package() -> None:
    run = _run("mypy")  # [tool.mypy] files: the whole package, strict
    assert run.returncode == 0, run.stdout + run.stderr
    checked = re.search(r"no issues found in (\d+) source files", run.stdout)
    assert checked, run.stdout
    assert int(checked.group(1)) == len(list((ROOT / "explainer").rglob("*.py"))), run.stdout


def test_no_compose_method_or_function_is_left_untyped() -> None:
    """A ``compose`` typed ``-> ComposeResult`` is checked like any method; an ignore would hide it."""
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in (ROOT / "explainer").rglob("*.py")
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"def compose\b.*# type: ignore|# type: ignore\[no-untyped-(def|call)\]", line)]
    assert not found, "\n".join(found)


def test_ruff_passes_on_every_file() -> None:
    run = _run("ruff", "check", ".")
    assert run.returncode == 0, run.stdout + run.stderr
