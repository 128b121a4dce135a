"""Where ``explainer open --run`` preempts a real function, and how the run gets there.

A real function has several ways out: Decode (x/arch's ppc64asm) has four epilogues, each releasing
its 113,584-byte frame with a split pair. Which one a run reaches depends on the arguments, so:

- ``sp2`` (``sp1``, ``epilogue``, ``ret``) is that point of the first epilogue the run reaches;
- ``sp2#3`` is the third epilogue's (``epilogues`` numbers them), and says which one the run took
  instead when it does not get there;
- ``0x140d4c`` (a PC) starts there: the stack check and the prologue run as they would, building
  the frame, then the CPU goes on from the first instruction of the epilogue holding that PC (or
  from the PC itself, outside an epilogue). This reaches the paths no argument does (a path
  through a runtime call the lab does not run);
- ``entry``, ``body`` and ``+0xNN`` are reached by running from the entry, as for the reproducer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..engine.errors import ExplainerError
from ..engine.experiments import experiment
from ..engine.experiments.experiment import Result
from ..engine.experiments.scenario import Scenario
from ..engine.toolchain.program import Program
from .arguments import Arguments
from .errors import BinaryError
from .model import GoBinary
from .opened import Epilogue, epilogues, opened_program, opened_scenario

#: The points that belong to an epilogue (the others are reached from the entry).
EPILOGUE_POINTS = ("epilogue", "sp1", "sp2", "ret")
_POINT = re.compile(r"(entry|body|epilogue|sp1|sp2|ret)(?:#([0-9]{1,4}))?"
                    r"|\+0x[0-9a-fA-F]{1,8}|0x[0-9a-fA-F]{1,16}")


@dataclass(frozen=True)
class Point:
    """A preemption point as the user wrote it."""

    text: str
    name: str | None = None
    """entry, body, epilogue, sp1, sp2, ret."""
    number: int | None = None
    """``#N``: the Nth epilogue."""
    pc: int | None = None
    """An absolute PC: start there with the frame built."""


@dataclass(frozen=True)
class Reached:
    """A run of an opened function to its preemption point."""

    program: Program
    scenario: Scenario
    result: Result
    how: str
    """How the point was reached when it is worth saying (several epilogues, a start at a PC), else ""."""


def parse_point(text: str) -> Point:
    """``sp2``, ``sp2#3``, ``+0x1c`` (from the entry) or ``0x140d4c`` (an absolute PC).

    Raises:
        BinaryError: anything else.
    """
    m = _POINT.fullmatch(text.strip())
    if m is None:
        raise BinaryError(f"bad preemption point {text!r}: one of entry, body, epilogue, sp1, sp2, ret (with "
                          "#N for the Nth epilogue: sp2#3), +0xNN from the entry, or a PC (0x140d4c)")
    if m.group(1):
        if m.group(2) and m.group(1) not in EPILOGUE_POINTS:
            raise BinaryError(f"bad preemption point {text!r}: only epilogue points take #N "
                              f"({', '.join(EPILOGUE_POINTS)})")
        return Point(text, m.group(1), int(m.group(2)) if m.group(2) else None)
    if text.strip().startswith("+"):
        return Point(text.strip())
    return Point(text, pc=int(text.strip(), 16))


def reach(binary: GoBinary, name: str, point: Point, arguments: Arguments,
          configure: Callable[[Scenario], Scenario]) -> Reached:
    """Emulate ``name`` of ``binary`` to ``point``, preempt, unwind.

    ``configure`` finishes the scenario (stack, who unwinds). BinaryError when the point is not
    reached, saying what the run did instead and how to get there.
    """
    program = opened_program(binary, name, arguments)
    base = configure(opened_scenario(binary, program))
    if point.pc is not None:
        return _jump(binary, name, point, arguments, program, base)
    if point.name not in EPILOGUE_POINTS:
        at = point.name or point.text
        return Reached(program, replace(base, at=at), _run(replace(base, at=at), program), "")
    found = epilogues(program.target)
    if not found:
        raise BinaryError(f"{name} has no epilogue (no RET): try --at body or a PC")
    if point.number is not None and not 1 <= point.number <= len(found):
        kinds = "split releases" if found[0].split else "epilogues"
        raise BinaryError(f"no {point.text}: {name} has {len(found)} {kinds}, #1 to #{len(found)}")
    assert point.name is not None
    first, why = _first_reached(base, program, found, point.name)
    wanted = point.number or (first.number if first else None)
    if first is None or wanted != first.number:
        raise BinaryError(_not_reached(name, point, found, first, why))
    program = opened_program(binary, name, arguments, epilogue=wanted)
    scenario = replace(base, at=point.name)
    how = ""
    if len(found) > 1 and found[0].split:
        how = f"{point.name}#{wanted} of {len(found)} split releases"
        how += "" if point.number else ": the one the run reaches"
    return Reached(program, scenario, _run(scenario, program), how)


