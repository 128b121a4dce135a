"""A checkpoint option's mark: ``[x]`` or ``[X]`` is right, ``[ ]`` wrong (issue 20, mutation u4).

Lessons are GitHub Markdown, where a task list item's box is "either a whitespace character or the
letter x in either lowercase or uppercase" (GitHub Flavored Markdown spec 0.29, 5.3 Task list items);
an author who writes ``- [X]`` means the option is right, and the checker must not turn it wrong.
"""

from __future__ import annotations

import pytest

from explainer.course.lesson import parse

from .texts import GOOD


@pytest.mark.parametrize("mark", ["x", "X"])
def test_x_in_either_case_marks_the_right_option(mark: str) -> None:
    text = GOOD.replace("- [x] 48 bytes", f"- [{mark}] 48 bytes")
    (cp,) = parse(text, "lessons/06-the-race.md").checkpoints
    assert [o.correct for o in cp.options] == [False, True]
