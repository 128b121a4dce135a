"""Encoding fields of every instruction class the lab shows, against the Arm ARM and against capstone.

Each case is ARM assembler text, assembled here by keystone at a known PC (no hex is typed in), with
the field values the Arm Architecture Reference Manual's encoding diagram gives for that text, worked
out by hand (chapter C4, "A64 Instruction Set Encoding": the bit positions are the diagram's, the values
the operands'). Three independent checks on each word: the fields tile the 32 bits in the diagram's
order with the class's fixed bits; each named field holds the hand-worked value; and capstone's own
decoding of the word (its operands: registers, immediates with their shifts, memory displacements,
branch targets, writeback) agrees with what the fields say.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import capstone
import pytest

from explainer.engine.arm64 import cpu
from explainer.engine.arm64.fields import Decoded, decode
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.bigstack import Buffer
from explainer.engine.toolchain.program import build_program

PC = 0x77C00

#: (ARM text, the manual's class, hand-worked fields). Registers: 31 is SP or ZR, as the text says.
CASES: list[tuple[str, str, dict[str, int]]] = [
    # Add/subtract (immediate): sf op S 100010 sh imm12 Rn Rd
    ("add x16, sp, #0x20", "Add/subtract (immediate)",
     {"sf": 1, "op": 0, "S": 0, "sh": 0, "imm12": 32, "Rn": 31, "Rd": 16}),
    ("add sp, sp, #0x10, lsl #12", "Add/subtract (immediate)",
     {"sf": 1, "op": 0, "S": 0, "sh": 1, "imm12": 16, "Rn": 31, "Rd": 31}),
    ("sub x20, sp, #0x30", "Add/subtract (immediate)",
     {"sf": 1, "op": 1, "S": 0, "sh": 0, "imm12": 48, "Rn": 31, "Rd": 20}),
    ("cmp x1, #0x10", "Add/subtract (immediate)",  # SUBS XZR, X1, #16
     {"sf": 1, "op": 1, "S": 1, "sh": 0, "imm12": 16, "Rn": 1, "Rd": 31}),
    ("mov sp, x20", "Add/subtract (immediate)",  # ADD SP, X20, #0
     {"sf": 1, "op": 0, "S": 0, "sh": 0, "imm12": 0, "Rn": 20, "Rd": 31}),
    # Logical (immediate): sf opc 100100 N immr imms Rn Rd. 0xffff: 16 ones, element 64: N=1 immr=0 imms=15.
    ("and x3, x3, #0xffff", "Logical (immediate)",
     {"sf": 1, "opc": 0, "N": 1, "immr": 0, "imms": 15, "Rn": 3, "Rd": 3}),
    # 0x10000: one 1 rotated right by 48 (left by 16) in a 64-bit element: N=1 immr=48 imms=0
    ("orr x1, xzr, #0x10000", "Logical (immediate)",
     {"sf": 1, "opc": 1, "N": 1, "immr": 48, "imms": 0, "Rn": 31, "Rd": 1}),
    # Move wide (immediate): sf opc 100101 hw imm16 Rd
    ("movz x27, #0xffb0", "Move wide (immediate)", {"sf": 1, "opc": 2, "hw": 0, "imm16": 0xFFB0, "Rd": 27}),
    ("movk x27, #0x1, lsl #16", "Move wide (immediate)", {"sf": 1, "opc": 3, "hw": 1, "imm16": 1, "Rd": 27}),
    # Bitfield: UBFX X2, X2, #0, #16 is UBFM X2, X2, #0, #15
    ("ubfx x2, x2, #0, #16", "Bitfield",
     {"sf": 1, "opc": 2, "N": 1, "immr": 0, "imms": 15, "Rn": 2, "Rd": 2}),
    # PC-rel. addressing: ADR X27, .+16: immhi:immlo = 16
    ("adr x27, .+16", "PC-rel. addressing", {"op": 0, "immlo": 0, "immhi": 4, "Rd": 27}),
    # Unconditional branch (immediate): op 00101 imm26
    ("b #0x77c18", "Unconditional branch (immediate)", {"op": 0, "imm26": 6}),
    ("bl #0x77b00", "Unconditional branch (immediate)", {"op": 1, "imm26": (1 << 26) - 64}),
    # Conditional branch (immediate): 0101010 0 imm19 0 cond. LS = 9, LO (Go's CC) = 3, LE = 13, LT = 11
    ("b.ls #0x77cb4", "Conditional branch (immediate)", {"imm19": 45, "o0": 0, "cond": 9}),
    ("b.lo #0x77cbc", "Conditional branch (immediate)", {"imm19": 47, "o0": 0, "cond": 3}),
    ("b.le #0x77bf8", "Conditional branch (immediate)", {"imm19": (1 << 19) - 2, "o0": 0, "cond": 13}),
    # Compare and branch: sf 011010 op imm19 Rt
    ("cbnz x2, #0x77bec", "Compare and branch (immediate)",
     {"sf": 1, "op": 1, "imm19": (1 << 19) - 5, "Rt": 2}),
    # Unconditional branch (register): 1101011 opc op2 op3 Rn op4; RET is opc 0010, Rn 30
    ("ret", "Unconditional branch (register)", {"opc": 2, "op2": 31, "op3": 0, "Rn": 30, "op4": 0}),
    # Exception generation: BRK #0 is opc 001
    ("brk #0", "Exception generation", {"opc": 1, "imm16": 0, "op2": 0, "LL": 0}),
    # Logical (shifted register): MOV X1, XZR and MOV X2, X1 are ORR with Rn = ZR
    ("mov x1, xzr", "Logical (shifted register)",
     {"sf": 1, "opc": 1, "shift": 0, "N": 0, "Rm": 31, "imm6": 0, "Rn": 31, "Rd": 1}),
    ("eor x2, x2, x3", "Logical (shifted register)",
     {"sf": 1, "opc": 2, "shift": 0, "N": 0, "Rm": 3, "imm6": 0, "Rn": 2, "Rd": 2}),
    # Add/subtract (shifted register): CMP X16, X17 is SUBS XZR, X17, X16
    ("cmp x17, x16", "Add/subtract (shifted register)",
     {"sf": 1, "op": 1, "S": 1, "shift": 0, "Rm": 16, "imm6": 0, "Rn": 17, "Rd": 31}),
    ("add x0, x0, x3", "Add/subtract (shifted register)",
     {"sf": 1, "op": 0, "S": 0, "shift": 0, "Rm": 3, "imm6": 0, "Rn": 0, "Rd": 0}),
    # Add/subtract (extended register): the fix's ADD RSP, RSP, R27 (option UXTX = 011), the check's SUBS
    ("add sp, sp, x27", "Add/subtract (extended register)",
     {"sf": 1, "op": 0, "S": 0, "Rm": 27, "option": 3, "imm3": 0, "Rn": 31, "Rd": 31}),
    ("subs x17, sp, x27", "Add/subtract (extended register)",
     {"sf": 1, "op": 1, "S": 1, "Rm": 27, "option": 3, "imm3": 0, "Rn": 31, "Rd": 17}),
    # Data-processing (3 source): MUL X3, X1, X0 is MADD X3, X1, X0, XZR
    ("mul x3, x1, x0", "Data-processing (3 source)",
     {"sf": 1, "op54": 0, "op31": 0, "Rm": 0, "o0": 0, "Ra": 31, "Rn": 1, "Rd": 3}),
    # Load/store register pair: opc 101 V 0 idx L imm7 Rt2 Rn Rt; imm7 scaled by 8 for X registers
    ("stp x29, x30, [x20, #-8]", "Load/store register pair",
     {"opc": 2, "V": 0, "idx": 2, "L": 0, "imm7": 127, "Rt2": 30, "Rn": 20, "Rt": 29}),
    ("ldp x29, x30, [sp, #-8]", "Load/store register pair",
     {"opc": 2, "V": 0, "idx": 2, "L": 1, "imm7": 127, "Rt2": 30, "Rn": 31, "Rt": 29}),
    ("stp xzr, xzr, [x16], #16", "Load/store register pair",
     {"opc": 2, "V": 0, "idx": 1, "L": 0, "imm7": 2, "Rt2": 31, "Rn": 16, "Rt": 31}),
    # Load/store register (unsigned immediate): size 111 V 01 opc imm12 Rn Rt; imm12 scaled by 8
    ("ldr x16, [x28, #0x10]", "Load/store register (unsigned immediate)",
     {"size": 3, "V": 0, "opc": 1, "imm12": 2, "Rn": 28, "Rt": 16}),
    ("str x2, [x27, #32]", "Load/store register (unsigned immediate)",
     {"size": 3, "V": 0, "opc": 0, "imm12": 4, "Rn": 27, "Rt": 2}),
    # Load/store register (register offset): STRB W0, [X4, X3] (option 011, S 0)
    ("strb w0, [x4, x3]", "Load/store register (register offset)",
     {"size": 0, "V": 0, "opc": 0, "Rm": 3, "option": 3, "S": 0, "Rn": 4, "Rt": 0}),
    ("ldrb w3, [x4, x3]", "Load/store register (register offset)",
     {"size": 0, "V": 0, "opc": 1, "Rm": 3, "option": 3, "S": 0, "Rn": 4, "Rt": 3}),
    # Load/store register (unscaled immediate / post-indexed / pre-indexed): imm9, idx 00 / 01 / 11
    ("stur x29, [sp, #-8]", "Load/store register (unscaled immediate)",
     {"size": 3, "opc": 0, "imm9": (1 << 9) - 8, "idx": 0, "Rn": 31, "Rt": 29}),
    ("ldr x30, [sp], #64", "Load/store register (immediate post-indexed)",
     {"size": 3, "opc": 1, "imm9": 64, "idx": 1, "Rn": 31, "Rt": 30}),
    ("str x30, [sp, #-32]!", "Load/store register (immediate pre-indexed)",
     {"size": 3, "opc": 0, "imm9": (1 << 9) - 32, "idx": 3, "Rn": 31, "Rt": 30}),
    # Load register (literal): LDR X27, .+8
    ("ldr x27, #0x77c08", "Load register (literal)", {"opc": 1, "V": 0, "imm19": 2, "Rt": 27}),
    ("nop", "Hints", {"CRm": 0, "op2": 0}),
]


def _word(text: str) -> int:
    encoding, _ = cpu.assembler().asm(text, PC)
    assert encoding and len(encoding) == 4, text
    return int.from_bytes(bytes(encoding), "little")


def _capstone(word: int) -> Any:
    insn = next(cpu.disassembler().disasm(word.to_bytes(4, "little"), PC))
    return insn


def _x(name: str) -> str:
    """Capstone's register name as a 64-bit one (w3 → x3, wsp → sp, wzr → xzr)."""
    return {"wsp": "sp", "wzr": "xzr", "fp": "x29", "lr": "x30"}.get(
        name, "x" + name[1:] if name.startswith("w") else name)


