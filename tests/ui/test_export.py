"""Export from the lab by keys: the step as JSON (checked against the real crash log), the screen as SVG."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from textual.widgets import Input

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.choice import ChoiceScreen
from explainer.ui.screens.export import FolderScreen

from .truth import REF

LOG = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text()


async def _save_into(pilot, folder: Path, key: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, FolderScreen)
    pilot.app.screen.query_one(Input).value = str(folder)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def test_the_crash_step_exported_names_the_logs_slot_value_and_message(tmp_path: Path) -> None:
    lo, hi = re.search(r"stack=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)", LOG).groups()  # type: ignore[union-attr]
    # The log's main.big_stack frame: fp=0x40000cdf30 sp=0x40000bdf20. By hand: frame.fp = frame.sp +
    # spdelta, the whole 65,552-byte frame the pcsp table still records though the first ADD already moved
    # SP by 16, and a leaf's return address is read at *(frame.sp): the slot is frame.sp itself.
    fp, sp = (int(x, 16) for x in re.search(r"main\.big_stack.*\n.*fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+)",
                                             LOG).groups())  # type: ignore[union-attr]
    assert fp - sp == 65552 and sp == 0x40000BDF20
    message = next(line for line in LOG.splitlines() if line.startswith("fatal error:"))
    app = ExplainerApp(parse(f"go1.23.4/65552/leaf/stack={lo}-{hi}/at=sp2/unwind=gc"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g")
        await _save_into(pilot, tmp_path / "exports", "j")
        files = list((tmp_path / "exports").glob("*.json"))
        assert len(files) == 1
        out = json.loads(files[0].read_text())
    assert out["outcome"] == "crash"
    big = next(u for u in out["unwind"] if u["function"] == "main.big_stack")
    assert (big["sp"], big["fp"], big["slot"], big["value"]) == (sp, fp, sp, 0)
    read = [x for x in out["snapshot"]["stack"] if "<- read" in x["meaning"]]
    assert [(x["addr"], x["value"]) for x in read] == [(sp, 0)]
    assert out["output"][-1] == message == "fatal error: traceback did not unwind completely"


async def test_a_step_with_no_sigurg_is_running_and_reproducible(tmp_path: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s", "s", "s")
        await _save_into(pilot, tmp_path, "j")
        out = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert out["outcome"] == "running" and out["output"] == [] and out["unwind"] == []
    assert out["scenario"] == "go1.23.4/65584/at=+0xc" and out["snapshot"]["pc"] == 12  # three 4-byte words


async def test_the_screen_is_saved_as_svg_and_the_folder_remembered(tmp_path: Path) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await _save_into(pilot, tmp_path / "a" / "b", "i")
        svgs = list((tmp_path / "a" / "b").glob("*.svg"))
        assert len(svgs) == 1 and svgs[0].name == "go1.23.4_65584-step12576.svg"
        svg = svgs[0].read_text()
        assert svg.startswith("<svg") and "Disassembly" in svg and "Save" not in svg  # no dialog in it
        await pilot.press("j")
        await pilot.pause()
        assert pilot.app.screen.query_one(Input).value == str(tmp_path / "a" / "b")
        await pilot.press("escape")


async def test_a_folder_that_cannot_be_made_is_a_notification(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await _save_into(pilot, tmp_path / "file" / "sub", "i")
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "Cannot save" in (errors[-1].title or "")
        assert str(tmp_path / "file" / "sub") in errors[-1].message
        await pilot.press("s")  # still running, keys still work
        assert app.screen.query_one("#title").content


async def test_palette_names_the_exports() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
    assert "Save screen (SVG)" in titles and "Save step (JSON)" in titles and "Next mark" in titles


async def test_handout_from_the_course_and_from_a_lesson(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from explainer.course.handout import handout
    from explainer.course.lesson import lessons_dir, load
    from explainer.ui.screens.lesson import LessonScreen

    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path / "state"))
    third = sorted(p.name for p in lessons_dir().glob("[0-9][0-9]-*.md"))[2]
    app = ExplainerApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("l", "down", "down")  # the course, third lesson highlighted
        await _save_into(pilot, tmp_path / "handouts", "h")
        await pilot.press("enter")  # open that lesson: h there saves it too, into the remembered folder
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("h")
        await pilot.pause()
        assert app.screen.query_one(Input).value == str(tmp_path / "handouts")
        (tmp_path / "handouts" / third).write_text("my notes")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)  # the same name: asked before replacing
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.next_index == 0  # enter went to the dialog
    assert [p.name for p in (tmp_path / "handouts").iterdir()] == [third]
    assert (tmp_path / "handouts" / third).read_text() == handout(load(lessons_dir() / third))


async def test_item2_h_from_inside_lessons_never_overwrites_a_lesson_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 21, item 2: started from a copy of lessons/, one enter after h used to overwrite the lesson's
    own source. Now the dialog starts in the app's folder in the user's documents, and a lesson source is
    replaced only if the learner says yes."""
    import shutil

    from explainer.course.lesson import lessons_dir

    lessons = tmp_path / "lessons"
    shutil.copytree(lessons_dir(), lessons)
    sources = {p.name: p.read_bytes() for p in lessons.iterdir()}
    home = tmp_path / "home"
    monkeypatch.chdir(lessons)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.delenv("EXPLAINER_EXPORT_DIR", raising=False)
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path / "state"))
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l", "h")  # the course, its first lesson highlighted: save its handout
        await pilot.pause()
        assert pilot.app.screen.query_one(Input).value == str(home / "Documents" / "split-epilogue-explainer")
        await pilot.press("enter")  # one enter, as in the issue
        await pilot.pause()
        first = app.screen.lessons[0].id
        # Now the learner types the lessons folder itself: asked, and escape keeps the source.
        await _save_into(pilot, lessons, "h")
        assert isinstance(app.screen, ChoiceScreen)
        assert f"{lessons} already has {first}.md" in str(app.screen.query_one("#message").render())
        await pilot.press("escape")
        await pilot.pause()
        assert any(f"Kept {first}.md" in n.message for n in app._notifications)
    assert {p.name: p.read_bytes() for p in lessons.iterdir()} == sources  # every lesson source intact
    saved = home / "Documents" / "split-epilogue-explainer" / f"{first}.md"
    assert saved.read_text().startswith(f"# {first[:2]} · ")
