"""The engine's prologue and epilogue against every function of sizes.go, built by 7 real toolchains.

tests/data/realgo/objdump/sizes-go<V>.txt is ``go tool objdump`` of 42 leaf and 42
non-leaf functions per release (frames of 32 bytes to 4 MiB, some moved to the heap,
some calling duffzero); sizes_summary.json, written by the recorder from the same
binaries, says for each function its frame size (what the prologue takes off RSP),
whether its epilogue reloads R30, and the epilogue's lines (the R29/R30 restore and
every RSP or R27 write before RET). The engine is given only (release, frame size,
leaf) and must produce those lines: the same PCs, words and Go text.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from explainer.cli import main
from explainer.engine.arm64.asm import assemble
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.frames import epilogue, needs_stack_check, prologue, stack_check

REALGO = Path(__file__).resolve().parents[1] / "data" / "realgo"
SUMMARY: dict[str, Any] = json.loads((REALGO / "sizes_summary.json").read_text())
VERSIONS = [v for v in SUMMARY if v != "_about"]
_LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")
_PC_RELATIVE = re.compile(r"^B\w* (-?\d+)\(PC\)$")

Line = tuple[int, str, str]
"""(pc, the word as objdump prints it, Go text)."""


@cache
def objdump(version: str) -> dict[str, list[Line]]:
    """Every function of sizes-go<V>.txt, by name, as its instruction lines."""
    functions: dict[str, list[Line]] = {}
    lines: list[Line] = []
    for text in (REALGO / "objdump" / f"sizes-go{version}.txt").read_text().splitlines():
        if text.startswith("TEXT "):
            lines = functions.setdefault(text.split()[1].removesuffix("(SB)"), [])
            continue
        m = _LINE.match(text)
        if m and m.group(3) != "?":
            lines.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return functions


def _functions(version: str) -> list[dict[str, Any]]:
    fns = SUMMARY[version]
    assert len(fns) == 84, "42 sizes, leaf and non-leaf"
    return list(fns)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_summary_epilogues_are_the_objdump_lines_before_ret(version: str) -> None:
    """The recorder's epilogue lines are the last lines of each function up to its only RET."""
    for fn in _functions(version):
        real = objdump(version)[fn["name"]]
        rets = [i for i, (_, _, go) in enumerate(real) if go == "RET"]
        assert len(rets) == 1, fn["name"]
        summary = [(e["pc"], e["enc"], e["asm"]) for e in fn["epilogue"]]
        assert real[rets[0] - len(summary) + 1 : rets[0] + 1] == summary, fn["name"]


@pytest.mark.parametrize("version", VERSIONS)
def test_epilogue_of_every_function_matches_real_objdump(version: str) -> None:
    go = GoVersion.parse(version)
    wrong = []
    for fn in _functions(version):
        real = [(e["pc"], e["enc"], e["asm"]) for e in fn["epilogue"]]
        insns = assemble(epilogue(go, fn["frame_size"], fn["leaf_epilogue"]), real[0][0], {}, {})
        ours = [(i.pc, i.hex, i.go) for i in insns]
        if ours != real:
            wrong.append((fn["name"], fn["frame_size"], ours, real))
    assert not wrong


@pytest.mark.parametrize("version", VERSIONS)
def test_stack_check_and_prologue_of_every_function_match_real_objdump(version: str) -> None:
    """From the entry to ``SUB $8, RSP, R29`` (the new frame pointer, obj7.go's last prologue step)."""
    wrong = []
    for fn in _functions(version):
        real = objdump(version)[fn["name"]]
        size, leaf = fn["frame_size"], fn["leaf_epilogue"]
        progs = (stack_check(size, "morestack") if needs_stack_check(size, leaf) else []) + prologue(size)
        # The stack check branches to the morestack call at the function's end: where objdump says.
        targets = [pc + 4 * int(m[1]) for pc, _, go in real[:8] if (m := _PC_RELATIVE.match(go))]
        insns = assemble(progs, real[0][0], {"morestack": targets[-1] if targets else 0}, {})
        ours = [(i.pc, i.hex, i.go) for i in insns]
        if ours != real[: len(ours)] or ours[-1][2] != "SUB $8, RSP, R29":
            wrong.append((fn["name"], size, ours, real[: len(ours) + 1]))
    assert not wrong