def _arm_name(d: Decoded, field: str) -> str:
    value = next(f for f in d.fields if f.name == field).value
    sp = "SP" in next(f for f in d.fields if f.name == field).means
    return ("sp" if sp else "xzr") if value == 31 else f"x{value}"


@pytest.mark.parametrize("text, klass, want", CASES, ids=[c[0] for c in CASES])
def test_fields_are_the_manuals_and_say_what_capstone_decodes(text: str, klass: str,
                                                              want: dict[str, int]) -> None:
    word = _word(text)
    d = decode(word)
    assert d.klass == klass
    # the diagram: fields from bit 31 down to bit 0, no gap, no overlap, reassembling the word
    assert [f.hi for f in d.fields] == [31] + [f.lo - 1 for f in d.fields[:-1]] and d.fields[-1].lo == 0
    assert sum(f.value << f.lo for f in d.fields) == word
    got = {f.name: f.value for f in d.fields if f.name in want}
    assert got == want
    _agrees_with_capstone(d)


def _agrees_with_capstone(d: Decoded) -> None:
    """capstone's decoding of the word (at PC) says what the fields say."""
    insn = _capstone(d.word)
    # the registers it names are the register fields (ZR left out where its alias drops it)
    named = {_x(insn.reg_name(o.reg)) for o in insn.operands if o.type == capstone.arm64.ARM64_OP_REG}
    named |= {_x(insn.reg_name(r)) for o in insn.operands if o.type == capstone.arm64.ARM64_OP_MEM
              for r in (o.mem.base, o.mem.index) if r}
    ours = {_arm_name(d, f.name) for f in d.fields if f.name in ("Rd", "Rn", "Rm", "Rt", "Rt2", "Ra")}
    if insn.mnemonic not in ("ret", "adr"):  # RET's Rn is implicit (x30) in capstone's text
        assert named == ours - ({"xzr"} - named), (insn.mnemonic, insn.op_str)
    _immediates_agree(d, insn)


