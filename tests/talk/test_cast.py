"""``explainer present TALK --export cast FILE``: the talk played by its script, read back by asciinema.

The recording is made by the real command and parsed by asciinema 2.4.0's own asciicast v2 reader.
The scripted timing is computed here from the talk file (tomllib, not the app): each beat held for its
``minutes``, or 30 s, the default the README states. The screen at each key press is rebuilt by a
real terminal emulator (pyte) from the recorded bytes, and must show the beat the script is on.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

import pyte
from asciinema.asciicast import open_from_url

TALK = '''format_version = 1
title = "Three beats"

[[beat]]
title = "Between the two ADDs"
minutes = 0.25
scenario = "go1.23.4/65584"
stop = "sp2"
panes = ["disassembly", "stack"]
caption = "SP = {{beat sp}}"

[[beat]]
title = "The GC scans"
minutes = 1.5
scenario = "go1.23.4/65584"
stop = "sp2"
action = "unwind gc"
panes = ["unwind"]
caption = "{{beat said}}"

[[beat]]
title = "No budget here"
scenario = "go1.27.3/65552/leaf"
stop = "sp2"
panes = ["disassembly"]
caption = "{{beat go}}"
'''
DEFAULT_HOLD = 30  # README: "a beat without minutes is held 30 s"
RIGHT = "\x1b[C"


def test_the_cast_plays_each_beat_for_its_budget(tmp_path: Path) -> None:
    talk = tmp_path / "three.toml"
    talk.write_text(TALK)
    out = tmp_path / "three.cast"
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(talk), "--export", "cast",
                          str(out), "--size", "100x30"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    beats = tomllib.loads(TALK)["beat"]
    holds = [b["minutes"] * 60 if "minutes" in b else DEFAULT_HOLD for b in beats]  # 15, 90, 30

    with open_from_url(str(out)) as cast:
        header = cast.v2_header
        events = list(cast.events())
    assert cast.version == 2 and (header["width"], header["height"]) == (100, 30)
    times = [e[0] for e in events]
    assert times == sorted(times)

    keys = [(t, d) for t, code, d in events if code == "i"]
    enter = next(k for k, (_, d) in enumerate(keys) if d == "\r")
    typed = "".join(d for _, d in keys[:enter])
    assert typed == f"explainer present {talk}"
    gaps = [b[0] - a[0] for a, b in zip(keys[:enter - 1], keys[1:enter], strict=True)]  # between typed keys
    assert all(0.05 <= g <= 0.6 for g in gaps) and statistics.pstdev(gaps) > 0.02  # a person, not a metronome
    presses = keys[enter:]
    assert [d for _, d in presses] == ["\r", RIGHT, RIGHT, "q"]
    held = [b[0] - a[0] for a, b in zip(presses, presses[1:], strict=False)]
    assert [round(h, 2) for h in held] == holds

    length = times[-1]
    scripted = presses[0][0] + sum(holds)
    assert abs(length - scripted) < 1.0, (length, scripted)

    # what the audience sees when each key is pressed: the beat the script is on
    screen = pyte.Screen(100, 30)
    stream = pyte.Stream(screen)
    seen = []
    for _, code, data in events:
        if code == "i" and data in (RIGHT, "q"):
            seen.append(screen.display[0].split())
        if code == "o":
            stream.feed(data)
    assert [line[:2] for line in seen] == [["1/3", "Between"], ["2/3", "The"], ["3/3", "No"]]
    assert "go1.27.3/65552/leaf" in " ".join(seen[2])
    assert events[-1][1:] == ["o", "$ "]  # back at the prompt


def test_a_cast_is_never_written_over_a_file(tmp_path: Path) -> None:
    talk = tmp_path / "three.toml"
    talk.write_text(TALK)
    out = tmp_path / "three.cast"
    out.write_text("mine\n")
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(talk), "--export", "cast",
                          str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and f"{out} exists" in run.stderr and "--force" in run.stderr
    assert out.read_text() == "mine\n"
