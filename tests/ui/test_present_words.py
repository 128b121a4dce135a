"""Issue 18, the talk as the room and the speaker see it: the words on screen, the blank key, the clock.

Beat 1's notes said "one ADD: one ADD:" (a fact that starts with its own words, after a sentence that
said them). Beat 3's caption said "the frame is half given back" when the first ADD of the real epilogue
gives back 48 of 65,584 bytes: checked here against the real go1.23.4 objdump. ``b`` (a clicker's blank
key) left a toast on the black screen. The notes' clock ran on after the presenter quit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.talk import cue, script
from explainer.ui.presenter import NotesApp, PresenterApp

from .painted import region, screen, settle
from .truth import ROOT, objdump_line, rsp_writes

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
NONLEAF_123 = "fast_nonleaf-go1.23.4.txt"
#: A phrase of two to four words said twice in a row ("one ADD: one ADD:").
TWICE = re.compile(r"\b([a-z][\w,']*(?: [\w$,'()<]+){1,3})\W+\1\b")


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    return tmp_path


def _flat(lines: list[str]) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─┃┏┓┗┛━]", " ", " ".join(lines)).split())


def _immediate(text: str) -> int:
    """The constant of a real objdump ``ADD $c, RSP, RSP`` (``$(16<<12)`` included)."""
    m = re.fullmatch(r"ADD \$\(?(\d+)(?:<<(\d+))?\)?, RSP, RSP", text)
    assert m, text
    return int(m.group(1)) << int(m.group(2) or 0)


async def test_beat_1_notes_say_each_thing_once(tmp_path: Path) -> None:
    talk = script.load(TALK)
    cue_file = tmp_path / "cue.json"
    cue.publish(cue.Cue(str(TALK.resolve()), 0, len(talk.beats), cue.now(), cue.now()), cue_file)
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        said = _flat(region(notes, notes.screen.query_one("#text")))
        assert "A 4,000-byte frame takes one ADD: ADD $4000, RSP, RSP." in said, said
        assert "This frame takes two ADDs: ADD $48, RSP, RSP then ADD $(16<<12), RSP, RSP." in said, said
        assert TWICE.search(said) is None, TWICE.search(said)


async def test_beat_3_caption_says_how_much_the_first_add_gave_back() -> None:
    first, second = (_immediate(objdump_line(NONLEAF_123, pc)[1]) for pc in rsp_writes(NONLEAF_123))
    frame = first + second  # the real epilogue gives the whole frame back: 48 + (16<<12) = 65,584
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("right", "right")
        await settle(pilot)
        caption = _flat(region(app, app.screen.query_one("#caption")))
        assert f"it gave back only the frame's lowest {first} bytes" in caption, caption
        assert f"still {frame - first:,} bytes below where the caller left it" in caption, caption
        assert "half" not in caption
        assert frame == 65_584 and first == 48  # the frame the talk's beat names, and its real low part


async def test_blank_hides_every_toast() -> None:
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("x")  # beat 1 has no real run: a toast says so
        await pilot.pause(0.2)
        assert "This beat has no real run" in _flat(screen(app))
        await pilot.press("b")
        await pilot.pause(0.2)
        assert [line for line in screen(app) if line.strip()] == []  # black: the toast went too
        await pilot.press("x")  # said while blank: nothing shows on the black screen
        await pilot.pause(0.2)
        assert [line for line in screen(app) if line.strip()] == []
        await pilot.press("b")
        await pilot.pause(0.2)
        assert "An ADD holds twelve bits" in _flat(screen(app))


async def test_notes_stop_their_clock_when_the_presenter_quits(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    talk = script.load(TALK)
    cue_file = tmp_path / "cue.json"
    clock = [1_000_000.0]
    monkeypatch.setattr(cue, "now", lambda: clock[0])
    app = PresenterApp(talk, cue_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        clock[0] += 95
        await pilot.press("right")
        clock[0] += 30
    # the presenter quit 2:05 after it opened; the notes, started later, say so and stand still
    clock[0] += 600
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bar = _flat(region(notes, notes.screen.query_one("#bar")))
        assert "the talk ended" in bar, bar
        assert "ended after 02:05 / 10:00" in bar, bar  # the talk's minutes = 10
        assert "left" not in bar and "beat 0" not in bar, bar  # no clock counting down, no beat timer
        clock[0] += 120
        await pilot.pause(0.6)  # a few polls
        assert _flat(region(notes, notes.screen.query_one("#bar"))) == bar


async def test_beat_4_says_parked_without_the_labs_keys() -> None:
    """Beat 4 preempts between the two ADDs: the unwind panel on the projector said "choose who walks the
    stack (g t n f c)", five lab keys the room cannot press (the presenter has g alone). It says the
    goroutine is parked, and the lab still names its keys."""
    from explainer.engine.experiments.scenario import parse
    from explainer.ui.app import ExplainerApp
    from explainer.ui.widgets.unwind import UnwindPanel

    talk = script.load(TALK)
    beat = next(k for k, b in enumerate(talk.beats) if b.title.startswith("SIGURG"))
    app = PresenterApp(talk)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["right"] * beat)
        await settle(pilot)
        said = _flat(region(app, app.screen.query_one(UnwindPanel)))
        assert "preempted and parked: the goroutine waits for whoever walks its stack" in said, said
        assert "g t n f c" not in " ".join(screen(app))
    lab = ExplainerApp(parse("go1.23.4/65584"))
    async with lab.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "p")
        await settle(pilot)
        panel = lab.screen.query_one(UnwindPanel)
        assert "choose who walks the stack (g t n f c)" in _flat(region(lab, panel))
