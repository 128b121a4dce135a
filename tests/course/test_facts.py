"""Facts against independent truth: FORMAT.md's own example, real objdump, real builds, real crash logs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from explainer.course import facts
from explainer.course.facts import FactError, evaluate, problems, render

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT.parent / "shared" / "reference"
OBJDUMP_LINE = re.compile(r"^\s+\S+\s+0x[0-9a-f]+\s+[0-9a-f]{8}\s+(.*?)\s*$")


def _objdump_epilogue(path: Path, first: str) -> list[str]:
    """main.big_stack's instructions from ``first`` through the RET, as objdump prints them."""
    out: list[str] = []
    inside = False
    for line in path.read_text().splitlines():
        if line.startswith("TEXT "):
            inside = line.startswith("TEXT main.big_stack(SB)")
            continue
        m = OBJDUMP_LINE.match(line)
        if inside and m and (out or m.group(1) == first):
            out.append(m.group(1))
            if m.group(1) == "RET":
                return out
    raise AssertionError(f"no epilogue in {path}")


def test_plan_reads_as_format_md_says() -> None:
    assert evaluate("plan 65552") == "two ADDs: ADD $16, RSP, RSP then ADD $(16<<12), RSP, RSP"
    assert evaluate("plan 4112").endswith("MOVD $4112, R27 then ADD R27, RSP, RSP")  # movcon wins
    assert evaluate("plan 4096") == "one ADD: ADD $(1<<12), RSP, RSP"


def test_fields_are_read_back_from_the_encoded_adds() -> None:
    # 65584 = 0x10030: 0x30 = 48 in the first ADD, 0x10 = 16 shifted by 12 in the second (worked by hand).
    assert evaluate("fields 65584") == "65584 = 48 + (16<<12): imm12=48 sh=0, then imm12=16 sh=1"
    assert evaluate("fields 16") == "16: imm12=16 sh=0"
    assert "does not fit" in evaluate(f"fields {1 << 24}")


@pytest.mark.parametrize(("log", "fact"), [
    ("fast_nonleaf-go1.23.4.txt", "epilogue go1.23.4 65584 nonleaf"),
    ("fast_nonleaf-go1.25.0.txt", "epilogue go1.25.0 65584 nonleaf"),
    ("fast_nonleaf-go1.27.3.txt", "epilogue go1.27.3 65584 nonleaf"),
    ("fast_leaf-go1.23.4.txt", "epilogue go1.23.4 65552 leaf"),
    ("fast_leaf-go1.27.3.txt", "epilogue go1.27.3 65552 leaf"),
])
def test_epilogue_equals_real_objdump(log: str, fact: str) -> None:
    ours = evaluate(fact).split(" ; ")
    assert ours == _objdump_epilogue(REF / "objdump" / log, ours[0])


def test_outcome_is_the_crash_logs_last_line_or_a_refusal() -> None:
    log = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text().splitlines()
    assert "fatal error: traceback did not unwind completely" in log
    assert evaluate("outcome go1.23.4/65552/leaf") == "fatal error: traceback did not unwind completely"
    assert evaluate("outcome go1.25.0/65584").startswith("preemption refused: ")
    assert evaluate("outcome go1.23.4/65584/at=body") == "clean walk"


def test_unsafe_counts_the_sweep() -> None:
    assert evaluate("unsafe go1.23.4/65584") == "1"  # only between the two ADDs
    assert evaluate("unsafe go1.25.0/65584") == "0"  # the fix


@pytest.mark.parametrize("version", ["1.22.10", "1.23.4", "1.26.6", "1.27.3"])
def test_frames_equal_the_recorded_builds(version: str) -> None:
    real = json.loads((ROOT / "tests" / "data" / "realgo" / "runtime_facts.json").read_text())[version]
    fns = real["programs"]["fast_leaf"]["functions"]
    assert evaluate(f"frame runtime.main go{version}") == str(fns["runtime.main"]["frame_size"])
    assert evaluate(f"asyncframe go{version}") == str(fns["runtime.asyncPreempt"]["frame_size"])
    assert evaluate(f"frame main.big_stack go{version} leaf") == str(fns["main.big_stack"]["frame_size"])


def test_log_reads_a_line_of_assets_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crash = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text()
    (tmp_path / "fast_leaf-go1.23.4.log").write_text(crash)
    monkeypatch.setattr(facts, "logs_dir", lambda: tmp_path)
    assert evaluate("log fast_leaf-go1.23.4.log 3") == crash.splitlines()[2].strip()
    with pytest.raises(FactError, match="has .* lines"):
        evaluate("log fast_leaf-go1.23.4.log 99999")
    with pytest.raises(FactError, match="bad log name"):
        evaluate("log ../../etc/passwd 1")


@pytest.mark.parametrize(("expression", "words"), [
    ("nope 1", "unknown fact 'nope'"),
    ("", "needs a name"),
    ("plan", "plan takes N"),
    ("plan 1 2", "plan takes N"),
    ("plan -16", "bad constant"),
    ("epilogue go1.99.1 65584 nonleaf", "unknown Go version"),
    ("epilogue go1.23.4 65584 sideways", "leaf or nonleaf"),
    ("outcome go1.23.4/65584/at=+0x9999", "bad preemption point"),
    ("frame main.big_stack go1.23.4", "add leaf or nonleaf"),
    ("frame main.nothing go1.23.4", "no recorded frame"),
])
def test_bad_facts_say_what_is_wrong(expression: str, words: str) -> None:
    with pytest.raises(FactError) as info:
        evaluate(expression)
    assert words in str(info.value) and str(info.value).startswith("{{")


def test_render_and_problems() -> None:
    assert render("a {{asyncframe go1.23.4}} b") == "a 496 b"
    with pytest.raises(FactError, match="without its closing"):
        render("a {{plan 16")
    text = "ok {{plan 16}}\nbad {{nope}}\n{{ never closed"
    found = problems(text)
    assert [text.count("\n", 0, offset) for offset, _ in found] == [1, 2]
