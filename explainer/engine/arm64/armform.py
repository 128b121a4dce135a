"""Capstone's decoding of an arm64 word, turned into the instruction Go's disassembler sees.

golang.org/x/arch/arm64/arm64asm decodes a word into an ARM-manual instruction:
an opcode and operands in manual order, each typed (register, immediate,
PC-relative, memory ...). ``manual_form`` rebuilds that instruction from
capstone's operand details, reading the raw word only where capstone keeps no
trace of what Go prints (capstone 5 drops post-index steps of LD1/ST1, the
prefetch operation, MOVI's byte mask). Spelling it in Go syntax is the other
half, in ``gosyntax``; keeping the two apart lets each be read against its own
Go source (arm64asm's decoder here, plan9x.go's ``GoSyntax`` there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import ExplainerError
from . import cpu


class UnsupportedForm(ExplainerError):
    """Capstone decoded a form this module cannot spell in Go syntax."""


def opset(text: str) -> frozenset[str]:
    """A set of opcodes written as one space-separated string."""
    return frozenset(text.split())


# Opcodes arm64asm decodes: its opstr table less HVC and SMC, which it names but
# never decodes. Anything else capstone knows (LSE atomics, SVE, pointer
# authentication ...) is "?" in objdump.
_GO_OPS = frozenset(
    """
    ABS ADC ADCS ADD ADDHN ADDHN2 ADDP ADDS ADDV ADR ADRP AESD AESE AESIMC AESMC AND ANDS ASR ASRV AT B
    BFI BFM BFXIL BIC BICS BIF BIT BL BLR BR BRK BSL CBNZ CBZ CCMN CCMP CINC CINV CLREX CLS CLZ CMEQ CMGE
    CMGT CMHI CMHS CMLE CMLT CMN CMP CMTST CNEG CNT CRC32B CRC32CB CRC32CH CRC32CW CRC32CX CRC32H CRC32W
    CRC32X CSEL CSET CSETM CSINC CSINV CSNEG DC DCPS1 DCPS2 DCPS3 DMB DRPS DSB DUP EON EOR ERET EXT EXTR
    FABD FABS FACGE FACGT FADD FADDP FCCMP FCCMPE FCMEQ FCMGE FCMGT FCMLE FCMLT FCMP FCMPE FCSEL FCVT
    FCVTAS FCVTAU FCVTL FCVTL2 FCVTMS FCVTMU FCVTN FCVTN2 FCVTNS FCVTNU FCVTPS FCVTPU FCVTXN FCVTXN2
    FCVTZS FCVTZU FDIV FMADD FMAX FMAXNM FMAXNMP FMAXNMV FMAXP FMAXV FMIN FMINNM FMINNMP FMINNMV FMINP
    FMINV FMLA FMLS FMOV FMSUB FMUL FMULX FNEG FNMADD FNMSUB FNMUL FRECPE FRECPS FRECPX FRINTA FRINTI
    FRINTM FRINTN FRINTP FRINTX FRINTZ FRSQRTE FRSQRTS FSQRT FSUB HINT HLT IC INS ISB LD1 LD1R LD2 LD2R
    LD3 LD3R LD4 LD4R LDAR LDARB LDARH LDAXP LDAXR LDAXRB LDAXRH LDNP LDP LDPSW LDR LDRB LDRH LDRSB LDRSH
    LDRSW LDTR LDTRB LDTRH LDTRSB LDTRSH LDTRSW LDUR LDURB LDURH LDURSB LDURSH LDURSW LDXP LDXR LDXRB
    LDXRH LSL LSLV LSR LSRV MADD MLA MLS MNEG MOV MOVI MOVK MOVN MOVZ MRS MSR MSUB MUL MVN MVNI NEG NEGS
    NGC NGCS NOP NOT ORN ORR PMUL PMULL PMULL2 PRFM PRFUM RADDHN RADDHN2 RBIT RET REV REV16 REV32 REV64
    ROR RORV RSHRN RSHRN2 RSUBHN RSUBHN2 SABA SABAL SABAL2 SABD SABDL SABDL2 SADALP SADDL SADDL2 SADDLP
    SADDLV SADDW SADDW2 SBC SBCS SBFIZ SBFM SBFX SCVTF SDIV SEV SEVL SHA1C SHA1H SHA1M SHA1P SHA1SU0
    SHA1SU1 SHA256H SHA256H2 SHA256SU0 SHA256SU1 SHADD SHL SHLL SHLL2 SHRN SHRN2 SHSUB SLI SMADDL SMAX
    SMAXP SMAXV SMIN SMINP SMINV SMLAL SMLAL2 SMLSL SMLSL2 SMNEGL SMOV SMSUBL SMULH SMULL SMULL2 SQABS
    SQADD SQDMLAL SQDMLAL2 SQDMLSL SQDMLSL2 SQDMULH SQDMULL SQDMULL2 SQNEG SQRDMULH SQRSHL SQRSHRN
    SQRSHRN2 SQRSHRUN SQRSHRUN2 SQSHL SQSHLU SQSHRN SQSHRN2 SQSHRUN SQSHRUN2 SQSUB SQXTN SQXTN2 SQXTUN
    SQXTUN2 SRHADD SRI SRSHL SRSHR SRSRA SSHL SSHLL SSHLL2 SSHR SSRA SSUBL SSUBL2 SSUBW SSUBW2 ST1 ST2 ST3
    ST4 STLR STLRB STLRH STLXP STLXR STLXRB STLXRH STNP STP STR STRB STRH STTR STTRB STTRH STUR STURB
    STURH STXP STXR STXRB STXRH SUB SUBHN SUBHN2 SUBS SUQADD SVC SXTB SXTH SXTL SXTL2 SXTW SYS SYSL TBL
    TBNZ TBX TBZ TLBI TRN1 TRN2 TST UABA UABAL UABAL2 UABD UABDL UABDL2 UADALP UADDL UADDL2 UADDLP UADDLV
    UADDW UADDW2 UBFIZ UBFM UBFX UCVTF UDIV UHADD UHSUB UMADDL UMAX UMAXP UMAXV UMIN UMINP UMINV UMLAL
    UMLAL2 UMLSL UMLSL2 UMNEGL UMOV UMSUBL UMULH UMULL UMULL2 UQADD UQRSHL UQRSHRN UQRSHRN2 UQSHL UQSHRN
    UQSHRN2 UQSUB UQXTN UQXTN2 URECPE URHADD URSHL URSHR URSQRTE URSRA USHL USHLL USHLL2 USHR USQADD USRA
    USUBL USUBL2 USUBW USUBW2 UXTB UXTH UXTL UXTL2 UZP1 UZP2 WFE WFI XTN XTN2 YIELD ZIP1 ZIP2
    """.split()
)
_LABEL_OPS = opset("B BL CBZ CBNZ TBZ TBNZ ADR ADRP")
_LITERAL_OPS = opset("LDR LDRSW PRFM")
_IMM_SHIFT_OPS = opset("ADD ADDS SUB SUBS CMP CMN MOVK MOVZ MOVN")
_BITMASK_OPS = opset("AND ANDS ORR EOR TST MOV")
_VECTOR_IMM_OPS = opset("MOVI MVNI ORR BIC")
_COND_OPS = opset("CSEL CSINC CSINV CSNEG CSET CSETM CINC CINV CNEG CCMP CCMN FCSEL FCCMP FCCMPE")
_STRUCT_OPS = opset("LD1 LD2 LD3 LD4 ST1 ST2 ST3 ST4 LD1R LD2R LD3R LD4R TBL TBX")
_HALF_OK = opset("FCVT FCVTL FCVTL2 FCVTN FCVTN2")  # the only FP opcodes Go knows with H
#: FP compares: their zero operand prints as $(0.0) in Go, and vector FCMxx against zero as $0.
FP_COMPARE = opset("FCCMP FCCMPE FCMP FCMPE")

_VECTOR = re.compile(r"\bv(\d+)\.(\d*)([bhsdq])(?:\[(\w+)\])?")
_LIST_INDEX = re.compile(r"\}\[(\w+)\]")
_POST_STEP = re.compile(r"\],\s*#(\w+)")
_SVE = re.compile(r"\b[zp]\d+\b|\bza")
_HINTS = {0: "NOP", 1: "YIELD", 2: "WFE", 3: "WFI", 4: "SEV", 5: "SEVL"}
_SHIFT_SIGNS = {"lsl": "<<", "lsr": ">>", "asr": "->", "ror": "@>"}
# arm64asm's Cond names (its NV reads AL); operands then print CS/CC as HS/LO.
_GO_COND = {"hs": "CS", "lo": "CC", "nv": "AL"}
# Capstone's names for x29, x30 and register 31 when it is not SP.
_REG_ALIASES = {"fp": "x29", "lr": "x30", "xzr": "x31", "wzr": "w31"}


@dataclass(frozen=True)
class Arg:
    """One operand of the ARM-manual instruction, typed as arm64asm types it."""

    kind: str
    """reg, imm, pcrel, mem, memext, cond, varr, vidx, sysreg or text."""
    text: str = ""
    """Plan 9 spelling, where it does not depend on the opcode."""
    reg: str = ""
    """Register class: w x b h s d q, or v for vector operands."""
    num: int = 0
    """Register number, element index (vidx), or byte offset (pcrel)."""
    sp: bool = False
    """Register 31 is SP here, not ZR."""
    mode: str = ""
    """Memory addressing: "" (offset), "pre" or "post"."""
    alt: str = ""
    """The name MSR prints for a system register (S3_3_C4_C2_0)."""


def manual_form(insn: cpu.CsInsn) -> tuple[str, list[Arg]] | None:
    """arm64asm's opcode and operands for insn, or None if Go cannot decode it."""
    word = int.from_bytes(insn.bytes, "little")
    if (word & 0xFFC00000) == 0xD5000000:  # hints, barriers, MSR/MRS, SYS
        return _system(insn, word)
    if insn.mnemonic.startswith("b."):
        cond = _GO_COND.get(insn.mnemonic[2:], insn.mnemonic[2:]).upper()
        return "B", [Arg("cond", cond), _label(insn, insn.operands[0].imm)]
    op = _go_opcode(insn, word)
    if op not in _GO_OPS or _SVE.search(insn.op_str):
        return None
    if insn.mnemonic == "bfc":  # ARMv8.2 alias; arm64asm shows BFXIL or plain BFM
        rd = Arg("reg", reg="x" if word >> 31 else "w", num=word & 31)
        immr, imms = (word >> 16) & 63, (word >> 10) & 63
        fields = (immr, imms - immr + 1) if op == "BFXIL" else (immr, imms)
        return op, [rd, Arg("reg", reg=rd.reg, num=31), *(Arg("imm", f"${f}") for f in fields)]
    args = _operands(insn, op, word)
    if op == "ORR" and len(args) == 2 and args[0].kind == "reg":
        args.insert(1, Arg("reg", reg=args[0].reg, num=31))  # capstone said mov
    if op in _COND_OPS:
        name = cpu.CONDITIONS[insn.cc]
        args.append(Arg("cond", _GO_COND.get(name, name).upper()))
    if (op.startswith("F") or op.endswith("CVTF")) and op not in _HALF_OK and _half(args):
        return None  # half-precision arithmetic postdates arm64asm
    return op, args


