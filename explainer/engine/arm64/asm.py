"""Progs in, machine code out: the assembler half of Go's toolchain, for the few forms we need.

A ``Prog`` is one pseudo-instruction as cmd/internal/obj sees it: it may become
several machine instructions (``ADD $65552, RSP, RSP`` becomes two), it carries
an ``Spadj`` that takes effect after the *whole* Prog (cmd/internal/obj/pcln.go),
and it is marked unsafe or restartable for async preemption the way
``obj.MarkUnsafePoints`` marks it (asm7.go ``isUnsafePoint``/``isRestartable``).

Each machine instruction is written as ARM text, assembled by keystone at its
address, and decoded back by capstone into Go syntax and ARM syntax. Nothing is
typed in as hex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import ExplainerError
from . import cpu
from .gosyntax import go_syntax

#: abi.UnsafePoint* values of the PCDATA_UnsafePoint table.
SAFE = -1
UNSAFE = -2
RESTART1 = -3
RESTART2 = -4
RESTART_AT_ENTRY = -5


@dataclass(frozen=True)
class Prog:
    """One pseudo-instruction as the compiler hands it to the assembler."""

    source: str
    """The Prog as ``go build -gcflags=-S`` prints it, e.g. ``ADD $65552, RSP, RSP``."""
    machine: tuple[str, ...]
    """ARM assembly for each machine instruction; ``{label}`` stands for a branch target."""
    role: str = "body"
    """Which part of the function: stack-check, prologue, body, epilogue, morestack (or data: words
    that are not instructions, a literal pool)."""
    spadj: int = 0
    """How much SP drops (positive) or rises (negative) once the whole Prog has run."""
    unsafe: bool = False
    """Inside a StartUnsafePoint region, or uses REGTMP (R27) explicitly: PCDATA -2."""
    restartable: bool = False
    """Several machine instructions with an assembler-inserted R27: PCDATA -3/-4."""
    label: str | None = None
    """A name other Progs branch to."""
    note: str = ""
    """Why the compiler emits it, in a few words."""
    line: int = 0
    """The line of the Go source the compiler generated it for (its ``Pos``, which ``go tool objdump``
    prints as ``file:line``); 0 for an instruction no Go line produced (one the lab adds)."""


@dataclass(frozen=True)
class Instruction:
    """One machine instruction of an assembled function, decoded back by capstone."""

    pc: int
    """Absolute address."""
    offset: int
    """Bytes from the function's entry."""
    word: int
    """The 32-bit instruction word."""
    go: str
    """Go syntax, as the last column of ``go tool objdump``."""
    arm: str
    """ARM syntax, as capstone prints it."""
    role: str
    """stack-check, prologue, body, epilogue or morestack."""
    prog: int
    """Index of the Prog it came from."""
    prog_source: str
    """That Prog's text."""
    spdelta: int
    """pcsp: the frame size the function table records for this PC."""
    unsafe_point: int
    """PCDATA_UnsafePoint for this PC (-1 safe, -2 unsafe, -3/-4 restartable)."""
    writes_sp: bool
    """The instruction writes RSP."""
    uses_r27: bool
    """The instruction names R27 (REGTMP), which asyncPreempt clobbers."""
    file: str = ""
    """The Go source file it was generated from, as ``go tool objdump`` names it (its base name)."""
    note: str = ""
    """Its Prog's note: why the compiler emits it ("" when the Prog has none)."""
    line: int = 0
    """The line in ``file`` (its Prog's, or the binary's pcln table's); 0 when none."""

    @property
    def position(self) -> str:
        """``file:line`` as the first column of ``go tool objdump`` prints it ("" when there is none)."""
        return f"{self.file}:{self.line}" if self.file and self.line else ""

    @property
    def hex(self) -> str:
        """The word as objdump prints it: eight hex digits, most significant first."""
        return f"{self.word:08x}"


#: ``{name}`` in ARM text: a label or a function; vector lists like ``{v0.16b, v1.16b}`` don't match.
#: ``{page:name}`` is the 4 KiB page it is on (ADRP's operand); ``{name+N}`` is N bytes in
#: (``DUFFZERO $N`` calls runtime.duffzero+N).
_PLACEHOLDER = re.compile(r"\{(page:)?([A-Za-z_][\w.()*]*)(?:\+(\d+))?\}")


@dataclass
class _Layout:
    pcs: list[int] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)


def unsafe_points(progs: list[Prog]) -> list[int]:
    """The PCDATA_UnsafePoint value of each Prog, as obj.MarkUnsafePoints assigns them.

    Restartable sequences alternate -3 and -4 so that two back to back can be
    told apart (the runtime backs up to the first PC with the same value).
    """
    values: list[int] = []
    prev_restart = 0
    for p in progs:
        if p.unsafe:
            values.append(UNSAFE)
        elif p.restartable and len(p.machine) > 1:
            val = RESTART2 if prev_restart == RESTART1 else RESTART1
            prev_restart = val
            values.append(val)
        else:
            values.append(SAFE)
    return values