def _immediates_agree(d: Decoded, insn: Any) -> None:
    """Each immediate capstone decodes (shifts applied), displacement and target, from the fields."""
    f = {x.name: x.value for x in d.fields}
    imms = [o.imm << (o.shift.value if o.shift.type == capstone.arm64.ARM64_SFT_LSL else 0)
            for o in insn.operands if o.type == capstone.arm64.ARM64_OP_IMM]
    mems = [o.mem.disp for o in insn.operands if o.type == capstone.arm64.ARM64_OP_MEM]

    def signed(v: int, bits: int) -> int:
        return v - (1 << bits) if v >> (bits - 1) else v

    def said(n: int) -> str:  # how the effect spells an offset added to a register or PC
        return f"{'-' if n < 0 else '+'} {abs(n):,}"

    k = d.klass
    # the effect, in words, says the amounts capstone decodes (an offset read unsigned would show)
    amounts = mems + imms if k.startswith("Load/store") else []
    if k == "Add/subtract (immediate)" and insn.mnemonic != "mov":
        amounts = [-n if insn.mnemonic in ("sub", "subs", "cmp") else n for n in imms]
    for n in amounts:
        assert n == 0 or said(n) in d.effect, (n, d.effect)
    if k.endswith("branch (immediate)") or k == "Load register (literal)":
        assert f"PC {said(imms[0] - PC)}" in d.effect, d.effect
    if k == "Add/subtract (immediate)" and insn.mnemonic not in ("mov",):
        assert imms == [f["imm12"] << (12 * f["sh"])]
    elif k == "Move wide (immediate)":
        assert imms == [f["imm16"] << (16 * f["hw"])]
    elif k == "Logical (immediate)" and insn.mnemonic != "mov":
        assert imms == [int(next(x.means for x in d.fields if x.name == "N").split()[-1], 16)]
    elif k == "Bitfield":
        assert imms == [f["immr"], f["imms"] - f["immr"] + 1]  # UBFX #lsb, #width
    elif k == "Unconditional branch (immediate)":
        assert imms == [PC + 4 * signed(f["imm26"], 26)]
    elif k in ("Conditional branch (immediate)", "Compare and branch (immediate)", "Load register (literal)"):
        assert imms == [PC + 4 * signed(f["imm19"], 19)]
        if k == "Conditional branch (immediate)":
            assert insn.mnemonic == "b." + ["eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge",
                                            "lt", "gt", "le", "al", "nv"][f["cond"]]
    elif k == "PC-rel. addressing":
        assert imms == [PC + signed(f["immhi"] << 2 | f["immlo"], 21)]
    elif k == "Load/store register pair":
        off = signed(f["imm7"], 7) << 3
        post = f["idx"] == 1
        assert (mems, imms) == (([0], [off]) if post else ([off], []))
        assert insn.writeback == (f["idx"] in (1, 3))
    elif k == "Load/store register (unsigned immediate)":
        assert mems == [f["imm12"] << f["size"]]
    elif k.startswith("Load/store register (") and "imm9" in f:
        off = signed(f["imm9"], 9)
        post = f["idx"] == 1
        assert (mems, imms) == (([0], [off]) if post else ([off], []))
        assert insn.writeback == (f["idx"] in (1, 3))
    elif k == "Exception generation":
        assert imms == [f["imm16"]]


