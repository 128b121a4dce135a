"""Talks are headless like the engine and the course: importing them loads no UI library."""

from __future__ import annotations

import subprocess
import sys


def test_talk_imports_no_ui() -> None:
    names = ("script", "locate", "stage", "beatfacts", "cue", "live")
    modules = ", ".join(f"explainer.talk.{m}" for m in names)
    code = (f"import sys, explainer.present, {modules}; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; print(bad); "
            "sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
