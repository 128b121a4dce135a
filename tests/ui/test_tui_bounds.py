"""Issue 22 in the TUI: long runs in a worker that q, esc and ctrl+c stop; dialogs that leave once;
stale answers; a broken lesson scenario; the options dialog's stack; an unexpected error in one line.

Each test presses the keys the issue's reporter pressed and reads what is on screen afterwards.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, RadioSet, Static

from explainer.commands import lab
from explainer.course.lesson import lessons_dir, load, parse
from explainer.engine.experiments.scenario import parse as parse_scenario
from explainer.engine.releases.versions import known_versions
from explainer.errorlog import EXIT_BUG
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.help import HelpScreen
from explainer.ui.screens.lab import LabScreen
from explainer.ui.screens.lesson import LessonScreen
from explainer.ui.screens.options import OptionsScreen
from explainer.ui.screens.progress_store import ProgressStore
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.long_run import RunStatus

#: The 16 MiB cloudflare leaf: its body writes every byte, 204,472,153 instructions to sp2.
FAR = "go1.23.4/16777216/leaf/buffer=cloudflare"
#: Issue 22, item 5: ``w`` on a 2 GiB leaf frame froze the UI for 36 s; frames stop at 1 GiB now (issue
#: 18: Go's compiler refuses more), and the largest still takes seconds.
HUGE = "go1.23.4/1073741824/leaf"


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _pane(app: ExplainerApp) -> LabPane:
    return app.screen.query_one(LabPane)


async def _until(pilot, done, seconds: float = 60) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not done():
        assert time.monotonic() - start < seconds, "timed out"
        await pilot.pause(0.05)
    return time.monotonic() - start


async def test_w_on_a_1_gib_frame_runs_in_a_worker_that_esc_stops() -> None:
    app = ExplainerApp(parse_scenario(HUGE))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        assert _pane(app).running  # the key returned at once: the run goes on in a worker
        status = app.screen.query_one(RunStatus)
        await _until(
            pilot,
            lambda: (
                "running to sp2: " in str(status.content)
                and "0 instructions" not in str(status.content).split(":")[1][:3]
            ),
        )
        await pilot.press("question_mark")  # the screen still answers keys
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")  # closes the help
        assert isinstance(app.screen, LabScreen) and _pane(app).running
        await pilot.press("escape")  # stops the run
        took = await _until(pilot, lambda: not _pane(app).running, seconds=2)
        assert took < 1
        assert _pane(app).session.current.snapshot.step == 0  # the cursor stayed
        assert not status.has_class("running")


async def test_a_long_run_finishes_in_the_worker_where_single_steps_would() -> None:
    app = ExplainerApp(parse_scenario(FAR))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await _until(pilot, lambda: not _pane(app).running)
        await pilot.pause()
        moment = _pane(app).session.current
        assert moment.snapshot.pc == _pane(app).session.anchors["sp2"]
        assert moment.snapshot.step == 204_472_153  # bench/step_bench.py's count, native and exact
        assert "step 204,472,153" in str(app.screen.query_one("#title", Static).content)


async def test_a_far_step_opens_the_lab_at_once_and_q_quits_during_the_run() -> None:
    """Before: ``--scenario …/step=99999999999`` showed a blank screen at 100% CPU, deaf to q and ctrl+c
    (now that step is refused before any screen; a far step that is allowed runs in a worker)."""
    app = ExplainerApp(parse_scenario(f"{HUGE}/step=300000000"))  # seconds: the pilot's idle wait is shorter
    start = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LabScreen) and _pane(app).running
        assert "going to step 300,000,000" in str(app.screen.query_one(RunStatus).content)
        await pilot.press("ctrl+c")  # stops the run
        await _until(pilot, lambda: not _pane(app).running, seconds=2)
        await pilot.press("s", "s")  # the lab steps on from where it stood
        assert _pane(app).session.current.snapshot.step == 2
        await pilot.press("w")
        assert _pane(app).running
        await pilot.press("q")
    assert time.monotonic() - start < 10


async def _press_at_once(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Keys queued together, as a fast typist or a key repeat sends them: none waits for the screen
    the one before it opens or closes (``pilot.press`` would wait)."""
    for key in keys:
        pilot.app.post_message(events.Key(key, "\r" if key == "enter" else None))
    await pilot.pause()
    await pilot.pause()


