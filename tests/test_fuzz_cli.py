"""Issue 22: every ``explainer`` entry point driven with generated arguments, right and wrong.

Each subcommand (and the bare ``explainer --scenario``) gets arguments built from its own options,
with values drawn from what people type (``²``, ``６４``, 5,000 digits, negative numbers, language
versions, special files, huge frames) and from arbitrary text. Whatever comes, ``main`` returns 0, 1
or 2: never 70 (an unexpected error: a bug), never a traceback; on 2, stderr says ``explainer:`` what
is wrong. Within :data:`tests.fuzzing.SECONDS` per input and :data:`tests.fuzzing.RSS_GROWTH_MB` of memory.

Nothing is started that outlives an input: the TUIs, the web server and repro's toolchain download
are replaced by stand-ins that record they were reached (the arguments were accepted).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explainer.cli import main
from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.scenario import ANCHORS
from explainer.engine.runtime.unwind import Trigger

from .engine.test_scenario_props import _LINES
from .fuzzing import FUZZ, Figures, mostly, run_property

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
DIGITS = "1" * 5000
#: Arbitrary text, and what a shell can pass in an argument but a format should not echo raw.
JUNK = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\x00", "a\x00b", "\n", "x\ny", "\x1b[31m", "\x1e0", "-", "--", "-h"]),
)

GO = mostly(
    st.sampled_from(["1.23.4", "go1.25.0", "1.27.3", "go1.22.0", "1.24.11"]),
    st.one_of(
        st.sampled_from(
            ["go1.22", "1.23.4.4", "1.２３.4", "go1.23.13", "1.9" + "9" * 30, "", "1.23", "99", "go1.20"]
        ),
        JUNK,
    ),
)
#: Frame sizes: the story's, the edges, what people mistype; up to 16 MiB (bigger ones: test_tui_bounds).
SIZE = mostly(
    st.one_of(
        st.sampled_from(["32", "64", "4096", "4112", "65552", "65584", "1048592", "16777232"]),
        st.integers(2, 1 << 16).map(lambda n: str(16 * n)),
    ),
    st.one_of(
        st.sampled_from(["16", "0", "-16", "15", "²", "６４", DIGITS, "2147483648", " 64 "]),
        st.integers(-64, 1 << 24).map(str),
        JUNK,
    ),
)
STACK = mostly(
    st.sampled_from(
        [
            "0x40000ae000-0x40000ce000",
            "0x400009c000-0x40000bc000",
            "0x4700000000-0x4800000000",
            "0x40000ae000-0x40000b0000",
        ]
    ),
    st.one_of(
        st.sampled_from(
            [
                "0x0-0x10",
                "0x0-0x20000",
                "0x0-0xfffffffffffffff0",
                "0x40000ae000-0x50000ce000",
                "0x" + "f" * 5000 + "-0x10",
                "0x40000ce000-0x40000ae000",
            ]
        ),
        st.tuples(st.integers(0, 1 << 64), st.integers(0, 1 << 64)).map(lambda t: f"{t[0]:#x}-{t[1]:#x}"),
        JUNK,
    ),
    right_in=1,
)
AT = mostly(
    st.one_of(st.sampled_from(ANCHORS), st.integers(0, 1 << 8).map(lambda n: f"+{4 * n:#x}")),
    st.one_of(st.sampled_from(["+0x11", "+0x" + "f" * 40, "sp2/stack=0x1-0x2", ""]), JUNK),
)
UNWIND = mostly(
    st.sampled_from([t.value for t in Trigger]), st.one_of(st.sampled_from(["gc/leaf", ""]), JUNK)
)
NUMBER = mostly(
    st.integers(1, 70000).map(str),
    st.one_of(
        st.sampled_from(["0", "-1", "1.5", "inf", "nan", "1e999", "²", "３", DIGITS, ""]),
        st.integers(-5, 0).map(str),
        JUNK,
    ),
)


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Paths a person may hand the commands: real binaries, special files, broken files, folders."""
    tmp = tmp_path_factory.mktemp("places")
    fifo = tmp / "pipe"
    os.mkfifo(fifo)
    (tmp / "empty").write_bytes(b"")
    (tmp / "random").write_bytes(os.urandom(4096))
    (tmp / "elf-head").write_bytes((FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped").read_bytes()[:200])
    (tmp / "talk.toml").write_text(
        'format_version = 1\ntitle = "t"\n\n[[beat]]\ntitle = "b"\n'
        'scenario = "go1.23.4/65584"\npanes = ["stack"]\ncaption = "c"\n'
    )
    (tmp / "deep.toml").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    lessons = tmp / "lessons"
    lessons.mkdir()
    (lessons / "01-arm64.md").write_text((ROOT / "lessons" / "01-arm64.md").read_text())
    (tmp / "no-lessons").mkdir()
    broken = tmp / "broken-lessons"
    broken.mkdir()
    (broken / "01-x.md").write_text("---\nformat: 1\ntitle: T\nscenario: go1.99.0/64\n---\n")
    files = [
        str(FIXTURES / n)
        for n in (
            "fast_leaf-go1.25.0-linux-arm64-stripped",
            "fast_leaf-go1.25.0-linux-arm64",
            "hello-c-linux-arm64",
            "fast_leaf-go1.25.0-darwin-arm64-stripped",
            "fast_leaf-go1.25.0-linux-amd64-stripped",
        )
    ]
    special = [
        "/dev/zero",
        "/dev/null",
        str(fifo),
        str(tmp),
        str(tmp / "missing"),
        str(tmp / "empty"),
        str(tmp / "random"),
        str(tmp / "elf-head"),
        "",
    ]
    return {
        "binaries": files + special,
        "talks": [
            str(tmp / "talk.toml"),
            str(tmp / "deep.toml"),
            *special,
            str(ROOT / "assets" / "talks" / "split-epilogue.toml"),
        ],
        "lesson_dirs": [str(lessons), str(tmp / "no-lessons"), str(broken), *special],
        "outputs": [str(tmp / "out.md"), str(tmp), str(tmp / "missing" / "x.md"), "/dev/null", str(fifo)],
    }


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """The TUIs, the server and repro's downloads replaced: each records that it was reached."""
    reached: list[str] = []
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))  # --prune removes only these
    from explainer.ui import app, presenter

    def ui(self: object) -> None:
        reached.append(type(self).__name__)

    for cls in (app.ExplainerApp, presenter.PresenterApp, presenter.NotesApp):
        monkeypatch.setattr(cls, "run", ui)
    from explainer.ui import browser

    monkeypatch.setattr(browser.GuardedServer, "serve_on", lambda self, sock: reached.append("serve"))
    from explainer.realgo import qemu

    def no_qemu() -> None:
        reached.append("find_qemu")
        raise ExplainerError("stand-in: repro stops before any tool runs")

    monkeypatch.setattr(qemu, "find_qemu", no_qemu)
    yield reached


