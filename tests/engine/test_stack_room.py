"""The lab's verdict refuses when the stack has no room for asyncPreempt (issue 20, item 1).

Go: ``if sp < gp.stack.lo || sp-gp.stack.lo < asyncPreemptStack { return false, 0 }`` (go1.23.4
src/runtime/preempt.go:379), with ``asyncPreemptStack = funcMaxSPDelta(asyncPreempt) +
funcMaxSPDelta(asyncPreempt2) + 8*goarch.PtrSize`` (the same file's init, :317-323). The two frames are
the real builds' (tests/data/realgo/runtime_facts.json: ``SUB $496, RSP, RSP`` up to go1.25.0, ``SUB
$240, RSP, RSP`` from go1.26; asyncPreempt2's ``MOVD.W R30, -32(RSP)``), so by hand 496 + 32 + 64 = 592
bytes on go1.23.4 and 240 + 32 + 64 = 336 on go1.27.3. The PC is one the runtime would otherwise
preempt (the body's first instruction): only the stack decides.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.preempt import verdict
from explainer.engine.runtime.safepoint import Reason

REALGO = Path(__file__).resolve().parents[1] / "data" / "realgo"
FACTS = json.loads((REALGO / "runtime_facts.json").read_text())


@pytest.mark.parametrize(("version", "need"), [("1.23.4", 496 + 32 + 64), ("1.27.3", 240 + 32 + 64)])
def test_the_runtime_refuses_one_byte_short_of_async_preempt_stack(version: str, need: int) -> None:
    real = FACTS[version]["programs"]["fast_leaf"]["functions"]
    frames = real["runtime.asyncPreempt"]["frame_size"] + real["runtime.asyncPreempt2"]["frame_size"]
    assert frames + 8 * 8 == need
    s = Session(parse(f"go{version}/65552/leaf"))
    pc, lo = s.anchors["body"], s.bounds.lo
    assert verdict(s.program, pc, lo + need, lo).reason is Reason.SAFE_POINT
    assert verdict(s.program, pc, lo + need - 1, lo).reason is Reason.NO_STACK_ROOM
    assert verdict(s.program, pc, lo - 16, lo).reason is Reason.NO_STACK_ROOM  # sp < gp.stack.lo