def _go_opcode(insn: cpu.CsInsn, word: int) -> str:
    """arm64asm's opcode, where its choice of alias differs from capstone's."""
    op = str(insn.mnemonic).upper()
    if (word & 0x7F800000) == 0x32000000 and (word >> 5) & 31 == 31:  # ORR imm, Rn=ZR
        return "ORR" if _move_wide_preferred(word) else "MOV"
    if op in ("SSHLL", "USHLL", "SSHLL2", "USHLL2") and insn.op_str.endswith("#0"):
        return op[0] + "XTL" + op[5:]
    if op == "BFC":
        return "BFXIL" if (word >> 10) & 63 >= (word >> 16) & 63 else "BFM"
    return op


def _operands(insn: cpu.CsInsn, op: str, word: int) -> list[Arg]:
    """Capstone's operands, typed and spelled as arm64asm's."""
    ops = list(insn.operands)
    has_mem = any(o.type == cpu.OP_MEM for o in ops)
    # Capstone 5 drops the element size of some indexed vector operands (mov x4,
    # v8.d[0] has no vas), so vector registers are read from op_str instead.
    vectors = iter(_VECTOR.findall(insn.op_str))
    list_index = _LIST_INDEX.search(insn.op_str)
    args: list[Arg] = []
    for index, o in enumerate(ops):
        post = bool(args) and args[-1].kind == "mem" and args[-1].mode == "post"
        if post and op in _STRUCT_OPS:
            break  # _memory already folded the post-index step in
        if o.type == cpu.OP_REG and insn.reg_name(o.reg).startswith("v"):
            args.append(_vector(next(vectors), list_index))
        elif o.type == cpu.OP_REG and post:
            # Capstone 5 lists a post-index register after the memory operand.
            args[-1] = Arg("mem", f"{args[-1].text}({_gpr(insn, o.reg)})", mode="post")
        elif o.type == cpu.OP_REG:
            args.append(_register(insn, o))
        elif o.type == cpu.OP_IMM and post:
            # ... and a post-index offset as a separate immediate.
            imm = signed(o.imm, 64)
            args[-1] = Arg("mem", f"{imm or ''}{args[-1].text}", mode="post")
        elif o.type == cpu.OP_IMM and index == len(ops) - 1 and op in _LABEL_OPS:
            args.append(_label(insn, o.imm))
        elif o.type == cpu.OP_IMM and op in _LITERAL_OPS and not has_mem:
            args.append(_label(insn, o.imm))
        elif o.type == cpu.OP_IMM:
            args.append(_immediate(o, op, args, word))
        elif o.type == cpu.OP_MEM:
            args.append(_memory(insn, o, op, word, index))
        elif o.type == cpu.OP_FP:
            # Vector compares against zero print their #0.0 as an integer.
            zero = op.startswith("FCM") and op not in FP_COMPARE
            args.append(Arg("imm", "$0" if zero else f"${o.fp:f}".rstrip("0")))
        else:
            raise UnsupportedForm(f"operand type {o.type}")
    if op in ("PRFM", "PRFUM"):
        args.insert(0, _prefetch(word & 31))  # capstone 5 has no operand for it
    if op in ("SXTL", "UXTL", "SXTL2", "UXTL2"):
        args = args[:2]
    if op in _STRUCT_OPS:
        args = _register_list(args, (word >> 13) & 3 if op in ("TBL", "TBX") else -1)
    if op in ("CMEQ", "CMGE", "CMGT", "CMLE", "CMLT") and args[-1].kind == args[-2].kind == "imm":
        args.pop()  # capstone 5 reports compare-with-zero's #0 twice
    return args


