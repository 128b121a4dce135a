"""main.big_stack's body (zeroing, fill loops, sink call) against real builds by 7 Go releases.

The truth is tests/data/realgo (README.md; record_bodies.sh made the ``bodies`` and
``spillslots`` files): ``go tool objdump`` of the three reproducers at 64 KiB
(fast_leaf, fast_nonleaf, cloudflare_shape) and of the same sources scaled to buffers
of 16 bytes to 1 MiB (bodies.go: ``leaf_B``, ``nonleaf_B``, ``cloudflare_B``). The
engine is given only (release, frame size, leaf, buffer) and must produce each
function whole: every PC, word and Go text, from the stack check to the morestack
tail. Addresses of the callees (main.sink, runtime.duffzero, morestack) are read off
the objdump's own CALL lines, which name them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from explainer.engine.arm64.asm import Prog, assemble
from explainer.engine.errors import ExplainerError
from explainer.engine.experiments import experiment
from explainer.engine.experiments.scenario import parse
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.bigstack import Buffer, Zeroing, body, sp_slot, zeroing
from explainer.engine.toolchain.program import build_program, target_progs

ROOT = Path(__file__).resolve().parents[2]
REALGO = ROOT / "tests" / "data" / "realgo" / "objdump"
CRASHES = ROOT.parent / "shared" / "reference" / "crashes"
VERSIONS = ["1.21.13", "1.22.10", "1.23.4", "1.24.3", "1.24.11", "1.25.0", "1.26.6", "1.27.3"]
PROGRAMS = ["fast_leaf", "fast_nonleaf", "cloudflare_shape"]
_LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")
_BODY = re.compile(r"main\.(leaf|nonleaf|cloudflare)_(\d+)$")

Line = tuple[int, str, str]
"""(pc, the word as objdump prints it, Go text)."""


@cache
def objdump(name: str) -> dict[str, list[Line]]:
    """Every function of objdump/<name>.txt by symbol, as its instruction lines (padding left out)."""
    functions: dict[str, list[Line]] = {}
    lines: list[Line] = []
    for text in (REALGO / f"{name}.txt").read_text().splitlines():
        if text.startswith("TEXT "):
            lines = functions.setdefault(text.split()[1].removesuffix("(SB)"), [])
            continue
        m = _LINE.match(text)
        if m and m.group(3) != "?":
            lines.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return functions


def _bl_target(pc: int, word: str) -> int:
    """Where ``BL imm26`` at pc goes (ARM ARM C6.2.34: pc + SignExtend(imm26) * 4)."""
    imm = int(word, 16) & 0x3FFFFFF
    return pc + 4 * (imm - (1 << 26) if imm >> 25 else imm)


def _callees(functions: dict[str, list[Line]]) -> dict[str, int]:
    """Callee addresses from the CALL lines objdump names (morestack, sink, duffzero at offset 0)."""
    found = {}
    for lines in functions.values():
        for pc, word, go in lines:
            for name in ("runtime.morestack_noctxt.abi0", "main.sink", "runtime.duffzero"):
                if go == f"CALL {name}(SB)":
                    found[name] = _bl_target(pc, word)
    return found


def _engine(version: str, name: str, real: list[Line], size: int, leaf: bool, buffer: Buffer,
            callees: dict[str, int]) -> list[Line]:
    """The engine's function assembled where the real one sits, calling the real callees."""
    symbol_for = {a: n for n, a in callees.items()} | {real[0][0]: name}
    progs = target_progs(GoVersion.parse(version), size, leaf, buffer)
    insns = assemble(progs, real[0][0], callees, symbol_for)
    return [(i.pc, i.hex, i.go) for i in insns]


