"""parse never raises anything but LessonError, whatever the text; what it accepts obeys the format."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.course.lesson import Lesson, LessonError, parse

from .texts import GOOD

HEAD = "---\nformat: 1\ntitle: T\nscenario: go1.23.4/65584\n---\n"
FRAGMENTS = [
    "---", "format: 1", "format: 2", "format:", "title: T", "title: 'quoted'", "scenario: go1.23.4/65584",
    "scenario: nonsense", "widget: encoder", "widget: scale", "widget: dial", "colour: red", ":", "key",
    "", " ", "\r", "\ufeff", "```", "~~~", "# Title", "## Other", "## Step: run", "## Step:", "## step: x",
    "## Steps: x", "## Checkpoint: q?", "## Checkpoint:", "## Checkpoints: q", "- do: run_to sp2",
    "- do: run_to +0x10", "- do: run_to +0x", "- do: step", "- do: step 3", "- do: step 0", "- do: step ²",
    "- do: step ١", "- do: back 99999999999", "- do: reset now", "- do: unwind gc", "- do: unwind",
    "- do: split", "- do: preempt", "- do:", "- expect: pc sp1", "- expect: pc", "- expect: outcome crash",
    "- expect: outcome", "- expect: output fatal", "- expect: output", "- expect: nothing", "- [x] right",
    "- [X] right", "- [ ] wrong", "- [x]", "- [?] odd", "* [ ] star", "  > because", ">", "> {{plan 16}}",
    "- plain item", "* plain item", "text {{fields 65552}}", "{{", "}}",
]
LINE = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))


@st.composite
def lessonish(draw: st.DrawFn) -> str:
    """Front matter (often valid), then lines of lesson syntax and noise."""
    head = draw(st.sampled_from([HEAD, "", "---\n", GOOD]))
    lines = draw(st.lists(LINE, max_size=30))
    sep = draw(st.sampled_from(["\n", "\r\n", "\n\n"]))
    return head + sep.join(lines)


def _holds(lesson: Lesson) -> None:
    assert lesson.checkpoints
    for cp in lesson.checkpoints:
        assert len(cp.options) >= 2 and any(o.correct for o in cp.options)
        assert all(o.explanation for o in cp.options)
    assert all(s.do for s in lesson.steps)


def _parse(text: str) -> None:
    try:
        lesson = parse(text, "01-fuzz.md")
    except LessonError as err:
        assert type(err) is LessonError  # not a stray ValueError from int() or the like
        assert err.line >= 1 and err.message and str(err).startswith("01-fuzz.md:")
        assert err.line <= max(1, len(text.split("\n")))
    else:
        _holds(lesson)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parse_arbitrary_text(text: str) -> None:
    _parse(text)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lessonish())
def test_parse_lesson_like_text(text: str) -> None:
    _parse(text)
