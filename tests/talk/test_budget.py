"""Time budgets: ``minutes`` per beat in the talk file, ``present --check``'s total, the notes' warning,
``present --rehearse``'s table and the file it saves.

The expected figures are computed by hand from the talk texts below (budgets of 1:30 and 0:45, a plan
of 3 minutes), never by the code under test; the clock is a fake the tests move.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.commands import present
from explainer.output.save import save
from explainer.talk import budget, cue, script
from explainer.talk.script import TalkError
from explainer.ui.presenter import NotesApp, PresenterApp

TALK = '''format_version = 1
title = "Two beats"
minutes = 3

[[beat]]
title = "Between the two ADDs"
minutes = 1.5
scenario = "go1.23.4/65584"
stop = "sp2"
panes = ["disassembly"]
caption = "SP = {{beat sp}}"
notes = "Say it slowly."

[[beat]]
title = "The GC scans"
minutes = 0.75
scenario = "go1.23.4/65584"
stop = "sp2"
action = "unwind gc"
panes = ["unwind"]
caption = "{{beat said}}"
'''


class Clock:
    """A clock the test moves (seconds)."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(cue, "now", c)
    return c


def test_beat_minutes_are_read_as_budgets() -> None:
    talk = script.parse(TALK, "t.toml")
    assert [b.minutes for b in talk.beats] == [1.5, 0.75]
    assert [budget.beat_seconds(b) for b in talk.beats] == [90, 45]
    assert budget.planned(talk) == 180
    assert budget.planned(script.parse(TALK.replace("minutes = 3\n", ""), "t.toml")) == 135  # 90 + 45


@pytest.mark.parametrize("bad", ["0", "-1", '"two"', "true", "601", "0.01"])
def test_a_bad_beat_budget_is_reported_at_its_line(bad: str) -> None:
    text = TALK.replace("minutes = 0.75", f"minutes = {bad}")
    with pytest.raises(TalkError) as info:
        script.parse(text, "t.toml")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == f"minutes = {bad}")
    assert info.value.line == line and "beat 2: minutes must be above 0" in info.value.message


def test_check_prints_the_total_budget(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TALK)
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(path), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "time: 2:15 budgeted in all 2 beats" in run.stderr  # 1:30 + 0:45
    assert "time: the talk is planned for 3:00: 0:45 to spare" in run.stderr
    path.write_text(TALK.replace("minutes = 3\n", "minutes = 2\n").replace("minutes = 1.5\n", ""))
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(path), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert "time: 0:45 budgeted in 1 of 2 beats" in run.stderr
    assert "time: no budget for beat 1 (a recording holds each for 30 s)" in run.stderr


def test_shipped_talk_budgets_add_up_to_its_plan() -> None:
    from explainer.content import shipped_talks

    talk = script.load(shipped_talks()["split-epilogue"])
    assert all(b.minutes for b in talk.beats)
    assert budget.beats_total(talk) == talk.minutes * 60  # type: ignore[operator]


async def test_notes_show_time_left_and_warn_when_a_beat_runs_over(tmp_path: Path, clock: Clock) -> None:
    talk = script.parse(TALK, str(tmp_path / "t.toml"))
    cue_file = tmp_path / "cue.json"
    started = clock.t
    cue.publish(cue.Cue(str(talk.path), 0, 2, started, started, started), cue_file)
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=(100, 24)) as pilot:
        screen = notes.screen

        def shown(widget: str) -> str:
            return str(screen.query_one(widget).content)

        clock.t = started + 80  # 1:20 into beat 1 (budget 1:30)
        await pilot.pause(0.4)
        assert shown("#clock") == "01:20 / 3:00 · 1:40 left"
        assert shown("#beat-timer") == "beat 1:20 / 1:30"
        assert not screen.query_one("#beat-timer").has_class("-over")
        clock.t = started + 100  # 10 s over
        await pilot.pause(0.4)
        assert shown("#beat-timer") == "⚠ beat over budget by 0:10 (1:30)"
        assert screen.query_one("#beat-timer").has_class("-over")
        assert "Next: The GC scans (0:45)" in shown("#next")
        # the presenter moves on: the beat's timer starts again from the move
        cue.publish(cue.Cue(str(talk.path), 1, 2, started, started + 100, started + 100), cue_file)
        clock.t = started + 110
        await pilot.pause(0.4)
        assert shown("#beat-timer") == "beat 0:10 / 0:45"
        clock.t = started + 200  # past the whole plan of 3:00
        await pilot.pause(0.4)
        assert shown("#clock") == "03:20 / 3:00 · 0:20 over"
        assert screen.query_one("#clock").has_class("-over")


