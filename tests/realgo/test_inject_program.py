"""What ``explainer inject`` ships: the traceback variants of the reproducers and the gdb script.

No tools needed. The variants must be the published programs but for ``main`` (and the one import
line it needs), so main.big_stack keeps its code and its line numbers; test_inject_real.py holds a
real build of each to the same instructions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from explainer.realgo.build import Shape, source
from explainer.realgo.gdbrun import script_text

ROOT = Path(__file__).resolve().parents[2]


def _before_main(text: str) -> list[str]:
    return text[: text.index("func main() {")].splitlines()


@pytest.mark.parametrize("shape", list(Shape))
def test_the_traceback_variant_is_the_program_but_for_main(shape: Shape) -> None:
    original, variant = source(shape).decode(), source(shape, traceback=True).decode()
    head, new_head = _before_main(original), _before_main(variant)
    assert head[2] == 'import "runtime"'
    changed = [k for k, (a, b) in enumerate(zip(head, new_head, strict=False)) if a != b]
    assert changed == [2]  # the import line, and only it, before main: big_stack's lines hold
    assert new_head[2].startswith('import ("os"; "runtime"; "sync/atomic"; "time")')
    assert new_head[: len(head)][3:] == head[3:]
    main = variant[variant.index("func main() {"):]
    assert "runtime.GC()" not in variant  # no GC loop: the traceback is the only walk
    assert "var dump uint32" in variant and "runtime.Stack(buf, true)" in main
    assert "_ = big_stack(1000)" in main


def test_the_script_and_variants_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["explainer.realgo"]
    for rel in ("gdbscripts/inject.py", *(f"src/traceback/{s.program}.go" for s in Shape)):
        assert (ROOT / "explainer" / "realgo" / rel).is_file()
        assert any(fnmatch(rel, pat) for pat in patterns), rel


def test_the_gdb_script_needs_only_gdb_and_the_standard_library() -> None:
    """It runs in gdb's own Python, where explainer is not installed."""
    tree = ast.parse(script_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"gdb", "json", "os", "time"} | set(sys.stdlib_module_names)
    assert "explainer" not in imported


def test_inject_imports_no_ui() -> None:
    code = ("import sys, explainer.cli, explainer.commands.inject, explainer.realgo.inject, "
            "explainer.realgo.real_sweep, explainer.realgo.inject_report, explainer.realgo.model_check; "
            "sys.exit(1 if [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')] else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
