"""A lesson as a Markdown handout: to print, to post, to read without the app.

Everything the lesson screen shows is rendered here once, by the same engine:
the prose with its facts computed (an ``{{epilogue ...}}`` standing alone in a
paragraph becomes a code block, one instruction a line), each step with what the
lab does and what it then shows (played on a headless Session, as ``explainer
lessons --check`` plays it), each prediction with how it is answered in the lab,
the checkpoints with lettered options, a listing of the lesson's function
(assembled by keystone, read back by capstone), and the answers with their
explanations at the end (a prediction's as the engine found it when its step
was played), so a teacher can cut them off (or leave them out: ``answers=False``).
"""

from __future__ import annotations

import re

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import parse as parse_scenario
from ..engine.experiments.session import Moment, Preemption, Session
from ..engine.toolchain.program import Function
from . import predict
from .facts import FACT, evaluate, render
from .lesson import Checkpoint, Lesson, Predict, Prose, Step
from .play import do, expect

_ALONE = re.compile(r"\A\s*\{\{\s*epilogue\b[^}]*\}\}\s*\Z")
#: How each kind of prediction is answered in the lab.
HOW = {predict.Kind.SLOT: "pick the slot's row in the stack panel",
       predict.Kind.LINE: "pick the instruction's line in the disassembly",
       predict.Kind.RSP: "type the value, in hex (0x...) or decimal",
       predict.Kind.OUTCOME: "press the key of your answer"}
_ROLES = {"stack-check": "stack check", "prologue": "prologue: take the frame", "body": "body",
          "epilogue": "epilogue: give the frame back",
          "morestack": "morestack tail (only when the stack grows)"}


