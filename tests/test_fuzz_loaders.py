"""Issue 22: every file loader and the scenario line, driven with generated input, right and wrong.

Each raises its own error type or nothing (BinaryError, LessonError, TalkError; the progress file is
never an error, only a warning; a scenario line an ExplainerError), within the time and memory bounds
of :mod:`tests.fuzzing`. The inputs are real files and texts, edited: the shipped lessons and talk,
the fixtures' bytes, valid progress records; and arbitrary text and bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explainer.binary import BinaryError, load, scan
from explainer.binary.opened import opened_program, opened_scenario
from explainer.course import check, lesson, progress
from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.scenario import parse as parse_scenario
from explainer.talk import script, stage

from .engine.test_scenario_props import _LINES, scenarios
from .fuzzing import FUZZ, Figures, mostly, run_property

ROOT = Path(__file__).resolve().parents[1]
BINARIES = [
    (ROOT / "tests" / "fixtures" / n).read_bytes()
    for n in (
        "fast_leaf-go1.25.0-linux-arm64-stripped",
        "fast_leaf-go1.25.0-darwin-arm64-stripped",
        "fast_leaf-go1.27.3-linux-arm64-stripped",
    )
]
LESSONS = [p.read_text() for p in sorted((ROOT / "lessons").glob("[0-9][0-9]-*.md"))]
TALK = (ROOT / "assets" / "talks" / "split-epilogue.toml").read_text()
PROGRESS = json.dumps({"format": 1, "done": ["01-arm64"], "answers": {"06-race": {"0": 1}}})


TEXT_PIECES = [
    "\n",
    "---\n",
    "\n## Step: x\n",
    "\n- do: step 99999\n",
    "\n- do: run_to +0x" + "f" * 50 + "\n",
    "{{",
    "}}",
    "{{outcome go1.23.4/65552/stack=0x0-0x10}}",
    "\n[[beat]]\n",
    "\nstop = 99999999999\n",
    '\nscenario = "go1.23.4/65552/step=99999999999"\n',
    "\nx = " + "[" * 2000 + "\n",
    "\ny = " + "{a=" * 1500 + "\n",
    "\ufeff",
    "\r",
    "\x00",
    "²",
    "６４",
]

Edit = tuple[str, int, int, int, str | bytes]
"""(kind, where as a fraction of the length in millionths, how many, repeats, what is put in)."""


@st.composite
def edits(draw: st.DrawFn, text: bool) -> tuple[int, list[Edit], int]:
    """Which original, what to do to it, and where to cut it short (or not).

    The recipe, not the mutated file, is what hypothesis generates and remembers: a file of a
    megabyte drawn ten thousand times would hold gigabytes of its records.
    """
    piece = st.sampled_from(TEXT_PIECES) | st.text(min_size=1, max_size=8) if text else st.binary(max_size=64)
    out = [
        (
            draw(st.sampled_from(["cut", "flip", "drop", "repeat", "insert"])),
            draw(st.integers(0, 10**6)),
            draw(st.integers(1, 64)),
            draw(st.integers(2, 50)),
            draw(piece),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    return draw(st.integers(0, 1 << 16)), out, draw(st.integers(0, 9)) and -1 or draw(st.integers(0, 200))


def apply(recipe: tuple[int, list[Edit], int], originals: list[str] | list[bytes]) -> str | bytes:
    """An original cut, with pieces flipped, dropped, repeated or put in, as ``edits`` drew it."""
    which, steps, short = recipe
    data = originals[which % len(originals)]
    for kind, where, n, times, piece in steps:
        at = where * len(data) // 10**6
        if kind == "cut":
            data = data[:at]
        elif kind == "flip":
            data = data[:at] + piece + data[at + len(piece) :]  # type: ignore[operator]
        elif kind == "drop":
            data = data[:at] + data[at + n :]
        elif kind == "repeat":
            data = data[:at] + data[at : at + n] * times + data[at + n :]
        else:
            data = data[:at] + piece + data[at:]  # type: ignore[operator]
    return data if short < 0 else data[:short]


def as_file(text: str, k: int) -> bytes:
    """The text's bytes as a file holds them: UTF-8 mostly; now and then Latin-1, or UTF-8 cut short."""
    data = text.encode("utf-8", "surrogatepass")
    if k == 0:
        return text.encode("latin-1", "replace") + b"\xff\xfe"
    if k == 1 and data:
        return data + "é".encode()[:1]
    return data


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


def test_binary_loader(workdir: Path) -> None:
    path = workdir / "binary"

    def prop(figures: Figures) -> None:
        @FUZZ
        @given(mostly(edits(text=False), st.binary(max_size=4096), right_in=9))
        def one(made: tuple[int, list[Edit], int] | bytes) -> None:
            data = made if isinstance(made, bytes) else apply(made, BINARIES)  # applied here: see edits
            assert isinstance(data, bytes)
            path.write_bytes(data)
            with figures.bounded(len(data)):
                try:
                    binary = load(path)
                    scan(str(path))
                    program = opened_program(binary, "main.big_stack")
                    opened_scenario(binary, program)
                    figures.outcomes["loaded"] += 1
                except BinaryError as err:
                    assert type(err) is BinaryError and "\n" not in str(err)
                    figures.outcomes["BinaryError"] += 1
                except ExplainerError as err:  # from the engine, on a corrupt function's words
                    figures.outcomes[type(err).__name__] += 1

        one()

    run_property("loader: binary (load, scan, open's program)", prop)


