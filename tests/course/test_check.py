"""check and check_all: every mistake, each at its file and line, found by rendering and playing."""

from __future__ import annotations

from pathlib import Path

from explainer.course.check import check, check_all
from explainer.course.lesson import lessons_dir, load

from .texts import GOOD, line_of, write

REF = Path(__file__).resolve().parents[3] / "shared" / "reference"
CRASH_LOG = REF / "crashes" / "fast_nonleaf-go1.23.4.log"


def test_the_good_lesson_plays_to_the_real_crash(tmp_path: Path) -> None:
    # The text the lesson expects is the real runtime's: go1.23.4, fast_nonleaf (frame 65584), GC scan.
    real = CRASH_LOG.read_text().splitlines()
    fatal = next(line for line in real if line.startswith("fatal error:"))
    assert fatal == "fatal error: traceback did not unwind completely"
    assert f"- expect: output {fatal}" in GOOD and "scenario: go1.23.4/65584" in GOOD
    lesson = load(write(tmp_path, "06-the-race.md", GOOD))
    assert [s.do for s in lesson.steps] == [("run_to sp2",), ("unwind gc",)]
    assert check(lesson) == []


def test_an_expectation_that_does_not_hold_is_reported_at_its_step(tmp_path: Path) -> None:
    text = GOOD.replace("- expect: outcome crash", "- expect: outcome clean")
    errors = check(load(write(tmp_path, "06-x.md", text)))
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (line_of(text, "## Step: Send SIGURG"), "expect outcome clean")]


def test_unknown_go_version_is_reported_at_the_scenario_line(tmp_path: Path) -> None:
    text = GOOD.replace("scenario: go1.23.4/65584", "scenario: go1.99.1/65584")
    path = write(tmp_path, "03-frames.md", text)
    (err,) = check(load(path))
    assert (err.file, err.line) == (str(path), line_of(text, "scenario: go1.99.1"))
    assert "unknown Go version 'go1.99.1'" in err.message


def test_a_step_that_refers_to_no_instruction(tmp_path: Path) -> None:
    text = GOOD.replace("- do: run_to sp2", "- do: run_to +0x9999")
    path = write(tmp_path, "04-x.md", text)
    (err,) = check(load(path))
    assert err.file == str(path)
    assert err.line == line_of(text, "## Step: Run to the epilogue")
    assert "+0x9999 is no instruction" in err.message and "later steps not played" in err.message


def test_unknown_facts_are_reported_at_their_own_lines(tmp_path: Path) -> None:
    text = GOOD.replace("through a fact: {{plan 65552}}.",
                        "through a fact:\nsee {{plan 65552}} and {{nope 3}}.")
    text = text.replace("> No: only", "> No: {{frame main.nothing go1.23.4}} only")
    path = write(tmp_path, "05-x.md", text)
    errors = check(load(path))
    assert [(e.file, e.line) for e in errors] == [
        (str(path), line_of(text, "{{nope 3}}")), (str(path), line_of(text, "main.nothing"))]
    assert "unknown fact 'nope'" in errors[0].message and "no recorded frame" in errors[1].message


def test_check_all_reports_parse_errors_and_play_errors_together(tmp_path: Path) -> None:
    missing = GOOD.replace("title: The race\n", "")
    malformed = GOOD.replace("widget: none", "widget = none")
    no_right = GOOD.replace("- [x] 48 bytes", "- [ ] 48 bytes")
    version = GOOD.replace("go1.23.4/65584", "go1.99.1/65584")
    write(tmp_path, "01-good.md", GOOD)
    write(tmp_path, "02-missing.md", missing)
    write(tmp_path, "03-malformed.md", malformed)
    write(tmp_path, "04-no-right.md", no_right)
    write(tmp_path, "05-version.md", version)
    write(tmp_path, "05-again.md", GOOD)
    write(tmp_path, "6-misnamed.md", GOOD)
    write(tmp_path, "FORMAT.md", "# the format, not a lesson")
    got = {(Path(e.file).name, e.line) for e in check_all(tmp_path)}
    assert got == {
        ("02-missing.md", 1),
        ("03-malformed.md", line_of(malformed, "widget = none")),
        ("04-no-right.md", line_of(no_right, "## Checkpoint:")),
        ("05-version.md", line_of(version, "scenario:")),
        ("05-version.md", 1),  # lesson number 05 is also 05-again.md
        ("6-misnamed.md", 1),
    }


def test_the_shipped_lessons_check_clean() -> None:
    # What `explainer lessons --check` says in CI: the course in lessons/ loads, renders and plays.
    assert [str(e) for e in check_all(lessons_dir())] == []


# --- issue 18: a step that names a register or a panel opens a lab that shows it ---

def test_a_step_naming_the_registers_panel_is_reported_at_its_line(tmp_path: Path) -> None:
    # lesson 01 once said this; its lab shows only PC, RSP, R29 and R30 under the disassembly
    text = GOOD.replace("## Step: Send SIGURG",
                        "## Step: Look at R30 in the registers panel, then send SIGURG")
    errors = check(load(write(tmp_path, "06-x.md", text)))
    assert [(e.line, e.message) for e in errors] == [
        (line_of(text, "## Step: Look at R30"), "step names the registers panel: a lesson's lab has none, "
                                                 "only the line under the disassembly (PC, RSP, R29, R30); "
                                                 "name that line")]


def test_a_step_naming_a_register_the_lab_does_not_show_is_reported(tmp_path: Path) -> None:
    text = GOOD.replace("## Step: Send SIGURG", "## Step: Watch R27, then send SIGURG")
    (err,) = check(load(write(tmp_path, "06-x.md", text)))
    assert err.line == line_of(text, "## Step: Watch R27") and "step names R27" in err.message


def test_panels_the_lab_shows_pass_and_others_do_not(tmp_path: Path) -> None:
    ok = GOOD.replace("## Step: Send SIGURG", "## Step: Read the stack panel and R29, then send SIGURG")
    assert check(load(write(tmp_path, "06-x.md", ok))) == []
    bad = GOOD.replace("## Step: Send SIGURG", "## Step: Type 65552 in the encoder panel, then send SIGURG")
    (err,) = check(load(write(tmp_path, "06-y.md", bad)))
    assert "step names the encoder panel, which this lesson's lab does not show" in err.message
    with_encoder = bad.replace("widget: none", "widget: encoder")
    assert "widget: encoder" in with_encoder
    assert check(load(write(tmp_path, "06-z.md", with_encoder))) == []


def test_the_shipped_lessons_name_only_what_their_lab_shows() -> None:
    assert check_all(lessons_dir()) == []
