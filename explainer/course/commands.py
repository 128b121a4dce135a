"""The little language of a lesson step: ``- do:`` commands and ``- expect:`` expectations.

One grammar, used twice: ``lesson.parse`` rejects a line that does not fit it
(with the line's number), ``play`` executes what it parsed. Keeping both on the
same :class:`Command` means a lesson that loads can always be played.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import ANCHORS
from ..engine.runtime.outcome import Outcome
from ..engine.runtime.unwind import Trigger

#: The most instructions one ``step N`` / ``back N`` may take (use ``run_to`` for more).
MAX_COUNT = 10_000
#: What ``Preemption.outcome`` can be: the runtime refused, parked with no walk yet, or a walk's end.
OUTCOMES = tuple(o.value for o in Outcome if o is not Outcome.NOT_REACHED)
TRIGGERS = tuple(t.value for t in Trigger)
DO_VERBS = ("step", "back", "reset", "run_to", "preempt", "unwind", "split")
EXPECT_VERBS = ("pc", "outcome", "output")

_OFFSET = re.compile(r"\+0x[0-9a-fA-F]{1,8}")
_COUNT = re.compile(r"[0-9]{1,9}")


class CommandError(ExplainerError):
    """A ``- do:`` or ``- expect:`` line the grammar does not accept."""


@dataclass(frozen=True)
class Command:
    """One parsed ``do`` command or ``expect`` expectation."""

    verb: str
    """step, back, reset, run_to, preempt, unwind, split; or pc, outcome, output."""
    arg: str | int | None
    """The count of step/back, the anchor, trigger or outcome name, the output text; None if none."""


def parse_do(text: str) -> Command:
    """Parse a ``- do:`` command (what the lab does when the learner presses enter).

    Raises:
        CommandError: an unknown verb or a bad argument, in one line.
    """
    verb, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    if verb in ("step", "back"):
        if not rest:
            return Command(verb, 1)
        if not _COUNT.fullmatch(rest) or not 1 <= int(rest) <= MAX_COUNT:
            raise CommandError(f"bad count {rest!r} for {verb}: a number from 1 to {MAX_COUNT}")
        return Command(verb, int(rest))
    if verb in ("reset", "preempt", "split"):
        if rest:
            raise CommandError(f"{verb} takes no argument, got {rest!r}")
        return Command(verb, None)
    if verb == "run_to":
        return Command(verb, anchor(rest))
    if verb == "unwind":
        if rest not in TRIGGERS:
            raise CommandError(f"bad trigger {rest!r} for unwind: one of {', '.join(TRIGGERS)}")
        return Command(verb, rest)
    if not verb:
        raise CommandError(f"'- do:' needs a command: one of {', '.join(DO_VERBS)}")
    raise CommandError(f"unknown do command {verb!r}: one of {', '.join(DO_VERBS)}")


def parse_expect(text: str) -> Command:
    """Parse a ``- expect:`` line (checked after the step's commands ran).

    Raises:
        CommandError: an unknown verb or a bad argument, in one line.
    """
    verb, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    if verb == "pc":
        return Command(verb, anchor(rest))
    if verb == "outcome":
        if rest not in OUTCOMES:
            raise CommandError(f"bad outcome {rest!r}: one of {', '.join(OUTCOMES)}")
        return Command(verb, rest)
    if verb == "output":
        if not rest:
            raise CommandError("output needs the text a runtime line should contain")
        return Command(verb, rest)
    if not verb:
        raise CommandError(f"'- expect:' needs an expectation: one of {', '.join(EXPECT_VERBS)}")
    raise CommandError(f"unknown expect {verb!r}: one of {', '.join(EXPECT_VERBS)}")


def anchor(text: str) -> str:
    """Check an anchor name or ``+0xNN`` offset (whether an instruction is there is the player's job).

    Raises:
        CommandError: neither a named anchor nor a hex offset.
    """
    if text in ANCHORS or _OFFSET.fullmatch(text):
        return text
    raise CommandError(f"bad anchor {text!r}: one of {', '.join(ANCHORS)} or +0xNN")