def _instructions(version: str) -> list[int]:
    words = []
    for size, leaf in ((65552, True), (65584, False), (4112, True), (272, False), (1040, True)):
        for buffer in (Buffer.FAST, Buffer.CLOUDFLARE, Buffer.PLANTED_PC):
            program = build_program(GoVersion.parse(version), size, leaf, buffer)
            words += [i.word for i in program.target.instructions]
    return words


@pytest.mark.parametrize("version", ["1.21.13", "1.23.4", "1.25.0", "1.26.6", "1.27.3"])
def test_every_instruction_the_lab_shows_is_split_into_fields(version: str) -> None:
    """Every word of main.big_stack (three frame shapes, every buffer) falls in a class split here."""
    for word in _instructions(version):
        d = decode(word)
        assert d.fields and d.effect, f"{word:08x}: {d.klass}"


def lab_words() -> list[int]:
    """Each distinct word of those listings (about 300: every branch offset, immediate and register the
    releases use), in order."""
    return sorted({w for version in ("1.21.13", "1.23.4", "1.25.0", "1.26.6", "1.27.3")
                   for w in _instructions(version)})


def test_every_word_the_lab_shows_says_what_capstone_decodes() -> None:
    """Every word the lab shows, its fields and effect against capstone's decoding, as the hand-worked
    cases above."""
    words = lab_words()
    assert len(words) > 250
    for word in words:
        d = decode(word)
        try:
            _agrees_with_capstone(d)
        except AssertionError as err:
            raise AssertionError(f"{word:08x} {d.klass}: {d.effect}") from err


def test_a_class_not_split_is_named_by_its_group() -> None:
    d = decode(_word("fadd d0, d1, d2"))
    assert (d.klass, d.group, d.fields) == (
        "not split here", "Data Processing -- Scalar Floating-Point and Advanced SIMD", ())


# --- GNU objdump: a third decoder, sharing nothing with keystone, capstone or the app ---

