"""Issue 18, the command line: ``run`` says what happened, the sweep counts what it never reached, the
frame-size rule is stated once, and every option of every subcommand is described in ``--help``.

Each test reads what a person at a terminal reads: stdout, stderr and the exit status. Where a fact
is about Go (the instruction at the point, the runtime's words), it is checked against real
``go tool objdump`` output and real crash logs in ../shared/reference.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from explainer.cli import _parser, main

from .ui.truth import REF, listing, rsp_writes


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def said(err: str, scenario: str) -> str:
    """The one line ``run`` writes on stderr, without the scenario it starts with."""
    assert err.count("\n") == 1 and err.startswith(f"{scenario}: ") and "Traceback" not in err, err
    return err[len(scenario) + 2: -1]


def second_add(objdump: str) -> tuple[int, str]:
    """The epilogue's last write to RSP in a real build: its offset from main.big_stack's entry, its text."""
    rows = listing(objdump)
    pc = rsp_writes(objdump)[-1]
    return pc - rows[0][0], next(text for p, _, text in rows if p == pc)


def test_the_fix_is_refused_and_says_by_which_rule() -> None:
    """The README promises "preemption refused (uses R27)"; before, go1.25.0/65584 printed nothing."""
    offset, text = second_add("fast_nonleaf-go1.25.0.txt")
    assert text == "ADD R27, RSP, RSP"
    status, out, err = cli("run", "go1.25.0/65584")
    assert (status, out) == (0, "")  # the runtime prints nothing: it never stopped there
    line = said(err, "go1.25.0/65584")
    assert line.startswith(f"SIGURG at +{offset:#x} ({text}): refused (explicit-r27): "), line
    assert "names R27 explicitly" in line


def test_a_crash_prints_the_runtimes_bytes_on_stdout_and_says_why_on_stderr() -> None:
    """Stdout is byte for byte the real go1.23.4 log's first lines (on that log's goroutine stack)."""
    log = (REF / "crashes" / "fast_nonleaf-go1.23.4.log").read_bytes()
    lo, hi = re.search(rb"stack=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)", log).groups()  # type: ignore[union-attr]
    scenario = f"go1.23.4/65584/stack={lo.decode()}-{hi.decode()}"
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "run", scenario], capture_output=True,
                          timeout=120)
    assert done.returncode == 1
    assert done.stdout == b"\n".join(log.split(b"\n")[:3]) + b"\n"
    offset, text = second_add("fast_nonleaf-go1.23.4.txt")
    line = said(done.stderr.decode(), scenario)
    assert line.startswith(f"SIGURG at +{offset:#x} ({text}): preempted (safe point); the GC stack scan "
                           "crashed (traceback did not unwind completely): "), line


def test_preempted_and_walked_clean_to_goexit() -> None:
    status, out, err = cli("run", "go1.23.4/65584/at=entry")
    assert (status, out) == (0, "")
    line = said(err, "go1.23.4/65584/at=entry")
    assert line.startswith("SIGURG at +0x0 (MOVD 16(R28), R16): preempted (safe point); the GC stack scan "
                           "walked it clean: the walk reached runtime.goexit at stktopsp"), line


@pytest.mark.parametrize(("walker", "label", "why"), [
    ("panic", "the panic cannot see it: ", "a panic unwinds only the panicking goroutine's own stack"),
    ("copy", "the stack copy cannot see it: ", "isShrinkStackSafe refuses while gp.asyncSafePoint is set"),
    ("traceback", "the traceback of all goroutines walked it clean: ", "stopped early"),
    ("goroutine-profile", "the goroutine profile walked it clean: ", "stopped early"),
])
def test_a_walker_that_prints_nothing_says_why(walker: str, label: str, why: str) -> None:
    """Before: unwind=traceback, unwind=goroutine-profile and unwind=panic printed nothing and exited 0."""
    scenario = f"go1.23.4/65584/unwind={walker}"
    status, out, err = cli("run", scenario)
    assert (status, out) == (0, "")
    line = said(err, scenario)
    assert "preempted (safe point); " + label in line and why in line, line


def test_json_carries_the_outcome_the_rule_and_the_same_sentence() -> None:
    status, out, err = cli("run", "go1.25.0/65584", "--json")
    report = json.loads(out)
    assert status == 0 and report["outcome"] == "refused"
    assert report["preemption"] == {"preemptible": False, "reason": "explicit-r27"}
    assert report["why"] == said(err, "go1.25.0/65584")
    status, out, err = cli("run", "go1.23.4/65584/unwind=panic", "--json")
    report = json.loads(out)
    assert (report["outcome"], report["preemption"]["reason"]) == ("cannot-see", "safe-point")
    assert report["why"] == said(err, "go1.23.4/65584/unwind=panic")


def test_the_sweep_counts_unreached_instructions_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """A point the run never reached is not-reached, never safe, and the summary counts it apart.

    Since issue 24 the reproducer's sweeps reach every instruction (the morestack tail too), so the
    engine's sweep is wrapped to leave the last two instructions unreached, as a function with a path
    the run does not take would: what is tested is what the command prints for such points.
    """
    from dataclasses import replace

    from explainer.engine.experiments import sweep as engine_sweep
    from explainer.engine.runtime.outcome import Outcome

    real = engine_sweep.sweep

    def two_unreached(s):  # type: ignore[no-untyped-def]
        points = real(s)
        return points[:-2] + [replace(p, outcome=Outcome.NOT_REACHED, why="not reached in this run",
                                      message=None, error=None) for p in points[-2:]]

    monkeypatch.setattr(engine_sweep, "sweep", two_unreached)
    status, out, _ = cli("sweep", "--go", "1.23.4", "--size", "65584")
    rows, summary = out.splitlines()[:-1], out.splitlines()[-1]
    assert status == 0 and [r.split()[0] for r in rows if re.search(r"\snot-reached\s", r)] == \
        [r.split()[0] for r in rows[-2:]]
    assert not any(re.search(r"\ssafe\s.*not reached", r) for r in rows)
    assert summary == (f"1 unsafe instruction out of {len(rows)} · 2 not reached in this run "
                       "(never executed, so never preempted)")
    data = json.loads(cli("sweep", "--go", "1.23.4", "--size", "65584", "--json")[1])
    assert data["not_reached"] == 2 and [p["outcome"] for p in data["points"][-2:]] == ["not-reached"] * 2
    monkeypatch.undo()
    status, out, _ = cli("sweep", "--go", "1.23.4", "--size", "65584")  # every instruction reached
    assert out.splitlines()[-1] == f"1 unsafe instruction out of {len(rows)}"


def test_a_1_gib_frame_gets_one_rule_with_the_largest_accepted_value() -> None:
    """Before: "frames are below 2 GiB", then, for 1 GiB, a message about a constant-pool spill."""
    for argv in (["run", "go1.23.4/1073741824"], ["sweep", "--go", "1.23.4", "--size", "1073741824"]):
        status, out, err = cli(*argv)
        assert (status, out) == (2, "") and err.count("\n") == 1
        assert err.startswith("explainer: bad frame size 1,073,741,824: a go1.23.4 non-leaf frame is a "
                              "multiple of 16 from 64 to 16,805,888 bytes (past that, "), err
        assert "2 GiB" not in err and "spill slot at" not in err
    status, _, err = cli("run", "go1.23.4/1073741840/leaf")
    assert status == 2 and "a go1.23.4 leaf frame is a multiple of 16 from 32 to 1,073,741,824 bytes" in err


def _options(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                found += _options(subparser, sub)
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            found.append((name, action))
    return found


def test_every_option_of_every_subcommand_is_described_in_its_help() -> None:
    """Before: ``run --help`` described --stack only."""
    options = _options(_parser(), "explainer")
    assert {name for name, _ in options} >= {"run", "sweep", "frame", "lessons", "scan", "open", "present"}
    for name, action in options:
        assert action.help and action.help != argparse.SUPPRESS, (name, action.option_strings or action.dest)
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit):
        main(["run", "--help"])
    lines = out.getvalue().splitlines()
    for option in ("scenario", "--stack 0xLO-0xHI", "--json"):  # each followed by its words, as drawn
        row = next(ln for ln in lines if ln.startswith(f"  {option} "))
        assert len(row[len(option) + 2:].split()) >= 3, row


def test_the_readmes_example_is_what_run_prints() -> None:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    shown = text.split("    $ explainer run go1.25.0/65584\n", 1)[1].splitlines()[0].strip()
    assert cli("run", "go1.25.0/65584")[2] == shown + "\n"


def test_a_missing_talk_file_is_one_plain_line(tmp_path: Path) -> None:
    """Issue 18: a missing talk said 'file:1: cannot read the talk: FileNotFoundError: [Errno 2] ...'."""
    missing = tmp_path / "nowhere.toml"
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(missing), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    said = f"explainer: no talk file {str(missing)!r}: no such file (shipped talks: split-epilogue)\n"
    assert done.stderr == said