def _register(insn: cpu.CsInsn, o: Any) -> Arg:
    """A general or scalar FP register, with any shift or extend capstone attached."""
    kind, num, sp = _parse_register(insn.reg_name(o.reg))
    if kind not in "wxbhsdq":
        raise UnsupportedForm(f"register {insn.reg_name(o.reg)}")
    shift, amount = cpu.SHIFTS.get(o.shift.type, ""), o.shift.value
    extend = cpu.EXTENDS.get(o.ext, "")
    base = "RSP" if sp else ("ZR" if num == 31 else f"R{num}")
    if extend:  # RegExtshiftAmount spellings: R5.UXTH<<2, R1<<3, R1->3, R1@>3
        text = f"{base}.{extend.upper()}" + (f"<<{amount}" if amount else "")
        return Arg("text", text, reg=kind, num=num)
    if shift and (amount or shift != "lsl"):
        return Arg("text", f"{base}{_SHIFT_SIGNS[shift]}{amount}", reg=kind, num=num)
    return Arg("reg", reg=kind, num=num, sp=sp)


def _vector(token: tuple[str, str, str, str], list_index: re.Match[str] | None) -> Arg:
    """A vector register from its op_str spelling (v12.16b, v8.d[0], v0.b in a list)."""
    num, count, elem, index = token
    if index or (not count and list_index):
        at = int(index or (list_index[1] if list_index else "0"), 0)
        return Arg("vidx", f"V{num}.{elem.upper()}", reg="v", num=at)
    return Arg("varr", f"V{num}.{elem.upper()}{count}", reg="v", num=int(num))


