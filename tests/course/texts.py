"""Lesson texts for the tests: a good lesson (lessons/FORMAT.md's own example) to break one line at a time."""

from __future__ import annotations

from pathlib import Path

GOOD = """\
---
format: 1
title: The race
scenario: go1.23.4/65584
widget: none
---

Prose, in Markdown. State facts about Go or arm64 through a fact: {{plan 65552}}.

## Step: Run to the epilogue's last write to RSP
- do: run_to sp2
- expect: pc sp2

## Step: Send SIGURG and let the GC scan the stack
- do: unwind gc
- expect: outcome crash
- expect: output fatal error: traceback did not unwind completely

## Checkpoint: Where does SP point between the two ADDs?
- [ ] At the caller's frame
  > No: only the second ADD gives back the high part of the frame.
- [x] 48 bytes into the dying frame
  > Yes: {{fields 65584}}; the first ADD gives back the low 12 bits only.
"""


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line equal to ``fragment``, else of the only line containing it."""
    lines = text.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if line == fragment]
    hits = hits or [i + 1 for i, line in enumerate(lines) if fragment in line]
    assert len(hits) == 1, (fragment, hits)
    return hits[0]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