def lab_program(binary: GoBinary, name: str, arguments: Arguments, point: Point) -> Program:
    """The program the lab opens on: its epilogue (what ``e`` and ``w`` run to) is the one asked for
    (``--at sp2#3``), else the one a run with these arguments reaches."""
    number = point.number if point.name in EPILOGUE_POINTS else None
    return opened_program(binary, name, arguments, epilogue=number or first_epilogue(binary, name, arguments))


def first_epilogue(binary: GoBinary, name: str, arguments: Arguments) -> int | None:
    """The number of the epilogue a run from the entry with these arguments reaches first (its sp2),
    for the lab to call *the* epilogue; None when it reaches none."""
    program = opened_program(binary, name, arguments)
    found = epilogues(program.target)
    if len(found) < 2:
        return None
    first, _ = _first_reached(opened_scenario(binary, program), program, found, "sp2")
    return first.number if first else None


def _first_reached(base: Scenario, program: Program, found: tuple[Epilogue, ...],
                   name: str) -> tuple[Epilogue | None, str]:
    """Which epilogue's ``name`` point a run from the entry meets first, or why none."""
    by_pc = {e.anchors[name]: e for e in found if name in e.anchors}
    m = experiment.start(base, program)
    pc, ev = m.run_to_first(frozenset(by_pc))
    if pc is not None:
        return by_pc[pc], ""
    return None, ev.text if ev else "the run ended"


def _not_reached(name: str, point: Point, found: tuple[Epilogue, ...], first: Epilogue | None,
                 why: str) -> str:
    """Why the point is not reached, and the --at that gets there anyway."""
    point_name = point.name or "sp2"
    start = "or start at that epilogue, with the frame the prologue builds"
    if first is not None:  # only with #N: without it, the first reached is the one
        wanted = found[(point.number or 1) - 1]
        target = wanted.anchors.get(point_name, wanted.start)
        return (f"{point_name}#{wanted.number} ({target:#x}) is not reached: with these arguments the run "
                f"reaches {point_name}#{first.number} ({first.anchors[point_name]:#x}) first; other "
                f"arguments (--args) may take its path, {start}: --at {target:#x}")
    if why.startswith("reached "):  # a stub: a runtime function the lab does not run
        what = (f"with these arguments the run {why} first, a runtime call the lab does not run: only "
                "arguments (--args) whose path avoids it get further")
    else:
        what = f"the run stopped: {why}; other arguments (--args) may take another path"
    wanted_list = found if point.number is None else (found[point.number - 1],)
    pcs = [f"{e.anchors.get(point_name, e.start):#x}" + (f" (#{e.number})" if len(found) > 1 else "")
           for e in wanted_list]
    where = pcs[0] if len(pcs) == 1 else ", ".join(pcs[:2]) + (", ..." if len(pcs) > 3 else "") + \
        " or " + pcs[-1]
    label = f"{point_name}#{point.number} is not reached" if point.number else f"no {point_name} is reached"
    return f"{label}: {what}; {start}: --at {where}"


def _jump(binary: GoBinary, name: str, point: Point, arguments: Arguments, program: Program,
          base: Scenario) -> Reached:
    """Run the stack check and the prologue, then go on from the epilogue holding ``point.pc``."""
    pc = point.pc
    assert pc is not None
    fn = program.target
    if fn.at(pc) is None:
        raise BinaryError(f"bad preemption point {point.text}: no instruction of {name} there "
                          f"({fn.entry:#x}-{fn.entry + 4 * len(fn.instructions):#x})")
    after = next((i.pc for i in fn.instructions if i.role not in ("stack-check", "prologue")), None)
    if after is None or not any(i.role == "prologue" for i in fn.instructions):
        raise BinaryError(f"{name} has no prologue the lab recognises: start it from the entry (--at +0xNN)")
    holder = next((e for e in epilogues(fn, every=True) if e.start <= pc <= e.ret), None)
    start = holder.start if holder is not None else pc
    if pc < after:
        raise BinaryError(f"{point.text} is in the stack check or the prologue: the run from the entry "
                          f"reaches it; say +{pc - fn.entry:#x}")
    numbered = next((e.number for e in epilogues(fn) if holder is not None and e.start == holder.start), None)
    if numbered is not None:  # the lab's "epilogue" is the one the run goes through
        program = opened_program(binary, name, arguments, epilogue=numbered)
    scenario = replace(base, at=f"+{pc - fn.entry:#x}")
    how = (f"{pc:#x}: the prologue built the frame, then the run started at the epilogue's first "
           f"instruction, {start:#x}" if holder is not None
           else f"{pc:#x}: the prologue built the frame, then the run started there")
    return Reached(program, scenario, _run(scenario, program, (after, start)), how)


def _run(scenario: Scenario, program: Program, jump: tuple[int, int] | None = None) -> Result:
    try:
        return experiment.run(scenario, program, jump)
    except ExplainerError as err:
        raise BinaryError(str(err)) from None