def _register_list(args: list[Arg], table: int) -> list[Arg]:
    """Fold LD1..ST4's vector registers (or TBL's table) into one list operand."""
    start = 1 if table >= 0 else 0
    end = start + table + 1 if table >= 0 else len(args)
    run = [arg for arg in args[start:end] if arg.kind in ("varr", "vidx")]
    if not run:
        return args
    listed = ", ".join(r.text for r in run)
    if run[-1].kind == "vidx":
        text = run[0].text if len(run) == 1 else f"[{listed}]"
        folded = Arg("vidx", f"{text}[{run[-1].num}]", reg="v", num=-1)
    else:
        folded = Arg("varr", f"[{listed}]", reg="v")
    return [*args[:start], folded, *args[start + len(run) :]]


def _half(args: list[Arg]) -> bool:
    """Whether any operand is a half-precision register or H-element vector."""
    return any(a.reg == "h" or (a.reg == "v" and ".H" in a.text) for a in args)


def _immediate(o: Any, op: str, args: list[Arg], word: int) -> Arg:
    """arm64asm's Imm (uint32), Imm64 (int64) or ImmShift ($(imm<<shift))."""
    value = o.imm
    shift_kind = cpu.SHIFTS.get(o.shift.type, "")
    shift = o.shift.value if shift_kind in ("lsl", "msl") else 0
    if op in _VECTOR_IMM_OPS and args and args[0].reg in ("v", "d"):
        if (word >> 29) & 1 and (word >> 12) & 15 == 14:  # MOVI's 64-bit byte mask
            abcdefgh = ((word >> 16) & 7) << 5 | (word >> 5) & 31
            value = signed(sum(0xFF << (8 * i) for i in range(8) if abcdefgh >> i & 1), 64)
        shift += 128 if shift_kind == "msl" else 0  # arm64asm's marker for MSL
        return Arg("imm", f"$({value}<<{shift})" if shift else f"${value}")
    if op in _IMM_SHIFT_OPS:
        return Arg("imm", f"$({value}<<{shift})" if shift else f"${value}")
    if op in _BITMASK_OPS and args and args[0].kind == "reg":
        wide = args[0].reg != "w"
        return Arg("imm", f"${signed(value, 64) if wide else value & 0xFFFFFFFF}")
    return Arg("imm", f"${value & 0xFFFFFFFF}")


