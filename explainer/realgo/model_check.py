"""The engine's answer for the same point, to set beside the real runtime's.

The engine models the reproducer from the release, the frame size and the shape (``explainer sweep``,
``explainer run``); it never reads the real binary. This module builds that scenario from what the
binary says (its Go release, main.big_stack's frame size and whether it is a leaf), checks that the
model's function is the real one instruction by instruction, and compares answers:

- the outcome: the engine's ``refused`` / ``clean`` / ``crash`` (``explainer sweep``'s
  ``not-preemptible`` / ``safe`` / ``unsafe``) against the real one;
- the numbers of a crash: ``explainer run SCENARIO --stack LO-HI`` with the stack bounds the real
  run had (read from ``g.stack`` at the stop) must print the real report's own lines. The one
  allowed difference is ``m=`` in a SIGSEGV's ``PC=`` line: which M's thread takes the fault varies
  from run to run, and the engine prints a fixed one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..engine.errors import ExplainerError
from ..engine.experiments.scenario import Scenario
from ..engine.releases.versions import GoVersion
from ..engine.runtime.outcome import Outcome
from ..engine.toolchain.bigstack import Buffer
from ..engine.toolchain.program import Function
from .build import Shape
from .inject import RealOutcome, RealPoint
from .target import Target

#: The engine's outcomes that predict a real one (the others, not-reached or cannot-see, predict none).
PREDICTS = {Outcome.REFUSED: RealOutcome.REFUSED, Outcome.CLEAN: RealOutcome.CLEAN,
            Outcome.CRASH: RealOutcome.CRASH}
_M_FIELD = re.compile(r" m=\d+ ")
_PC_FIELD = re.compile(r"PC=(0x[0-9a-f]+)")


@dataclass(frozen=True)
class EngineAnswer:
    """What the engine says at one point."""

    said: Outcome
    """The engine's own outcome."""
    reason: str
    output: tuple[str, ...]
    scenario: str
    """The scenario line that gives this answer (``explainer run`` takes it)."""

    @property
    def outcome(self) -> RealOutcome | None:
        """What it predicts the real runtime does; None when it predicts nothing (``not-reached``)."""
        return PREDICTS.get(self.said)


@dataclass(frozen=True)
class LineCheck:
    """One line the engine prints for a crash, and the real report's line it must equal."""

    engine: str
    real: str | None
    equal: bool
    note: str = ""


def scenario(target: Target, at: str = "sp2", stack: tuple[int, int] | None = None) -> Scenario:
    """The engine's scenario for this reproducer.

    Raises:
        ExplainerError: the engine does not model this release.
    """
    version = GoVersion.parse(target.release.go)
    buffer = Buffer.CLOUDFLARE if target.shape is Shape.CLOUDFLARE else Buffer.FAST
    s = Scenario(version, target.frame_size, target.leaf, buffer, at=at, unwind=target.unwind)
    return s.with_stack(f"{stack[0]:#x}-{stack[1]:#x}") if stack else s


def instruction_mismatches(target: Target) -> list[tuple[int, str, str]]:
    """(offset, real, model) wherever the engine's main.big_stack differs from the binary's."""
    from ..engine.experiments.experiment import program_for

    model = {i.offset: i.go for i in program_for(scenario(target)).target.instructions}
    real = {p.offset: p.go for p in target.points}
    return [(off, real.get(off, "-"), model.get(off, "-")) for off in sorted(set(model) | set(real))
            if real.get(off) != model.get(off)]


def engine_sweep(target: Target) -> dict[int, EngineAnswer]:
    """``explainer sweep`` for this reproducer, by offset."""
    from ..engine.experiments.sweep import sweep

    s = scenario(target)
    return {p.offset: EngineAnswer(p.outcome, p.why,
                                   tuple(p.message.splitlines()) if p.message else (),
                                   str(scenario(target, f"+{p.offset:#x}")))
            for p in sweep(s)}


def engine_at(target: Target, offset: int, stack: tuple[int, int] | None = None) -> EngineAnswer:
    """``explainer run`` at ``+offset`` (with the real run's stack bounds, when given)."""
    from ..engine.experiments.experiment import run

    s = scenario(target, f"+{offset:#x}", stack)
    r = run(s)
    reason = r.walk.reason if r.walk is not None else r.verdict.why
    return EngineAnswer(r.outcome, reason, tuple(r.output), str(s))


def stack_of(point: RealPoint) -> tuple[int, int] | None:
    hit = point.answer.hit
    return hit.stack if hit is not None else None


def written_registers(fn: Function) -> frozenset[str]:
    """The registers any instruction of ``fn`` writes, in Go's names (R0..R30, NZCV)."""
    from ..engine.arm64 import cpu

    cs = cpu.disassembler()
    names: set[str] = set()
    for i in fn.instructions:
        for insn in cs.disasm(i.word.to_bytes(4, "little"), i.pc):
            for reg in insn.regs_access()[1]:
                name = cpu.reg_name(reg)
                if name[0] in "xw" and name[1:].isdigit():
                    names.add(f"R{int(name[1:])}")
                elif name == "nzcv":
                    names.add("NZCV")
    return frozenset(names)


