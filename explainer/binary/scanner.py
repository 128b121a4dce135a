"""Find every non-indivisible stack-pointer adjustment in a Go arm64 binary.

The hazard (golang/go#73259) is two consecutive instructions that each add (or each subtract) an
immediate to SP: the assembler's case 48 expansion of ``ADD $c, RSP, RSP`` for a 24-bit constant that
is not a 12-bit immediate, shifted or not. Go's pcsp table changes only after the whole pseudo-
instruction, so a goroutine stopped between the halves has SP moved by the first half while the
unwinder still assumes the full frame, and reads the return address from the wrong slot.

Fast, because a binary has hundreds of thousands of words and a handful of hits: ``bytes.find`` looks
for the two bytes where such a pair's words meet, each hit is tested for "ADD/SUB (immediate), 64-bit,
Rd = Rn = SP, non-zero immediate, same direction", and capstone decodes only those pairs. Then each
pair is placed in its function (Go's function table) and judged: frame size, leaf, and whether the
runtime preempts there.
"""

from __future__ import annotations

import os
import struct

from .errors import BinaryError
from .loader import load
from .model import GoBinary
from .report import LEAF_SPLIT, NONLEAF_SPLIT, NOT_PREEMPTIBLE, Finding, ScanReport
from .safepoint import ASYNC_PREEMPT, Reason, async_safe_point, rule_for, words

#: ADD/SUB (immediate), sf=1, S=0 (ARM DDI 0487, C4.1.92.1 / C6.2.5): bits 31, 29, 28..23 fixed,
#: op (bit 30) and sh (bit 22) free; Rn = Rd = 31 (SP).
_SP_IMM_MASK, _SP_IMM_BITS = 0xBF8003FF, 0x910003FF
_IMM12 = 0x003FFC00
_OP_SUB = 0x40000000


#: Bytes searched at once (bounded copies however large the text).
_CHUNK = 1 << 24
#: Where two candidate words meet: the first word's top byte (0x91 ADD, 0xD1 SUB: sf=1, S=0, 100010)
#: followed by the second word's low byte (0xFF: Rd = 31 and the low bits of Rn = 31).
_SEAMS = (b"\x91\xff", b"\xd1\xff")
_WORDS = struct.Struct("<II")


def candidate_pairs(base: int, code: bytes | memoryview) -> list[int]:
    """Addresses of the first word of each pair of adjacent immediate SP adjustments in one direction.

    Fast without an array library: every such pair has one of two byte pairs at its seam, which
    ``bytes.find`` finds at memory speed; the few hits are then tested word by word.

    Args:
        base: the address of code[0].
        code: little-endian instruction words.
    """
    n, out = len(code), []
    for start in range(0, n, _CHUNK):
        chunk = bytes(code[start : start + _CHUNK + 4])  # 4 more: a pair may straddle two chunks
        for seam in _SEAMS:
            i = chunk.find(seam, 3)
            while i >= 0:
                p = i - 3
                if p & 3 == 0 and p < _CHUNK and p + 8 <= len(chunk):
                    w1, w2 = _WORDS.unpack_from(chunk, p)
                    if _sp_immediate(w1) and _sp_immediate(w2) and not (w1 ^ w2) & _OP_SUB:
                        out.append(base + start + p)
                i = chunk.find(seam, i + 1)
    return sorted(out)


def _sp_immediate(word: int) -> bool:
    """ADD/SUB (immediate), 64-bit, Rd = Rn = SP, non-zero immediate."""
    return word & _SP_IMM_MASK == _SP_IMM_BITS and bool(word & _IMM12)


def scan(source: str | os.PathLike[str] | GoBinary) -> ScanReport:
    """Scan a binary (a path, or one already loaded) for split SP adjustments.

    Raises:
        BinaryError: the file is not a readable Go arm64 binary.
    """
    binary = source if isinstance(source, GoBinary) else load(source)
    from ..engine.arm64 import cpu
    from ..engine.arm64.gosyntax import go_syntax

    cs = cpu.disassembler()
    rule = rule_for(binary.go_version)
    preempts = any(f.name == ASYNC_PREEMPT for f in binary.functions)
    findings = []
    for base, code in binary._module.code_sections:
        for pc in candidate_pairs(base, code):
            func = binary.func_at(pc)
            if func is None or pc + 4 >= func.end:
                continue  # padding between functions, or a pair split by a function boundary
            insns = list(cs.disasm(binary.code(pc, pc + 8), pc))
            if len(insns) != 2 or not all(_is_sp_immediate(i) for i in insns):
                raise BinaryError(f"{binary.path}: capstone disagrees with the SP-adjustment pattern at "
                                  f"{pc:#x}")  # a bug in the mask, not in the binary
            second = pc + 4
            reason = async_safe_point(func, second, rule) if preempts else Reason.NO_ASYNC_PREEMPTION
            preemptible = reason.preemptible
            status = NOT_PREEMPTIBLE if not preemptible else LEAF_SPLIT if func.leaf else NONLEAF_SPLIT
            text = (go_syntax(insns[0]), go_syntax(insns[1]))
            findings.append(Finding(func.name, func.entry, (pc, second), func.frame_size, func.leaf,
                                    preemptible, status, words(reason, func), text, func.spdelta(second),
                                    reason))
    return ScanReport.of(binary, tuple(findings), rule if preempts else None)


def _is_sp_immediate(insn: object) -> bool:
    mnemonic, ops = insn.mnemonic, insn.op_str  # type: ignore[attr-defined]
    return mnemonic in ("add", "sub") and ops.startswith("sp, sp, #")
