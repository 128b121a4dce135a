"""lesson.parse: the format of lessons/FORMAT.md, every first mistake at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from explainer.course.lesson import Checkpoint, LessonError, Prose, Step, load, load_all, parse

from .texts import GOOD, line_of, write


def _error(text: str, name: str = "07-broken.md") -> LessonError:
    with pytest.raises(LessonError) as info:
        parse(text, name)
    return info.value


def test_the_format_example_parses_into_its_blocks() -> None:
    lesson = parse(GOOD, "lessons/06-the-race.md")
    assert (lesson.id, lesson.title, lesson.scenario, lesson.widget) == (
        "06-the-race", "The race", "go1.23.4/65584", "none")
    assert lesson.scenario_line == line_of(GOOD, "scenario:")
    kinds = [type(b) for b in lesson.blocks]
    assert kinds == [Prose, Step, Step, Checkpoint]
    first, second = lesson.steps
    assert first.do == ("run_to sp2",) and first.expect == ("pc sp2",)
    assert second.line == line_of(GOOD, "## Step: Send SIGURG")
    assert second.expect[-1] == "output fatal error: traceback did not unwind completely"
    (cp,) = lesson.checkpoints
    assert cp.question == "Where does SP point between the two ADDs?"
    assert [o.correct for o in cp.options] == [False, True]
    assert cp.options[1].explanation.startswith("Yes: {{fields 65584}}")
    assert cp.options[1].line == line_of(GOOD, "- [x] 48 bytes")
    assert lesson.blocks[0].line == line_of(GOOD, "Prose, in Markdown")


def test_error_text_is_file_line_message() -> None:
    err = LessonError("lessons/01-x.md", 7, "bad thing")
    assert str(err) == "lessons/01-x.md:7: bad thing"
    assert (err.file, err.line, err.message) == ("lessons/01-x.md", 7, "bad thing")


@pytest.mark.parametrize(("old", "new", "at", "words"), [
    ("title: The race\n", "", "---", "lacks title"),
    ("format: 1\n", "", "---", "lacks format"),
    ("scenario: go1.23.4/65584\n", "", "---", "lacks scenario"),
    ("format: 1\n", "format: 2\n", "format: 2", "format '2' is not supported"),
    ("widget: none\n", "widget: slider\n", "widget: slider", "bad widget 'slider'"),
    ("widget: none\n", "colour: red\n", "colour: red", "unknown key 'colour'"),
    ("widget: none\n", "title: Again\n", "title: Again", "title given twice"),
    ("widget: none\n", "just words here\n", "just words", "malformed front matter line"),
    ("title: The race\n", "title:\n", "title:", "title is empty"),
    ("- do: run_to sp2\n", "", "## Step: Run to", "no '- do:' line"),
    ("- do: run_to sp2\n", "- do: jump sp2\n", "- do: jump", "unknown do command 'jump'"),
    ("- do: run_to sp2\n", "- do: run_to sp3\n", "run_to sp3", "bad anchor 'sp3'"),
    ("- do: unwind gc\n", "- do: unwind gcc\n", "unwind gcc", "bad trigger 'gcc'"),
    ("- do: run_to sp2\n", "- do: step 0\n", "step 0", "bad count '0'"),
    ("- expect: pc sp2\n", "- expect: sp sp2\n", "expect: sp", "unknown expect 'sp'"),
    ("- expect: outcome crash\n", "- expect: outcome boom\n", "outcome boom", "bad outcome 'boom'"),
    ("- expect: pc sp2\n", "- expext: pc sp2\n", "expext", "unknown step line"),
    ("- [x] 48 bytes", "- [ ] 48 bytes", "## Checkpoint:", "no right option"),
    ("  > Yes: {{fields 65584}}; the first ADD gives back the low 12 bits only.\n", "",
     "- [x] 48 bytes", "option has no explanation"),
    ("- [ ] At the caller's frame\n  > No: only the second ADD gives back the high part of the frame.\n", "",
     "## Checkpoint:", "at least two options"),
    ("- [ ] At the caller's frame", "- [?] At the caller's frame", "- [?]", "bad option"),
    ("## Step: Run to", "## Step 1: Run to", "## Step 1:", "did you mean"),
    ("## Step: Run to the epilogue's last write to RSP", "## Step:", "## Step:", "needs its text"),
])
def test_each_mistake_is_reported_at_its_line(old: str, new: str, at: str, words: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    err = _error(text)
    assert err.file == "07-broken.md"
    assert words in err.message
    expected = 1 if at == "---" else line_of(text, at)
    assert err.line == expected, str(err)


def test_front_matter_must_open_the_file() -> None:
    err = _error("\n" + GOOD)
    assert err.line == 1 and "no front matter" in err.message


def test_front_matter_must_be_closed() -> None:
    head = "---\nformat: 1\ntitle: T\nscenario: go1.23.4/65584\n"
    err = _error(head)
    assert err.line == 1 and "not closed" in err.message
    err = _error(head + "\nSome text\n")  # the body began without the closing line
    assert err.line == line_of(head + "\nSome text\n", "Some text") and "malformed" in err.message


def test_a_lesson_needs_a_checkpoint() -> None:
    text = GOOD[: GOOD.index("## Checkpoint")]
    err = _error(text)
    assert "no checkpoint" in err.message


def test_explanation_before_any_option() -> None:
    text = GOOD.replace("- [ ] At the caller's frame\n", "", 1)
    err = _error(text)
    assert err.line == line_of(text, "> No: only the second") and "before any option" in err.message


def test_quoted_values_crlf_and_headings_inside_code_fences() -> None:
    text = GOOD.replace("title: The race", 'title: "The race: part 1"').replace(
        "Prose, in Markdown.", "```\n## Step: not a step, only code\n```\nProse, in Markdown.")
    lesson = parse(text.replace("\n", "\r\n"), "01-x.md")
    assert lesson.title == "The race: part 1"
    assert len(lesson.steps) == 2 and "## Step: not a step" in lesson.blocks[0].text


def test_other_headings_are_prose_and_keep_their_lines() -> None:
    text = GOOD.replace("## Checkpoint", "## Why it matters\n\nBecause.\n\n## Checkpoint")
    lesson = parse(text, "01-x.md")
    prose = [b for b in lesson.blocks if isinstance(b, Prose)]
    assert prose[-1].text == "## Why it matters\n\nBecause."
    assert prose[-1].line == line_of(text, "## Why it matters")


def test_load_all_takes_nn_files_in_order(tmp_path: Path) -> None:
    write(tmp_path, "02-b.md", GOOD.replace("The race", "B"))
    write(tmp_path, "01-a.md", GOOD.replace("The race", "A"))
    write(tmp_path, "FORMAT.md", "# not a lesson")
    write(tmp_path, "notes.txt", "nothing")
    assert [x.title for x in load_all(tmp_path)] == ["A", "B"]


def test_load_reports_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "01-a.md"
    path.write_bytes(b"\xff\xfe---")
    with pytest.raises(LessonError) as info:
        load(path)
    assert info.value.file == str(path) and info.value.line == 1
