"""A CPU fault as one sentence: which instruction did what, at which PC.

Unicorn reports a fault as an error code (``UC_ERR_READ_UNMAPPED``, ``UC_ERR_EXCEPTION``); what a
person needs is the instruction, what it tried, and where. A hook on invalid memory accesses records
the access (kind, address, size) as it happens; ``describe`` turns it, the PC and the code there into
the sentence. Real code loaded from a binary reaches such faults on paths the lab does not model
(a nil pointer the caller would have set, a system call), so the sentence also says why it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..arm64 import asm, cpu
from ..errors import ExplainerError
from ..toolchain.program import Program

_READ, _WRITE, _FETCH, _UNMAPPED = cpu.MEM_READ, cpu.MEM_WRITE, cpu.MEM_FETCH, cpu.MEM_UNMAPPED


@dataclass(frozen=True)
class Access:
    """One invalid memory access, as unicorn's UC_HOOK_MEM_INVALID saw it."""

    kind: int
    address: int
    size: int


def describe(err: Exception, pc: int, access: Access | None, program: Program, word: int | None,
             regs: tuple[int, ...]) -> str:
    """The fault in one sentence.

    Args:
        err: unicorn's error.
        pc: the PC unicorn stopped at (the faulting instruction, or the address a branch reached).
        access: the invalid access the hook recorded during this run, if any.
        program: for the instruction's Go text and function name.
        word: the instruction word at ``pc`` (None when unmapped).
        regs: R0..R30, RSP (to name the branch that reached unmapped code).
    """
    code = getattr(err, "errno", None)
    if access is not None and access.kind in _FETCH or code in cpu.ERR_FETCH:
        target = access.address if access is not None else pc
        return _fetch(target, program, regs)
    where = f"{_instruction(pc, program, word)} at {_place(pc, program)}"
    if access is not None and access.kind in _READ + _WRITE:
        verb = "read" if access.kind in _READ else "wrote"
        what = ("where nothing is mapped" if access.kind in _UNMAPPED
                else f"which is {_region(access.address, program)} and read-only")
        nil = " (a nil pointer: the caller would have passed one; see --args)" \
            if access.address < 0x1000 else ""
        return f"{where} {verb} {access.size} bytes at {access.address:#x}, {what}{nil}"
    if code in cpu.ERR_TRAP:
        return f"{where} {_trap(word)}"
    return f"{where} stopped the CPU: {err}"


def _instruction(pc: int, program: Program, word: int | None) -> str:
    f = program.findfunc(pc)
    insn = f.at(pc) if f is not None else None
    if insn is not None:
        return insn.go
    if word is None:
        return "the instruction"
    try:
        return asm.decode(word, pc, frozenset())[1]
    except ExplainerError:
        return f"the word {word:#010x}"


def _place(pc: int, program: Program) -> str:
    f = program.findfunc(pc)
    return f"{pc:#x} ({f.name}+{pc - f.entry:#x})" if f is not None else f"{pc:#x}"


def _region(address: int, program: Program) -> str:
    for m in program.memory:
        if m.address <= address < m.end:
            return f"in the binary's {m.name}" if m.name else "mapped"
    return "mapped"


def _trap(word: int | None) -> str:
    """What an instruction that raised an exception is (ARM ARM encodings)."""
    if word is None:
        return "could not be fetched"
    if word == 0:
        return "is a zero word, not code: nothing was loaded there"
    if word & 0xFFE0001F == 0xD4000001:
        return "is a system call (SVC): the lab emulates no kernel"
    if word & 0xFFE0001F == 0xD4200000:
        return "is a breakpoint (BRK): the runtime traps here on purpose"
    if word & 0xFFFF0000 == 0:
        return "is a permanently undefined instruction (UDF)"
    return "is an instruction the emulator cannot run"


def _fetch(target: int, program: Program, regs: tuple[int, ...]) -> str:
    """Execution reached unmapped code: name the branch that went there when the registers show it."""
    lr = regs[30]
    if target == lr:
        how = f"a return (RET) to LR = {target:#x}"
    else:
        by = next((f"R{n}" for n in range(30) if regs[n] == target), None)
        how = f"a branch through {by} to {target:#x}" if by else f"a branch to {target:#x}"
        if lr:
            how += f" (LR {lr:#x}: after the call at {_place(lr - 4, program)})"
    nil = ": a nil function value" if target < 0x1000 else ""
    return f"{how} reached no code: nothing is mapped there{nil}"
