"""The layers hold: headless packages load no UI library, and the import-linter contracts are kept.

Every module of every headless package is found with ``pkgutil.walk_packages`` (a module added
tomorrow is checked too) and imported alone in a fresh interpreter, where nothing else can have
loaded Textual first; then ``sys.modules`` must hold neither ``textual`` nor ``rich``.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEADLESS = ("explainer.engine", "explainer.binary", "explainer.realgo", "explainer.course", "explainer.talk",
            "explainer.content", "explainer.output")
UI_LIBRARIES = ("textual", "rich")
ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    found = []
    for package in HEADLESS:
        found.append(package)
        path = importlib.import_module(package).__path__
        found += [m.name for m in pkgutil.walk_packages(path, prefix=f"{package}.")]
    return found


MODULES = _modules()

_PROBE = """
import importlib, sys
importlib.import_module(sys.argv[1])
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))))
"""


def test_the_walk_finds_every_module_file() -> None:
    """The walk is not vacuous: it finds as many modules as there are .py files in those packages
    (a folder without __init__.py holds data, such as realgo's gdb script, run by gdb's Python)."""
    files = [p for package in HEADLESS
             for p in (ROOT / package.replace(".", "/")).rglob("*.py") if (p.parent / "__init__.py").exists()]
    assert len(MODULES) == len(files) > 60


@pytest.mark.parametrize("module", MODULES)
def test_headless_module_loads_no_ui(module: str) -> None:
    run = subprocess.run([sys.executable, "-c", _PROBE, module, *UI_LIBRARIES],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"importing {module} loads {run.stdout.strip()}"


def test_import_contracts_are_kept() -> None:
    """The layers in pyproject.toml's [tool.importlinter] (CI runs lint-imports too)."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint is not None, "lint-imports is not installed: pip install -e '.[test]'"
    run = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
