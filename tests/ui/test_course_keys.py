"""Issue 18, the course: answering a checkpoint by keyboard and by mouse, read from the painted screen.

A learner at 120 columns must see how to answer (the footer, the checkpoint's border, what enter says
once the steps are played), see each answer whole, and answer by a number key, a click, or Tab and
space. Each test reads what the compositor painted (``painted.screen``), not a widget's attributes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.containers import ScrollableContainer
from textual.widgets._toast import Toast

from explainer.course.lesson import lessons_dir, load
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.lesson import LessonScreen

from .painted import region, screen, settle

LESSON_1 = load(lessons_dir() / "01-arm64.md")
# lesson 01's first checkpoint, as its file says (independent of the UI): three answers, the second right
QUESTION = "What does RET do on arm64?"
ANSWERS = ["It pops the return address off the stack and jumps there",
           "It jumps to the address held in R30, the link register",
           "It jumps to the address held in R29"]


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _flat(lines: list[str]) -> str:
    """Painted lines as one run of words: borders, radio glyphs and line breaks gone (a wrapped answer
    reads as it was written)."""
    return " ".join(re.sub(r"[│╭╮╰╯─▊▎▔▁▐▌●]", " ", " ".join(lines)).split())


def test_the_checkpoint_is_what_the_lesson_file_says() -> None:
    cp = LESSON_1.checkpoints[0]
    assert cp.question == QUESTION and [o.text for o in cp.options] == ANSWERS
    assert [o.correct for o in cp.options] == [False, True, False]


async def _lesson_1(pilot, app: ExplainerApp) -> LessonScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    lesson = app.screen
    assert isinstance(lesson, LessonScreen) and lesson.lesson.id == LESSON_1.id
    return lesson


async def test_number_keys_answer_and_the_answers_are_drawn_whole_at_120_columns() -> None:
    app = ExplainerApp(lesson=LESSON_1)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        lesson = await _lesson_1(pilot, app)
        assert "1-3 answer" in screen(app)[-1]  # the footer says how
        for _ in LESSON_1.steps:
            await pilot.press("enter")
        await pilot.press("enter")  # no more steps: enter says how to answer
        await settle(pilot)
        toast = lesson.query(Toast).last()
        assert "No more steps: press 1-3 to answer the checkpoint (or click an answer)." \
            in _flat(region(app, toast))
        await pilot.press("1")  # a wrong answer: explained, and still the current checkpoint
        await settle(pilot)
        box = lesson.query_one("#checkpoint-0")
        drawn = _flat(region(app, box))
        assert "press 1-3 to answer" in drawn and "✗ not quite. No: that is amd64." in drawn
        for k, answer in enumerate(ANSWERS, 1):
            assert f"{k} {answer}" in drawn, (answer, drawn)  # whole, wrapped, not cut with …
        assert "…" not in drawn
        await pilot.press("2")
        await settle(pilot)
        assert "✓ right. Yes. That is why a function that calls others must save R30 in its frame" \
            in _flat(region(app, box))


async def test_a_click_answers() -> None:
    app = ExplainerApp(lesson=LESSON_1)
    async with app.run_test(size=(120, 40)) as pilot:
        lesson = await _lesson_1(pilot, app)
        box = lesson.query_one("#checkpoint-0")
        box.scroll_visible(animate=False)
        await settle(pilot)
        assert await pilot.click("#option-0-1")
        await settle(pilot)
        assert "✓ right." in _flat(region(app, box))


async def test_tab_goes_to_the_answers_without_stopping_on_hidden_boxes_and_space_answers() -> None:
    app = ExplainerApp(lesson=LESSON_1)
    async with app.run_test(size=(120, 40)) as pilot:
        lesson = await _lesson_1(pilot, app)
        stops = []
        for _ in range(12):
            await pilot.press("tab")
            stops.append(app.focused)
            if app.focused is not None and app.focused.id == "answers-0":
                break
        assert app.focused is not None and app.focused.id == "answers-0", stops
        # every stop on the way is a box the learner can see scroll (it has more than it shows)
        for widget in stops[:-1]:
            assert isinstance(widget, ScrollableContainer) and widget.max_scroll_y > 0, widget
        await pilot.press("down", "space")  # the second answer
        await settle(pilot)
        assert "✓ right." in _flat(region(app, lesson.query_one("#checkpoint-0")))


async def test_the_palette_offers_each_answer_of_the_checkpoint() -> None:
    app = ExplainerApp(lesson=LESSON_1)
    async with app.run_test(size=(120, 40)) as pilot:
        lesson = await _lesson_1(pilot, app)
        titles = [c.title for c in app.get_system_commands(lesson)]
        assert [t for t in titles if t.startswith("Answer")] == ["Answer 1", "Answer 2", "Answer 3"]


async def test_the_lesson_lab_paints_what_lessons_check_says_it_shows() -> None:
    """`lessons --check` trusts check.LAB_PANELS and LAB_REGISTERS: the painted lesson lab must agree."""
    from explainer.course.check import LAB_PANELS, LAB_REGISTERS

    app = ExplainerApp(lesson=LESSON_1)
    async with app.run_test(size=(120, 40)) as pilot:
        lesson = await _lesson_1(pilot, app)
        side = " ".join(region(app, lesson.query_one("#side")))
        titles = {"disassembly": "Disassembly", "stack": "Stack", "unwind": "Preemption and unwind",
                  "timeline": "timeline step"}
        assert set(titles) == set(LAB_PANELS)
        for title in titles.values():
            assert title in side, title
        assert "Registers" not in side  # no registers panel in a lesson's lab: hence the check's rule
        names = {"SP": "RSP", "FP": "R29", "LR": "R30"}
        for reg in LAB_REGISTERS:
            assert re.search(rf"\b{names.get(reg, reg)} 0x[0-9a-f]+", side), reg


# lesson 04's checkpoints, as its file says (independent of the UI): 3, then 4, then 3 answers, the right ones
# first, second, first
LESSON_4 = load(lessons_dir() / "04-preemption.md")


def test_the_lessons_checkpoint_sizes_are_what_their_files_say() -> None:
    assert [len(cp.options) for cp in LESSON_1.checkpoints] == [3, 2]
    assert [len(cp.options) for cp in LESSON_4.checkpoints] == [3, 4, 3]
    assert [[o.correct for o in cp.options].index(True) for cp in LESSON_4.checkpoints] == [0, 1, 0]


@pytest.mark.parametrize(("lesson", "keys", "ranges"), [
    (LESSON_1, ["2"], ["1-3", "1-2"]),  # its largest checkpoint (3) used to stay in the footer
    (LESSON_4, ["1", "2"], ["1-3", "1-4", "1-3"]),
], ids=["01", "04"])
async def test_the_footer_says_the_answers_of_the_checkpoint_in_front(lesson, keys, ranges) -> None:  # type: ignore[no-untyped-def]
    # the footer's answer key, read from the last painted line, names as many answers as the checkpoint
    # whose border says "press 1-N to answer" (the one the number keys answer), after each right answer
    app = ExplainerApp(lesson=lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for k, want in enumerate(ranges):
            footer = screen(app)[-1]
            assert f"{want} answer" in footer, (k, footer)
            assert len(re.findall(r"1-\d answer", footer)) == 1, footer
            box = app.screen.query_one(f"#checkpoint-{k}")
            box.scroll_visible(animate=False)  # as the learner scrolls the text to it
            await settle(pilot)
            border = _flat(region(app, box))
            assert f"press {want} to answer" in border, (k, border)
            if k < len(keys):
                await pilot.press(keys[k])  # the right answer: the next checkpoint comes in front
                await settle(pilot)