async def test_the_save_dialog_leaves_once_however_often_enter_is_pressed(tmp_path: Path) -> None:
    """Before: Enter twice popped the lab too (a blank app), three times raised ScreenStackError, and
    ``i`` then Escape Enter Enter raised IndexError."""
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        for n, keys in enumerate(
            (["enter", "enter"], ["enter", "enter", "enter"], ["escape", "enter", "enter"])
        ):
            app.export_folder = str(tmp_path / str(n))  # type: ignore[attr-defined]  # a new file each time
            await pilot.press("i")
            await _press_at_once(pilot, *keys)
            assert isinstance(app.screen, LabScreen), keys
            assert len(app.screen_stack) == 2, keys
        for keys in (["enter", "enter"], ["escape", "enter"], ["enter", "enter", "enter"]):
            await pilot.press("o")
            app.screen.query_one("#size", Input).focus()  # enter in a field applies
            await _press_at_once(pilot, *keys)
            assert isinstance(app.screen, LabScreen), keys
            assert len(app.screen_stack) == 2, keys


async def test_an_answer_index_the_checkpoint_no_longer_has_is_no_answer(state_dir: Path) -> None:
    """Before: IndexError when the lesson opened (an option removed since the answer was saved)."""
    lesson = load(lessons_dir() / "06-race.md")
    (state_dir / "progress.json").write_text(
        json.dumps({"format": 1, "done": [], "answers": {lesson.id: {"0": 99}}})
    )
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(LessonScreen(lesson, ProgressStore()))
        await pilot.pause()
        assert str(app.screen.query_one("#explain-0", Static).content) == ""
        assert app.screen.query_one("#answers-0", RadioSet).pressed_index == -1


async def test_a_lesson_whose_release_is_unknown_opens_and_says_so() -> None:
    """Before: the lesson screen raised the scenario's error while composing (``--check`` said it well)."""
    text = (
        (lessons_dir() / "06-race.md")
        .read_text()
        .replace("scenario: go1.23.4/65584", "scenario: go1.99.0/65584")
    )
    lesson = parse(text, "lessons/06-race.md")
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(LessonScreen(lesson, ProgressStore()))
        await pilot.pause()
        said = str(app.screen.query_one("#no-lab", Static).content)
        first, last = known_versions()[0], known_versions()[-1]
        assert said == (
            f"This lesson's lab cannot open: lessons/06-race.md:{lesson.scenario_line}: unknown Go "
            f"version 'go1.99.0': known are {first.name} to {last.name} (see `explainer versions`). "
            "`explainer lessons --check` lists every mistake."
        )
        await pilot.press("enter", "comma", "less_than_sign")
        assert isinstance(app.screen, LessonScreen)


async def test_the_options_dialog_names_a_bad_stack() -> None:
    """Before: Apply handed 0x0-0x20000 to unicorn, and UC_ERR_MAP ended the app."""
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, OptionsScreen)
        app.screen.query_one("#stack", Input).value = "0x0-0x20000"
        await pilot.click("#apply")
        assert str(app.screen.query_one("#error", Static).content) == (
            "bad stack 0x0-0x20000: it must start at or above 0x4000060000, above the model's g, m and p "
            "(goroutine stacks live in the heap arena)"
        )
        size = app.screen.query_one("#size", Input)
        size.value = "1" * 5000  # pasted: the Input takes digits only
        size.focus()
        await pilot.press("enter")
        said = str(app.screen.query_one("#error", Static).content)
        assert "(5,000 characters): a go1.23.4 non-leaf frame is a multiple of 16 from 64 to 16,805,888" \
            in said


def test_an_unexpected_error_in_the_lab_is_one_line_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], state_dir: Path
) -> None:
    """Before: Textual's traceback over the terminal, and ``explainer`` exited 0."""

    def broken(self: LabPane) -> None:
        raise ZeroDivisionError("a bug in a step")

    monkeypatch.setattr(LabPane, "step", broken)
    run = ExplainerApp.run

    def headless(self: ExplainerApp) -> None:
        async def press(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("s")
            await asyncio.sleep(5)  # the error ends the app first

        run(self, headless=True, size=(120, 40), auto_pilot=press)

    monkeypatch.setattr(ExplainerApp, "run", headless)

    class Args:
        scenario = None

    assert lab.run(Args()) == EXIT_BUG  # type: ignore[arg-type]
    err = capfd.readouterr().err
    logs = list((state_dir / "errors").iterdir())
    assert len(logs) == 1 and "ZeroDivisionError: a bug in a step" in logs[0].read_text()
    assert err.strip() == (
        f"explainer: unexpected error (ZeroDivisionError: a bug in a step); details in "
        f"{logs[0]}. Please report it with that file."
    )
    assert "Traceback" not in err
