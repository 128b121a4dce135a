"""Predictions as a learner answers them, in the lab itself: each kind (slot, line, rsp, outcome) right
and wrong, by keyboard and by mouse, read back from the painted screen.

The answers are independent truth: the slot is the frame.sp the real go1.23.4 run of fast_nonleaf printed
(traceback.go finishInternal, ../shared/reference/crashes), pushCall's saved LR is 16 bytes under it
(signal_arm64.go pushCall stores LR at SP-16); the crashing line and the first ADD's immediate come from
the real ``go tool objdump`` of the same build; RSP after ``ADD $48, RSP, RSP`` is the painted RSP plus 48.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from explainer.course.lesson import lessons_dir, load
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.screens.progress_store import ProgressStore
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.prediction import PredictionBar
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.stack import StackPanel

from .painted import region, screen, settle
from .truth import REF, listing, rsp_writes

OBJDUMP = "fast_nonleaf-go1.23.4.txt"
SIZES = [(80, 24), (120, 40)]


def _frame_sp() -> int:
    """The slot the real run's unwinder read as main.big_stack's return address."""
    first = (REF / "crashes" / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()[0]
    return int(re.search(r"frame\.sp=(0x[0-9a-f]+)", first).group(1), 16)  # type: ignore[union-attr]


async def _asked(pilot: Pilot[None], app: ExplainerApp, lesson: str) -> LabPane:
    """Open ``lesson`` and press enter until the lab asks its first prediction."""
    app.push_screen(LessonScreen(load(lessons_dir() / f"{lesson}.md"), ProgressStore()))
    await settle(pilot)
    pane = app.screen.query_one(LabPane)
    for _ in range(8):
        await pilot.press("enter")
        await settle(pilot)
        if pane.asking:
            return pane
    raise AssertionError(f"{lesson} asked no prediction")


def _bar(app: ExplainerApp) -> str:
    """The prediction bar as painted (its title line included), joined."""
    return " ".join(line.strip() for line in region(app, app.screen.query_one(PredictionBar)))


async def _why(pilot: Pilot[None], app: ExplainerApp) -> str:
    """The bar's sentence why, as painted: scrolled to its end when the bar is shorter than its text (the
    learner's wheel or PgDn), its lines joined, its spaces one."""
    bar = app.screen.query_one(PredictionBar)
    bar.scroll_end(animate=False, immediate=True)
    await settle(pilot)
    return " ".join(" ".join(line.strip(" │▁▂▃▄▅▆▇█") for line in region(app, bar)).split())


def _painted_y(app: ExplainerApp, widget: Widget, text: str) -> int:
    """The row, inside ``widget``'s region, of the first painted line showing ``text``."""
    lines = region(app, widget)
    return next(k for k, line in enumerate(lines) if text in line)


def _saved(state: Path) -> dict[str, object]:
    import json

    return json.loads((state / "progress.json").read_text())


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


# --- slot: pick a row of the stack ---


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
async def test_slot_by_keyboard(size: tuple[int, int], right: bool, state: Path) -> None:
    frame_sp = _frame_sp()
    want = frame_sp if right else frame_sp - 16
    app = ExplainerApp()
    async with app.run_test(size=size) as pilot:
        pane = await _asked(pilot, app, "06-race")
        assert "picked" not in _bar(app)  # nothing yet: the first ↓ picks the top row
        await pilot.press("down")
        await settle(pilot)
        for _ in range(60):  # ↓ until the bar says the wanted row is picked
            picked = re.search(r"picked (0x[0-9a-f]+)", _bar(app))
            assert picked is not None, _bar(app)
            if int(picked.group(1), 16) == want:
                break
            await pilot.press("down")
            await settle(pilot)
        else:
            raise AssertionError(f"{want:#x} never picked")
        await pilot.press("enter")
        await settle(pilot)
        bar = _bar(app)
        if right:
            assert "Predicted right" in bar and f"✓ right: {frame_sp:#x}" in bar
        else:
            assert "Predicted wrong" in bar and f"your guess {want:#x} pushCall: saved LR" in bar
            assert f"the answer {frame_sp:#x}" in bar and "16 B below the answer" in bar
        # the one sentence why: the walk's frame.sp, the real log's (at 80x24 the bar scrolls to its end)
        why = await _why(pilot, app)
        assert f"The walk took frame.sp = {frame_sp:#x} at main.big_stack" in why, why
        assert not pane.asking
    assert _saved(state)["predictions"] == {"06-race": {"0": right}}


