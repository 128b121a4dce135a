"""What the CLI prints is what it printed before the engine was restructured (issue 15), byte for byte.

``tests/data/cli/outputs.json`` was recorded by ``tests/data/cli/record.py`` before the change and
committed on its own. The moves of issue 15 change nothing a user sees; the changes it asks for are
allowed here one by one, in the commits that make them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.data.cli.record import run

ROOT = Path(__file__).resolve().parents[1]
RECORDED: list[dict[str, Any]] = json.loads((ROOT / "tests" / "data" / "cli" / "outputs.json").read_text())


def as_before(argv: list[str], stdout: str) -> str:
    """Undo exactly the intended changes in one command's output; any other difference remains."""
    return stdout


@pytest.mark.parametrize("before", RECORDED, ids=lambda r: " ".join(r["argv"]).replace("tests/fixtures/", ""))
def test_output_is_unchanged_but_for_what_issue_15_asked(before: dict[str, Any],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the recorded command lines name fixtures from the repository's root
    now = run(before["argv"])
    assert (now["status"], now["stderr"]) == (before["status"], before["stderr"])
    assert as_before(before["argv"], str(now["stdout"])) == before["stdout"]


def test_the_recording_covers_every_command_and_outcome() -> None:
    """The recording is not vacuous: each command, crashes and refusals, unreached points, cannot-see."""
    assert {r["argv"][0] for r in RECORDED} == {"run", "sweep", "frame", "scan", "open"}
    runs = [json.loads(r["stdout"])["outcome"] for r in RECORDED if r["argv"][0] == "run"]
    assert {"crash", "clean", "refused"} <= set(runs)
    sweeps = [p for r in RECORDED if r["argv"][0] == "sweep" for p in json.loads(r["stdout"])["points"]]
    assert {p["outcome"] for p in sweeps} == {"safe", "unsafe", "not-preemptible"}
    assert any(p["reason"] == "not reached in this run" for p in sweeps)
