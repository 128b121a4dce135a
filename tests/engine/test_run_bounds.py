"""Issue 22, items 3 to 6 on the engine's side: every run is bounded, counted exactly, and stoppable.

Truth here is a single-stepped machine: ``Machine.step`` from the entry until the CPU stops, one
instruction a call, recording each state. The native runs (chunks of unicorn's own count, replayed
and recounted by blocks when a chunk stops early) must land on exactly those states.
"""

from __future__ import annotations

import pytest

from explainer.engine.emulator import machine as machine_module
from explainer.engine.emulator.machine import RUN_LIMIT, Machine, Snapshot
from explainer.engine.errors import Cancelled, ExplainerError
from explainer.engine.experiments import experiment
from explainer.engine.experiments.experiment import anchors, program_for, start
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session

SMALL = "go1.23.4/4112/leaf"
"""A 4 KiB leaf frame: its body runs about a thousand instructions, single-stepped in a blink."""


@pytest.fixture(autouse=True)
def _state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a bug's log would go (explainer.errorlog): never the user's own state folder."""
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path_factory.mktemp("state")))



def _single_stepped(line: str) -> list[Snapshot]:
    """Every state from the entry to the return, one ``Machine.step`` at a time."""
    m = start(parse(line))
    states = [m.snapshot()]
    while m.event is None:
        m.step()
        states.append(m.snapshot())
    assert m.event.kind == "returned"
    return states


@pytest.fixture(scope="module")
def truth() -> list[Snapshot]:
    return _single_stepped(SMALL)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 97 instructions and no short-run shortcut, so a 4 KiB frame crosses many chunks and
    every early stop goes through the replay-and-recount path."""
    monkeypatch.setattr(machine_module, "_CHUNK", 97)
    monkeypatch.setattr(machine_module, "_SHORT_RUN", 1)


def _state(m: Machine) -> tuple[int, int, tuple[int, ...]]:
    return m.step_count, m.pc, m.regs()


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("point", ["body", "epilogue", "sp1", "sp2", "ret"])
def test_a_run_to_a_point_counts_exactly_across_chunks(truth: list[Snapshot], point: str) -> None:
    m = start(parse(SMALL))
    pc = anchors(m.program.target)[point]
    assert m.run_until(pc) is None
    want = next(s for s in truth if s.pc == pc)  # the first visit
    assert _state(m) == (want.step, want.pc, want.regs)


@pytest.mark.usefixtures("small_chunks")
def test_advancing_any_count_lands_where_single_steps_do(truth: list[Snapshot]) -> None:
    end = len(truth) - 1
    for n in (1, 96, 97, 98, 500, end - 1, end):
        m = start(parse(SMALL))
        assert m.advance(n) is (None if n < end else m.event)
        want = truth[n]
        assert _state(m) == (want.step, want.pc, want.regs), n


@pytest.mark.parametrize("past", [1, 10_000, RUN_LIMIT])
def test_a_step_past_the_return_stands_at_the_return_counted(truth: list[Snapshot], past: int) -> None:
    """Before: advance ran main.main's loop (big_stack called forever) and claimed the count asked."""
    end = len(truth) - 1
    m = start(parse(SMALL))
    ev = m.advance(end + past)
    assert ev is not None and ev.kind == "returned"
    assert _state(m) == (end, truth[end].pc, truth[end].regs)


def test_run_until_a_pc_never_run_stops_at_the_return(truth: list[Snapshot]) -> None:
    m = start(parse(SMALL))
    fn = m.program.target
    never = next(i.pc for i in fn.instructions if i.role == "morestack")
    ev = m.run_until(never)
    assert ev is not None and ev.kind == "returned"
    assert m.step_count == len(truth) - 1


def test_cancelling_leaves_the_machine_at_an_exact_step(small_chunks: None, truth: list[Snapshot]) -> None:
    m = start(parse(SMALL))
    seen: list[int] = []

    def progress(done: int) -> None:
        seen.append(done)
        if len(seen) == 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        m.advance(len(truth) - 1, progress)
    assert seen == [97, 194, 291]
    assert _state(m) == (291, truth[291].pc, truth[291].regs)
    m.advance(100)  # and it runs on from there
    assert _state(m) == (391, truth[391].pc, truth[391].regs)


def test_a_cancelled_session_keeps_its_cursor(small_chunks: None) -> None:
    s = Session(parse(SMALL))
    s.goto(5)

    def stop(done: int) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        s.run_to("ret", stop)
    assert s.current.snapshot.step == 5
    assert s.run_to("ret").snapshot.pc == s.anchors["ret"]  # the session still works


def test_the_run_limit_is_said_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: "preemption point ret (...) not reached: the function never ran it" (issue 22)."""
    monkeypatch.setattr(experiment, "RUN_LIMIT", 300)
    with pytest.raises(ExplainerError) as err:
        experiment.run(parse(f"{SMALL}/at=ret"))
    assert str(err.value).endswith("not reached: stopped after 300 instructions, the most one run may "
                                   "execute")


def test_run_honours_step_as_the_lab_exports_it(truth: list[Snapshot]) -> None:
    """The README: an exported step reproduces with ``run``. Before, ``run`` ignored ``step=``."""
    fn = program_for(parse(SMALL)).target
    sp2 = anchors(fn)["sp2"]
    body = anchors(fn)["body"]
    at = next(s for s in truth if s.pc == body).step + 7  # a PC of the body's loop, not its first visit
    pc = truth[at].pc
    offset = pc - fn.entry
    r = experiment.run(parse(f"{SMALL}/at=+{offset:#x}/step={at}"))
    assert (r.snapshot.step, r.snapshot.pc, r.snapshot.regs) == (at, truth[at].pc, truth[at].regs)
    assert experiment.run(parse(f"{SMALL}/at=+{offset:#x}")).snapshot.step < at  # the first visit
    with pytest.raises(ExplainerError, match=r"^step 5 stands at \+0x14 \(.*\), not at \+0x0: leave at= out"):
        experiment.run(parse(f"{SMALL}/at=+0x0/step=5"))
    end = len(truth) - 1
    with pytest.raises(ExplainerError) as err:
        experiment.run(parse(f"{SMALL}/step={end + 1}"))
    assert str(err.value) == (f"step {end + 1:,} not reached: main.big_stack returned to main.main after "
                              f"{end:,} instructions")
    assert sp2 != pc


def test_a_step_beyond_what_one_run_may_execute_is_refused_in_words() -> None:
    """Before: ``step=99999999999`` hung the lab at 100% CPU; ``step=-1`` said "expected a number"."""
    with pytest.raises(ExplainerError) as err:
        parse("go1.23.4/65552/step=99999999999")
    assert str(err.value) == ("bad step '99999999999': expected a number from 0 to 4,000,000,000 "
                              "instructions")
    with pytest.raises(ExplainerError) as err:
        parse("go1.23.4/65552/step=-1")
    assert str(err.value) == "bad step '-1': expected a number from 0 to 4,000,000,000 instructions"