def _on_heap(lines: list[Line]) -> bool:
    return any(go == "CALL runtime.newobject(SB)" for _, _, go in lines)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_recorded_body_size_is_the_engines_function(version: str) -> None:
    functions = objdump(f"bodies-go{version}")
    callees = _callees(functions)
    checked, heap, wrong = 0, set(), []
    for name, real in functions.items():
        m = _BODY.match(name)
        if not m:
            continue
        kind, b = m.group(1), int(m.group(2))
        if _on_heap(real):
            heap.add(name)
            continue
        leaf = kind != "nonleaf"
        size = b + (16 if leaf else 48)
        buffer = Buffer.CLOUDFLARE if kind == "cloudflare" else Buffer.FAST
        checked += 1
        if _engine(version, name, real, size, leaf, buffer, callees) != real:
            wrong.append(name)
    assert wrong == []
    # Only the 1 MiB arrays leave the stack, and only from go1.24 (MaxStackVarSize 128 KiB).
    moved = GoVersion.parse(version).moves_big_arrays_to_heap
    assert heap == ({"main.leaf_1048576", "main.nonleaf_1048576"} if moved else set())
    assert checked == 19 * 2 + 17 - len(heap)


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("version", VERSIONS)
def test_published_reproducer_is_the_engines_function(version: str, program: str) -> None:
    """The 64 KiB reproducers: the engine's code where the real build has it, and the lab's own layout."""
    functions = objdump(f"{program}-go{version}")
    real = functions["main.big_stack"]
    leaf = program != "fast_nonleaf"
    size = 65552 if leaf else 65584
    buffer = Buffer.CLOUDFLARE if program == "cloudflare_shape" else Buffer.FAST
    assert _engine(version, "main.big_stack", real, size, leaf, buffer, _callees(functions)) == real
    # build_program lays out what the lab runs: main.big_stack at the real entry, so every PC
    # on screen is the real one. Only main.sink's stand-in may sit elsewhere (its CALL's word).
    lab = build_program(GoVersion.parse(version), size, leaf, buffer).target.instructions
    assert [(i.pc, i.go) for i in lab] == [(pc, go) for pc, _, go in real]
    assert [i.hex for i in lab if i.go != "CALL main.sink(SB)"] == [
        word for _, word, go in real if go != "CALL main.sink(SB)"]


def _real_zeroing(lines: list[Line]) -> Zeroing:
    """How a real function zeroes its buffer, read off its text."""
    texts = [go for _, _, go in lines]
    if "ADR 16(PC), R27" in texts:
        return Zeroing.DUFFZERO
    if any(go.startswith("CBNZ") for go in texts):
        return Zeroing.COUNTED_LOOP
    if "STP.P (ZR, ZR), 16(R16)" in texts:
        return Zeroing.LOOP
    if any(re.fullmatch(r"STP \(ZR, ZR\), (\d+\()?R\d+\)?", go) for go in texts):
        return Zeroing.STRAIGHT
    assert any(re.fullmatch(r"STP \(ZR, ZR\), \d+\(RSP\)", go) for go in texts)
    return Zeroing.STP


def test_zeroing_rule_per_release_and_size_is_the_real_one() -> None:
    """The table the module docstrings state, read off the real builds instead."""
    table: dict[tuple[str, int], Zeroing] = {}
    for version in VERSIONS:
        for name, real in objdump(f"bodies-go{version}").items():
            m = _BODY.match(name)
            if m and m.group(1) == "leaf" and not _on_heap(real):
                table[version, int(m.group(2))] = _real_zeroing(real)
    assert {k: zeroing(GoVersion.parse(k[0]), k[1]) for k in table} == table
    old, new = "1.25.0", "1.26.6"
    assert [table[old, b].value for b in (16, 64, 80, 1024, 1040)] == [
        "stp", "stp", "duffzero", "duffzero", "loop"]
    assert [table[new, b].value for b in (16, 32, 176, 192, 65536)] == [
        "stp", "straight", "straight", "counted-loop", "counted-loop"]


