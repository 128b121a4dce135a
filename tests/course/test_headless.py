"""The course is headless like the engine: importing it loads no UI library."""

from __future__ import annotations

import subprocess
import sys


def test_course_imports_no_ui() -> None:
    modules = ", ".join(f"explainer.course.{m}" for m in
                        ("lesson", "blocks", "commands", "facts", "play", "check", "progress", "handout"))
    code = (f"import sys, {modules}; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; print(bad); "
            "sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
