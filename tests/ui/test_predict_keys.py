"""Predictions, the rest of issue 29's must-shows, read from the painted screen: the footer says how to
answer each kind; the lab's prediction mode (m) is off by default, in help and the palette, remembered, and
asks before p, each walk key and s onto a write to RSP (and only then); the lab's outcome question
(crash, clean or refused) answered right and wrong by key and by mouse, with the why painted; the course
screen says per lesson how the predictions went at the first try.

Independent truth: the real go1.23.4 run of fast_nonleaf crashed in the GC's stack scan preempted between
the two ADDs (../shared/reference/crashes, "traceback did not unwind completely"), and the real log's
frame.sp; the real objdump's immediates of the two ADDs (ADD $48 and ADD $(16<<12), that is 65,536); the
go1.25.0 build releases the frame with ADD R27, RSP, RSP, which the runtime refuses to preempt (its
UnsafePoint in the real -gcflags=-S is unsafe: the R27 sequence).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from textual.widgets import OptionList

from explainer.course.lesson import lessons_dir, load, load_all
from explainer.course.predict import CHOICE_WORDS
from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.course import CourseScreen
from explainer.ui.screens.progress_store import ProgressStore
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.prediction import PredictionBar
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import region, screen, settle
from .test_predict_drawn import _asked, _frame_sp
from .truth import listing, rsp_writes

OBJDUMP = "fast_nonleaf-go1.23.4.txt"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _bar(app: ExplainerApp) -> str:
    """The prediction bar as painted, its lines joined and its spaces one."""
    return " ".join(" ".join(region(app, app.screen.query_one(PredictionBar))).split())


def _said(app: ExplainerApp, widget: type[UnwindPanel]) -> str:
    """A panel's painted text inside its border, one line, its spaces one."""
    lines = region(app, app.screen.query_one(widget))[1:-1]
    return " ".join(" ".join(ln.strip("│▁▂▃▄▅▆▇█ ") for ln in lines).split())


def _footer(app: ExplainerApp) -> str:
    return screen(app)[-1]


def _adds() -> tuple[int, int]:
    """The two ADDs' immediates as the real objdump prints them: 48 and (16<<12)."""
    text = {pc: t for pc, _, t in listing(OBJDUMP)}
    first, second = (text[pc] for pc in rsp_writes(OBJDUMP)[:2])
    a = int(re.fullmatch(r"ADD \$(\d+), RSP, RSP", first).group(1))  # type: ignore[union-attr]
    m = re.fullmatch(r"ADD \$\((\d+)<<(\d+)\), RSP, RSP", second)
    assert m is not None, second
    return a, int(m.group(1)) << int(m.group(2))


def _painted_rsp(app: ExplainerApp) -> int:
    text = " ".join(region(app, app.screen.query_one(RegistersPanel)))
    return int(re.search(r"RSP\s+(0x[0-9a-f]+)", text).group(1), 16)  # type: ignore[union-attr]


# --- the footer says how to answer, for each kind ---


@pytest.mark.parametrize(("lesson", "keys", "how"), [
    ("06-race", ["↑↓ pick a stack row", "⏎ answer", "esc not now"], "↑ ↓ pick a stack row, enter answers"),
    ("09-scale", ["↑↓ pick a line", "⏎ answer", "esc not now"],
     "↑ ↓ pick a disassembly line, enter answers"),
    ("03-frame", ["⏎ answer", "esc not now"], "type RSP in hex (0x…) or decimal, then enter"),
    ("04-preemption", ["1 preempted", "2 refused", "esc not now"], "press a number or click a button"),
], ids=["slot", "line", "rsp", "outcome"])
async def test_the_footer_says_how_to_answer(lesson: str, keys: list[str], how: str, state: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, app, lesson)
        footer = _footer(app)
        for key in keys:
            assert key in footer, footer
        assert how in _bar(app)
        assert "do the next step" not in footer  # the lesson's own enter waits while the lab asks
        assert "previous" not in footer and "next" not in footer, footer  # ↑ ↓ say what they pick