def _memory(insn: cpu.CsInsn, o: Any, op: str, word: int, index: int) -> Arg:
    """arm64asm's MemImmediate (8(R1), with its addressing mode) or MemExtend."""
    mem = o.mem
    base = _gpr(insn, mem.base)
    if op in _STRUCT_OPS and (word >> 23) & 1:
        # Capstone 5 drops the post-index immediate of multi-register forms.
        rm = (word >> 16) & 31
        if rm != 31:
            return Arg("mem", f"({base})(R{rm})", mode="post")
        step = _POST_STEP.search(insn.op_str)
        return Arg("mem", f"{int(step[1], 0) if step else ''}({base})", mode="post")
    if mem.index:
        return Arg("memext", f"({base}){_index(word)}")
    ops = insn.operands
    follows = index + 1 < len(ops) and ops[index + 1].type in (cpu.OP_IMM, cpu.OP_REG)
    if insn.writeback and follows:
        return Arg("mem", f"({base})", mode="post")  # the offset follows in _operands
    return Arg("mem", f"{mem.disp or ''}({base})", mode="pre" if insn.writeback else "")


def _index(word: int) -> str:
    """The (Rm...) half of a register-offset address, from the raw word."""
    option, s, rm = (word >> 13) & 7, (word >> 12) & 1, (word >> 16) & 31
    size = word >> 30
    if (word >> 26) & 1 and size == 0 and (word >> 23) & 1:
        size = 4  # 128-bit Q register
    reg = "ZR" if rm == 31 else f"R{rm}"
    extend = {2: "UXTW", 3: "LSL", 6: "SXTW", 7: "SXTX"}[option]
    if size == 0 and extend == "LSL":  # byte access: S=1 is an explicit "lsl #0"
        return f"({reg}<<0)" if s else f"({reg})"
    amount = f"<<{size}" if s and size else ""
    return f"({reg}{amount})" if extend == "LSL" else f"({reg}.{extend}{amount})"


def _label(insn: cpu.CsInsn, target: int) -> Arg:
    """A PC-relative operand; capstone gives the absolute target (ADRP: its page)."""
    pc = insn.address & ~0xFFF if insn.mnemonic == "adrp" else insn.address
    return Arg("pcrel", num=signed(target, 64) - pc)


