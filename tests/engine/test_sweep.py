"""sweep() against preempting for real, one fresh machine per point.

The sweep runs the function once, natively, with callbacks only at first visits,
on a machine it keeps and resets between sweeps, and computes the parked state
instead of running asyncPreempt. The slow way here shares none of that: a new
Machine for every instruction, ``run_until`` to its first visit (itself checked
against single-stepping in test_machine_run.py), the runtime's verdict, the
real ``inject`` (pushCall, then asyncPreempt emulated to its mcall), the walk.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.engine.experiments import experiment
from explainer.engine.experiments import sweep as sweep_module
from explainer.engine.experiments.scenario import Scenario, parse
from explainer.engine.experiments.sweep import Point, sweep
from explainer.engine.releases.runtime_data import facts_for
from explainer.engine.runtime import unwind
from explainer.engine.runtime.preempt import inject, verdict

REF = Path(__file__).resolve().parents[3] / "shared" / "reference"
SCENARIOS = [
    "go1.23.4/64",
    "go1.27.3/32/leaf",
    "go1.25.0/4144",  # the fix: R27 in the epilogue
    "go1.23.4/4112/leaf/buffer=cloudflare/unwind=traceback",
    "go1.24.3/4160/buffer=planted-pc/unwind=goroutine-profile",
    "go1.23.4/65552/leaf/buffer=zeros",
    "go1.27.3/65552/leaf/buffer=cloudflare",  # unknown caller pc
    "go1.25.0/65584/buffer=cloudflare/unwind=traceback",
]


def _slowly(s: Scenario) -> list[tuple[int, str, str, str | None]]:
    """(pc, outcome, reason, message) at every instruction reached, preempting for real on a fresh machine."""
    program = experiment.program_for(s)
    facts = facts_for(s.version)
    # One whole call of big_stack, in instructions: a PC not reached within it is never reached.
    m = experiment.start(s, program)
    m.run_until(program.return_address_after("main.main", program.target.name))
    whole_call = m.step_count
    out = []
    for insn in program.target.instructions:
        m = experiment.start(s, program)
        m.run_until(insn.pc, limit=whole_call)
        if m.pc != insn.pc:
            continue  # never executed in this run (the morestack tail)
        snap = m.snapshot()
        v = verdict(program, snap.pc, snap.sp, m.bounds.lo)
        if not v.preemptible:
            out.append((insn.pc, "refused", v.why, None))
            continue
        parked = inject(m, v.resume_pc)
        w = unwind.walk(program, parked.goroutine, m.read_u64, s.unwind, facts.incgo_offset, s.version,
                        experiment.fault_pc(program), hexdump=False,
                        measured=experiment.measured_note(program))  # the sweep's contract (see walk)
        out.append((insn.pc, w.outcome.value, w.reason, w.message))
    return out


def _reached(points: list[Point]) -> list[tuple[int, str, str, str | None]]:
    return [(p.pc, p.outcome.value, p.why, p.message) for p in points
            if p.outcome.value != "not-reached" and p.role != "morestack"]


@pytest.mark.parametrize("line", SCENARIOS)
def test_sweep_equals_preempting_for_real_on_fresh_machines(line: str) -> None:
    s = parse(line)
    points = sweep(s)
    assert [p.pc for p in points] == [i.pc for i in experiment.program_for(s).target.instructions]
    assert _reached(points) == _slowly(s)


@pytest.mark.parametrize("line", ["go1.23.4/65552/leaf", "go1.23.4/65584/buffer=cloudflare"])
def test_a_reused_machine_sweeps_as_a_fresh_one(line: str) -> None:
    s = parse(line)
    first = sweep(s)
    # Other sweeps in between (another trigger on the same machine, another frame on another).
    sweep(parse(f"{line}/unwind=traceback"))
    sweep(parse("go1.27.3/4112/leaf"))
    assert sweep(s) == first
    # A busy machine (another thread sweeping) means a fresh one: same answer.
    rig = sweep_module._rig(s.version, s.size, s.leaf, s.buffer, experiment.effective_stack(s))
    with rig.lock:
        assert sweep(s) == first


def test_the_only_unsafe_point_is_the_pc_of_the_real_crash_log() -> None:
    """fast_leaf-go1.23.4.log shows goroutine 1 preempted in main.big_stack at +0xa4."""
    log = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text()
    m = re.search(r"^main\.big_stack\(.*\)\n\t\S+ \+(0x[0-9a-f]+) ", log, re.M)
    assert m
    points = sweep(parse("go1.23.4/65552/leaf"))
    unsafe = [p for p in points if p.outcome.value == "crash"]
    assert [(p.offset, p.go) for p in unsafe] == [(int(m[1], 16), "ADD $(16<<12), RSP, RSP")]
    assert unsafe[0].message and unsafe[0].message.splitlines() == log.splitlines()[:3]


def test_a_stack_too_big_to_keep_sweeps_on_a_fresh_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    s = parse("go1.23.4/65584/buffer=planted-pc")
    kept = sweep(s)
    monkeypatch.setattr(sweep_module, "_RIG_STACK_LIMIT", 0)
    assert sweep(s) == kept


def test_a_remembered_walk_is_reused_only_while_the_words_it_read_are_unchanged() -> None:
    memo = sweep_module.WalkMemo()
    memory = {0x1000: 0, 0x1008: 0x77C00}
    memo.remember((1, 2), [(0x1000, 0), (0x1008, 0x77C00)], ("unsafe", "why", "fatal error: x"))
    assert memo.recall((1, 2), memory.__getitem__) == ("unsafe", "why", "fatal error: x")
    assert memo.recall((1, 3), memory.__getitem__) is None  # another key
    memory[0x1008] = 0x77C04  # the body wrote a word the walk read: walk again
    assert memo.recall((1, 2), memory.__getitem__) is None
