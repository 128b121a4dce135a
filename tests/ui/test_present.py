"""The shipped talk, played by a clicker's keys from the first beat to the last, checked against real Go.

At every beat: the instruction under the cursor is the one the real ``go tool
objdump`` has at that place (its PC, word and text), the highlighted lines are
the real binary's RSP writes, the panes on screen are the ones the beat names,
and the runtime's words on screen are the real crash logs'. Then the speaker's
notes follow the presenter through the cue file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from explainer.talk import cue, script
from explainer.talk.stage import stage
from explainer.ui.presenter import NotesApp, PresenterApp
from explainer.ui.screens.present import PresentScreen
from explainer.ui.widgets.beat_column import BeatColumn
from explainer.ui.widgets.crash_log import CrashLogPanel
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.encoding import EncodingPanel
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .truth import REF, ROOT, last_line, listing, objdump_line, rsp_writes

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
WIDGETS = {DisassemblyPanel: "disassembly", RegistersPanel: "registers", StackPanel: "stack",
           UnwindPanel: "unwind", EncodingPanel: "encoding", CrashLogPanel: "log"}
NONLEAF_123, NONLEAF_125 = "fast_nonleaf-go1.23.4.txt", "fast_nonleaf-go1.25.0.txt"
LEAF_123, LEAF_273 = "fast_leaf-go1.23.4.txt", "fast_leaf-go1.27.3.txt"


def entry(name: str) -> int:
    return listing(name)[0][0]


def epilogue_start(name: str) -> int:
    """The real epilogue's first instruction: the LDP that reloads FP and LR (non-leaf)."""
    return next(pc for pc, _, text in listing(name) if text.startswith("LDP -8(RSP)"))


def release(name: str) -> set[int]:
    """The real release of the frame: every instruction between the LDP and the RET."""
    rows = listing(name)
    start = next(k for k, r in enumerate(rows) if r[2].startswith("LDP -8(RSP)"))
    end = next(k for k, r in enumerate(rows) if r[2] == "RET")
    return {pc for pc, _, _ in rows[start + 1: end]}


# Beat by beat: (objdump of each side, the real PC the beat stops at, the real PCs it highlights).
# Every PC is the real binary's, exactly.
EXPECTED: list[list[tuple[str, int, set[int]]]] = [
    [(NONLEAF_123, entry(NONLEAF_123), set())],
    [(NONLEAF_123, epilogue_start(NONLEAF_123), set(rsp_writes(NONLEAF_123)))],
    [(NONLEAF_123, rsp_writes(NONLEAF_123)[-1], set(rsp_writes(NONLEAF_123)))],
    [(NONLEAF_123, rsp_writes(NONLEAF_123)[-1], {rsp_writes(NONLEAF_123)[-1]})],
    [(NONLEAF_123, rsp_writes(NONLEAF_123)[-1], set())],
    [(NONLEAF_123, rsp_writes(NONLEAF_123)[-1], set())],
    [(NONLEAF_125, rsp_writes(NONLEAF_125)[-1], release(NONLEAF_125))],
    [(NONLEAF_125, rsp_writes(NONLEAF_125)[-1], release(NONLEAF_125))],
    [(NONLEAF_123, rsp_writes(NONLEAF_123)[-1], release(NONLEAF_123)),
     (NONLEAF_125, rsp_writes(NONLEAF_125)[-1], release(NONLEAF_125))],
    [(LEAF_273, rsp_writes(LEAF_273)[-1], set(rsp_writes(LEAF_273)))],  # a leaf's release: the two writes
    [(LEAF_123, rsp_writes(LEAF_123)[-1], set(rsp_writes(LEAF_123))),
     (LEAF_273, rsp_writes(LEAF_273)[-1], set(rsp_writes(LEAF_273)))],
    [(LEAF_273, rsp_writes(LEAF_273)[-1], {rsp_writes(LEAF_273)[-1]})],
]


def shown(screen: PresentScreen) -> list[str]:
    """The panes on screen, by their talk-file names (one entry per widget)."""
    return sorted(name for kind, name in WIDGETS.items() for _ in screen.query(kind))


def check_cursor(disasm: DisassemblyPanel, pc_model: int, name: str, want: int) -> None:
    line = next(line for line in disasm.plain.splitlines() if line.startswith("▶"))
    assert pc_model == want, f"{pc_model:#x} != real {want:#x} in {name}"
    word, text = objdump_line(name, want)
    assert word in line and text in line, line