def _prefetch(rt: int) -> Arg:
    """arm64asm's Imm_prfop: PLDL1KEEP ... PSTL3STRM, or $n for the unnamed ones."""
    kind, target, policy = rt >> 3, (rt >> 1) & 3, rt & 1
    if kind == 3 or target == 3:
        return Arg("text", f"${rt}")
    return Arg("text", f"{('PLD', 'PLI', 'PST')[kind]}L{target + 1}{('KEEP', 'STRM')[policy]}")


def _system(insn: cpu.CsInsn, word: int) -> tuple[str, list[Arg]] | None:
    """Hints, barriers, MSR/MRS and SYS, from the raw word as arm64asm decodes them."""
    crm, op2, rt = (word >> 8) & 15, (word >> 5) & 7, word & 31
    if (word & 0xFFFFF01F) == 0xD503201F:
        hint = (word >> 5) & 0x7F
        return (_HINTS[hint], []) if hint in _HINTS else ("HINT", [Arg("imm", f"${hint}")])
    if (word & 0xFFFFF01F) == 0xD503301F:
        barrier = {2: "CLREX", 4: "DSB", 5: "DMB", 6: "ISB"}.get(op2)
        return (barrier, [Arg("imm", f"${crm}")]) if barrier else None
    if (word & 0xFFF8F01F) == 0xD500401F:  # MSR <pstatefield>, #imm
        fields = {(0, 5): "SPSel", (3, 6): "DAIFSet", (3, 7): "DAIFClr"}
        field = fields.get(((word >> 16) & 7, op2))
        return ("MSR", [Arg("text", field), Arg("imm", f"${crm}")]) if field else None
    gpr = Arg("reg", reg="x", num=rt)
    if (word & 0xFFD00000) == 0xD5100000:  # MRS / MSR <sysreg>: MRS $23056, R0 is NZCV
        op0, op1, crn = (word >> 19) & 3, (word >> 16) & 7, (word >> 12) & 15
        number = (op0 & 1) << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
        sysreg = Arg("sysreg", f"${number}", alt=f"S{op0}_{op1}_C{crn}_C{crm}_{op2}")
        return ("MRS", [gpr, sysreg]) if (word >> 21) & 1 else ("MSR", [sysreg, gpr])
    if (word & 0xFFF80000) == 0xD5280000:  # SYSL
        op1, crn = (word >> 16) & 7, (word >> 12) & 15
        return "SYSL", [gpr, Arg("imm", f"${op1 << 16 | crn << 12 | crm << 8 | op2 << 5}")]
    if insn.mnemonic in ("dc", "tlbi") and insn.operands:
        name = insn.op_str.split(",")[0].strip().upper()
        if len(insn.operands) < 2:  # arm64asm insists on Rt=31 when unused
            return (insn.mnemonic.upper(), [Arg("text", name)]) if rt == 31 else None
        return insn.mnemonic.upper(), [Arg("text", f"{name}, {_gpr(insn, insn.operands[1].reg)}")]
    return None  # SYS, IC, AT and later system instructions: arm64asm decodes none


def _move_wide_preferred(word: int) -> bool:
    """ARM's MoveWidePreferred for an ORR immediate: if so Go prints ORR, not MOV."""
    sf, n = word >> 31, (word >> 22) & 1
    imms, immr = (word >> 10) & 63, (word >> 16) & 63
    width = 64 if sf else 32
    if (sf and not n) or (not sf and (n or imms & 32)):
        return False
    if imms < 16:
        return (-immr % 16) <= 15 - imms
    if imms >= width - 15:
        return (immr % 16) <= imms - (width - 15)
    return False


def _parse_register(name: str) -> tuple[str, int, bool]:
    """Capstone's register name as (class, number, is SP): "wsp" is ("w", 31, True)."""
    name = _REG_ALIASES.get(name, name)
    if name in ("sp", "wsp"):
        return ("w" if name == "wsp" else "x"), 31, True
    return name[0], int(name[1:]), False


def _gpr(insn: cpu.CsInsn, reg: int) -> str:
    _, num, sp = _parse_register(insn.reg_name(reg))
    return "RSP" if sp else ("ZR" if num == 31 else f"R{num}")


def signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value