@pytest.mark.parametrize(("lesson", "what"), [("06-race", "a stack row"), ("09-scale", "a disassembly line")])
async def test_enter_before_a_pick_answers_nothing(lesson: str, what: str, state: Path) -> None:
    """The lesson's own key is enter ("do the next step"): pressed once too often as the lab asks, it
    answered with the row the pick started on (the stack's top, stktopsp), and the course keeps that first
    try. Now nothing is picked until ↑ ↓ or a click: enter says how to pick, and nothing is saved."""
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _asked(pilot, app, lesson)
        assert "picked" not in _bar(app) and "◀ your pick" not in " ".join(screen(app))
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert pane.asking and (pane.preemption is None or pane.preemption.walk is None)  # nothing ran
        assert f"Nothing picked yet: ↑ ↓ pick {what}" in _bar(app), _bar(app)
        await pilot.press("down")
        await settle(pilot)
        assert "picked" in _bar(app) and "Nothing picked yet" not in _bar(app), _bar(app)
        if lesson == "06-race":  # the first ↓ picks the stack's top row, marked in the stack
            assert "◀ your pick" in " ".join(screen(app))
    assert not (state / "progress.json").exists() or "predictions" not in _saved(state) \
        or lesson not in _saved(state)["predictions"]  # type: ignore[operator]


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
async def test_slot_by_mouse(right: bool, state: Path) -> None:
    frame_sp = _frame_sp()
    want = frame_sp if right else frame_sp - 16
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, app, "06-race")
        stack = app.screen.query_one(StackPanel)
        # the wheel's part: bring the row into view (the click and what is painted are the test)
        line = next(k for k, t in enumerate(stack._lines) if f"{want:#x}" in t.plain)
        stack.scroll_to(y=line, animate=False)
        await settle(pilot)
        y = _painted_y(app, stack, f"{want:#x}")
        await pilot.click(stack, offset=(4, y))  # the first click picks
        await settle(pilot)
        y = _painted_y(app, stack, f"{want:#x}")
        assert "◀ your pick" in " ".join(region(app, stack)[y: y + 3])
        await pilot.click(stack, offset=(4, y))  # the second answers
        await settle(pilot)
        bar = _bar(app)
        assert ("✓ right" in bar) is right
        why = await _why(pilot, app)
        assert f"The walk took frame.sp = {frame_sp:#x} at main.big_stack" in why, why
        if not right:
            assert "16 B below the answer" in bar
            line = next(k for k, t in enumerate(stack._lines) if f"{want:#x}" in t.plain)
            stack.scroll_to(y=line, animate=False)
            await settle(pilot)
            y = _painted_y(app, stack, f"{want:#x}")
            assert "◀ your guess" in " ".join(region(app, stack)[y: y + 3])


# --- line: pick a line of the disassembly ---


def _crash_and_before() -> tuple[str, str]:
    """The second ADD (where a GC scan crashes) and the first, as objdump offsets (+0x00c0)."""
    entry = listing(OBJDUMP)[0][0]
    first, second = rsp_writes(OBJDUMP)[:2]
    return f"+{second - entry:#06x}", f"+{first - entry:#06x}"


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
async def test_line_by_keyboard(right: bool, state: Path) -> None:
    crash, before = _crash_and_before()
    want = crash if right else before
    app = ExplainerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _asked(pilot, app, "09-scale")
        await pilot.press("down")  # the first ↓ picks the line under ▶
        await settle(pilot)
        for _ in range(80):  # the bar says what is picked, whatever the panel's width cuts
            picked = re.search(r"picked (\+0x[0-9a-f]{4})", _bar(app))
            assert picked is not None, _bar(app)
            if picked.group(1) == want:
                break
            await pilot.press("up" if picked.group(1) > want else "down")
            await settle(pilot)
        else:
            raise AssertionError(f"{want} never picked")
        dis = app.screen.query_one(DisassemblyPanel)
        assert any(want in line for line in region(app, dis))  # the pick is brought into view
        await pilot.press("enter")
        await settle(pilot)
        bar = _bar(app)
        if right:
            assert f"✓ right: {crash}" in bar
            why = await _why(pilot, app)
            assert f"Preempted at {crash} ADD $(16<<12), RSP, RSP, the GC stack scan crashes" in why
        else:
            assert f"your guess {before}" in bar and f"the answer {crash}" in bar
            assert "1 instruction before the answer" in bar
            # why: what happens at the guess, then at the answer (the engine's sweep, one sentence)
            why = await _why(pilot, app)
            assert f"At {before} the walk ends clean" in why and f"; at {crash} the slot read" in why, why


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
async def test_line_by_mouse(right: bool, state: Path) -> None:
    crash, before = _crash_and_before()
    want = crash if right else before
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, app, "09-scale")
        dis = app.screen.query_one(DisassemblyPanel)
        y = _painted_y(app, dis, want)
        await pilot.click(dis, offset=(6, y))
        await settle(pilot)
        assert "◀ your pick" in region(app, dis)[_painted_y(app, dis, want)]
        await pilot.click(dis, offset=(6, _painted_y(app, dis, want)))
        await settle(pilot)
        bar = _bar(app)
        assert ("✓ right" in bar) is right
        why = await _why(pilot, app)
        assert (f"Preempted at {crash}" if right else f"; at {crash}") in why, why
        if not right:
            assert "1 instruction before the answer" in bar
            assert "◀ your guess" in region(app, dis)[_painted_y(app, dis, want)]


