"""Broken talk files are reported as file:line: message, at the line an editor shows the mistake.

Each case writes a small talk, breaks one thing on a line the test knows, and
checks the line number and the words of the message. Parse-level mistakes come
from ``script.parse``; mistakes that need the engine (a scenario, a stop that is
no instruction, a fact, an expectation) from ``stage.check``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from explainer.talk import script, stage
from explainer.talk.script import TalkError

GOOD = '''format_version = 1
title = "A short talk"
minutes = 5

[[beat]]
title = "Between the two ADDs"
scenario = "go1.23.4/65584"
stop = "sp2"
panes = ["disassembly", "stack"]
highlight = ["sp1", "sp2"]
caption = "SP = {{beat sp}}"
notes = """
[[beat]]
looks = "like a key, but it is a note"
{{plan 65584}}
"""

[[beat]]
title = "The GC scans"
scenario = "go1.23.4/65584"
stop = "sp2"
action = "unwind gc"
expect = "crash"
panes = ["unwind"]
caption = "{{beat said}}"
'''


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth]


def parse_error(text: str) -> TalkError:
    with pytest.raises(TalkError) as info:
        script.parse(text, "t.toml")
    return info.value


def test_good_talk_parses_and_checks_clean() -> None:
    talk = script.parse(GOOD, "t.toml")
    assert [b.title for b in talk.beats] == ["Between the two ADDs", "The GC scans"]
    assert talk.beats[0].stop == "sp2" and talk.beats[1].action == "unwind gc"
    assert "[[beat]]" in talk.beats[0].notes  # a note's text is not mistaken for a table
    assert stage.check(talk) == []


@pytest.mark.parametrize(("old", "new", "at", "words"), [
    ('panes = ["disassembly", "stack"]', 'panes = ["disassembly", "stak"]', "stak", "unknown pane 'stak'"),
    ('stop = "sp2"', 'stop = "sp3"', "sp3", "bad stop 'sp3'"),
    ('stop = "sp2"', "stop = -4", "-4", "stop -4 is negative"),
    ('stop = "sp2"', 'stop = "+0x6"', "+0x6", "a multiple of 4"),
    ('highlight = ["sp1", "sp2"]', 'highlight = ["sp1", "the ADD"]', "the ADD", "bad line 'the ADD'"),
    ('title = "Between the two ADDs"', 'titel = "Between the two ADDs"', "titel", "unknown key 'titel'"),
    ('caption = "SP = {{beat sp}}"', 'caption = ""', 'caption = ""', "caption is empty"),
    ('caption = "SP = {{beat sp}}"', 'caption = 3', "caption = 3", "caption must be a string"),
    ('action = "unwind gc"', 'action = "unwind gx"', "gx", "bad trigger 'gx'"),
    ('action = "unwind gc"', 'action = "step 3"', "step 3", "preempt or unwind"),
    ('expect = "crash"', 'expect = "boom"', "boom", "bad expect 'boom'"),
    ('minutes = 5', 'minutes = "five"', "five", "minutes must be a whole number"),
    ('format_version = 1', 'format_version = 2', "format_version", "format_version 2 is not supported"),
])
def test_parse_mistakes_name_their_line(old: str, new: str, at: str, words: str) -> None:
    text = GOOD.replace(old, new, 1)
    err = parse_error(text)
    assert err.file == "t.toml"
    assert err.line == line_of(text, at), str(err)
    assert words in err.message
    assert str(err).startswith(f"t.toml:{err.line}: ")


def test_missing_required_key_points_at_its_beat() -> None:
    text = GOOD.replace('caption = "{{beat said}}"\n', "")
    err = parse_error(text)
    assert err.line == line_of(text, "[[beat]]", 2)  # the second beat's header (the first is in a note)
    assert "beat 2: no caption" in err.message


def test_expect_without_action() -> None:
    text = GOOD.replace('action = "unwind gc"\n', "")
    err = parse_error(text)
    assert err.line == line_of(text, "expect =") and "expect needs an action" in err.message


def test_log_pane_needs_a_log() -> None:
    text = GOOD.replace('panes = ["unwind"]', 'panes = ["unwind", "log"]')
    err = parse_error(text)
    assert err.line == line_of(text, '"log"]') and "log pane and the log key go together" in err.message


@pytest.mark.parametrize(("old", "new", "at"), [
    ('stop = "sp2"', 'stop = "sp2', 'stop = "sp2'),              # unterminated string
    ('minutes = 5', 'minutes = = 5', "minutes"),                 # a value missing
    ('panes = ["unwind"]', 'panes = ["unwind"', 'panes = ["unwind"'),  # array never closed
])
def test_toml_syntax_errors_name_their_line(old: str, new: str, at: str) -> None:
    text = GOOD.replace(old, new, 1)
    err = parse_error(text)
    assert "not valid TOML" in err.message
    # tomllib reports where it noticed: the line itself or, for an unclosed array, the next one
    assert err.line in (line_of(text, at), line_of(text, at) + 1), str(err)


def test_no_beats_and_no_version() -> None:
    assert "no beats" in parse_error('format_version = 1\ntitle = "x"\n').message
    err = parse_error('title = "x"\n')
    assert err.line == 1 and "no format_version" in err.message


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ('scenario = "go1.23.4/65584"', 'scenario = "go1.99.0/65584"', "scenario", "go1.99.0"),
    ('stop = "sp2"', 'stop = "+0x400"', "stop", "+0x400 is no instruction"),
    ('highlight = ["sp1", "sp2"]', 'highlight = ["+0x1000"]', "highlight", "+0x1000 is no instruction"),
    ('expect = "crash"', 'expect = "clean"', "expect", "expected clean, but it was crash"),
    ('caption = "{{beat said}}"', 'caption = "{{beat sad}}"', "caption", "unknown beat fact 'sad'"),
])
def test_engine_mistakes_name_their_line(old: str, new: str, key: str, words: str) -> None:
    text = GOOD.replace(old, new, 1)
    errors = stage.check(script.parse(text, "t.toml"))
    assert len(errors) == 1, errors
    assert errors[0].line == line_of(text, new.split(" = ")[1]), str(errors[0])
    assert words in errors[0].message


def test_a_fact_in_multiline_notes_is_reported_on_its_own_line() -> None:
    text = GOOD.replace("{{plan 65584}}", "ok\n{{plan 99999999999}}")
    errors = stage.check(script.parse(text, "t.toml"))
    assert [e.line for e in errors] == [line_of(text, "{{plan 99999999999}}")]
    assert "99999999999" in errors[0].message


def test_several_mistakes_at_once_in_line_order() -> None:
    text = GOOD.replace('caption = "SP = {{beat sp}}"', 'caption = "{{frame main.nope go1.23.4}}"') \
               .replace('expect = "crash"', 'expect = "refused"')
    errors = stage.check(script.parse(text, "t.toml"))
    assert [e.line for e in errors] == [line_of(text, "main.nope"), line_of(text, "refused")]


def test_cli_reports_file_and_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = GOOD.replace('stop = "sp2"', 'stop = "+0x400"', 1)
    bad.write_text(text)
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert f"{bad}:{line_of(text, '+0x400')}: beat 1: " in run.stderr
    assert run.stdout == ""  # no screen was opened
    broken = tmp_path / "broken.toml"
    broken.write_text(GOOD.replace("[[beat]]", "[[beat]", 1))
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(broken)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and f"explainer: {broken}:5: not valid TOML" in run.stderr


def test_the_readme_example_is_a_talk_that_checks() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    talk = script.parse(example, "README.md")
    assert stage.check(talk) == []
    played = stage.stage(talk.beats[0])
    # the slot the GC read and the runtime's words, as the real go1.23.4 crash log has them
    assert played.caption.startswith("It reads 0x40000bdf20: 0x0. fatal error: traceback did not unwind")
