"""Predictions, headless: the engine's answers checked against real logs and hand arithmetic, the guess
judged with its distance, typed values read, and a broken ``## Predict:`` block reported at its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explainer.course import play, predict
from explainer.course.check import check
from explainer.course.lesson import LessonError, lessons_dir, load, load_all, parse
from explainer.course.predict import Kind, Question
from explainer.engine.experiments.scenario import parse as scenario
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.outcome import Outcome

from .texts import GOOD, line_of, write

REF = Path(__file__).resolve().parents[3] / "shared" / "reference"

SLOT = "## Predict: Which slot will the GC read as the return address?\n- kind: slot\n\n"


def _lesson(text: str) -> str:
    """GOOD with a preempt step before its GC scan, so a slot can be picked from the parked stack."""
    return text.replace("## Step: Send SIGURG and let the GC scan the stack",
                        "## Step: Send SIGURG\n- do: preempt\n- expect: outcome parked\n\n"
                        "## Step: Send SIGURG and let the GC scan the stack")


# --- the engine's answers, against independent truth ---


def test_the_slot_read_between_the_two_adds_is_the_real_logs_frame_sp() -> None:
    # The real go1.23.4 run of fast_nonleaf printed the frame.sp whose *(frame.sp) held 0 (traceback.go
    # finishInternal): that word is the slot the unwinder read as main.big_stack's return address.
    real = (REF / "crashes" / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()[0]
    frame_sp = int(re.search(r"frame\.sp=(0x[0-9a-f]+)", real).group(1), 16)  # type: ignore[union-attr]
    s = Session(scenario("go1.23.4/65584"))
    play.do(s, "run_to sp2")
    parked = play.do(s, "preempt")
    assert parked is not None
    rows = predict.stack_shown(s.current, parked).rows
    walked = play.do(s, "unwind gc")
    found = predict.answer_slot(walked, "main.big_stack")
    assert found.value == frame_sp
    right = predict.judge(Question(Kind.SLOT, "?"), frame_sp, found, rows=rows)
    assert right.right and right.distance is None
    # pushCall (signal_arm64.go :91-107) moved SP down 16 and stored LR there: the real return address,
    # picked by a learner who knows where it lives, is 16 bytes below the slot read.
    wrong = predict.judge(Question(Kind.SLOT, "?"), frame_sp - 16, found, rows=rows)
    assert not wrong.right and wrong.distance == "16 B below the answer"
    assert wrong.guess == f"{frame_sp - 16:#x} pushCall: saved LR (R30)"
    assert "spdelta 65,584" in found.why and "16 B lower" in found.why


def test_rsp_after_the_first_add_is_48_bytes_up() -> None:
    # 65,584 = 0x10030: the first ADD gives back the low 12 bits, 0x030 = 48 (lesson 2's split).
    s = Session(scenario("go1.23.4/65584"))
    play.do(s, "run_to sp1")
    before = s.current
    play.do(s, "step")
    found = predict.answer_rsp(before, s.current)
    assert found.value == before.snapshot.sp + 48
    judged = predict.judge(Question(Kind.RSP, "?"), before.snapshot.sp, found)
    assert (judged.right, judged.distance) == (False, "48 B below the answer")
    assert judged.why.startswith("ADD $48, RSP, RSP moved RSP up 48 B")
    assert "48 B into a frame the pcsp table still counts whole" in judged.why


def test_a_gc_scan_crashes_at_the_second_add_only() -> None:
    # go1.23.4 splits the release of 65,584 bytes into ADD $48 then ADD $(16<<12) (the reference objdump of
    # fast_nonleaf); only between them does SP sit mid-frame, so only the second one crashes.
    s = Session(scenario("go1.23.4/65584"))
    q = predict.lesson_question(Kind.LINE, "?", ["run_to sp2", "unwind gc"])
    found = predict.answer(q, s.current, s.current, None, s.scenario, s.function)
    assert found.crashes == (s.anchors["sp2"],)
    assert found.text == f"+{s.anchors['sp2'] - s.function.entry:#06x} ADD $(16<<12), RSP, RSP"
    before = predict.judge(q, s.anchors["sp1"], found)
    assert (before.right, before.distance) == (False, "1 instruction before the answer")
    assert "the walk ends clean" in before.why
    after = predict.judge(q, s.anchors["ret"], found)
    assert after.distance == "1 instruction after the answer"
    assert predict.judge(q, s.anchors["sp2"], found).right


def test_the_fixed_release_refuses_at_its_last_write_to_rsp() -> None:
    s = Session(scenario("go1.25.0/65584"))
    play.do(s, "run_to sp2")
    p = play.do(s, "preempt")
    q = predict.lesson_question(Kind.OUTCOME, "?", ["preempt"])
    assert q.choices == (Outcome.PARKED, Outcome.REFUSED)
    found = predict.answer_outcome(p)
    assert found.value is Outcome.REFUSED
    assert found.why.startswith("Not preemptible: names R27 explicitly")  # the verdict's own sentence
    wrong = predict.judge(q, Outcome.PARKED, found)
    assert (wrong.right, wrong.guess, wrong.answer) == (False, "preempted", "refused")


def test_outcome_choices_follow_the_walker() -> None:
    assert predict.lesson_question(Kind.OUTCOME, "?", ["unwind gc"]).choices == (
        Outcome.CRASH, Outcome.CLEAN, Outcome.REFUSED)
    assert Outcome.CANNOT_SEE in predict.lesson_question(Kind.OUTCOME, "?", ["unwind panic"]).choices
    assert predict.lesson_question(Kind.OUTCOME, "?", ["unwind gc", "preempt"]).choices == (
        Outcome.PARKED, Outcome.REFUSED)


def test_a_walks_reason_is_cut_to_its_first_sentence() -> None:
    text = ("0xe8 is not a function's PC; next() reads gp.m.incgo: a load from address 0x118. m= names "
            "the thread. offsetof(m, incgo) = 0x118 was read off go1.23.4's build.")
    assert predict.first_sentence(text) == ("0xe8 is not a function's PC; next() reads gp.m.incgo: a load "
                                            "from address 0x118.")


# --- typed values ---


@pytest.mark.parametrize(("text", "value"), [("0x40000bdf20", 0x40000BDF20), ("0X40_000b_df20", 0x40000BDF20),
                                             ("274878684960", 274878684960), (" 1,024 ", 1024), ("48", 48)])
def test_values_read_as_hex_or_decimal(text: str, value: int) -> None:
    assert predict.parse_value(text) == value


@pytest.mark.parametrize(("text", "said"), [("40000bdf20", "write hex with 0x"), ("", "type a value"),
                                            ("SP+48", "is not a number"), ("0x" + "f" * 17, "64-bit"),
                                            ("1,", "is not a number")])
def test_bad_values_say_how_to_write_one(text: str, said: str) -> None:
    with pytest.raises(predict.BadValue, match=re.escape(said)):
        predict.parse_value(text)


@given(st.text(max_size=30))
def test_reading_a_value_raises_only_bad_value(text: str) -> None:
    try:
        value = predict.parse_value(text)
    except predict.BadValue:
        return
    assert 0 <= value < 1 << 64


# --- the block, parsed and checked ---


def test_a_prediction_block_belongs_to_the_step_after_it(tmp_path: Path) -> None:
    text = _lesson(GOOD).replace("## Step: Send SIGURG and let", SLOT + "## Step: Send SIGURG and let")
    lesson = load(write(tmp_path, "06-x.md", text))
    (asked,) = lesson.predictions
    assert (asked.kind, asked.line) == ("slot", line_of(text, "## Predict:"))
    assert lesson.prediction_before(lesson.steps[2]) is asked
    assert lesson.prediction_before(lesson.steps[1]) is None
    assert check(lesson) == []


@pytest.mark.parametrize(("block", "said"), [
    ("## Predict: Q\n- kind: slit\n\n", "bad kind 'slit': one of slot, line, rsp, outcome"),
    ("## Predict: Q\n\n", "prediction has no '- kind:' line"),
    ("## Predict: Q\n- kind: rsp\n- kind: slot\n\n", "kind given twice"),
    ("## Predict: Q\n- answer: rsp\n\n", "unknown prediction line '- answer: rsp'"),
    ("## Predict:\n- kind: rsp\n\n", "'## Predict:' needs its text after the colon"),
    ("## Prediction: Q\n- kind: rsp\n\n", "did you mean"),
])
def test_a_malformed_block_is_one_error_at_its_line(block: str, said: str) -> None:
    text = GOOD.replace("## Step: Send SIGURG", block + "## Step: Send SIGURG")
    with pytest.raises(LessonError) as err:
        parse(text, "06-x.md")
    assert said in err.value.message
    assert err.value.line in range(line_of(text, "## Predict"), line_of(text, "## Step: Send SIGURG"))


def test_a_prediction_must_stand_right_before_a_step() -> None:
    text = GOOD.replace("## Checkpoint:", "## Predict: Q\n- kind: rsp\n\n## Checkpoint:")
    with pytest.raises(LessonError) as err:
        parse(text, "06-x.md")
    assert err.value.line == line_of(text, "## Predict: Q")
    assert "put its '## Step:' right after it" in err.value.message


@pytest.mark.parametrize(("kind", "before", "said"), [
    ("slot", "## Step: Run to the epilogue", "the step after it reads no return address"),
    ("outcome", "## Step: Run to the epilogue", "the step after it neither preempts nor unwinds"),
    ("line", "## Step: Send SIGURG\n", "a line prediction needs a step that unwinds"),
    ("slot", "## Step: Send SIGURG and let", None),
])
def test_a_prediction_the_lab_cannot_answer_is_reported_at_its_heading(tmp_path: Path, kind: str, before: str,
                                                                       said: str | None) -> None:
    block = f"## Predict: Q\n- kind: {kind}\n\n"
    text = _lesson(GOOD).replace(before, block + before, 1)
    path = write(tmp_path, "06-x.md", text)
    errors = check(load(path))
    if said is None:
        assert errors == []
        return
    (err,) = errors
    assert (err.file, err.line) == (str(path), line_of(text, "## Predict: Q"))
    assert err.message.startswith(f"predict {kind}: {said}")


def test_a_slot_that_is_folded_away_cannot_be_picked(tmp_path: Path) -> None:
    # Straight from the entry to the GC scan at the second ADD: the stack drawn before the step is the one
    # at the entry, where SP+48 of the frame to come is inside a folded run of words, not a row.
    text = GOOD.replace("## Step: Run to the epilogue's last write to RSP\n- do: run_to sp2\n",
                        SLOT + "## Step: Run to the epilogue's last write to RSP\n- do: run_to sp2\n"
                        "- do: unwind gc\n")
    (err,) = check(load(write(tmp_path, "06-x.md", text)))
    assert err.line == line_of(text, "## Predict:")
    assert "is not a row of the stack drawn before the step" in err.message


def test_every_lesson_from_03_on_predicts() -> None:
    lessons = load_all(lessons_dir())
    assert len(lessons) >= 10
    for lesson in lessons:
        if int(lesson.id[:2]) >= 3:
            assert lesson.predictions, f"{lesson.id} asks no prediction"
    kinds = {p.kind for lesson in lessons for p in lesson.predictions}
    assert kinds == {k.value for k in Kind}


@pytest.mark.parametrize(("text", "sentence", "clause"), [
    ("isAsyncSafePoint allows it", "isAsyncSafePoint allows it.", "isAsyncSafePoint allows it"),
    ("isShrinkStackSafe refuses. More.", "isShrinkStackSafe refuses. More.", "isShrinkStackSafe refuses"),
    ("the walk ends clean", "The walk ends clean.", "the walk ends clean"),
    ("The slot read held 0.", "The slot read held 0.", "the slot read held 0"),
])
def test_a_name_from_the_code_keeps_its_spelling_in_a_why(text: str, sentence: str, clause: str) -> None:
    # runtime/preempt.go's isAsyncSafePoint and runtime/stack.go's isShrinkStackSafe are spelt so in Go;
    # the bar said "IsAsyncSafePoint allows it" and "IsShrinkStackSafe refuses" (a sentence's capital)
    assert predict._sentence(text) == sentence
    assert predict._clause(text) == clause