def _layout(progs: list[Prog], entry: int) -> _Layout:
    lay = _Layout()
    pc = entry
    for p in progs:
        if p.label:
            lay.labels[p.label] = pc
        lay.pcs.append(pc)
        pc += 4 * len(p.machine)
    lay.labels["__end__"] = pc
    return lay


def assemble(
    progs: list[Prog],
    entry: int,
    symbols: dict[str, int],
    symbol_for: dict[int, str],
    file: str = "",
) -> list[Instruction]:
    """Assemble Progs at ``entry``; every word comes from keystone, every text from capstone.

    Args:
        progs: The function's Progs in order.
        entry: Its entry address.
        symbols: Addresses of other functions, for ``{name}`` targets.
        symbol_for: Function names by entry address, so capstone's CALLs print as objdump does.
        file: The Go source file the Progs' lines are in (each Instruction carries it with its line).
    """
    lay = _layout(progs, entry)
    targets = {**symbols, **lay.labels}
    names = frozenset(symbol_for.items())
    def address(m: re.Match[str]) -> str:
        return f"#{(targets[m.group(2)] + int(m.group(3) or 0)) & (~0xFFF if m.group(1) else -1):#x}"

    texts = tuple(_PLACEHOLDER.sub(address, line) for p in progs for line in p.machine)
    words = iter(_words(texts, entry))
    up_values = unsafe_points(progs)
    out: list[Instruction] = []
    spdelta = 0
    for index, (p, pc0) in enumerate(zip(progs, lay.pcs, strict=True)):
        for k in range(len(p.machine)):
            pc = pc0 + 4 * k
            word = next(words)
            if p.role == "data":  # a literal pool: objdump prints "?"
                arm, go, writes_sp = f".word {word:#010x}", "?", False
            else:
                arm, go, writes_sp = _decode(word, pc, names)
            out.append(
                Instruction(
                    pc=pc, offset=pc - entry, word=word, go=go, arm=arm, role=p.role,
                    prog=index, prog_source=p.source, spdelta=spdelta,
                    unsafe_point=up_values[index],
                    writes_sp=writes_sp, uses_r27="x27" in arm or "w27" in arm,
                    file=file if p.line else "", line=p.line, note=p.note,
                )
            )
        spdelta += p.spadj
    return out


@lru_cache(maxsize=1024)
def _words(texts: tuple[str, ...], entry: int) -> tuple[int, ...]:
    """Keystone's words for consecutive ARM lines from ``entry``.

    One keystone call for the whole function: a call costs about 40 us whatever its
    length. Each line must give exactly one word; if the lengths do not add up, the
    lines are assembled one by one to name the one that is wrong.
    """
    try:
        encoding, _ = cpu.assembler().asm("\n".join(texts), entry)
    except cpu.KsError:
        encoding = None
    if encoding and len(encoding) == 4 * len(texts):
        code = bytes(encoding)
        return tuple(int.from_bytes(code[i : i + 4], "little") for i in range(0, len(code), 4))
    return tuple(_word(text, entry + 4 * i) for i, text in enumerate(texts))


def _word(text: str, pc: int) -> int:
    """Keystone's word for one ARM line at ``pc``."""
    try:
        encoding, _ = cpu.assembler().asm(text, pc)
    except cpu.KsError as err:  # a bug in a generator, never user input
        raise ExplainerError(f"keystone cannot assemble {text!r}: {err}") from err
    if not encoding or len(encoding) != 4:
        raise ExplainerError(f"keystone gave {encoding!r} for {text!r}")
    return int.from_bytes(bytes(encoding), "little")


@lru_cache(maxsize=1 << 14)
def _decode(word: int, pc: int, names: frozenset[tuple[int, str]]) -> tuple[str, str, bool]:
    """Capstone's ARM text, the Go text and whether it writes SP, for ``word`` at ``pc``.

    Cached: every program of a release repeats the runtime's functions at the same
    addresses, and decoding to Go syntax costs tens of microseconds an instruction.
    """
    insn = next(cpu.disassembler().disasm(word.to_bytes(4, "little"), pc), None)
    if insn is None:
        raise ExplainerError(f"capstone cannot decode {word:08x} at {pc:#x}")
    arm = f"{insn.mnemonic} {insn.op_str}".strip()
    return arm, go_syntax(insn, dict(names).get), _writes_sp(insn)


def decode(word: int, pc: int, names: frozenset[tuple[int, str]]) -> tuple[str, str, bool]:
    """(ARM text, Go text, writes SP) of a real word at ``pc``; ``names`` maps entries to functions.

    ExplainerError when capstone cannot decode it (padding, data).
    """
    return _decode(word, pc, names)


def _writes_sp(insn: cpu.CsInsn) -> bool:
    """True when the instruction's destination (or writeback base) is SP."""
    arm = insn.op_str
    if insn.mnemonic in ("add", "sub", "mov") and arm.startswith("sp,"):
        return True
    if "[sp" in arm and ("]!" in arm or "], #" in arm):
        return True
    return False
