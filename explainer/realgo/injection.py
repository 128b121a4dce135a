"""The headless way in to ``explainer inject``: scenario-like inputs in, typed answers out.

``explainer inject`` only prints what these functions return; the lab and the talk can call them the
same way (from a worker thread: a call takes about a second, a sweep several; ``cancel`` kills the
qemu and gdb processes of every call in flight, from any thread):

- ``prepare_target(go, shape, unwind)``: the tools found, the toolchain installed, the reproducer
  built (cached) and read;
- ``inject_at(target, at)``: the real runtime preempted at one instruction, an ``Injection``: its
  outcome, the runtime's own lines, the engine's answer at the same point with the real stack, and
  whether they agree;
- ``inject_scenario(scenario)``: the same for an engine ``Scenario`` (``go1.23.4/65584/at=sp2``),
  when one of the real reproducers has that frame;
- ``sweep_real(target)``: every instruction, a ``RealSweep`` of rows (real beside engine) and counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario
from ..engine.runtime.unwind import Trigger
from ..engine.toolchain.bigstack import Buffer
from . import model_check, toolchains
from .build import Shape
from .crashlog import Frame
from .gdbrun import kill_all
from .inject import DEFAULT_TRIES, LIMITS, RealOutcome, RealPoint, RunReport, inject
from .model_check import EngineAnswer, LineCheck, feed_back
from .real_sweep import default_jobs, sweep
from .target import WALKS, Point, Target, check_point, prepare

#: The real reproducers' frames (fast_nonleaf.go, fast_leaf.go, cloudflare_shape.go, every release):
#: (leaf, buffer, size) -> shape.
REPRODUCERS = {(False, Buffer.FAST, 65584): Shape.NONLEAF, (True, Buffer.FAST, 65552): Shape.LEAF,
               (True, Buffer.CLOUDFLARE, 65552): Shape.CLOUDFLARE}

Say = Callable[[str], None]


@dataclass(frozen=True)
class Injection:
    """The real runtime's answer at one instruction, and the engine's beside it."""

    target: Target
    at: str
    """The point as asked: an anchor (``sp2``) or ``+0xNN``."""
    point: Point
    """The instruction: pc, offset from main.big_stack's entry, Go syntax."""
    note: str
    """What to know about the point (a fixed release's one write to RSP), or empty."""
    real: RealPoint
    """Outcome, tries, and the observation (``real.answer``: the stop, newpc, the walker's calls)."""
    engine: EngineAnswer | None
    """The engine at the same point, with the real run's stack bounds when it takes them."""
    checks: tuple[LineCheck, ...]
    """For a crash: each line the engine prints against the real report's."""
    engine_error: str
    """Why there is no engine answer (a release the model lacks), else empty."""
    seconds: float
    """From the first try's start to the answer."""

    @property
    def outcome(self) -> RealOutcome:
        return self.real.outcome

    @property
    def output(self) -> tuple[str, ...]:
        """What the real runtime printed: its crash report, or the variant's traceback."""
        return self.real.answer.output

    @property
    def agree(self) -> bool:
        """The engine predicts this outcome, and every crash line it prints is the real one."""
        return (self.engine is not None and self.engine.outcome is self.real.outcome
                and all(c.equal for c in self.checks))

    def placement(self) -> str | None:
        """For a crash, where it sits in the function, as ``explainer repro`` says it; else None."""
        if self.real.outcome is not RealOutcome.CRASH or self.real.answer.crash is None:
            return None
        from .placement import place
        from .tries import scan_findings

        findings = scan_findings(self.target.binary)
        if isinstance(findings, str):
            return findings
        crash, obs = self.real.answer.crash, self.real.answer
        if crash.interrupted is None and obs.newpc is not None:
            # A traceback that died printing goroutine 1 shows no asyncPreempt frame over it; the PC
            # asyncPreempt would have returned to is the one gdb saw in R30.
            seen = replace(crash, interrupted=Frame("main.big_stack", "", pc=obs.newpc))
            return f"{place(seen, findings)} (the PC as gdb saw it: the report shows no asyncPreempt frame)"
        return place(crash, findings)


@dataclass(frozen=True)
class Row:
    """One instruction of a sweep: the real answer, the engine's, and the crash lines fed back."""

    point: RealPoint
    engine: EngineAnswer | None
    """``explainer sweep``'s answer at this instruction."""
    fed: EngineAnswer | None
    """For a real crash: ``explainer run`` at the point with the real stack bounds."""
    checks: tuple[LineCheck, ...]
    """Each of ``fed``'s lines against the real report."""

    @property
    def verdict(self) -> str:
        """``agree``, ``DIFF`` or ``inconclusive``."""
        if self.point.outcome is RealOutcome.INCONCLUSIVE:
            return "inconclusive"
        same = self.engine is not None and self.engine.outcome is self.point.outcome
        return "agree" if same and all(c.equal for c in self.checks) else "DIFF"


def sweep_rows(target: Target, points: Sequence[RealPoint], engine: Mapping[int, EngineAnswer]) -> list[Row]:
    rows = []
    for p in points:
        fed = feed_back(target, p)
        rows.append(Row(p, engine.get(p.offset), fed[0] if fed else None, tuple(fed[1]) if fed else ()))
    return rows


def sweep_counts(rows: Sequence[Row]) -> dict[str, int]:
    verdicts = [r.verdict for r in rows]
    return {"agree": verdicts.count("agree"), "differ": verdicts.count("DIFF"),
            "inconclusive": verdicts.count("inconclusive")}


