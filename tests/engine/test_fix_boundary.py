"""The non-leaf fix's frame-size edge, on both sides, against real builds (issue 20, item 7).

obj7.go (go1.25.0 src/cmd/internal/obj/arm64/obj7.go:910, the fix of golang/go#73259) releases a
non-leaf frame with ``ADD $aoffset, RSP, RSP`` while ``aoffset < 1<<12`` and through R27 from 4096
bytes on. tests/data/realgo/objdump/boundary-go<V>.txt is ``go tool objdump`` of
tests/data/realgo/src/boundary.go built by go1.23.4 (no fix), go1.25.0 and go1.27.3
(record_boundary.sh): nonleaf_4032 has a 4080-byte frame, nonleaf_4048 a 4096-byte one, as each
prologue's ``SUB $4080, RSP, R20`` / ``SUB $(1<<12), RSP, R20`` says. The sizes grid has no
non-leaf frame on the edge (4048, then 4128), so ``>=`` and ``>`` looked alike there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.engine.arm64.asm import assemble
from explainer.engine.arm64.immediates import AddPlan
from explainer.engine.experiments.sizesweep import release_plan
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.frames import epilogue

OBJDUMP = Path(__file__).resolve().parents[1] / "data" / "realgo" / "objdump"
_LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")

#: Function -> (frame size, the prologue's frame-allocating line as objdump prints it in every release).
FRAMES = {"main.nonleaf_4032": (4080, "SUB $4080, RSP, R20"),
          "main.nonleaf_4048": (4096, "SUB $(1<<12), RSP, R20")}

#: What each build's epilogue is, read off the files by hand (LDP to RET).
REAL = {
    ("1.23.4", 4080): ["LDP -8(RSP), (R29, R30)", "ADD $4080, RSP, RSP", "RET"],
    ("1.23.4", 4096): ["LDP -8(RSP), (R29, R30)", "ADD $(1<<12), RSP, RSP", "RET"],
    ("1.25.0", 4080): ["LDP -8(RSP), (R29, R30)", "ADD $4080, RSP, RSP", "RET"],
    ("1.25.0", 4096): ["LDP -8(RSP), (R29, R30)", "ORR $4096, ZR, R27", "ADD R27, RSP, RSP", "RET"],
    ("1.27.3", 4080): ["LDP -8(RSP), (R29, R30)", "ADD $4080, RSP, RSP", "RET"],
    ("1.27.3", 4096): ["LDP -8(RSP), (R29, R30)", "ORR $4096, ZR, R27", "ADD R27, RSP, RSP", "RET"],
}


def _functions(version: str) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    lines: list[tuple[int, str, str]] = []
    for text in (OBJDUMP / f"boundary-go{version}.txt").read_text().splitlines():
        if text.startswith("TEXT "):
            lines = out.setdefault(text.split()[1].removesuffix("(SB)"), [])
        elif (m := _LINE.match(text)) and m.group(3) != "?":
            lines.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return out


def _real_epilogue(lines: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    ret = next(i for i, (_, _, go) in enumerate(lines) if go == "RET")
    ldp = max(i for i, (_, _, go) in enumerate(lines[:ret]) if go.startswith("LDP -8(RSP)"))
    return lines[ldp : ret + 1]


@pytest.mark.parametrize("version", ["1.23.4", "1.25.0", "1.27.3"])
@pytest.mark.parametrize("name", sorted(FRAMES))
def test_the_epilogue_on_each_side_of_4096_is_the_real_one(version: str, name: str) -> None:
    """Same PCs, words and Go text as the real build, given only (release, frame size, non-leaf)."""
    size, allocates = FRAMES[name]
    real_fn = _functions(version)[name]
    assert allocates in [go for _, _, go in real_fn[:8]], "the frame size read off the prologue"
    real = _real_epilogue(real_fn)
    assert [go for _, _, go in real] == REAL[version, size]
    ours = assemble(epilogue(GoVersion.parse(version), size, False), real[0][0], {}, {})
    assert [(i.pc, i.hex, i.go) for i in ours] == real


@pytest.mark.parametrize(("version", "size", "plan"), [
    ("1.25.0", 4080, AddPlan.IMM12),        # ADD $4080, RSP, RSP
    ("1.25.0", 4096, AddPlan.R27_ORR),      # ORR $4096, ZR, R27 ; ADD R27, RSP, RSP
    ("1.23.4", 4096, AddPlan.IMM12_SHIFTED),  # ADD $(1<<12), RSP, RSP: no fix before go1.23.12
])
def test_the_size_sweeps_plan_names_the_real_release(version: str, size: int, plan: AddPlan) -> None:
    """The size sweep's plot labels each size with how it is released: the same edge as the builds."""
    assert release_plan(GoVersion.parse(version), size, leaf=False) is plan
