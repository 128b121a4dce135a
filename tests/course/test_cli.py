"""`explainer lessons`: the list, and --check's file:line: message lines and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from explainer import cli

from .texts import GOOD, line_of, write


def test_check_clean_folder_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "01-race.md", GOOD)
    assert cli.main(["lessons", "--check", "--dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == "1 lesson checked: no mistakes\n"


def test_check_prints_each_mistake_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = GOOD.replace("- do: run_to sp2", "- do: run_to +0x9999").replace("{{plan 65552}}", "{{plan x}}")
    write(tmp_path, "01-race.md", GOOD)
    path = write(tmp_path, "02-bad.md", bad)
    assert cli.main(["lessons", "--check", "--dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:{line_of(bad, '{{plan x}}')}", f"{path}:{line_of(bad, '## Step: Run to')}"]
    assert err == "2 lessons checked: 2 mistakes in 1 file\n"


def test_list_shows_number_title_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "01-race.md", GOOD)
    fix = GOOD.replace("The race", "The fix").replace("go1.23.4/65584", "go1.25.0/65584")
    write(tmp_path, "02-fix.md", fix)
    assert cli.main(["lessons", "--dir", str(tmp_path)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows == [["01", "The", "race", "go1.23.4/65584"], ["02", "The", "fix", "go1.25.0/65584"]]


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lessons", "--check", "--dir", str(tmp_path / "nope")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "no lessons folder" in err


def test_the_installed_command(tmp_path: Path) -> None:
    write(tmp_path, "01-race.md", GOOD.replace("title: The race\n", ""))
    argv = [sys.executable, "-m", "explainer.cli", "lessons", "--check", "--dir", str(tmp_path)]
    run = subprocess.run(argv, capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stdout.startswith(f"{tmp_path / '01-race.md'}:1: front matter lacks title")
