"""What one pane shows, as one value: the lab's state flows session → ``PaneState`` → widgets.

A :class:`~explainer.engine.experiments.session.Session` is live (a CPU, a
cursor). The panels never read it: after every command the pane (or a talk's
beat column) takes one immutable :class:`PaneState` from the session and its
remembered preemptions, and sets each panel's reactive attribute from it. Each
panel redraws in its own watcher, so whatever moved the cursor (a key, a run,
a timeline click, a lesson, a talk) every panel describes the same moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..course.predict import Guess, Judgement, Question, stack_shown
from ..engine.experiments.session import Moment, Preemption, Session, Trace
from ..engine.experiments.stackview import StackView
from ..engine.experiments.timeline import Mark
from ..engine.toolchain.program import Function


@dataclass(frozen=True)
class PaneState:
    """One pane at one moment."""

    function: Function
    """The stepped function (main.big_stack, or one opened from a binary)."""
    moment: Moment
    """The moment under the cursor."""
    preemption: Preemption | None
    """The preemption remembered for this step (None: not preempted here)."""
    trace: Trace
    """Every recorded moment, in step order (the timeline)."""
    index: int
    """The cursor's index in ``trace``."""
    marks: Mapping[int, frozenset[Mark]] = field(default_factory=dict)
    """The timeline's marked stops, by index into ``trace``."""
    highlight: frozenset[int] = frozenset()
    """PCs a talk's beat points the room at."""
    frame_sizes: Mapping[str, int] = field(default_factory=dict)
    """Each function's frame size, by name (the stack's rules say it)."""

    @property
    def stack(self) -> StackView:
        """The stack to draw: the parked goroutine's after a preemption, else the moment's."""
        return stack_shown(self.moment, self.preemption)

    @classmethod
    def of(cls, session: Session, preemption: Preemption | None, *,
           marks: Mapping[int, frozenset[Mark]] | None = None, highlight: frozenset[int] = frozenset(),
           frame_sizes: Mapping[str, int] | None = None) -> PaneState:
        """The state of ``session`` with ``preemption`` shown at its cursor."""
        sizes = frame_sizes if frame_sizes is not None else \
            {f.name: f.frame for f in session.program.functions}
        return cls(session.function, session.current, preemption, session.trace, session.index,
                   marks if marks is not None else {}, highlight, sizes)


@dataclass(frozen=True)
class PredictionState:
    """A prediction in a pane: asked, then guessed, then judged (the one value its bar and panels draw)."""

    question: Question
    pick: int | None = None
    """What is picked so far: a slot's address (a stack row) or a line's PC (slot and line questions)."""
    picked: str = ""
    """The pick in words (the row's address and meaning, the line's offset and text): the bar says it,
    so it is read even where the panel cuts a long line."""
    guess: Guess | None = None
    """The learner's answer, once given (the step then runs)."""
    judgement: Judgement | None = None
    """The guess beside the engine's answer, once the step ran."""
    problem: str | None = None
    """Why the last typed value was not taken (it is not a number): said under the field."""

    @property
    def asking(self) -> bool:
        """Waiting for the learner's answer."""
        return self.guess is None
