"""``{{NAME ARGS}}`` in a lesson, replaced by what the engine computes, so the text cannot drift.

Every fact in lessons/FORMAT.md's table is answered by the same code the lab
runs: the assembler's plan (``frames.add_const``, assembled by keystone and read
back by capstone), the epilogue of ``frames.epilogue``, a scenario run by
``experiment.run``, a sweep, the recorded frames of real builds. Emulating
facts (outcome, unsafe) are cached: a lesson is rendered every time it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from .. import content
from ..engine.arm64.asm import Prog, assemble
from ..engine.arm64.immediates import AddPlan, add_const, add_imm_fields, add_plan
from ..engine.errors import ExplainerError
from ..engine.experiments import experiment, sweep
from ..engine.experiments.scenario import parse as parse_scenario
from ..engine.releases.runtime_data import facts_for
from ..engine.releases.versions import GoVersion
from ..engine.runtime.outcome import Outcome
from ..engine.toolchain.frames import epilogue

#: ``{{NAME ARGS}}``: the name, then its arguments separated by spaces.
FACT = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
#: Constants a plan or a field split is computed for: what an ADD's 64-bit immediate can be asked.
MAX_CONSTANT = (1 << 32) - 1
_NUMBER = re.compile(r"[0-9]{1,10}")
_LOG_NAME = re.compile(r"[\w.+-]+\.log")
_ENTRY = 0x10000
_PLAN_WORDS = {
    AddPlan.IMM12: "one ADD", AddPlan.IMM12_SHIFTED: "one ADD", AddPlan.SPLIT: "two ADDs",
    AddPlan.R27_MOVZ: "one MOVZ into R27, then ADD R27", AddPlan.R27_ORR: "one ORR into R27, then ADD R27",
    AddPlan.R27_MOVK: "MOVZ and MOVKs into R27, then ADD R27",
}


class FactError(ExplainerError):
    """A fact the engine cannot compute: an unknown name, bad arguments, or bad input to the engine."""


def logs_dir() -> Path:
    """The real crash logs (``explainer.content``: the repository's ``assets/logs/``, as package data)."""
    return content.logs_dir()


def render(text: str) -> str:
    """``text`` with every ``{{NAME ARGS}}`` replaced by its value.

    Raises:
        FactError: the first fact that cannot be computed, or a ``{{`` never closed.
    """
    out = FACT.sub(lambda m: evaluate(m.group(1)), text)
    if "{{" in FACT.sub("", text):
        raise FactError("'{{' without its closing '}}'")
    return out


def problems(text: str) -> list[tuple[int, FactError]]:
    """Every fact in ``text`` that cannot be computed, with its offset in ``text`` (for line numbers)."""
    found: list[tuple[int, FactError]] = []
    for m in FACT.finditer(text):
        try:
            evaluate(m.group(1))
        except FactError as err:
            found.append((m.start(), err))
    rest = FACT.sub(lambda m: " " * len(m.group(0)), text)
    if "{{" in rest:
        found.append((rest.index("{{"), FactError("'{{' without its closing '}}'")))
    return sorted(found, key=lambda f: f[0])


def evaluate(expression: str) -> str:
    """The value of one fact, written without its braces (``plan 65552``).

    Raises:
        FactError: unknown fact, wrong number or kind of arguments, or what the engine rejected.
    """
    words = expression.split()
    try:
        if not words:
            raise FactError("a fact needs a name: one of " + ", ".join(_FACTS))
        name, *args = words
        spec = _FACTS.get(name)
        if spec is None:
            raise FactError(f"unknown fact {name!r}: one of {', '.join(_FACTS)}")
        usage, fn = spec
        if not usage.count(" ") + 1 - usage.count("[") <= len(args) <= usage.count(" ") + 1:
            raise FactError(f"{name} takes {usage}, got {' '.join(args) or 'nothing'!r}")
        return fn(*args)
    except ExplainerError as err:
        raise FactError(f"{{{{{' '.join(words)}}}}}: {err}") from None


def _constant(text: str) -> int:
    if not _NUMBER.fullmatch(text) or int(text) > MAX_CONSTANT:
        raise FactError(f"bad constant {text!r}: a number of bytes from 0 to {MAX_CONSTANT}")
    return int(text)


def _go(machine: tuple[str, ...]) -> list[str]:
    """ARM lines to Go syntax, through keystone and capstone."""
    return [i.go for i in assemble([Prog("fact", machine)], _ENTRY, {}, {})]


@lru_cache(maxsize=256)
def plan(n: str) -> str:
    """How Go's assembler materialises ``ADD $N, RSP, RSP``."""
    c = _constant(n)
    lines, _ = add_const("ADD", c, "RSP", "RSP")
    return f"{_PLAN_WORDS[add_plan(c)]}: " + " then ".join(_go(lines))


@lru_cache(maxsize=256)
def fields(n: str) -> str:
    """The imm12/shift split of N, read back from the encoded ADDs, or why it does not fit."""
    c = _constant(n)
    if c > 0xFFFFFF:
        return (f"{c} does not fit: an ADD's immediate is 12 bits, optionally shifted left by 12, "
                f"so even two ADDs reach at most {0xFFFFFF}")
    lo, hi = c & 0xFFF, c >> 12
    machine = ((f"add sp, sp, #{lo:#x}",) if lo or not hi else ()) + (
        (f"add sp, sp, #{hi:#x}, lsl #12",) if hi else ())
    words = [i.word for i in assemble([Prog("fact", machine)], _ENTRY, {}, {})]
    parts = [f"imm12={f.imm12} sh={f.sh}" for f in map(add_imm_fields, words)]
    sums = ([str(lo)] if lo or not hi else []) + ([f"({hi}<<12)"] if hi else [])
    head = str(c) if sums == [str(c)] else f"{c} = {' + '.join(sums)}"
    return f"{head}: " + ", then ".join(parts)


@lru_cache(maxsize=128)
def epilogue_text(version: str, n: str, kind: str) -> str:
    """The epilogue's instructions in Go syntax, joined by `` ; ``."""
    if kind not in ("leaf", "nonleaf"):
        raise FactError(f"bad kind {kind!r}: leaf or nonleaf")
    progs = epilogue(GoVersion.parse(version), _constant(n), kind == "leaf")
    return " ; ".join(i.go for i in assemble(progs, _ENTRY, {}, {}))


@lru_cache(maxsize=128)
def outcome(scenario: str) -> str:
    """The runtime's last line, or why it refused, or that the walk was clean."""
    r = experiment.run(parse_scenario(scenario))
    if r.outcome is Outcome.REFUSED:
        return f"preemption refused: {r.verdict.why}"
    return r.output[-1] if r.output else "clean walk"


@lru_cache(maxsize=128)
def unsafe(scenario: str) -> str:
    """How many instructions of main.big_stack crash the walk when preempted there."""
    return str(sum(p.outcome is Outcome.CRASH for p in sweep.sweep(parse_scenario(scenario))))


def frame(function: str, version: str, kind: str = "") -> str:
    """A function's frame size in bytes, as the real build of that release recorded it."""
    programs = facts_for(GoVersion.parse(version)).functions
    shapes = {"leaf": "fast_leaf", "nonleaf": "fast_nonleaf"}
    if kind and kind not in shapes:
        raise FactError(f"bad kind {kind!r}: leaf or nonleaf")
    sizes = {shape: fns[function].frame for shape, fns in programs.items()
             if function in fns and (not kind or shape == shapes[kind])}
    if not sizes:
        known = sorted({f for fns in programs.values() for f in fns})
        raise FactError(f"no recorded frame for {function!r}: one of {', '.join(known)}")
    if len(set(sizes.values())) > 1:
        each = ", ".join(f"{v} in {k}" for k, v in sorted(sizes.items()))
        raise FactError(f"{function}'s frame differs ({each}): add leaf or nonleaf")
    return str(next(iter(sizes.values())))


def asyncframe(version: str) -> str:
    """runtime.asyncPreempt's frame size in bytes (the one the emulated program runs)."""
    return str(GoVersion.parse(version).async_preempt_frame)


def log(file: str, line: str) -> str:
    """Line LINE (1-based) of a real crash log in assets/logs/."""
    if not _LOG_NAME.fullmatch(file):
        raise FactError(f"bad log name {file!r}: a file name ending in .log, in assets/logs/")
    if not _NUMBER.fullmatch(line) or int(line) < 1:
        raise FactError(f"bad line {line!r}: a line number from 1")
    path = logs_dir() / file
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise FactError(f"cannot read log {file!r} in assets/logs/: {err.__class__.__name__}") from None
    if int(line) > len(lines):
        raise FactError(f"log {file!r} has {len(lines)} lines, not {line}")
    return lines[int(line) - 1].strip()


#: name -> (usage, function); ``[X]`` marks an optional argument.
_FACTS: dict[str, tuple[str, Callable[..., str]]] = {
    "plan": ("N", plan),
    "fields": ("N", fields),
    "epilogue": ("VERSION N leaf|nonleaf", epilogue_text),
    "outcome": ("SCENARIO", outcome),
    "unsafe": ("SCENARIO", unsafe),
    "frame": ("FUNCTION VERSION [leaf|nonleaf]", frame),
    "asyncframe": ("VERSION", asyncframe),
    "log": ("FILE LINE", log),
}