def _pairs(
    draw: st.DrawFn, options: dict[str, st.SearchStrategy[str] | None], required: tuple[str, ...] = ()
) -> list[str]:
    """Options in any order, each maybe twice; the ``required`` ones nearly always; now and then junk."""
    names = [n for n in required if draw(st.integers(0, 9))]
    names += draw(st.lists(st.sampled_from(sorted(set(options) - set(required))), max_size=len(options)))
    argv: list[str] = []
    for name in draw(st.permutations(names)):
        argv.append(name)
        value = options[name]
        if value is not None:
            argv.append(draw(value))
    if draw(st.integers(0, 9)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(JUNK))
    return argv


def _argv(places: dict[str, list[str]]) -> st.SearchStrategy[list[str]]:
    binaries = mostly(st.sampled_from(places["binaries"][:4]), st.sampled_from(places["binaries"][4:]), 1)
    talks = st.sampled_from(places["talks"])
    names = mostly(
        st.sampled_from(
            [
                "main.big_stack",
                "main.big_stack",
                "main.main",
                "runtime.rt0_go",
                "runtime.gcenable",
                "internal/chacha8rand.block",
                "runtime.asyncPreempt",
            ]
        ),
        st.one_of(st.sampled_from(["nosuch", ""]), JUNK),
    )
    parts = st.lists(
        st.sampled_from(
            [
                "leaf",
                "buffer=cloudflare",
                "buffer=zeros",
                "buffer=planted-pc",
                "at=ret",
                "at=sp1",
                "at=entry",
                "at=+0x14",
                "unwind=traceback",
                "unwind=panic",
                "step=5",
                "step=1000",
                "stack=0x400009c000-0x40000bc000",
            ]
        ),
        max_size=3,
        unique=True,
    )
    scenario = mostly(
        st.tuples(st.sampled_from(["go1.23.4", "go1.25.0", "go1.27.3", "go1.22.0"]), SIZE, parts).map(
            lambda t: "/".join([t[0], t[1], *t[2]])
        ),
        _LINES,
        right_in=2,
    )
    frame = {"--go": GO, "--size": SIZE, "--leaf": None, "--json": None}

    @st.composite
    def one(draw: st.DrawFn) -> list[str]:
        command = draw(st.sampled_from(["", *COMMANDS]))
        if command == "":
            return _pairs(draw, {"--scenario": scenario})
        if command == "versions":
            return [command, *_pairs(draw, {"--json": None})]
        if command == "frame":
            return [command, *_pairs(draw, frame, ("--go", "--size"))]
        if command == "sweep":
            return [command, *_pairs(draw, {**frame, "--unwind": UNWIND}, ("--go", "--size"))]
        if command == "run":
            return [command, draw(scenario), *_pairs(draw, {"--stack": STACK, "--json": None})]
        if command == "lessons":  # half of them a handout into a place: a file, a folder, a FIFO, /dev/null
            handout = mostly(
                st.sampled_from(["1", "01", "01-arm64", "6"]),
                st.one_of(st.sampled_from(["99", "²", DIGITS]), JUNK),
            )
            return [
                command,
                *_pairs(
                    draw,
                    {
                        "--check": None,
                        "--dir": st.sampled_from(places["lesson_dirs"]),
                        "--handout": handout,
                        "-o": st.sampled_from(places["outputs"]),
                        "--no-answers": None,
                    },
                    ("--handout", "-o") if draw(st.booleans()) else (),
                ),
            ]
        if command == "scan":
            return [command, draw(binaries), *_pairs(draw, {"--json": None})]
        if command == "open":
            return [
                command,
                draw(binaries),
                draw(names),
                *_pairs(draw, {"--run": None, "--at": AT, "--unwind": UNWIND, "--stack": STACK}),
            ]
        if command == "repro":
            return [
                command,
                *_pairs(
                    draw,
                    {
                        "--go": GO,
                        "--shape": st.one_of(st.sampled_from(["leaf", "nonleaf", "cloudflare"]), JUNK),
                        "--timeout": NUMBER,
                        "--tries": NUMBER,
                        "--list": None,
                        "--prune": None,
                    },
                ),
            ]
        if command == "present":
            return [command, draw(talks), *_pairs(draw, {"--check": None, "--notes": None})]
        return [
            command,
            *_pairs(
                draw,
                {
                    "--port": NUMBER,
                    "--host": st.one_of(
                        st.sampled_from(["127.0.0.1", "localhost", "::1", "0.0.0.0", ""]), JUNK
                    ),
                    "--scenario": scenario,
                },
            ),
        ]

    return one()


COMMANDS = ("versions", "frame", "sweep", "run", "lessons", "scan", "open", "repro", "present", "serve")


def _command(argv: list[str]) -> str:
    if not argv or argv[0].startswith("-"):
        return "(lab)"
    return argv[0] if argv[0] in COMMANDS else "(no such command)"


def _call(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as done:  # argparse: usage errors (2) and --help/--version (0)
            status = done.code if isinstance(done.code, int) else 2
    return status, err.getvalue()


def test_every_entry_point_answers_0_1_or_2(places: dict[str, list[str]], stand_ins: list[str]) -> None:
    def prop(figures: Figures) -> None:
        @FUZZ
        @given(_argv(places))
        def one(argv: list[str]) -> None:
            with figures.bounded(argv):
                status, err = _call(argv)
            figures.outcomes[f"{_command(argv)} {status}"] += 1
            assert status in (0, 1, 2), (argv, status, err[-2000:])
            assert "Traceback" not in err, (argv, err[-2000:])
            if status == 2:  # one line per mistake (scan says one per path), each the app's own
                assert err.startswith("explainer: "), (argv, err[-2000:])

        one()

    run_property("cli: every entry point's arguments", prop)
