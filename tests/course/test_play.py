"""play.do and play.expect on a real Session: a lesson's step means what FORMAT.md says."""

from __future__ import annotations

import time

import pytest

from explainer.course import play
from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session


@pytest.fixture
def session() -> Session:
    return Session(parse("go1.23.4/65584"))


def test_step_is_one_instruction_even_after_run_to(session: Session) -> None:
    entry = session.function.entry
    play.do(session, "run_to body")
    play.do(session, "reset")
    play.do(session, "step")
    assert session.current.snapshot.step == 1
    assert session.current.snapshot.pc == entry + 4
    assert play.expect(session, None, "pc +0x4") is None
    play.do(session, "step 3")
    assert session.current.snapshot.step == 4


def test_back_is_one_instruction_even_after_run_to(session: Session) -> None:
    play.do(session, "run_to sp2")
    at = session.current.snapshot.step
    play.do(session, "back")
    assert session.current.snapshot.step == at - 1
    assert play.expect(session, None, "pc sp1") is None
    play.do(session, "back 2")
    assert session.current.snapshot.step == at - 3


def test_unwind_at_sp2_crashes_and_preempt_parks(session: Session) -> None:
    play.do(session, "run_to sp2")
    parked = play.do(session, "preempt")
    assert parked is not None and parked.outcome.value == "parked"
    crash = play.do(session, "unwind gc")
    assert crash is not None and crash.outcome.value == "crash"
    assert play.expect(session, crash, "outcome crash") is None
    assert play.expect(session, crash, "output traceback did not unwind completely") is None
    assert "but it was crash" in (play.expect(session, crash, "outcome clean") or "")
    assert "runtime printed" in (play.expect(session, crash, "output all goroutines are asleep") or "")


def test_expect_says_what_happened(session: Session) -> None:
    play.do(session, "run_to sp1")
    message = play.expect(session, None, "pc sp2")
    assert message is not None and "expected pc sp2" in message and "ADD $48, RSP, RSP" in message
    assert "neither preempted nor unwound" in (play.expect(session, None, "outcome crash") or "")


def test_split_is_the_uis(session: Session) -> None:
    before = session.current
    assert play.do(session, "split") is None and session.current is before


def test_run_to_no_instruction(session: Session) -> None:
    with pytest.raises(ExplainerError, match=r"\+0x9999 is no instruction of main.big_stack"):
        play.do(session, "run_to +0x9999")


def test_run_to_an_instruction_never_run_fails_fast(session: Session) -> None:
    tail = next(i for i in session.function.instructions if i.role == "morestack")
    start = time.monotonic()
    with pytest.raises(ExplainerError, match="never runs"):
        play.do(session, f"run_to +{tail.offset:#x}")
    assert time.monotonic() - start < 5  # Session.run_to alone would spin to its 200 M limit


def test_refused_at_r27(session: Session) -> None:
    play.do(session, "step")  # MOVD $65456, R27: the stack check's REGTMP
    refused = play.do(session, "preempt")
    assert refused is not None and play.expect(session, refused, "outcome refused") is None
