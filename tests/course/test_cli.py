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


def test_a_broken_prediction_block_is_file_line_message_and_exit_1(tmp_path: Path) -> None:
    """The installed command on three lessons: one good, one prediction with a kind that does not exist,
    one whose step cannot answer it (running to sp2 reads no return address): each is one
    ``file:line: message`` line on stdout at the ``## Predict:`` block, the count on stderr, exit 1."""
    predicted = GOOD.replace("## Step: Send SIGURG",
                             "## Predict: Will it crash?\n- kind: outcome\n\n## Step: Send SIGURG")
    bad_kind = predicted.replace("- kind: outcome", "- kind: guess")
    no_slot = GOOD.replace("## Step: Run to the epilogue's", "## Predict: Which slot?\n- kind: slot\n\n"
                                                            "## Step: Run to the epilogue's")
    write(tmp_path, "01-good.md", predicted)
    kind_path = write(tmp_path, "02-kind.md", bad_kind)
    slot_path = write(tmp_path, "03-slot.md", no_slot)
    argv = [sys.executable, "-m", "explainer.cli", "lessons", "--check", "--dir", str(tmp_path)]
    run = subprocess.run(argv, capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines() == [
        f"{kind_path}:{line_of(bad_kind, '- kind: guess')}: "
        "bad kind 'guess': one of slot, line, rsp, outcome",
        f"{slot_path}:{line_of(no_slot, '## Predict: Which slot?')}: "
        "predict slot: the step after it reads no return address: "
        "The unwinder never read main.big_stack's return address: "
        "the step neither preempted nor walked the stack.",
    ]
    assert run.stderr == "3 lessons checked: 2 mistakes in 2 files\n"
