"""One step as JSON: the CLI's report and the lab's are one shape, checked against the real crash log."""

from __future__ import annotations

import json
import re

import pytest

from explainer import cli
from explainer.engine.experiments import experiment, report
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session

from ..ui.truth import REF

LOG = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text()


def test_run_json_names_the_logs_slot_value_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    lo, hi = re.search(r"stack=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)", LOG).groups()  # type: ignore[union-attr]
    frame_sp = int(re.search(r"frame\.sp=(0x[0-9a-f]+)", LOG).group(1), 16)  # type: ignore[union-attr]
    assert cli.main(["run", "go1.23.4/65552/leaf", "--stack", f"{lo}-{hi}", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    big = next(u for u in out["unwind"] if u["function"] == "main.big_stack")
    # The log's frame for main.big_stack has sp=0x40000bdf20: the unwinder read *(frame.sp) and found 0.
    assert (big["slot"], big["value"]) == (frame_sp, 0)
    assert "fatal error: traceback did not unwind completely" in LOG.splitlines()
    assert out["output"][-1] == "fatal error: traceback did not unwind completely"


@pytest.mark.parametrize("line", ["go1.23.4/65584", "go1.25.0/65584",
                                  "go1.23.4/65552/leaf/unwind=goroutine-profile",
                                  "go1.27.3/65552/leaf/buffer=cloudflare"])
def test_a_lab_step_reports_as_run_does(line: str) -> None:
    s = parse(line)
    session = Session(s)
    session.run_to("sp2")
    lab = report.dumps(report.of_session(session, session.preempt(s.unwind)))
    assert lab == report.dumps(report.of_result(experiment.run(s)))


def test_a_later_visit_is_named_by_its_step_and_reopens_there() -> None:
    session = Session(parse("go1.23.4/65552/leaf"))
    seen: dict[int, int] = {}
    step = 0
    while session.current.snapshot.pc not in seen:  # the zeroing loop brings a PC round again
        seen[session.current.snapshot.pc] = step
        step += 1
        session.goto(step)
    again = report.of_session(session, None)
    session.goto(seen[session.current.snapshot.pc])
    first = report.of_session(session, None)
    assert again["snapshot"]["pc"] == first["snapshot"]["pc"]
    assert again["outcome"] == first["outcome"] == "running"
    assert "step=" not in first["scenario"] and again["scenario"].endswith(f"/step={step}")
    reopened = Session(parse(again["scenario"]))
    assert reopened.current.snapshot.step == step
    assert reopened.current.snapshot.regs == tuple(again["snapshot"]["regs"].values())
