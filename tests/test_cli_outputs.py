"""What the CLI prints is what it printed when ``tests/data/cli/outputs.json`` was recorded, byte for byte:
stdout, stderr and exit status.

``tests/data/cli/record.py`` records it. A change of output made on purpose remakes the recording in
the same commit, and the commit says why; any other difference is a regression. Remade so far:

- issue 15: ``run --json`` gained ``preemption`` (``preemptible``, ``reason``) and reports ``cannot-see``
  as itself; ``sweep --json`` points gained ``preemption`` and unreached points are ``not-reached``;
  ``scan --json`` findings gained their verdict's ``reason``.
- issue 18: ``run`` says on stderr, in one line, what happened (``run --json``: the same sentence as
  ``why``); ``sweep --json`` counts ``not_reached`` apart; ``open --run``'s line is that sentence too.
- the runtime engineer's pass: fields added, none changed (``frame --json`` instructions gained
  ``writes_sp``, ``spdelta``, ``unsafe_point``; ``sweep --json`` gained ``function``, ``entry``,
  ``unwind`` and per point ``sp``, ``spdelta``, ``writes_sp``; ``run --json`` gained ``go``,
  ``function``, ``entry``, ``frame_size``, ``regs_hex`` and ``value_hex``, for words past 2**53).

Every ``reason`` in the recording must be one of isAsyncSafePoint's rules, spelled as below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.data.cli.record import run

ROOT = Path(__file__).resolve().parents[1]
RECORDED: list[dict[str, Any]] = json.loads((ROOT / "tests" / "data" / "cli" / "outputs.json").read_text())


#: isAsyncSafePoint's rules (runtime/preempt.go), as the JSON spells them: why it preempts, why not.
REASONS = {"safe-point", "restartable", "restart-at-entry", "no-async-preemption", "no-stack-room",
           "not-go-code", "explicit-r27", "unsafe-sequence", "assembly-function", "runtime-function"}
PREEMPTING = {"safe-point", "restartable", "restart-at-entry"}


def _preemption(p: dict[str, Any]) -> None:
    assert set(p) == {"preemptible", "reason"} and p["reason"] in REASONS
    assert p["preemptible"] == (p["reason"] in PREEMPTING)


def check_reasons(argv: list[str], stdout: str) -> None:
    """Every isAsyncSafePoint reason a JSON output carries is one of the runtime's rules."""
    if "--json" not in argv or argv[0] == "frame":
        return
    data = json.loads(stdout)
    if argv[0] == "run":
        _preemption(data["preemption"])
    elif argv[0] == "sweep":
        for p in data["points"]:
            _preemption(p["preemption"])
    else:
        for binary in data["binaries"]:
            assert all(f["reason"] in REASONS for f in binary["findings"])


@pytest.mark.parametrize("before", RECORDED, ids=lambda r: " ".join(r["argv"]).replace("tests/fixtures/", ""))
def test_output_is_as_recorded(before: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the recorded command lines name fixtures from the repository's root
    now = run(before["argv"])
    assert (now["status"], now["stderr"], now["stdout"]) == (before["status"], before["stderr"],
                                                              before["stdout"])
    check_reasons(before["argv"], str(now["stdout"]))


def test_the_recording_covers_every_command_and_outcome() -> None:
    """The recording is not vacuous: each command, crashes and refusals, unreached points, cannot-see."""
    assert {r["argv"][0] for r in RECORDED} == {"run", "sweep", "frame", "scan", "open"}
    runs = [json.loads(r["stdout"])["outcome"] for r in RECORDED if r["argv"][0] == "run"]
    assert {"crash", "clean", "refused"} <= set(runs)
    sweeps = [p for r in RECORDED if r["argv"][0] == "sweep" for p in json.loads(r["stdout"])["points"]]
    assert {"safe", "unsafe", "not-preemptible"} <= {p["outcome"] for p in sweeps}
    for r in RECORDED:  # run says what happened, in one line on stderr, which --json carries as why
        if r["argv"][0] == "run":
            said = json.loads(r["stdout"])["why"]
            assert r["stderr"] == f"{r['argv'][1]}: {said}\n" and "\n" not in said
    # The morestack tail is judged too: the first call's path through newstack and gogo. It was "not
    # reached in this run" until issue 24's real sweeps showed the runtime preempting there (clean).
    tail = [p for p in sweeps if p["go"] == "MOVD 8(RSP), R0"]
    assert tail and all(p["reason"] != "not reached in this run" for p in tail)
