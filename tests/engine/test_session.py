"""The lab's engine: a trace of immutable moments, the folded stack, preemption as a what-if."""

from __future__ import annotations

import pytest

from explainer.engine.experiments.experiment import anchors, program_for, start
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.unwind import Trigger

from ..ui.truth import listing, rsp_writes


def test_step_back_then_forward_shows_the_same_moment() -> None:
    s = Session(parse("go1.23.4/65584"))
    for _ in range(7):
        s.step()
    seventh = s.current
    s.back()
    s.back()
    s.step()
    s.step()
    assert s.current is seventh  # indexing the trace, not re-running


def test_goto_equals_single_stepping_a_fresh_machine() -> None:
    sc = parse("go1.23.4/65552/leaf/buffer=cloudflare")
    m = start(sc)
    for _ in range(1000):
        m.step()
    s = Session(sc)
    moment = s.goto(1000)
    assert moment.snapshot.regs == m.regs() and moment.snapshot.pc == m.pc


def test_sp_stands_mid_frame_between_the_two_adds() -> None:
    s = Session(parse("go1.23.4/65584"))
    moment = s.run_to("sp2")
    # 65584 = (16 << 12) + 48: after ADD $48, SP is 48 bytes above the frame's bottom.
    sp_row = next(r for r in moment.stack.rows if "SP" in r.marks)
    assert sp_row.addr - moment.stack.real_slot == 48
    assert moment.snapshot.sp == sp_row.addr


def test_gc_unwind_reads_16_bytes_above_the_real_return_address() -> None:
    s = Session(parse("go1.23.4/65584"))
    s.run_to("sp2")
    p = s.preempt(Trigger.GC)
    assert p.outcome.value == "crash"
    # pushCall moved SP down 16 and stored the LR the epilogue had reloaded; the unwinder reads *(SP).
    assert p.stack.distance == 16
    assert p.stack.read_slot == s.current.snapshot.sp
    assert p.walk is not None and p.walk.output[-1] == "fatal error: traceback did not unwind completely"


def test_preempting_does_not_disturb_the_stepped_cpu() -> None:
    s = Session(parse("go1.23.4/65584"))
    s.run_to("sp2")
    s.preempt(Trigger.GC)
    after = s.step()
    prog = program_for(parse("go1.23.4/65584"))
    assert after.snapshot.pc == anchors(prog.target)["ret"]  # the second ADD ran normally


def test_stack_rows_cover_memory_without_gaps() -> None:
    s = Session(parse("go1.23.4/65552/leaf"))
    s.run_to("sp2")
    rows = s.preempt(Trigger.GC).stack.rows
    for upper, lower in zip(rows, rows[1:], strict=False):
        assert lower.addr + lower.size == upper.addr, (hex(upper.addr), hex(lower.addr))


def test_fixed_release_refuses_at_r27() -> None:
    s = Session(parse("go1.25.0/65584"))
    s.run_to("sp2")
    p = s.preempt(Trigger.GC)
    assert p.outcome.value == "refused" and p.verdict.reason.value == "explicit-r27"


@pytest.mark.parametrize("size, crashes", [
    (1048576, False),  # 256 << 12: one ADD with a shifted imm12
    (1048592, True),   # 16 + (256 << 12): two ADDs, SP mid-frame between them
])
def test_megabyte_frames_grow_the_stack_clear_of_g(size: int, crashes: bool) -> None:
    s = Session(parse(f"go1.23.4/{size}/leaf"))
    s.run_to("sp2")
    p = s.preempt(Trigger.GC)
    assert (p.outcome.value == "crash") is crashes


def test_step_and_back_move_exactly_one_instruction_after_a_run() -> None:
    s = Session(parse("go1.23.4/65584"))
    at_epilogue = s.run_to("epilogue").snapshot.step
    assert s.back().snapshot.step == at_epilogue - 1
    s.reset()
    assert s.step().snapshot.step == 1  # not a jump to the recorded epilogue moment
    m = start(parse("go1.23.4/65584"))
    for _ in range(at_epilogue - 1):
        m.step()
    assert s.goto(at_epilogue - 1).snapshot.regs == m.regs()


def test_running_to_a_pc_that_never_runs_stops_when_the_function_returns() -> None:
    s = Session(parse("go1.23.4/65584"))
    tail = s.function.instructions[-1].pc  # the morestack tail: never reached on a big enough stack
    moment = s.run_to(tail)
    assert moment.snapshot.event is not None and moment.snapshot.event.kind == "returned"
    assert moment.function == "main.main"


def test_a_clean_unwind_from_the_body_reads_the_real_slot() -> None:
    """In the body the frame still holds its saved LR at SP (the prologue's STP at -8(R20) + 8):
    the unwinder reads that very slot, so the distance is 0 even though R30 = LR too."""
    s = Session(parse("go1.23.4/65584"))
    moment = s.run_to("body")
    p = s.preempt(Trigger.GC)
    assert p.outcome.value == "clean"
    assert p.stack.read_slot == p.stack.real_slot == moment.snapshot.sp
    assert p.stack.distance == 0


def test_run_to_counts_every_instruction_after_single_steps_into_the_loop() -> None:
    """A run that starts mid-loop counts the loop's blocks too (unicorn hooks only freshly translated code).

    Truth: the same run from the entry in one go; then one step back lands on the first ADD of the real
    build (the instruction before the second write to RSP in ../shared/reference's objdump).
    """
    whole = Session(parse("go1.23.4/65584")).run_to("sp2").snapshot.step
    for into_loop in (15, 17, 40):  # on CMP, on STP.P, a few turns in
        s = Session(parse("go1.23.4/65584"))
        for _ in range(into_loop):
            s.step()
        assert s.run_to("sp2").snapshot.step == whole, into_loop
        assert s.back().snapshot.pc == rsp_writes("fast_nonleaf-go1.23.4.txt")[0]


@pytest.mark.parametrize("scenario, objdump", [
    ("go1.23.4/65584", "fast_nonleaf-go1.23.4.txt"), ("go1.25.0/65584", "fast_nonleaf-go1.25.0.txt"),
    ("go1.23.4/65552/leaf", "fast_leaf-go1.23.4.txt"), ("go1.25.0/65552/leaf", "fast_leaf-go1.25.0.txt"),
    ("go1.27.3/65552/leaf", "fast_leaf-go1.27.3.txt")])
def test_sp_is_off_the_pcsp_table_only_between_the_writes_of_a_split_release(scenario: str,
                                                                              objdump: str) -> None:
    """``sp_skew`` is non-zero exactly at the PCs after the real build's first ADD to RSP and up to its last.

    Truth: the real ``go tool objdump`` (which instructions write RSP) and the frame's split, worked by
    hand: 65584 = (16<<12) + 48 and 65552 = (16<<12) + 16, so the first ADD leaves SP that many bytes above
    where the pcsp table (still the whole frame) puts it.
    """
    writes = rsp_writes(objdump)
    between = {pc for pc, _, _ in listing(objdump) if writes[0] < pc <= writes[-1]}
    low = 48 if "65584" in scenario else 16
    s = Session(parse(scenario))
    skewed = {}
    for _ in range(30):  # the stack check and the prologue, instruction by instruction
        s.step()
        if s.current.sp_skew:
            skewed[s.current.snapshot.pc] = s.current.sp_skew
    s.run_to("epilogue")
    while not s.finished:
        if s.current.sp_skew:
            skewed[s.current.snapshot.pc] = s.current.sp_skew
        s.step()
    assert set(skewed) == (between if len(writes) > 1 else set())
    assert all(v == low for v in skewed.values())
