"""A lesson's ``- real: POINT WALK`` step (issue 25, lessons/FORMAT.md): parsed, held to its checkpoint,
and checked by ``lessons --check`` against the frames the real reproducers have."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from explainer.course.lesson import LessonError, lessons_dir, load, parse

from .texts import GOOD, line_of, write

REAL = """
## Step: The same moment on the real runtime
- real: sp2 gc
"""


def test_lesson_6_offers_the_real_run_after_asking_what_it_will_say() -> None:
    """The shipped lesson 06: its last step runs sp2 with the GC on the real runtime, right after a
    checkpoint whose right answer is the runtime's own words (the recorded race's third line)."""
    lesson = load(lessons_dir() / "06-race.md")
    step = lesson.steps[-1]
    assert step.real == ("sp2", "gc") and step.do == ()
    before = lesson.blocks[lesson.blocks.index(step) - 1]
    assert before is lesson.checkpoints[-1]
    right = [o.text for o in before.options if o.correct]
    log = Path(__file__).resolve().parents[2] / "assets" / "logs" / "fast_nonleaf-go1.23.4-singlestep.log"
    assert len(right) == 1 and right[0].startswith(log.read_text().splitlines()[2])


def test_a_real_step_needs_a_checkpoint_before_it() -> None:
    text = GOOD + REAL
    assert parse(text, "06-x.md").steps[-1].real == ("sp2", "gc")
    no_checkpoint = GOOD.replace("## Checkpoint:", REAL + "\n## Checkpoint:")
    with pytest.raises(LessonError) as err:
        parse(no_checkpoint, "06-x.md")
    assert err.value.line == line_of(no_checkpoint, "## Step: The same moment on the real runtime")
    assert "a '- real:' step needs a checkpoint before it" in err.value.message


@pytest.mark.parametrize(("line", "said"), [
    ("- real: sp3 gc", "bad real run 'sp3 gc': POINT [WALK]"),
    ("- real: +0x2 gc", "bad real run '+0x2 gc'"),
    ("- real: sp2 panic", "the real runtime walks as gc or traceback, not 'panic'"),
])
def test_a_bad_real_line_is_one_message_at_its_line(line: str, said: str) -> None:
    text = GOOD + REAL.replace("- real: sp2 gc", line)
    with pytest.raises(LessonError) as err:
        parse(text, "06-x.md")
    assert err.value.line == line_of(text, line) and said in err.value.message
    twice = GOOD + REAL + "- real: sp2 gc\n"
    with pytest.raises(LessonError, match="one '- real:' line"):
        parse(twice, "06-x.md")


def test_check_reports_a_moment_no_real_reproducer_has(tmp_path: Path) -> None:
    """lessons --check: a 4,000-byte frame has no real reproducer (65,584 non-leaf, 65,552 leaf)."""
    crash = "- expect: outcome crash\n- expect: output fatal error: traceback did not unwind completely\n"
    text = (GOOD + REAL).replace("scenario: go1.23.4/65584", "scenario: go1.23.4/4000") \
        .replace(crash, "").replace("{{fields 65584}}", "{{fields 4000}}")
    write(tmp_path, "06-x.md", text)
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "lessons", "--check", "--dir",
                          str(tmp_path)], capture_output=True, text=True)
    line = line_of(text, "## Step: The same moment on the real runtime")
    assert run.returncode == 1
    assert f"06-x.md:{line}: real sp2 gc: no real reproducer has 4,000-byte non-leaf frame" in run.stdout
    write(tmp_path, "06-x.md", GOOD + REAL)
    good = subprocess.run([sys.executable, "-m", "explainer.cli", "lessons", "--check", "--dir",
                           str(tmp_path)], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