GNU = Path(__file__).resolve().parents[1] / "data" / "gnu_objdump" / "lab_words.txt"
_GNU_LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(\S+)\t?([^/]*?)\s*(?://\s*(.*))?$")
_SUBTRACTS = ("sub", "subs", "cmp")


def _gnu() -> dict[int, tuple[int, str, str, str]]:
    """Word → (its address in the recording, GNU's mnemonic, operands, the comment's aliases)."""
    out = {}
    for line in GNU.read_text().splitlines():
        m = _GNU_LINE.match(line)
        if m:
            out[int(m.group(2), 16)] = (int(m.group(1), 16), m.group(3), m.group(4), m.group(5) or "")
    return out


def _said(n: int) -> str:
    """An amount added to a register or PC as the effect spells it: ``+ 65,536``, ``- 8``."""
    return f"{'-' if n < 0 else '+'} {abs(n):,}"


def _gnus_amounts(mnemonic: str, ops: str, at: int) -> list[str]:
    """What GNU's operands say, in the words an effect must use for it."""
    imm = [int(v, 0) for v in re.findall(r"#(-?(?:0x[0-9a-f]+|\d+))", ops)]
    if "[" in ops:  # memory: [Rn, #disp], [Rn, #disp]! or [Rn], #step
        return [_said(n) for n in imm if n]
    if mnemonic.startswith("b") or mnemonic in ("cbz", "cbnz", "adr", "ldr"):  # PC-relative target
        target = int(ops.split()[-1], 16)  # before address 0 it wraps: 0xffffffffffffff24
        return [f"PC {_said((target - at + (1 << 63)) % (1 << 64) - (1 << 63))}"]
    if mnemonic in ("add", "sub", "subs", "cmp", "adds", "cmn") and imm:
        value = imm[0] << (imm[1] if len(imm) > 1 else 0)
        return [_said(-value if mnemonic in _SUBTRACTS else value)]
    if mnemonic == "mov" and imm:  # MOVZ
        return [f"← {imm[0]:#x} ({imm[0]:,})"]
    if mnemonic == "movk":
        return [f"bits {imm[1] + 15}..{imm[1]} of", f"← {imm[0]:#x}"]
    if mnemonic in ("and", "orr", "eor") and imm:
        return [f"{imm[0]:#x}"]
    if mnemonic == "ubfx":
        return [f"bits {imm[0] + imm[1] - 1}..{imm[0]} of"]
    return []


def test_every_word_the_lab_shows_says_what_gnu_objdump_decodes() -> None:
    """GNU binutils' decoding of every word the lab shows (tests/data/gnu_objdump, recorded by its
    record.py): the registers it names are the register fields, each amount it prints (immediates with
    their shifts, displacements, branch targets) is in the effect as the effect says amounts, and its
    operation (ADD or SUB, load or store, MOVZ or MOVK, the condition) is the fields'."""
    gnu = _gnu()
    words = lab_words()
    assert sorted(gnu) == words, "the lab shows words not recorded: python3 tests/data/gnu_objdump/record.py"
    for word in words:
        at, mnemonic, ops, aliases = gnu[word]
        d = decode(word)
        f = {x.name: x for x in d.fields}
        where = f"{word:08x} GNU: {mnemonic} {ops} // ours: {d.klass}: {d.effect}"
        regs = {_x(r) for r in re.findall(r"\b([xw]\d+|w?sp|[xw]zr)\b", ops)}
        ours = {_arm_name(d, n) for n in f if n in ("Rd", "Rn", "Rm", "Rt", "Rt2", "Ra")}
        if mnemonic != "ret":  # RET names x30 only implicitly
            assert regs == ours - ({"xzr"} - regs), where
        for amount in _gnus_amounts(mnemonic, ops, at):
            assert amount in d.effect, (amount, where)
        if mnemonic in ("add", "sub", "subs", "cmp"):
            assert f["op"].means == ("SUB" if mnemonic in _SUBTRACTS else "ADD"), where
            assert f["S"].value == (mnemonic in ("subs", "cmp")), where
        if mnemonic.startswith(("ldr", "ldp")) or mnemonic.startswith(("str", "stp")):
            load = mnemonic.startswith("ld")
            assert ("read from memory" in d.effect) == load and ("to memory" in d.effect) != load, where
        if mnemonic in ("mov", "movk") and "#" in ops:
            assert f["opc"].means == ("MOVK" if mnemonic == "movk" else "MOVZ"), where
        if mnemonic.startswith("b."):  # b.cc and its aliases (// b.lo, b.ul, b.last)
            names = {mnemonic[2:]} | {a.strip()[2:] for a in aliases.split(",") if a.strip().startswith("b.")}
            assert f["cond"].means.split()[0].lower() in names, where