def _spill_lines(version: str) -> dict[int, list[Line]]:
    """spillslots-go<V>.txt by slot: the lines of ``MOVD R2, v(RSP)`` then of ``MOVD v(RSP), R3``.

    The objdump's file:line column points into src/spillslots_arm64.s, which names the slot.
    """
    source = (REALGO.parent / "src" / "spillslots_arm64.s").read_text().splitlines()
    out: dict[int, list[Line]] = {}
    for text in (REALGO / f"spillslots-go{version}.txt").read_text().splitlines():
        m = re.match(r"^\s+spillslots_arm64\.s:(\d+)\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$", text)
        if m and (slot := re.search(r"(\d+)\(RSP\)", source[int(m.group(1)) - 1])):
            out.setdefault(int(slot.group(1)), []).append((int(m.group(2), 16), m.group(3), m.group(4)))
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_sum_spill_and_reload_are_the_real_assemblers(version: str) -> None:
    """MOVD sum, v(RSP) / MOVD v(RSP), R3 at the non-leaf's slot v = N - 16, as asm7.go splits v.

    spillslots-go<V>.txt is the real assembler's output for ``MOVD R2, v(RSP)`` and
    ``MOVD v(RSP), R3``; go1.27 keeps sum in R1, so its store is compared with Rt = 1.
    """
    go = GoVersion.parse(version)
    by_slot = _spill_lines(version)
    assert len(by_slot) == 10
    for slot, lines in by_slot.items():
        if lines[0][2].startswith("MOVWU"):  # the constant pool: MOVWU from a literal, not modelled
            # (past 0xfff000 + 0x7ff8; on go1.21 past 0xfff000 + (v & 0x7ff8): asm7.go case 30)
            with pytest.raises(ExplainerError):
                sp_slot(go, "str", "R2", slot)
            continue
        notes = ("spill sum across the call", "reload sum")
        if go.release.nonleaf_sum_below_buffer:  # go1.21 spills sum at 32(RSP) whatever N: the split alone
            progs = [Prog("spill", sp_slot(go, "str", "R2", slot)),
                     Prog("reload", sp_slot(go, "ldr", "R3", slot))]
            assert [p.source for p in body(go, slot + 16, False, Buffer.FAST) if p.note in notes] == [
                "MOVD R2, 32(RSP)", "MOVD 32(RSP), R3"]
        else:
            progs = [p for p in body(go, slot + 16, False, Buffer.FAST) if p.note in notes]
        ours = [(i.hex, i.go) for i in assemble(progs, lines[0][0], {}, {})]
        want = [(w, t) for _, w, t in lines]
        if go.minor >= 27:  # Rt of the store (bits 0-4) is R1 there
            k = len(want) // 2 - 1
            w, t = want[k]
            want[k] = (f"{int(w, 16) & ~0x1F | 1:08x}", t.replace("R2,", "R1,"))
        assert ours == want, slot


def _log_frame(log: str) -> tuple[int, int]:
    """main.big_stack's +offset and pc= in a real crash log's goroutine 1 trace."""
    text = (CRASHES / log).read_text()
    m = re.search(r"^main\.big_stack\(.*\)\n\t\S+ \+0x([0-9a-f]+) .* pc=0x([0-9a-f]+)$", text, re.M)
    assert m, log
    return int(m.group(1), 16), int(m.group(2), 16)


@pytest.mark.parametrize("log", sorted(p.name for p in CRASHES.glob("*.log")))
def test_the_engine_stops_where_the_real_crash_was(log: str) -> None:
    """The preemption point the lab stops at (the second RSP write) is the PC the real runtime printed."""
    program, version = log.removesuffix(".log").removesuffix("-singlestep").split("-go")
    shape = {"fast_leaf": "65552/leaf", "fast_nonleaf": "65584",
             "cloudflare_shape": "65552/leaf/buffer=cloudflare"}[program]
    offset, pc = _log_frame(log)
    r = experiment.run(parse(f"go{version}/{shape}"))
    assert (r.snapshot.pc - r.entry, r.snapshot.pc) == (offset, pc)
    assert r.outcome.value == "crash"