def _cli_frame(capsys: pytest.CaptureFixture[str], version: str, size: int, leaf: bool) -> dict[str, Any]:
    argv = ["frame", "--go", version, "--size", str(size), "--json"] + (["--leaf"] if leaf else [])
    assert main(argv) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_explainer_frame_json_prints_the_real_epilogue(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = []
    for fn in _functions(version):
        out = _cli_frame(capsys, version, fn["frame_size"], fn["leaf_epilogue"])
        ours = [(i["hex"], i["go"]) for i in out["epilogue"]]
        real = [(e["enc"], e["asm"]) for e in fn["epilogue"]]
        if ours != real:
            wrong.append((fn["name"], ours, real))
    assert not wrong


@pytest.mark.parametrize("version", ["1.23.4", "1.27.3"])
def test_explainer_frame_json_prints_the_real_prologue_but_its_branches(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every prologue line but the stack check's branches, whose target the CLI does not lay out."""
    wrong = []
    for fn in _functions(version):
        real = objdump(version)[fn["name"]]
        out = _cli_frame(capsys, version, fn["frame_size"], fn["leaf_epilogue"])
        ours = [(i["hex"], i["go"]) for i in out["prologue"]]
        theirs = [(h, go) for _, h, go in real[: len(ours)]]
        keep = [k for k, (_, go) in enumerate(theirs) if not _PC_RELATIVE.match(go)]
        if [ours[k] for k in keep] != [theirs[k] for k in keep]:
            wrong.append((fn["name"], ours, theirs))
    assert not wrong


def _targets(lines: list[tuple[int, str]]) -> list[int]:
    """Where each ``Bcc N(PC)`` among (pc, Go text) lines goes."""
    return [pc + 4 * int(m[1]) for pc, go in lines if (m := _PC_RELATIVE.match(go))]


@pytest.mark.parametrize("version", ["1.23.4", "1.27.3"])
def test_explainer_frame_branches_to_the_real_morestack_call(
    version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stack check's branches go forward to the morestack call after RET, as objdump shows.

    The CLI leaves the body out, so distances differ; what must agree is where the branches
    land (the first line of the tail) and the tail itself, word for word but for the CALL and
    JMP, whose targets depend on where the function sits.
    """
    wrong = []
    for fn in _functions(version):
        if not needs_stack_check(fn["frame_size"], fn["leaf_epilogue"]):
            continue
        real = objdump(version)[fn["name"]]
        ret = next(k for k, (_, _, go) in enumerate(real) if go == "RET")
        real_tail = real[ret + 1 :]
        out = _cli_frame(capsys, version, fn["frame_size"], fn["leaf_epilogue"])
        ours_tail = out["morestack"]
        ours_branch = set(_targets([(out["entry"] + i["pc"], i["go"]) for i in out["prologue"]]))
        real_branch = set(_targets([(pc, go) for pc, _, go in real[: len(out["prologue"])]]))
        fixed = [(i["hex"], i["go"]) for i in ours_tail if not i["go"].startswith(("CALL", "JMP"))]
        if (ours_branch != {out["entry"] + ours_tail[0]["pc"]} or real_branch != {real_tail[0][0]}
                or fixed != [(h, go) for _, h, go in real_tail if not go.startswith(("CALL", "JMP"))]
                or [i["go"] for i in ours_tail if i["go"].startswith(("CALL", "JMP"))] != [
                    "CALL runtime.morestack_noctxt.abi0(SB)", "JMP main.big_stack(SB)"]
                or [go for _, _, go in real_tail if go.startswith(("CALL", "JMP"))] != [
                    "CALL runtime.morestack_noctxt.abi0(SB)", f"JMP {fn['name']}(SB)"]):
            wrong.append((fn["name"], ours_branch, real_branch, ours_tail, real_tail))
    assert [w[0] for w in wrong] == []


def _str_pre(imm: int) -> int:
    """STR X30, [SP, #imm]! (ARM ARM C6.2.321, 64-bit pre-index): 0xF8000C00 | imm9 << 12 | Rn << 5 | Rt."""
    return 0xF8000C00 | (imm & 0x1FF) << 12 | 31 << 5 | 30


def _ldr_post(imm: int) -> int:
    """LDR X30, [SP], #imm (ARM ARM C6.2.166, 64-bit post-index): 0xF8400400 | imm9 << 12 | Rn << 5 | Rt."""
    return 0xF8400400 | (imm & 0x1FF) << 12 | 31 << 5 | 30


def test_the_largest_movd_w_frame_is_240_bytes() -> None:
    """obj7.go: MOVD.W while the frame is at most 0xf0 (its imm9 reaches -256, SP stays 16-aligned).

    No sizes.go frame is exactly 240 bytes, so this edge is worked by hand; the encoders
    above agree with objdump's f81e0ffe (MOVD.W R30, -32(RSP)) and f84407fe (MOVD.P 64(RSP), R30).
    """
    assert (_str_pre(-32), _ldr_post(64)) == (0xF81E0FFE, 0xF84407FE)
    pro = assemble(prologue(240), 0x10000, {}, {})
    assert (pro[0].word, pro[0].go) == (_str_pre(-240), "MOVD.W R30, -240(RSP)")
    epi = assemble(epilogue(GoVersion.parse("1.24.3"), 240, False), 0x10000, {}, {})
    assert [(i.word, i.go) for i in epi][1] == (_ldr_post(240), "MOVD.P 240(RSP), R30")
    assert assemble(prologue(256), 0x10000, {}, {})[0].go == "SUB $256, RSP, R20"
