"""Machine.run_until (native, counting with a block hook) against single steps.

Two fresh machines per PC: one runs to it natively, the other single-steps with
Machine.step until it first stands there. Registers, flags, PC, the step count
and the whole goroutine stack must be the same. One count is also worked by hand.
"""

from __future__ import annotations

import pytest

from explainer.engine.emulator.machine import Machine
from explainer.engine.experiments import experiment
from explainer.engine.experiments.scenario import parse


def _stepped_to(m: Machine, pc: int, limit: int) -> None:
    while m.pc != pc:
        assert m.step() is None, f"stopped before {pc:#x}"
        assert m.step_count <= limit


def _stack(m: Machine) -> bytes:
    return m.read_bytes(m.bounds.lo, m.bounds.hi - m.bounds.lo)


def _points(line: str) -> dict[str, int]:
    """The anchors, plus a PC inside each loop and the first one after the call (non-leaf)."""
    fn = experiment.program_for(parse(line)).target
    points = dict(experiment.anchors(fn))
    insns = fn.instructions
    points["zero-loop"] = next(i.pc for i in insns if i.go.startswith("STP.P (ZR, ZR)"))
    points["loop-head"] = next(i.pc for i in insns if i.go.startswith("MUL"))  # reached by a forward JMP
    calls = [k for k, i in enumerate(insns) if i.go == "CALL main.sink(SB)"]
    if calls:
        points["after-call"] = insns[calls[0] + 1].pc
    return points


@pytest.mark.parametrize("line", ["go1.23.4/4112/leaf", "go1.23.4/65584", "go1.27.3/65552/leaf/buffer=zeros"])
def test_run_until_reaches_the_state_single_steps_reach(line: str) -> None:
    s = parse(line)
    program = experiment.program_for(s)
    for name, pc in _points(line).items():
        native = experiment.start(s, program)
        assert native.run_until(pc) is None
        stepped = experiment.start(s, program)
        _stepped_to(stepped, pc, limit=native.step_count)
        a, b = native.snapshot(), stepped.snapshot()
        assert (a.pc, a.step, a.regs, a.nzcv) == (b.pc, b.step, b.regs, b.nzcv), name
        assert _stack(native) == _stack(stepped), name


def test_the_zeroing_loop_takes_three_instructions_per_16_bytes() -> None:
    """4112-byte leaf frame: a 4096-byte buffer, STP.P of 16 bytes ; CMP ; BLE, 256 times."""
    s = parse("go1.23.4/4112/leaf")
    fn = experiment.program_for(s).target
    loop = next(i for i in fn.instructions if i.go.startswith("STP.P (ZR, ZR)"))
    after = fn.at(loop.pc + 12)
    assert after is not None and fn.at(loop.pc + 8).go.startswith("BLE")  # type: ignore[union-attr]
    m = experiment.start(s)
    m.run_until(after.pc)
    assert m.step_count == (loop.pc - fn.entry) // 4 + 3 * (4096 // 16)