async def test_replaying_a_beat_keeps_its_timer(tmp_path: Path, clock: Clock) -> None:
    """``r`` plays the beat again; the cue's arrival time (what the notes time the beat from) stays."""
    talk = script.parse(TALK, str(tmp_path / "t.toml"))
    cue_file = tmp_path / "cue.json"
    app = PresenterApp(talk, cue_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        arrived = clock.t
        clock.t += 30
        await pilot.press("r")
        read = cue.read(cue_file)
        assert read is not None and read.updated == arrived + 30 and read.on_beat_since == arrived
        await pilot.press("right")
        read = cue.read(cue_file)
        assert read is not None and read.on_beat_since == arrived + 30


def test_table_by_hand() -> None:
    talk = script.parse(TALK, "t.toml")
    unshown = budget.table(talk, {0: 12.0}).splitlines()[3]
    assert unshown == "2  The GC scans            0:45      -  not shown"
    table = budget.table(talk, {0: 100.4, 1: 30.0})
    assert table.splitlines() == [
        "#  beat                  budget  spent  over/under",
        "-  --------------------  ------  -----  ----------",
        "1  Between the two ADDs    1:30   1:40  +0:10 over",
        "2  The GC scans            0:45   0:30  0:15 under",
        "-  --------------------  ------  -----  ----------",
        "   total                   3:00   2:10  0:50 under",
    ]


async def test_rehearsal_times_each_beat_and_saves_the_table_beside_the_talk(
        tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TALK)
    talk = script.load(path)
    app = PresenterApp(talk, None, rehearse=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        clock.t += 95  # beat 1 for 1:35
        await pilot.press("right")
        clock.t += 20  # beat 2 for 0:20
        await pilot.press("left")
        clock.t += 10  # back on beat 1: 1:45 in all
        await pilot.pause(1.2)  # the bar's timer ticks
        timer = app.screen.query_one("#timer")
        assert str(timer.content) == "⏱ 0:10/1:30"
        clock.t += 85
        await pilot.pause(1.2)
        assert timer.has_class("-over")
    assert app.presenter is not None
    spent = app.presenter.stopwatch.spent
    assert spent == {0: 190.0, 1: 20.0}
    monkeypatch.chdir(tmp_path / "..")  # the file goes beside the talk, not into the current folder
    assert present._report(talk, spent) == 0
    out = capsys.readouterr()
    assert "1  Between the two ADDs    1:30   3:10  +1:40 over" in out.out
    saved = list(tmp_path.glob("t.rehearsal-*.md"))
    assert len(saved) == 1 and f"saved {saved[0]}" in out.err
    text = saved[0].read_text()
    assert text.startswith("# Rehearsal: Two beats\n")
    assert "| 1 | Between the two ADDs | 1:30 | 3:10 | +1:40 over |" in text
    assert "| 2 | The GC scans | 0:45 | 0:20 | 0:25 under |" in text


def test_a_rehearsal_never_replaces_a_file_unasked(tmp_path: Path, clock: Clock,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TALK)
    talk = script.load(path)
    from explainer.talk import rehearsal

    taken = rehearsal.file_for(path, tmp_path, clock.t)
    save(taken, "mine\n")
    assert present._report(talk, {0: 1.0}) == 1  # stdin is no terminal here: the answer is no
    assert taken.read_text() == "mine\n"
    assert f"not saved: {taken} exists" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == sorted([taken.name, "t.toml"])  # nothing else was written


def test_shipped_talk_rehearsal_goes_to_the_current_folder(tmp_path: Path, clock: Clock,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from explainer.content import shipped_talks

    talk = script.load(shipped_talks()["split-epilogue"])
    monkeypatch.chdir(tmp_path)
    assert present._report(talk, {0: 12.0}) == 0
    assert len(list(tmp_path.glob("split-epilogue.rehearsal-*.md"))) == 1
    assert len(list(tmp_path.iterdir())) == 1