def test_lesson_loader(workdir: Path) -> None:
    path = workdir / "01-fuzz.md"

    def prop(figures: Figures) -> None:
        @FUZZ
        @given(mostly(edits(text=True), st.text(), right_in=9), st.integers(0, 9))
        def one(made: tuple[int, list[Edit], int] | str, k: int) -> None:
            text = made if isinstance(made, str) else apply(made, LESSONS)  # applied here: see edits
            assert isinstance(text, str)
            path.write_bytes(as_file(text, k))
            with figures.bounded(text[:200]):
                try:
                    loaded = lesson.load(path)
                except lesson.LessonError as err:
                    assert type(err) is lesson.LessonError and err.line >= 1
                    figures.outcomes["LessonError"] += 1
                    return
                mistakes = check.check(loaded)  # plays it: the engine behind every step and fact
                assert all(type(e) is lesson.LessonError for e in mistakes)
                figures.outcomes["checked: mistakes" if mistakes else "checked: none"] += 1

        one()

    run_property("loader: lesson", prop)


def test_talk_loader(workdir: Path) -> None:
    path = workdir / "talk.toml"

    def prop(figures: Figures) -> None:
        @FUZZ
        @given(mostly(edits(text=True), st.text(), right_in=9), st.integers(0, 9))
        def one(made: tuple[int, list[Edit], int] | str, k: int) -> None:
            text = made if isinstance(made, str) else apply(made, [TALK])
            assert isinstance(text, str)
            path.write_bytes(as_file(text, k))
            with figures.bounded(text[:200]):
                try:
                    talk = script.load(path)
                except script.TalkError as err:
                    assert type(err) is script.TalkError and err.line >= 1 and "\n" not in err.message
                    figures.outcomes["TalkError"] += 1
                    return
                mistakes = stage.check(talk)  # plays every beat
                assert all(type(e) is script.TalkError for e in mistakes)
                figures.outcomes["checked: mistakes" if mistakes else "checked: none"] += 1

        one()

    run_property("loader: talk", prop)


def _progress_json() -> st.SearchStrategy[str]:
    ids = st.one_of(st.sampled_from(["01-arm64", "06-race", ""]), st.text(max_size=8))
    record = st.fixed_dictionaries(
        {
            "format": st.one_of(st.just(1), st.integers(-2, 3), st.text(max_size=3), st.none()),
            "done": st.one_of(st.lists(ids, max_size=4), st.text(max_size=4), st.integers()),
            "answers": st.one_of(
                st.dictionaries(
                    ids,
                    st.one_of(
                        st.dictionaries(
                            st.one_of(
                                st.integers(0, 9).map(str), st.sampled_from(["1" * 5000, "-1", "²", "x"])
                            ),
                            st.one_of(st.integers(-1, 99), st.text(max_size=2), st.booleans()),
                            max_size=4,
                        ),
                        st.integers(),
                    ),
                    max_size=3,
                ),
                st.lists(st.integers()),
            ),
        }
    )
    return record.map(json.dumps)


def test_progress_loader(workdir: Path) -> None:
    path = workdir / "progress.json"

    def prop(figures: Figures) -> None:
        @FUZZ
        @given(mostly(_progress_json(), st.one_of(edits(text=True), st.just("[" * 100_000)), right_in=3))
        def one(made: tuple[int, list[Edit], int] | str) -> None:
            text = made if isinstance(made, str) else apply(made, [PROGRESS])
            assert isinstance(text, str)
            path.parent.mkdir(exist_ok=True)
            for old in path.parent.glob("progress.json*"):
                old.unlink()
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            with figures.bounded(text[:200]):
                loaded = progress.load(path)  # never raises: a warning, the file kept aside or left alone
            assert isinstance(loaded.progress, progress.Progress)
            assert loaded.warning is None or "\n" not in loaded.warning
            figures.outcomes["warning" if loaded.warning else "loaded"] += 1

        one()

    run_property("loader: progress", prop)


def test_scenario_line() -> None:
    def prop(figures: Figures) -> None:
        @FUZZ
        @given(mostly(scenarios().map(str), st.one_of(_LINES, st.text()), right_in=1))
        def one(text: str) -> None:
            with figures.bounded(text):
                try:
                    s = parse_scenario(text)
                except ExplainerError as err:
                    assert str(err) and "\n" not in str(err).strip()
                    figures.outcomes["ExplainerError"] += 1
                    return
            assert parse_scenario(str(s)) == s
            figures.outcomes["parsed"] += 1

        one()

    run_property("loader: scenario line", prop)
