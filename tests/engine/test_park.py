"""preempt.park_at (what sweeps use) against preempt.inject (what really runs).

At every instruction of main.big_stack where the runtime would preempt, the same
machine is first asked for the analytic parked state (the live registers and
memory, plus the words pushCall and asyncPreempt would write), then really
preempted: pushCall, then runtime.asyncPreempt and asyncPreempt2 emulated up to
the mcall that parks the goroutine. The goroutine, the words written and the
whole stack walk (every step, the outcome, what the runtime prints) must agree,
for every unwinder.
"""

from __future__ import annotations

import pytest

from explainer.engine.experiments import experiment
from explainer.engine.experiments.scenario import parse
from explainer.engine.releases.runtime_data import facts_for
from explainer.engine.runtime import unwind
from explainer.engine.runtime.preempt import inject, park_at, verdict


def _reader(overlay: dict[int, int], memory: unwind.ReadWord) -> unwind.ReadWord:
    """The words preemption would write, over the machine's memory as it is now."""
    return lambda a: overlay[a] if a in overlay else memory(a)


@pytest.mark.parametrize("line", [
    "go1.23.4/65552/leaf",
    "go1.23.4/65584/nonleaf",
    "go1.25.0/65584/nonleaf",
    "go1.27.3/65552/leaf",
    "go1.26.6/65552/leaf",
])
def test_park_at_unwinds_as_the_emulated_preemption(line: str) -> None:
    s = parse(line)
    program = experiment.program_for(s)
    facts = facts_for(s.version)
    fault = experiment.fault_pc(program)
    m = experiment.start(s, program)
    m.run_until(program.return_address_after("main.main", program.target.name))
    whole_call = m.step_count  # a PC not reached within one call of big_stack never is

    compared, crashes = 0, 0
    for insn in program.target.instructions:
        m = experiment.start(s, program)
        m.run_until(insn.pc, limit=whole_call)
        if m.pc != insn.pc:
            continue
        snap = m.snapshot()
        v = verdict(program, snap.pc, snap.sp, m.bounds.lo)
        if not v.preemptible:
            continue
        b = m.bounds
        overlay: dict[int, int] = {}
        gp = park_at(program, snap.sp, snap.reg("R30"), snap.reg("R29"), v.resume_pc,
                     (b.lo, b.hi, b.stktopsp), overlay)
        read = _reader(overlay, m.read_u64)
        analytic = {t: unwind.walk(program, gp, read, t, facts.incgo_offset, s.version, fault)
                    for t in unwind.Trigger}

        parked = inject(m, v.resume_pc)
        assert gp == parked.goroutine, insn
        assert {a: m.read_u64(a) for a in overlay} == overlay, insn
        for t, walk in analytic.items():
            assert walk == unwind.walk(program, parked.goroutine, m.read_u64, t, facts.incgo_offset,
                                       s.version, fault), (insn, t)
        compared += 1
        crashes += analytic[unwind.Trigger.GC].outcome.value == "crash"

    body = [i for i in program.target.instructions if i.role == "body"]
    assert compared > len(body)  # every body instruction and the preemptible prologue/epilogue ones
    # Leaf epilogues are split in every release; non-leaf ones only before the fix (go1.25.0 has R27).
    assert crashes == (0 if line == "go1.25.0/65584/nonleaf" else 1)