@dataclass(frozen=True)
class RealSweep:
    """Every instruction of main.big_stack: the real answer beside the engine's."""

    target: Target
    rows: tuple[Row, ...]
    counts: Mapping[str, int]
    """agree, differ, inconclusive."""
    mismatches: tuple[tuple[int, str, str], ...]
    """(offset, real, model) where the engine's function is not the binary's."""
    engine_error: str
    seconds: float
    runs: int
    """qemu runs it took."""
    jobs: int
    strays: int
    """Stray SIGTRAPs swallowed."""

    @property
    def ok(self) -> bool:
        """Every instruction conclusive, the engine agreeing at each, on the same function."""
        return not self.mismatches and not self.counts["differ"] and not self.counts["inconclusive"]


def prepare_target(go: str | None = None, shape: str | Shape = Shape.NONLEAF,
                   unwind: str | Trigger = Trigger.GC, say: Say = print) -> Target:
    """Tools, toolchain (installed if missing) and the reproducer, built and read.

    Raises:
        ExplainerError: bad input (the message says what is accepted).
        MissingTool: qemu-aarch64, gdb-multiarch or the toolchain cannot be had (the message names
            the command that installs it).
    """
    rel = toolchains.release(toolchains.DEFAULT_GO if go is None else go)
    kind = shape if isinstance(shape, Shape) else Shape.parse(shape)
    walks = {t.value: t for t in WALKS}
    walk = unwind if isinstance(unwind, Trigger) else walks.get(unwind)
    if walk not in WALKS:
        raise ExplainerError(f"bad unwind {getattr(unwind, 'value', unwind)!r}: inject walks with "
                             f"{' or '.join(walks)}")
    return prepare(rel, kind, walk, say)


def inject_at(target: Target, at: str = "sp2", tries: int = DEFAULT_TRIES,
              on_event: Callable[[Mapping[str, Any]], None] | None = None,
              limits: Mapping[str, float] = LIMITS) -> Injection:
    """Preempt the real runtime at ``at`` (an anchor or ``+0xNN``) until one run answers, at most
    ``tries`` runs; ``on_event`` hears the gdb script's events as they come.

    Raises:
        ExplainerError: no such instruction.
    """
    point, note = target.point(check_point(at))
    started = time.monotonic()
    real = inject(target, point.pc, tries, on_event=on_event, limits=limits)
    engine, checks, why = engine_for(target, real)
    return Injection(target, at, point, note, real, engine, tuple(checks), why, time.monotonic() - started)


def shape_of(s: Scenario) -> Shape:
    """The real reproducer whose main.big_stack is the scenario's function.

    Raises:
        ExplainerError: none is (another frame size, or the stack-hungry buffer).
    """
    shape = REPRODUCERS.get((s.leaf, s.buffer, s.size))
    if shape is None:
        raise ExplainerError(f"no real reproducer has {s}'s frame: the real ones are go<release>/65584 "
                             "(non-leaf), go<release>/65552/leaf and "
                             "go<release>/65552/leaf/buffer=cloudflare")
    return shape


def inject_scenario(s: Scenario, tries: int = DEFAULT_TRIES, say: Say = print,
                    on_event: Callable[[Mapping[str, Any]], None] | None = None) -> Injection:
    """``inject_at`` for an engine scenario: its release, its reproducer, its point (``at=``) and its
    walk (``unwind=`` gc or traceback). The real runtime picks its own stack (``stack=`` is the
    model's), and the point is the instruction's first visit (``step=`` is the lab's cursor).

    Raises:
        ExplainerError: no reproducer has the frame, or the walk is not gc or traceback.
        MissingTool: as ``prepare_target``.
    """
    shape = shape_of(s)
    target = prepare_target(str(s.version), shape, s.unwind, say)
    return inject_at(target, s.at, tries, on_event)


def sweep_real(target: Target, tries: int = DEFAULT_TRIES, jobs: int | None = None,
               on_run: Callable[[RunReport], None] | None = None,
               pcs: Sequence[int] | None = None) -> RealSweep:
    """Every instruction (or ``pcs``), ``jobs`` qemu runs at once (default: the machine's cores)."""
    jobs = jobs or default_jobs()
    try:
        mismatches = tuple(model_check.instruction_mismatches(target))
        engine = model_check.engine_sweep(target)
        engine_error = ""
    except ExplainerError as e:  # a release the engine does not model: the real sweep alone
        mismatches, engine, engine_error = (), {}, str(e)
    started = time.monotonic()
    points, state = sweep(target, pcs, tries=tries, jobs=jobs, on_run=on_run)
    seconds = time.monotonic() - started
    rows = tuple(sweep_rows(target, points, engine))
    return RealSweep(target, rows, sweep_counts(rows), mismatches, engine_error, seconds, state.runs, jobs,
                     state.strays)


def cancel() -> None:
    """Kill the qemu and gdb of every call in flight (from any thread); each then returns or raises."""
    kill_all()


def engine_for(target: Target, point: RealPoint) -> tuple[EngineAnswer | None, list[LineCheck], str]:
    """The engine at the same point: with the real stack (a crash's lines checked against the real
    report), else on its own stack (the first call's stack is too small for the frame), else the
    sweep's verdict (a point only the first call reaches). The third item says why there is none."""
    fed = model_check.feed_back(target, point)
    if fed is not None:
        return fed[0], fed[1], ""
    stack = model_check.stack_of(point)
    why = ""
    for use in ((stack, None) if stack else (None,)):
        try:
            return model_check.engine_at(target, point.offset, use), [], ""
        except ExplainerError as err:
            why = str(err)
    try:
        found = model_check.engine_sweep(target).get(point.offset)
    except ExplainerError as err:
        return None, [], str(err)
    return (found, [], "") if found is not None else (None, [], why)
