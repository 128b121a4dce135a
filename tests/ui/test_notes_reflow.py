"""The notes window wraps a beat's notes to its own width: the talk file's line breaks inside a paragraph
are its author's, not the window's. Seen in tmux at 80x24: beat 10's notes drawn as ragged half lines
("reload, and its" / "epilogue is built by another path..."), the file's 95-column breaks wrapped again.

Read from the painted notes: every word of the beat's notes, in order (nothing lost or reordered), and
each painted line but a paragraph's last is full: the next word would not have fitted on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.talk import cue, script
from explainer.ui.presenter import NotesApp

from .painted import region, settle
from .truth import ROOT

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("beat", [9, 10])  # 0-based: leaf functions were missed; the residual
async def test_notes_are_wrapped_to_the_window(beat: int, size: tuple[int, int], tmp_path: Path) -> None:
    talk = script.load(TALK)
    source = talk.beats[beat].notes
    assert "\n" in source.strip()  # the file breaks its lines inside the paragraph
    cue_file = tmp_path / "cue.json"
    now = cue.now()
    cue.publish(cue.Cue(str(TALK.resolve()), beat, len(talk.beats), now, now), cue_file)
    notes = NotesApp(talk, cue_file)
    async with notes.run_test(size=size) as pilot:
        await pilot.pause(0.4)
        await settle(pilot)
        text = notes.screen.query_one("#text")
        width = text.content_region.width
        lines = [ln.rstrip() for ln in region(notes, text.content_region)]
        while lines and not lines[-1]:
            lines.pop()
        painted = " ".join(" ".join(lines).split())
        assert painted.startswith(" ".join(source.split())[:60]), painted
        assert len(painted.split()) == len(source.split()), (painted, source)  # every word, once
        for k, line in enumerate(lines[:-1]):
            nxt = lines[k + 1].split()
            if not line or not nxt:  # a paragraph ends here
                continue
            assert len(line) + 1 + len(nxt[0]) > width, f"line {k} is short of the width {width}: {lines}"