# --- rsp: type a value ---


def _first_add() -> int:
    """The first ADD's immediate, as the real objdump prints it (ADD $48, RSP, RSP)."""
    entry_text = dict((pc, text) for pc, _, text in listing(OBJDUMP))[rsp_writes(OBJDUMP)[0]]
    return int(re.fullmatch(r"ADD \$(\d+), RSP, RSP", entry_text).group(1))  # type: ignore[union-attr]


def _painted_rsp(app: ExplainerApp) -> int:
    text = " ".join(region(app, app.screen.query_one(RegistersPanel)))
    return int(re.search(r"RSP\s+(0x[0-9a-f]+)", text).group(1), 16)  # type: ignore[union-attr]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
async def test_rsp_by_keyboard(size: tuple[int, int], right: bool, state: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=size) as pilot:
        await _asked(pilot, app, "03-frame")
        sp = _painted_rsp(app)
        after = sp + _first_add()
        typed = f"{after:#x}" if right else str(sp)  # wrong: RSP left where it is, typed in decimal
        await pilot.press(*typed, "enter")
        await settle(pilot)
        bar = _bar(app)
        if right:
            assert f"✓ right: {after:#x}" in bar
        else:
            assert f"your guess {sp:#x}" in bar and f"the answer {after:#x}" in bar
            assert f"{_first_add()} B below the answer" in bar
        assert f"from{sp:#x}to{after:#x}" in bar.replace(" ", "")  # the why: the engine's two values


async def test_rsp_by_mouse_and_a_value_that_is_not_a_number(state: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _asked(pilot, app, "03-frame")
        sp = _painted_rsp(app)
        await pilot.click("#value")
        await pilot.press(*"bdf50")
        await pilot.click("#answer")
        await settle(pilot)
        assert "write hex with 0x" in _bar(app) and pane.asking  # said under the field; still asked
        app.screen.query_one("#value").value = ""  # type: ignore[attr-defined]
        await pilot.click("#value")
        await pilot.press(*f"{sp + 16:#x}")
        await pilot.click("#answer")
        await settle(pilot)
        bar = _bar(app)
        assert "Predicted wrong" in bar and f"{_first_add() - 16} B below the answer" in bar


# --- outcome: a number key or a button ---


@pytest.mark.parametrize("key,right", [("1", True), ("2", False)], ids=["right", "wrong"])
async def test_outcome_by_keyboard(key: str, right: bool, state: Path) -> None:
    # SIGURG between the two ADDs of go1.23.4 is taken: the real log's goroutine was preempted there
    # (isAsyncSafePoint: the PC has no unsafe-point pcdata) and parked.
    app = ExplainerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await _asked(pilot, app, "04-preemption")
        painted = " ".join(screen(app))
        assert "1 preempted" in painted and "2 refused" in painted
        await pilot.press(key)
        await settle(pilot)
        bar = _bar(app)
        if right:
            assert "✓ right: preempted" in bar
        else:
            assert "your guess refused" in bar and "the answer preempted" in bar
        why = await _why(pilot, app)
        assert "isAsyncSafePoint allows it" in why and "the goroutine parks" in why, why
    assert _saved(state)["predictions"] == {"04-preemption": {"0": right}}


@pytest.mark.parametrize("button,right", [("#choice-0", True), ("#choice-1", False)], ids=["right", "wrong"])
async def test_outcome_by_mouse(button: str, right: bool, state: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _asked(pilot, app, "04-preemption")
        await pilot.click(button)
        await settle(pilot)
        assert ("✓ right: preempted" in _bar(app)) is right
        why = await _why(pilot, app)
        assert "isAsyncSafePoint allows it" in why and "the goroutine parks" in why, why


# --- the lab's prediction mode ---


async def test_prediction_mode_asks_before_a_walk_and_is_remembered(state: Path) -> None:
    app = ExplainerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m", "w", "g")
        await settle(pilot)
        pane = app.screen.query_one(LabPane)
        assert pane.asking and "1 crash" in " ".join(screen(app))
        await pilot.press("s")  # the lab's keys wait while it asks
        await settle(pilot)
        assert pane.asking
        await pilot.press("2")
        await settle(pilot)
        bar = _bar(app)
        assert "your guess clean" in bar and "the answer crash" in bar
        assert f"frame.sp={_frame_sp():#x}" in bar.replace(" ", "")
    assert '"predict": true' in (state / "preferences.json").read_text()
    app = ExplainerApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w", "g")
        await settle(pilot)
        assert app.screen.query_one(LabPane).asking  # remembered
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.query_one(LabPane).asking and app.screen.query_one(LabPane).preemption is None