def handout(lesson: Lesson, answers: bool = True) -> str:
    """The lesson as Markdown.

    Raises:
        ExplainerError: a fact or the scenario the engine cannot compute (``lessons --check`` names them).
    """
    scenario = parse_scenario(lesson.scenario)
    session = Session(scenario)
    out = [f"# {lesson.id[:2]} · {render(lesson.title)}", "",
           f"Lab scenario: `{scenario}`. Open it with `explainer --scenario {scenario}`; every number and "
           "listing below was computed by the explainer's engine when this handout was made.", ""]
    steps = checkpoints = 0
    found: list[tuple[Predict, predict.Answer | None]] = []
    for block in lesson.blocks:
        if isinstance(block, Prose):
            out += [_prose(block.text), ""]
        elif isinstance(block, Predict):
            kind = predict.Kind(block.kind)
            out += [f"### Predict {len(found) + 1}: {render(block.question)}", "",
                    f"*Before the next step, in the lab: {HOW[kind]}"
                    + (f" ({', '.join(_choices(block, lesson))})." if kind is predict.Kind.OUTCOME else ".")
                    + "*", ""]
        elif isinstance(block, Step):
            steps += 1
            asked = lesson.prediction_before(block)
            before = session.current
            lines, preemption = _step(steps, block, session)
            out += lines
            if asked is not None:
                found.append((asked, _answer(asked, block, session, before, preemption)))
        elif isinstance(block, Checkpoint):
            checkpoints += 1
            out += [f"### Checkpoint {checkpoints}: {render(block.question)}", ""]
            out += [f"- **{_letter(k)}.** {_inline(o.text)}" for k, o in enumerate(block.options)] + [""]
    out += _listing(session.function, scenario.version, scenario.size, scenario.leaf)
    if answers:
        out += ["## Answers", ""]
        if found:
            out += ["Predictions, as the engine answered them:", ""]
            for n, (asked, got) in enumerate(found, 1):
                said = f"— **{got.text}**. {got.why}" if got is not None else \
                    "— *(the lab could not answer it)*"
                out.append(f"- **Predict {n}.** {render(asked.question)} {said}")
            out += ["", "Checkpoints:", ""]
        for n, cp in enumerate(lesson.checkpoints, 1):
            out.append(f"{n}. {render(cp.question)}")
            for k, o in enumerate(cp.options):
                verdict = "right" if o.correct else "wrong"
                why = " ".join(render(o.explanation).split("\n"))
                out.append(f"   - **{_letter(k)}** ({verdict}): {why}")
            out.append("")
    else:
        out += ["*Answers left out of this handout.*", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _letter(k: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[k]


def _prose(text: str) -> str:
    """Prose with facts rendered; a paragraph that is only an epilogue becomes a listing."""
    paragraphs = re.split(r"(\n[ \t]*\n)", text)
    return "".join(_block(p) if _ALONE.match(p) else _inline(p) for p in paragraphs)


def _block(paragraph: str) -> str:
    insns = evaluate(FACT.search(paragraph).group(1)).split(" ; ")  # type: ignore[union-attr]
    return "```asm\n" + "\n".join(insns) + "\n```"


def _inline(text: str) -> str:
    """Facts rendered; an inline epilogue set as code so its instructions read as such."""
    def one(m: re.Match[str]) -> str:
        value = evaluate(m.group(1))
        return f"`{value}`" if m.group(1).split()[:1] == ["epilogue"] else value

    return render(FACT.sub(one, text))


def _choices(block: Predict, lesson: Lesson) -> list[str]:
    """An outcome prediction's keys, as the lab offers them (the step right after it decides)."""
    step = lesson.blocks[lesson.blocks.index(block) + 1]
    assert isinstance(step, Step)  # lesson.parse makes sure of it
    question = predict.lesson_question(predict.Kind.OUTCOME, block.question, step.do)
    return [f"{k} {predict.CHOICE_WORDS[o]}" for k, o in enumerate(question.choices, 1)]


def _answer(asked: Predict, step: Step, session: Session, before: Moment,
            preemption: Preemption | None) -> predict.Answer | None:
    """The engine's answer to a prediction once its step was played (None if it has none)."""
    question = predict.lesson_question(predict.Kind(asked.kind), asked.question, step.do)
    try:
        return predict.answer(question, before, session.current, preemption, session.scenario,
                              session.function)
    except ExplainerError:
        return None


def _step(n: int, step: Step, session: Session) -> tuple[list[str], Preemption | None]:
    """The step's text, its commands, and what the lab shows after playing them (as check plays them);
    and the step's last preemption."""
    lines = [f"### Step {n}: {render(step.text)}", "",
             "In the lab: " + ", then ".join(f"`{c}`" for c in step.do) + "."]
    preemption: Preemption | None = None
    try:
        for command in step.do:
            preemption = do(session, command) or preemption
        failures = [f for e in step.expect if (f := expect(session, preemption, e))]
    except ExplainerError as err:
        return lines + ["", f"*(The lab could not play this step: {err}.)*", ""], None
    insn = session.function.at(session.current.snapshot.pc)
    where = f"`+{insn.offset:#06x}  {insn.go}`" if insn else f"`{session.current.function}`"
    lines.append(f"The lab then stands at {where}, step {session.current.snapshot.step:,}.")
    if preemption is not None:
        lines.append(f"Outcome: **{preemption.outcome.value}**"
                     + (f" ({preemption.verdict.why})." if not preemption.verdict.preemptible else "."))
        if preemption.walk is not None and preemption.walk.output:
            lines += ["The runtime prints:", "", "```", *preemption.walk.output, "```"]
    if failures:
        lines.append("*(This step's expectations do not hold: " + "; ".join(failures) + ".)*")
    return lines + [""], preemption


def _listing(fn: Function, version: object, size: int, leaf: bool) -> list[str]:
    """The lesson's function as objdump users read it, RSP writes marked."""
    kind = "leaf" if leaf else "non-leaf"
    out = [f"## Listing: {fn.name}, go{version}, frame {size:,} B, {kind}", "", "```asm"]
    role = None
    for i in fn.instructions:
        if i.role != role:
            role = i.role
            out.append(f"// {_ROLES.get(role, role)}")
        mark = "    // writes RSP" if i.writes_sp else ""
        out.append(f"+{i.offset:#06x}  {i.hex}  {i.go}{mark}")
    return out + ["```", ""]