def leftovers(fn: Function, sp: int, version: GoVersion) -> dict[int, str]:
    """Where asyncPreempt saves the registers ``fn`` never writes, by address, when the goroutine is
    preempted with SP = ``sp``: what the runtime left in them, which the model does not emulate.

    runtime/preempt_arm64.s (mkpreempt.go's output; same in go1.23.4 and go1.27.3): pushCall leaves
    SP 16 lower, then ``SUB $frame, RSP`` and ``STP (R0, R1), 8(RSP)`` ... ``STP (R25, R26),
    200(RSP)`` (R18 is skipped), NZCV at 216(RSP), FPSR at 224(RSP), and up to go1.25 the FP
    registers from 232(RSP) (``FSTPD``); main.big_stack does no floating point.
    """
    base = sp - 16 - version.async_preempt_frame
    slots = {f"R{k}": 8 + 8 * k for k in range(18)} | {f"R{k}": 152 + 8 * (k - 19) for k in range(19, 27)}
    slots |= {"NZCV": 216, "FPSR": 224}
    written = written_registers(fn)
    out = {base + off: name for name, off in slots.items() if name not in written}
    if version.async_preempt_frame > 256:  # F0..F31 (FSTPD pairs from 232)
        out |= {base + 232 + 8 * k: f"F{k}" for k in range(32)}
    return out


_DUMP = re.compile(r"^([0-9a-f]{16}): ([0-9a-f]{8}) ([0-9a-f]{8})  ([0-9a-f]{8}) ([0-9a-f]{8})  ")


def _dump_words(line: str) -> tuple[int, tuple[int, int]] | None:
    """A tracebackHexdump line's address and its two words (``7 6 5 4  3 2 1 0`` order)."""
    m = _DUMP.match(line)
    if m is None:
        return None
    return int(m.group(1), 16), (int(m.group(2) + m.group(3), 16), int(m.group(4) + m.group(5), 16))


def _check_dump(line: str, real: Sequence[str], left: Mapping[int, str]) -> LineCheck | None:
    """A hexdump line: equal but for words holding registers the model does not emulate."""
    mine = _dump_words(line)
    if mine is None:
        return None
    addr, words = mine
    twin = next((r for r in real if (d := _dump_words(r)) is not None and d[0] == addr), None)
    if twin is None:
        return LineCheck(line, None, False)
    theirs = _dump_words(twin)
    assert theirs is not None
    differ = [addr + 8 * k for k in range(2) if words[k] != theirs[1][k]]
    unexcused = [a for a in differ if a not in left]
    note = ""
    if differ and not unexcused:
        note = (f"{', '.join(left[a] for a in differ)}: main.big_stack never writes "
                f"{'it' if len(differ) == 1 else 'them'}; asyncPreempt saved what the runtime left there")
    return LineCheck(line, twin, not unexcused, note)


def check_lines(engine: Sequence[str], real: Sequence[str], moved: int = 0,
                left: Mapping[int, str] | None = None) -> list[LineCheck]:
    """Each engine line against the real report: present verbatim, but in ``PC=`` lines for ``m=``
    and for ``moved``, how far this binary's runtime.(*unwinder).next is from the published one's,
    and in tracebackHexdump lines for the words in ``left`` (``leftovers``)."""
    out = []
    for line in engine:
        if line in real:
            out.append(LineCheck(line, line, True))
            continue
        dump = _check_dump(line, real, left or {})
        if dump is not None:
            out.append(dump)
            continue
        m = _PC_FIELD.match(line)
        if m:
            here = f"PC={int(m.group(1), 16) + moved:#x}" + line[m.end():]
            twin = next((r for r in real if r.startswith("PC=")), None)
            same = twin is not None and _M_FIELD.sub(" m=? ", here) == _M_FIELD.sub(" m=? ", twin)
            notes = []
            if same and here != twin:
                notes.append("m= is the M whose thread faulted: it varies")
            if same and moved:
                notes.append(f"this binary's runtime.(*unwinder).next is {moved:+#x} from the "
                             "published one's")
            out.append(LineCheck(line, twin, same, "; ".join(notes)))
            continue
        out.append(LineCheck(line, None, False))
    return out


def _moved(target: Target) -> int:
    """How far the real binary's runtime.(*unwinder).next is from the one the engine prints."""
    from ..engine.experiments.experiment import fault_pc, program_for
    from ..engine.releases.runtime_data import facts_for

    s = scenario(target)
    published = fault_pc(program_for(s)) - facts_for(s.version).incgo_fault_offset
    return target.addresses["unwinder.next"] - published


def feed_back(target: Target, point: RealPoint) -> tuple[EngineAnswer, list[LineCheck]] | None:
    """For a real crash: the engine at the same point with the real stack, and its lines checked."""
    hit = point.answer.hit  # the goroutine gdb stopped, with its stack (stack_of's)
    if point.outcome is not RealOutcome.CRASH or hit is None:
        return None
    try:
        answer = engine_at(target, point.offset, hit.stack)
    except ExplainerError:  # a release or a stack the engine does not model: no lines to check
        return None
    left = leftovers(target.function, hit.sp, GoVersion.parse(target.release.go))
    return answer, check_lines(answer.output, point.answer.output, _moved(target), left)
