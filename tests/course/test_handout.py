"""A lesson as a Markdown handout, checked against the lesson files as written and the real objdump.

The lesson files are read here with a few regexes of their own (not the course parser), so a handout
that drops a question, an option, a step or a line of prose, or marks the wrong answer, fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer import cli
from explainer.course.handout import handout
from explainer.course.lesson import lesson_files, lessons_dir, load

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
FILES = lesson_files(lessons_dir())


def _raw(path: Path) -> tuple[list[str], list[str], list[list[tuple[bool, str]]], list[str]]:
    """(step texts, checkpoint questions, options as (right, text) per checkpoint, prose lines)."""
    steps, questions, options, prose = [], [], [], []
    section = "prose"
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    for line in body.splitlines():
        if m := re.match(r"## Predict: (.*)", line):
            section = "Predict"
            steps.append("PREDICT " + m.group(1).strip())
        elif m := re.match(r"## (Step|Checkpoint): (.*)", line):
            section = m.group(1)
            (steps if section == "Step" else questions).append(m.group(2).strip())
            if section == "Checkpoint":
                options.append([])
        elif line.startswith("## "):
            section = "prose"
            prose.append(line)
        elif section == "Checkpoint" and (m := re.match(r"\s*- \[([ x])\] (.*)", line)):
            options[-1].append((m.group(1) == "x", m.group(2).strip()))
        elif section == "prose" and line.strip():
            prose.append(line)
    return steps, questions, options, prose


@pytest.fixture(scope="module")
def handouts() -> dict[str, str]:
    return {p.stem: handout(load(p)) for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_question_option_step_and_prose_line_is_there(path: Path, handouts: dict[str, str]) -> None:
    text = handouts[path.stem]
    steps, questions, options, prose = _raw(path)
    predictions = [s.removeprefix("PREDICT ") for s in steps if s.startswith("PREDICT ")]
    steps = [s for s in steps if not s.startswith("PREDICT ")]
    assert questions and "{{" not in text and "}}" not in text
    for n, step in enumerate(steps, 1):
        assert f"### Step {n}: " in text and ("{{" in step or f"### Step {n}: {step}" in text)
    for n, question in enumerate(predictions, 1):  # each asked where it stands, answered at the end
        assert f"### Predict {n}: {question}" in text
        assert f"- **Predict {n}.** {question} — **" in text.split("\n## Answers\n", 1)[1]
    answers = text.split("\n## Answers\n", 1)[1]
    for n, (question, opts) in enumerate(zip(questions, options, strict=True), 1):
        if "{{" not in question:
            assert f"### Checkpoint {n}: {question}" in text
            assert f"{n}. {question}" in answers
        block = answers.split(f"\n{n}. ", 1)[1].split(f"\n{n + 1}. ", 1)[0]
        for k, (right, option) in enumerate(opts):
            letter = "ABCDEFGH"[k]
            if "{{" not in option:
                assert f"- **{letter}.** {option}" in text
            assert f"- **{letter}** ({'right' if right else 'wrong'})" in block
    for line in prose:
        if "{{" not in line:
            assert line in text


def test_the_race_lists_main_big_stack_as_the_real_objdump_does(handouts: dict[str, str]) -> None:
    text = handouts["06-race"]  # go1.23.4/65584: the fast_nonleaf reproducer's own frame
    listing = text.split("## Listing: main.big_stack, go1.23.4, frame 65,584 B, non-leaf", 1)[1]
    ours = re.findall(r"^\+0x([0-9a-f]{4})  ([0-9a-f]{8})  (.*?)(?:    // writes RSP)?$", listing, re.M)
    real, entry = [], None
    inside = False
    for line in (REF / "objdump" / "fast_nonleaf-go1.23.4.txt").read_text().splitlines():
        if line.startswith("TEXT "):
            inside = line.split()[1] == "main.big_stack(SB)"
            continue
        cols = [c.strip() for c in line.split("\t") if c.strip()]
        if inside and len(cols) >= 4 and cols[3] != "?":
            entry = entry if entry is not None else int(cols[1], 16)
            real.append((f"{int(cols[1], 16) - entry:04x}", cols[2], cols[3]))
    assert ours == real
    writes = re.findall(r"^\+0x([0-9a-f]{4}) .*// writes RSP$", listing, re.M)
    assert writes == [r[0] for r in real if r[2].endswith(", RSP")]
    # the paragraph that is only {{epilogue ...}} becomes a code block with the real epilogue's lines
    ret = next(k for k, r in enumerate(real) if r[2] == "RET")
    epilogue = [r[2] for r in real[ret - 3: ret + 1]]  # LDP, ADD, ADD, RET
    assert "```asm\n" + "\n".join(epilogue) + "\n```" in text


def test_cli_writes_the_handout_and_can_leave_answers_out(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "race.md"
    assert cli.main(["lessons", "--handout", "6", "-o", str(out)]) == 0
    assert out.read_text() == handout(load(lessons_dir() / "06-race.md"))
    assert cli.main(["lessons", "--handout", "06-race", "--no-answers"]) == 0
    printed = capsys.readouterr().out
    assert "## Answers" not in printed and "(right)" not in printed
    assert printed.startswith("# 06 · The race\n")
    assert cli.main(["lessons", "--handout", "99"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("explainer: no lesson '99'")
