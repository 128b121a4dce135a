"""Every mistake in a lesson, found the way the app would meet it: by loading, rendering and playing.

``lesson.parse`` stops at the first mistake because a file that does not parse
cannot be used at all. Past that, a lesson can be wrong in many places at once
(a scenario, a fact, an expectation that no longer holds after an engine
change), and an author fixing a lesson wants them all in one run, each at its
line. Steps are played in order on a real Session, exactly as the lab plays them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario
from ..engine.experiments.scenario import parse as parse_scenario
from ..engine.experiments.session import Moment, Preemption, Session
from ..engine.experiments.stackview import StackView
from ..engine.runtime.unwind import Trigger
from . import facts, play, predict
from .lesson import FILE_NAME, Checkpoint, Lesson, LessonError, Predict, Prose, Step, lesson_files, load

#: Markdown files in a lessons folder that are not lessons.
NOT_LESSONS = ("FORMAT.md", "README.md")


RealCheck = Callable[[Scenario], str | None]
"""Why the real runtime cannot run a scenario's moment (None: it can): ``explainer.realgo.at_moment``'s
``target_for``, passed in by the command (the course does not import the real runtime's package)."""


def check(lesson: Lesson, real: RealCheck | None = None) -> list[LessonError]:
    """Every mistake of a parsed lesson, in line order.

    Checks the scenario (it parses, its Go version is known), every fact (it
    renders), and plays the steps in order on a Session of the scenario (``split``
    is the UI's): each command must run, each expectation must hold, and each
    prediction must be answerable in the lab (its step gives the engine an answer
    the learner can pick).
    """
    file = str(lesson.path)
    errors = [LessonError(file, line, str(err)) for line, err in _fact_problems(lesson)]
    errors += [LessonError(file, line, said) for line, said in _unseen(lesson)]
    try:
        scenario = parse_scenario(lesson.scenario)
        session = Session(scenario)
    except ExplainerError as err:
        errors.append(LessonError(file, lesson.scenario_line, f"bad scenario {lesson.scenario!r}: {err}"))
    else:
        errors += _play(lesson, session)
        errors += _real_runs(lesson, scenario, real)
    return sorted(errors, key=lambda e: e.line)


def _real_runs(lesson: Lesson, scenario: Scenario, real: RealCheck | None) -> list[LessonError]:
    """Each ``- real:`` step's moment must be one the real runtime can run (a real reproducer's frame)."""
    errors = []
    for step in lesson.steps:
        if step.real is None or real is None:
            continue
        at, walk = step.real
        try:
            problem = real(replace(scenario, at=at, unwind=Trigger(walk), step=None))
        except ExplainerError as err:
            problem = str(err)
        if problem:
            errors.append(LessonError(str(lesson.path), step.line, f"real {at} {walk}: {problem}"))
    return errors


def check_all(folder: Path, real: RealCheck | None = None) -> list[LessonError]:
    """Every mistake of every lesson in ``folder`` (files that do not parse give their first mistake).

    Also reports two lessons with the same number and Markdown files not named ``NN-slug.md``.
    """
    errors: list[LessonError] = []
    seen: dict[str, Path] = {}
    for p in sorted(folder.glob("*.md")):
        if p.name not in NOT_LESSONS and not FILE_NAME.fullmatch(p.name):
            errors.append(LessonError(str(p), 1, "not a lesson: lesson files are named NN-slug.md"))
    for path in lesson_files(folder):
        number = path.name[:2]
        if number in seen:
            errors.append(LessonError(str(path), 1, f"lesson number {number} is also {seen[number].name}"))
        seen.setdefault(number, path)
        try:
            errors += check(load(path), real)
        except LessonError as err:
            errors.append(err)
    return errors


def _texts(lesson: Lesson) -> Iterator[tuple[str, int]]:
    """Every text a fact may stand in, with the line its first character is on."""
    for block in lesson.blocks:
        if isinstance(block, Prose):
            yield block.text, block.line
        elif isinstance(block, Step):
            yield block.text, block.line
            yield from ((e, block.line) for e in block.expect if e.startswith("output"))
        elif isinstance(block, Predict):
            yield block.question, block.line
        elif isinstance(block, Checkpoint):
            yield block.question, block.line
            for option in block.options:
                yield option.text, option.line
                yield option.explanation, option.line + 1


#: What a lesson's lab shows (the UI's narrow lab pane, checked against the painted lesson screen by
#: tests/ui/test_course_keys.py): its panels, and the registers on its one register line.
LAB_PANELS = ("disassembly", "stack", "unwind", "timeline")
LAB_REGISTERS = ("PC", "RSP", "SP", "R29", "FP", "R30", "LR")
#: The panel a lesson's ``widget`` adds.
WIDGET_PANELS = {"encoder": "encoder", "scale": "scale"}
_PANEL = re.compile(r"\b(\w+) (?:panel|pane)\b", re.IGNORECASE)
_REGISTER = re.compile(r"\b(R\d{1,2}|RSP|SP|PC|LR|FP|ZR)\b")


def _unseen(lesson: Lesson) -> Iterator[tuple[int, str]]:
    """A step that asks the learner to look at a register or a panel the lesson's lab does not show."""
    panels = set(LAB_PANELS) | ({WIDGET_PANELS[lesson.widget]} if lesson.widget in WIDGET_PANELS else set())
    for step in lesson.steps:
        for name in _PANEL.findall(step.text):
            if name.lower() in ("registers", "register"):
                yield step.line, ("step names the registers panel: a lesson's lab has none, only the line "
                                  "under the disassembly (PC, RSP, R29, R30); name that line")
            elif name.lower() not in panels:
                yield step.line, (f"step names the {name} panel, which this lesson's lab does not show "
                                  f"(it shows: {', '.join(sorted(panels))})")
        for reg in _REGISTER.findall(step.text):
            if reg not in LAB_REGISTERS:
                yield step.line, (f"step names {reg}, which this lesson's lab does not show (its register "
                                  "line has PC, RSP, R29 and R30)")


def _fact_problems(lesson: Lesson) -> Iterator[tuple[int, facts.FactError]]:
    for text, line in _texts(lesson):
        for offset, err in facts.problems(text):
            yield line + text.count("\n", 0, offset), err


def _prediction(lesson: Lesson, asked: Predict, step: Step, session: Session, before: Moment,
                shown: StackView, preemption: Preemption | None) -> list[LessonError]:
    """A prediction the lab could not answer after its step, as one error at its heading (else none)."""
    question = predict.lesson_question(predict.Kind(asked.kind), asked.question, step.do)
    try:
        found = predict.answer(question, before, session.current, preemption, session.scenario,
                               session.function)
    except ExplainerError as err:
        return [LessonError(str(lesson.path), asked.line, f"predict {asked.kind}: {err}")]
    said = predict.problem(question, before, shown, session.current, found)
    return [LessonError(str(lesson.path), asked.line, f"predict {asked.kind}: {said}")] if said else []


def _play(lesson: Lesson, session: Session) -> list[LessonError]:
    """Play the steps in order; a command that fails stops the play (later steps would mislead)."""
    errors: list[LessonError] = []
    file = str(lesson.path)
    remembered: dict[int, Preemption] = {}
    """The last preemption at each step, as the lab's pane remembers it (its stack is the one drawn)."""
    for step in lesson.steps:
        preemption: Preemption | None = None
        before = session.current
        shown = predict.stack_shown(before, remembered.get(before.snapshot.step))
        for command in play.commands(step):
            try:
                preemption = play.do(session, command) or preemption
            except ExplainerError as err:
                later = " (later steps not played)" if step is not lesson.steps[-1] else ""
                errors.append(LessonError(file, step.line, f"do {command}: {err}{later}"))
                return errors
        if preemption is not None:
            remembered[preemption.at.snapshot.step] = preemption
        asked = lesson.prediction_before(step)
        if asked is not None:
            errors += _prediction(lesson, asked, step, session, before, shown, preemption)
        for expectation in step.expect:
            try:
                problem = play.expect(session, preemption, expectation)
            except facts.FactError:
                continue  # reported with its line by _fact_problems
            except ExplainerError as err:
                problem = str(err)
            if problem:
                errors.append(LessonError(file, step.line, f"expect {expectation}: {problem}"))
    return errors
