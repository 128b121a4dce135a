"""Issue 18, small things: `present --check` stopped at a talk's first structural mistake, and a missing
talk was reported as "file:1: cannot read the talk: FileNotFoundError: [Errno 2] ...".

Run as a person runs it (a child `explainer`), reading stdout, stderr and the exit status. The lines
below are counted by hand in the talk text each test writes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from explainer.engine.errors import ExplainerError
from explainer.talk import script

CHILD = "import sys; from explainer.cli import main; sys.exit(main(sys.argv[1:]))"


def _explainer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=120)


TALK = """format_version = 1
title = "three broken beats"

[[beat]]
colour = "red"

[[beat]]
title = "no panes"
scenario = "go1.23.4/65584"
caption = "c"

[[beat]]
title = "a bad pane"
scenario = "go1.23.4/65584"
panes = ["stakc"]
caption = "c"
"""


def test_check_lists_every_beats_mistake_at_its_line(tmp_path: Path) -> None:
    talk = tmp_path / "broken.toml"
    talk.write_text(TALK)
    run = _explainer("present", str(talk), "--check")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{talk}:5", "beat 1"],   # colour = "red": an unknown key
        [f"{talk}:7", "beat 2"],   # the [[beat]] with no panes
        [f"{talk}:15", "beat 3"],  # panes = ["stakc"]
    ], run.stdout
    assert "unknown key 'colour'" in lines[0] and "no panes" in lines[1]
    assert "unknown pane 'stakc'" in lines[2]
    assert run.stderr == "the talk's structure: 3 mistakes\n"


def test_presenting_a_broken_talk_lists_them_too_and_exits_2(tmp_path: Path) -> None:
    talk = tmp_path / "broken.toml"
    talk.write_text(TALK)
    run = _explainer("present", str(talk))
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 4 and run.stderr.endswith("the talk's structure: 3 mistakes\n")


def test_a_talk_file_gone_before_it_is_read_is_one_plain_sentence(tmp_path: Path) -> None:
    """The CLI checks the path first (tests/test_cli_says.py); the reader says the same if it went since."""
    missing = tmp_path / "no-such-talk.toml"
    with pytest.raises(ExplainerError) as err:
        script.load(missing)
    assert str(err.value) == f"no talk at {missing}: explainer present --list lists the shipped talks"
