"""``explainer open``: a real function of a real binary, emulated, preempted and unwound.

Truth here is independent of the engine: real ``go tool objdump`` output of the same programs
and releases (../shared/reference/objdump) for the words and Go text, and the real
crash logs in ../shared/reference/crashes for what the runtime printed when that very
program crashed under qemu.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from explainer.binary import BinaryError, load
from explainer.binary.opened import opened_program, opened_scenario
from explainer.cli import main
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.unwind import Trigger

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CRASHES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "crashes"
REFERENCE = CRASHES.parent / "objdump"
_LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")
LINUX = ["fast_nonleaf-go1.23.4-linux-arm64-stripped", "fast_nonleaf-go1.25.0-linux-arm64-stripped",
         "fast_leaf-go1.25.0-linux-arm64", "fast_leaf-go1.27.3-linux-arm64-stripped"]


def objdump_lines(fixture: str, function: str) -> list[tuple[int, str, str]]:
    """(offset from the entry, word, Go text) of ``function`` in the real objdump of the same program
    and release in ../shared/reference/objdump (built apart from the fixtures; for the darwin build,
    the fixture's own objdump), padding left out."""
    shape, version = re.match(r"(\w+)-go([\d.]+)-", fixture).groups()  # type: ignore[union-attr]
    dump = (REFERENCE / f"{shape}-go{version}.txt").read_text()
    if "darwin" in fixture:  # no darwin build in the reference: the fixture's own objdump
        name = fixture.removesuffix("-stripped")
        dump = gzip.decompress((FIXTURES / "objdump" / f"{name}.txt.gz").read_bytes()).decode()
    out: list[tuple[int, str, str]] = []
    entry = None
    for text in dump.splitlines():
        if text.startswith("TEXT "):
            entry = None if text.split()[1] != f"{function}(SB)" else -1
            continue
        m = _LINE.match(text)
        if entry is not None and m and m.group(3) != "?":
            pc = int(m.group(1), 16)
            entry = pc if entry == -1 else entry
            out.append((pc - entry, m.group(2), m.group(3)))
    return out


@pytest.mark.parametrize("fixture", LINUX + ["fast_leaf-go1.25.0-darwin-arm64-stripped"])
def test_the_opened_function_is_the_real_one_word_for_word(fixture: str) -> None:
    program = opened_program(load(FIXTURES / fixture), "main.big_stack")
    ours = [(i.offset, i.hex, i.go) for i in program.target.instructions]
    assert ours == objdump_lines(fixture, "main.big_stack")


@pytest.mark.parametrize(("fixture", "log"), [
    ("fast_nonleaf-go1.23.4-linux-arm64-stripped", "fast_nonleaf-go1.23.4.log"),
    ("fast_leaf-go1.25.0-linux-arm64", "fast_leaf-go1.25.0.log"),
    ("fast_leaf-go1.27.3-linux-arm64-stripped", "fast_leaf-go1.27.3-singlestep.log"),
])
def test_open_run_prints_what_the_real_binary_printed(fixture: str, log: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Preempted between the real binary's two ADDs on the log's stack: the log's three lines."""
    text = (CRASHES / log).read_text().splitlines()
    lo, hi = re.search(r"stack=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)", "\n".join(text)).groups()  # type: ignore[union-attr]
    assert main(["open", str(FIXTURES / fixture), "main.big_stack", "--run", "--stack", f"{lo}-{hi}"]) == 1
    assert capsys.readouterr().out.splitlines() == text[:3]


def test_the_fixed_non_leaf_release_refuses_at_its_single_write() -> None:
    """go1.25.0 builds the constant in R27; isAsyncSafePoint refuses an instruction using it."""
    fixture = "fast_nonleaf-go1.25.0-linux-arm64-stripped"
    binary = load(FIXTURES / fixture)
    program = opened_program(binary, "main.big_stack")
    session = Session(opened_scenario(binary, program), program)
    moment = session.run_to("sp2")
    real = [go for _, _, go in objdump_lines(fixture, "main.big_stack")]
    assert moment.instruction is not None and moment.instruction.go == "ADD R27, RSP, RSP"
    assert real[real.index("ADD R27, RSP, RSP") - 2 :][:2] == ["MOVD $48, R27", "MOVK $(1<<16), R27"]
    p = session.preempt(Trigger.GC)
    assert p.outcome.value == "refused" and p.verdict.reason.value == "explicit-r27"


def test_the_unsafe_point_table_is_the_binarys_own() -> None:
    """The R27 instructions of the go1.25.0 epilogue carry PCDATA -2 in the binary itself."""
    binary = load(FIXTURES / "fast_nonleaf-go1.25.0-linux-arm64-stripped")
    program = opened_program(binary, "main.big_stack")
    fn = binary.func_named("main.big_stack")
    for insn in program.target.instructions:
        assert insn.unsafe_point == fn.unsafe_point(insn.pc)[0]
        assert insn.spdelta == fn.spdelta(insn.pc)
    r27 = [i for i in program.target.instructions if i.role == "epilogue" and i.uses_r27]
    assert len(r27) == 3 and {i.unsafe_point for i in r27} == {-2}


def test_a_session_steps_the_real_function_and_its_real_callee() -> None:
    """fast_nonleaf's big_stack calls main.sink: the real callee runs, and control comes back."""
    binary = load(FIXTURES / "fast_nonleaf-go1.23.4-linux-arm64-stripped")
    program = opened_program(binary, "main.big_stack")
    assert "main.sink" in program.by_name and not program.by_name["main.sink"].standin
    session = Session(opened_scenario(binary, program), program)
    seen = set()
    while not session.finished and len(seen) < 200_000:
        seen.add(session.step().function)
        if session.current.snapshot.pc == session.anchors["ret"]:
            break
    assert {"main.big_stack", "main.sink"} <= seen
    assert session.current.snapshot.pc == session.anchors["ret"]


@pytest.mark.parametrize(("name", "message"), [
    ("big_stak", "did you mean main.big_stack"),
    ("main.main", "stand-in"),
    ("runtime.goexit", "stand-in"),
])
def test_open_explains_what_it_cannot_open(name: str, message: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open", str(FIXTURES / LINUX[0]), name, "--run"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_open_a_missing_file_is_one_line_and_exit_2(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open", str(tmp_path / "nope"), "main.big_stack"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    with pytest.raises(BinaryError):
        load(tmp_path / "nope")