def check_words(screen: PresentScreen, seen_logs: list[str]) -> None:
    """Crash beats show the real runtime's words; log panes mark the lines the emulation printed too."""
    assert screen.stage is not None
    caption = str(screen.query_one("#caption").content)
    if screen.stage.beat.expect == "crash":
        real = "fast_leaf-go1.27.3-singlestep.log" if "leaf" in screen.stage.beat.scenario \
            else "fast_nonleaf-go1.23.4.log"
        for side, unwind in zip(screen.stage.sides, screen.query(UnwindPanel), strict=False):
            if side.scenario.version.has_nonleaf_fix and not side.scenario.leaf:
                assert "fatal error" not in unwind.plain  # real go1.25.0 non-leaf runs never crashed
            else:
                assert last_line(real) in unwind.plain
    for log in screen.query(CrashLogPanel):
        name = screen.stage.beat.log
        assert name is not None
        seen_logs.append(name)
        assert name in str(log.border_title)
        lines = (ROOT / "assets" / "logs" / name).read_text().splitlines()
        fatal = next(n for n, line in enumerate(lines) if line.startswith("fatal error:"))
        assert fatal in screen.stage.log_marks  # the emulation printed the real words
        assert lines[0] in caption or lines[fatal] in caption
    if screen.index == 4:  # the GC scan: the slot read is frame.sp of the real run on the same stack
        real = (REF / "crashes" / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()[0]
        frame_sp = real.split("frame.sp=")[1].split()[0]
        assert f"return address at {frame_sp}: 0x0" in caption
        assert last_line("fast_nonleaf-go1.23.4.log") in caption


async def test_the_shipped_talk_plays_from_first_beat_to_last() -> None:
    talk = script.load(TALK)
    assert len(talk.beats) == len(EXPECTED)
    app = PresenterApp(talk)
    keys = ["right", "space", "pagedown"]  # what clickers send
    seen_logs: list[str] = []
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        for i, beat in enumerate(talk.beats):
            screen = app.screen
            assert isinstance(screen, PresentScreen) and screen.index == i
            assert screen.stage is not None
            assert str(screen.query_one("#where").content) == f"{i + 1}/{len(talk.beats)}"
            # the panes the beat names, each once per side; nothing else
            sides = len(EXPECTED[i])
            named = [p for p in beat.panes if p != "split"]
            want = sorted(p for p in named for _ in range(sides if p in ("disassembly", "registers",
                                                                           "stack", "unwind") else 1))
            assert shown(screen) == want, (i, beat.panes)
            if sides == 2:
                labels = [c.border_title for c in screen.query(BeatColumn)]
                assert labels == [f"go{s.scenario.version} · before the fix" if k == 0 else
                                  f"go{s.scenario.version} · after the fix"
                                  for k, s in enumerate(screen.stage.sides)]
            disasms = list(screen.query(DisassemblyPanel))
            for k, (name, pc, highlight) in enumerate(EXPECTED[i]):
                side = screen.stage.sides[k]
                if disasms:
                    check_cursor(disasms[k], side.session.current.snapshot.pc, name, pc)
                    assert disasms[k].highlighted == frozenset(highlight), (i, k)
                else:
                    assert side.session.current.snapshot.pc == pc
            check_words(screen, seen_logs)
            await pilot.press(keys[i % len(keys)])
            await pilot.pause()
        assert app.screen.index == len(talk.beats) - 1  # the last key did not run past the end
    assert seen_logs == ["fast_nonleaf-go1.23.4-singlestep.log", "fast_leaf-go1.27.3-singlestep.log"]


async def test_back_reset_and_off_script_keys() -> None:
    talk = script.load(TALK)
    app = PresenterApp(talk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right")  # beat 3: between the two ADDs
        screen = app.screen
        assert isinstance(screen, PresentScreen) and screen.stage is not None
        second = rsp_writes(NONLEAF_123)[-1]
        assert screen.stage.sides[0].session.current.snapshot.pc == second
        await pilot.press("right_square_bracket")  # one instruction off script: the RET
        assert screen.stage.sides[0].session.current.snapshot.pc == second + 4
        await pilot.press("r")  # reset the beat
        assert screen.stage.sides[0].session.current.snapshot.pc == second
        await pilot.press("pageup")
        assert screen.index == 1
        await pilot.press("left", "left")
        assert screen.index == 0  # never before the first beat
        await pilot.press("end")
        assert screen.index == len(talk.beats) - 1
        await pilot.press("b")
        assert screen.has_class("-blank")
        await pilot.press("b", "question_mark")
        assert type(app.screen).__name__ == "HelpScreen"


def test_go1_27_3_leaf_stops_at_the_real_address() -> None:
    beat = script.load(TALK).beats[9]
    assert stage(beat).sides[0].session.current.snapshot.pc == rsp_writes(LEAF_273)[-1]


async def test_notes_follow_the_presenter(tmp_path: Path) -> None:
    talk = script.load(TALK)
    cue_file = tmp_path / "cue.json"
    app = PresenterApp(talk, cue_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert cue.read(cue_file).beat == 0  # type: ignore[union-attr]
        for keys, beat in ((["right", "space"], 2), (["pagedown"], 3), (["pageup"], 2), (["end"], 11)):
            await pilot.press(*keys)
            read = cue.read(cue_file)
            assert read is not None and read.beat == beat and read.beats == len(talk.beats)
            assert read.talk == str(TALK.resolve())
    # the follower, started after the presenter, shows where it stopped, then follows new moves
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        where = notes.screen.query_one("#where")
        # the presenter quit there: the notes say so (tests/ui/test_present_words.py reads their clock)
        ended = " · the talk ended (the presenter quit)"
        assert str(where.content) == f"Beat 12/12 · {talk.beats[11].title}{ended}"
        assert "explainer repro" in str(notes.screen.query_one("#text").content)
        started = cue.read(cue_file).started  # type: ignore[union-attr]
        cue.publish(cue.Cue(str(TALK.resolve()), 4, len(talk.beats), started, cue.now()), cue_file)
        await pilot.pause(0.6)  # a few polls
        assert str(where.content) == f"Beat 5/12 · {talk.beats[4].title}"
        text = str(notes.screen.query_one("#text").content)
        assert "16 bytes above the real one" in text  # pushCall's slot is 16 below SP (truth: the stack)
        assert f"Next: {talk.beats[5].title}" in str(notes.screen.query_one("#next").content)
        assert " / 10:00 · " in str(notes.screen.query_one("#clock").content)  # the talk's minutes = 10


async def test_notes_wait_for_a_presenter(tmp_path: Path) -> None:
    talk = script.load(TALK)
    notes = NotesApp(talk, tmp_path / "none.json")
    async with notes.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "waiting for the presenter" in str(notes.screen.query_one("#where").content)
        assert str(notes.screen.query_one("#clock").content) == "--:--"


async def test_last_beat_runs_the_reproducer_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """x on the last beat streams explainer repro into the log pane (a stand-in that prints a real log)."""
    from explainer.talk import live

    real_log = REF / "crashes" / "fast_leaf-go1.27.3-singlestep.log"
    fake = tmp_path / "repro.py"
    fake.write_text("import sys\nprint('try 1/1: running')\n"
                    f"for line in open({str(real_log)!r}).read().splitlines()[:3]:\n"
                    "    print('  | ' + line)\nsys.exit(1)\n")
    asked = []
    monkeypatch.setattr(live, "unavailable", lambda s: None)
    monkeypatch.setattr(live, "repro_argv", lambda s: asked.append(s) or [sys.executable, str(fake)])
    talk = script.load(TALK)
    app = PresenterApp(talk)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("end", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [str(s) for s in asked] == ["go1.27.3/65552/leaf"]  # the beat's release and shape
        log = app.screen.query_one(CrashLogPanel)
        assert "try 1/1: running" in log.plain and last_line("fast_leaf-go1.27.3-singlestep.log") in log.plain
        assert str(log.border_title).startswith("Live: explainer repro, go1.27.3, leaf")
        assert str(log.border_subtitle).startswith("crashed · 1 line also printed by the emulation")


async def test_repro_key_says_why_not_without_the_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    from explainer.talk import live

    monkeypatch.setattr(live, "unavailable", lambda s: "no go1.27.3 toolchain installed")
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("end", "x")
        log = app.screen.query_one(CrashLogPanel)
        assert str(log.border_title) == "Real crash log · fast_leaf-go1.27.3-singlestep.log"  # it stays
        assert any("no go1.27.3 toolchain" in str(n.message) for n in app._notifications)


# --- the live beat (issue 25): here, where the real runtime cannot run; the real run is in
# tests/realgo/test_real_run_lab.py (marked inject) ---


async def _last_beat(tmp_path: Path, live_beats: bool) -> tuple[CrashLogPanel, cue.Cue | None]:
    talk = script.load(TALK)
    assert talk.beats[-1].live and talk.beats[-1].log == "fast_leaf-go1.27.3-singlestep.log"
    cue_file = tmp_path / "cue.json"
    app = PresenterApp(talk, cue_file, live_beats=live_beats)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("end")
        await app.workers.wait_for_complete()
        await pilot.pause()
        log = app.screen.query_one(CrashLogPanel)
        return log, cue.read(cue_file)


async def test_live_beat_without_the_tools_shows_the_recorded_log_and_says_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH emptied: no qemu-aarch64, no gdb-multiarch. The last beat keeps its recorded log (the real
    log's words), says RECORDED and what to install under it, and the cue file tells the notes the same."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    log, read = await _last_beat(tmp_path, live_beats=True)
    assert str(log.border_title) == "Real crash log · fast_leaf-go1.27.3-singlestep.log"
    assert last_line("fast_leaf-go1.27.3-singlestep.log") in log.plain
    assert str(log.border_subtitle).startswith(
        "RECORDED · The real runtime needs qemu-aarch64, gdb-multiarch")
    assert "sudo apt-get install qemu-user gdb-multiarch" in str(log.border_subtitle)
    assert read is not None and read.shown is not None and read.shown.startswith("RECORDED · ")
    assert "sudo apt-get install qemu-user gdb-multiarch" in read.shown


async def test_no_live_shows_the_recorded_log(tmp_path: Path) -> None:
    """--no-live (the presenter's live_beats off): the recorded log, RECORDED, and why."""
    log, read = await _last_beat(tmp_path, live_beats=False)
    assert last_line("fast_leaf-go1.27.3-singlestep.log") in log.plain
    assert str(log.border_subtitle) == "RECORDED · live runs are off (--no-live)"
    assert read is not None and read.shown == "RECORDED · live runs are off (--no-live)"


async def test_notes_say_which_log_the_room_sees(tmp_path: Path) -> None:
    """The notes window shows the cue file's LIVE or RECORDED line, and follows it when it changes on
    the same beat (the live run answering a second after the beat came up)."""
    talk = script.load(TALK)
    cue_file = tmp_path / "cue.json"
    now = cue.now()
    last = len(talk.beats) - 1
    cue.publish(cue.Cue(str(TALK.resolve()), last, len(talk.beats), now, now, now,
                        "LIVE · the real run is going (about a second)"), cue_file)
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        bar = notes.screen.query_one("#shown")
        assert bar.display and str(bar.content) == "Log: LIVE · the real run is going (about a second)"
        cue.publish(cue.Cue(str(TALK.resolve()), last, len(talk.beats), now, cue.now(), now,
                            "RECORDED · the live run was inconclusive (no answer)"), cue_file)
        await pilot.pause(0.6)
        assert str(bar.content) == "Log: RECORDED · the live run was inconclusive (no answer)"
        assert bar.has_class("-recorded") and not bar.has_class("-live")
        cue.publish(cue.Cue(str(TALK.resolve()), 0, len(talk.beats), now, cue.now(), now), cue_file)
        await pilot.pause(0.6)
        assert not bar.display  # a beat with no live run says nothing about logs


def test_check_says_whether_the_live_beat_runs_here(tmp_path: Path) -> None:
    """present --check with the tools hidden: the live beat shows its recorded log, and why."""
    import os
    import subprocess

    env = {**os.environ, "PATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(TALK), "--check"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    line = next(x for x in run.stderr.splitlines() if x.startswith("live beat"))
    assert line == ("live beat 12 (A real crash on go1.27.3): shows the recorded log "
                    "fast_leaf-go1.27.3-singlestep.log: The real runtime needs qemu-aarch64, gdb-multiarch, "
                    "missing on this machine: sudo apt-get install qemu-user gdb-multiarch")
    off = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(TALK), "--check",
                          "--no-live"], capture_output=True, text=True)
    assert "live beat 12 (A real crash on go1.27.3): shows the recorded log " \
           "fast_leaf-go1.27.3-singlestep.log: --no-live" in off.stderr.splitlines()


def test_a_live_beat_must_be_one_the_real_runtime_can_run(tmp_path: Path) -> None:
    """live needs the log pane (parse), a walk and an instruction the real run can take (check)."""
    from explainer.talk.stage import check

    text = TALK.read_text()
    head = text.partition("[[beat]]")[0]
    beat = ('[[beat]]\ntitle = "t"\nscenario = "go1.23.4/65584"\nstop = "sp2"\naction = "{action}"\n'
            'panes = ["log", "disassembly"]\nlog = "fast_nonleaf-go1.23.4-singlestep.log"\nlive = {live}\n'
            'caption = "c"\n')
    with pytest.raises(script.TalkError, match="live must be true or false"):
        script.parse(head + beat.format(action="unwind gc", live='"yes"'), "t.toml")
    no_log = beat.format(action="unwind gc", live="true").replace('["log", "disassembly"]', '["disassembly"]')
    no_log = no_log.replace('log = "fast_nonleaf-go1.23.4-singlestep.log"\n', "")
    with pytest.raises(script.TalkError, match='live replaces the recorded log on arrival: add "log"'):
        script.parse(head + no_log, "t.toml")
    path = tmp_path / "t.toml"
    path.write_text(head + beat.format(action="preempt", live="true"))
    errors = check(script.load(path))
    assert [str(e).split(": ", 1)[1] for e in errors] == [
        "beat 1: cannot run live: a live beat preempts the real runtime and lets it walk the stack: its "
        "action is unwind gc or unwind traceback, not 'preempt'"]
    path.write_text(head + beat.format(action="unwind gc", live="true").replace("65584", "4000"))
    assert "no real reproducer has 4,000-byte non-leaf frame" in str(check(script.load(path)))