async def test_the_lab_footer_names_the_three_outcomes(state: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m", "w", "g")
        await settle(pilot)
        footer = _footer(app)
        assert "1 crash" in footer and "2 clean" in footer and "3 refused" in footer, footer
        assert "s step" not in footer  # the lab's keys wait
        await pilot.press("1")
        await settle(pilot)
        assert "1 crash" not in _footer(app) and "s step" in _footer(app)


# --- the lab's prediction mode ---


async def test_prediction_mode_is_off_by_default(state: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g")
        await settle(pilot)
        pane = app.screen.query_one(LabPane)
        assert not pane.asking and not app.screen.query_one(PredictionBar).display
        said = _said(app, UnwindPanel)
        assert "traceback did not unwind completely" in said, said  # the scan ran at once
        assert "predicting" not in screen(app)[0]
    assert not (state / "preferences.json").exists()


async def test_m_is_in_the_help_and_the_palette_and_remembered(state: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        rows = [" ".join(r.split()) for r in screen(app)]
        assert any(r.startswith("│ m Prediction mode on or off") or " m Prediction mode on or off" in r
                   for r in rows), rows
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"prediction mode")
        await pilot.pause(0.3)
        assert "Prediction mode" in " ".join(screen(app))
        await pilot.press("enter")
        await settle(pilot)
        assert "predicting" in screen(app)[0]
        assert json.loads((state / "preferences.json").read_text())["predict"] is True
        await pilot.press("m")  # off again, and remembered off
        await settle(pilot)
        assert "predicting" not in screen(app)[0]
    assert json.loads((state / "preferences.json").read_text())["predict"] is False
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g")
        await settle(pilot)
        assert not app.screen.query_one(LabPane).asking


@pytest.mark.parametrize(("key", "asked"), [
    ("p", "SIGURG at +0x00c0 ADD $(16<<12), RSP, RSP: will the runtime preempt here?"),
    ("g", "Preempt at +0x00c0 ADD $(16<<12), RSP, RSP, then a GC stack scan"),
    ("t", "then a traceback"), ("n", "then a panic"), ("f", "then a goroutine profile"),
    ("c", "then a stack copy")])
async def test_the_mode_asks_before_p_and_each_walk_key(key: str, asked: str, state: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "w", key)
        await settle(pilot)
        pane = app.screen.query_one(LabPane)
        assert pane.asking and pane.preemption is None  # asked first: nothing has run
        bar = _bar(app)
        assert asked in bar, bar
        await pilot.press("1")  # the first outcome offered
        await settle(pilot)
        bar = _bar(app)
        assert pane.preemption is not None  # the answer ran the command
        judged = re.search(r"(✓ right: (crash|preempted|clean|refused|cannot see)|your guess (\w+) · the "
                           r"answer (crash|preempted|clean|refused|cannot see))", bar)
        assert judged is not None, bar
        shown = judged.group(2) or judged.group(4)
        assert shown == CHOICE_WORDS[pane.preemption.outcome]  # the answer is what the pane ran
        why = bar.split(judged.group(0), 1)[1].strip()
        assert len(why) > 20 and why.endswith("."), bar  # one sentence why, painted under it
        if key in "pg":  # the real run: preempted between the two ADDs, and the GC's scan crashed
            assert shown == ("preempted" if key == "p" else "crash")


async def test_s_asks_only_onto_a_write_to_rsp_typed_in_decimal_and_in_hex(state: Path) -> None:
    small, big = _adds()
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "s")  # MOVD 16(R28), R16 writes no RSP: it just steps
        await settle(pilot)
        pane = app.screen.query_one(LabPane)
        assert not pane.asking and pane.session.current.snapshot.step == 1
        await pilot.press("e", "s")  # the epilogue's LDP writes no RSP either: it steps, onto ADD $48
        await settle(pilot)
        assert not pane.asking
        await pilot.press("s")
        await settle(pilot)
        assert pane.asking and "What will RSP be after ADD $48, RSP, RSP?" in _bar(app)
        sp = _painted_rsp(app)
        await pilot.press(*str(sp + small), "enter")  # right, in decimal
        await settle(pilot)
        bar = _bar(app)
        assert f"✓ right: {sp + small:#x}" in bar and f"from {sp:#x} to {sp + small:#x}" in bar, bar
        await pilot.press("s")  # onto the second ADD: asked again
        await settle(pilot)
        assert pane.asking and "What will RSP be after ADD $(16<<12), RSP, RSP?" in _bar(app)
        sp = _painted_rsp(app)
        await pilot.press(*f"{sp + small:#x}", "enter")  # wrong, in hex: as if it were the first ADD again
        await settle(pilot)
        bar = _bar(app)
        assert f"your guess {sp + small:#x}" in bar and f"the answer {sp + big:#x}" in bar, bar
        assert f"{big - small:,} B below the answer" in bar, bar
        assert f"moved RSP up {big:,} B, from {sp:#x} to {sp + big:#x}" in bar, bar


# --- the lab's outcome question, right and wrong, by key and by mouse ---


@pytest.mark.parametrize(("how", "right"), [("3", True), ("#choice-0", False)],
                         ids=["key-right", "mouse-wrong"])
async def test_the_fix_refuses_answered_by_key_and_by_mouse(how: str, right: bool, state: Path) -> None:
    fixed = "fast_nonleaf-go1.25.0.txt"
    entry, last = listing(fixed)[0][0], rsp_writes(fixed)[-1]  # the fix's one write to RSP
    assert {pc: t for pc, _, t in listing(fixed)}[last] == "ADD R27, RSP, RSP"
    app = ExplainerApp(parse("go1.25.0/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "w", "g")
        await settle(pilot)
        bar = _bar(app)
        assert f"Preempt at +{last - entry:#06x} ADD R27, RSP, RSP" in bar, bar
        if how.startswith("#"):
            await pilot.click(how)
        else:
            await pilot.press(how)
        await settle(pilot)
        bar = _bar(app)
        if right:
            assert "Predicted right" in bar and "✓ right: refused" in bar, bar
        else:
            assert "Predicted wrong" in bar and "your guess crash · the answer refused" in bar, bar
        assert "R27" in bar.split("refused", 2)[-1], bar  # why: the instruction names R27


@pytest.mark.parametrize(("how", "right"), [("#choice-0", True), ("3", False)],
                         ids=["mouse-right", "key-wrong"])
async def test_the_crash_answered_by_mouse_and_by_key(how: str, right: bool, state: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", "w", "g")
        await settle(pilot)
        if how.startswith("#"):
            await pilot.click(how)
        else:
            await pilot.press(how)
        await settle(pilot)
        bar = _bar(app)
        if right:
            assert "✓ right: crash" in bar, bar
        else:
            assert "your guess refused · the answer crash" in bar, bar
        assert f"frame.sp={_frame_sp():#x}" in bar.replace(" ", ""), bar  # why: where the walk stopped


# --- the course screen: first tries per lesson ---


def _course_line(app: ExplainerApp, lesson: str) -> str:
    return next(line for line in region(app, app.screen.query_one(OptionList)) if lesson in line)


async def test_the_course_shows_each_lessons_first_tries(state: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, app, "04-preemption")
        await pilot.press("1")  # right: preempted
        await settle(pilot)
        app.pop_screen()
        await _asked(pilot, app, "04-preemption")
        await pilot.press("2")  # a second try, wrong: the first try is what counts
        await settle(pilot)
        app.pop_screen()
        await _asked(pilot, app, "06-race")  # its first of two: pushCall's saved LR, 16 B off
        for _ in range(60):
            picked = re.search(r"picked (0x[0-9a-f]+)", _bar(app))
            if picked and int(picked.group(1), 16) == _frame_sp() - 16:
                break
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        app.pop_screen()
        app.push_screen(CourseScreen(load_all(lessons_dir()), ProgressStore()))
        await settle(pilot)
        n6 = len(load(lessons_dir() / "06-race.md").predictions)
        assert "first try: predicted 1 of 1 right" in _course_line(app, "04-preemption")
        assert f"first try: predicted 0 of {n6} right" in _course_line(app, "06-race")
        assert "predicted" not in _course_line(app, "03-frame")  # never tried: nothing said
    saved = json.loads((state / "progress.json").read_text())["predictions"]
    assert saved == {"04-preemption": {"0": True}, "06-race": {"0": False}}


async def test_each_course_line_with_first_tries_fits_80_columns(state: Path) -> None:
    # every lesson with predictions, all tried (the longest words: N of N, the ✓): each lesson's line
    # is one painted line at 80 columns, its first tries whole on it, none wrapped onto the next
    lessons = load_all(lessons_dir())
    store = ProgressStore()
    for lesson in lessons:
        for k in range(len(lesson.predictions)):
            store.record_prediction(lesson.id, k, True)
        store.mark_done(lesson.id)
    assert sum(1 for lesson in lessons if lesson.predictions) >= 5
    app = ExplainerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CourseScreen(lessons, ProgressStore()))
        await settle(pilot)
        rows = [line.strip("▊▎▔▁ ") for line in region(app, app.screen.query_one(OptionList))]
        rows = [row for row in rows if row]
        assert len(rows) == len(lessons), "\n".join(rows)  # one line each: nothing wrapped
        for lesson, row in zip(lessons, rows, strict=True):
            assert row.startswith(f"✓ {lesson.id}"), row
            n = len(lesson.predictions)
            assert (f"· first try: predicted {n} of {n} right" in row) == bool(n), row
