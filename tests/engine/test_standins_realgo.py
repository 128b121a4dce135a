"""runtime.asyncPreempt and asyncPreempt2, as the engine assembles them, against every recorded real build.

The engine emulates the first part of each for real: pushCall's injected call runs asyncPreempt up to
its CALL, and asyncPreempt2 up to the mcall that parks. tests/data/realgo/runtime_facts.json keeps, per
release, the real build's first ten instructions of asyncPreempt, the four around its CALL, its
epilogue and asyncPreempt2 whole (``go tool objdump`` of fast_leaf built by that release). Each
instruction the engine has must be the real one: word and Go text at the real PC.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from explainer.engine.arm64.asm import assemble
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.standins import async_preempt, async_preempt2

REALGO = Path(__file__).resolve().parents[1] / "data" / "realgo"
FACTS = json.loads((REALGO / "runtime_facts.json").read_text())
VERSIONS = [v for v in FACTS if not v.startswith("_")]


def _bl(row: dict[str, Any]) -> int:
    imm = int(row["enc"], 16) & 0x3FFFFFF
    return int(row["pc"]) + 4 * (imm - (1 << 26) if imm >> 25 else imm)


@pytest.mark.parametrize("version", VERSIONS)
def test_async_preempt_is_the_real_one_where_the_engine_has_it(version: str) -> None:
    real = FACTS[version]["programs"]["fast_leaf"]["asyncPreempt"]
    rows = real["first_insns"] + real["around_call_asyncPreempt2"] + real["epilogue"]
    call = next(r for r in real["around_call_asyncPreempt2"] if r["asm"].startswith("CALL"))
    entry, target = real["first_insns"][0]["pc"], _bl(call)
    ours = {i.pc: (i.hex, i.go) for i in assemble(async_preempt(GoVersion.parse(version)), entry,
                                                  {"runtime.asyncPreempt2": target},
                                                  {target: "runtime.asyncPreempt2.abi0"})}
    compared = [(r["pc_hex"], ours[r["pc"]], (r["enc"], r["asm"])) for r in rows if r["pc"] in ours]
    assert [(pc, a) for pc, a, b in compared if a != b] == []
    assert call["pc"] in ours  # at least everything up to the CALL
    if GoVersion.parse(version).release.async_preempt_lr_from_pool:  # go1.21: the whole function, to its pool
        assert len(compared) == len(rows)


@pytest.mark.parametrize("version", VERSIONS)
def test_async_preempt2_reads_the_releases_own_g_fields(version: str) -> None:
    """asyncPreempt2's stand-in, instruction by instruction, is the real one up to the parking mcall,
    but for the ADRPs (they load a funcval the stand-in never uses: each points at its own page)."""
    real = [r["asm"] for r in FACTS[version]["programs"]["fast_leaf"]["asyncPreempt"]["asyncPreempt2_all"]]
    ours = [i.go for i in assemble(async_preempt2(GoVersion.parse(version)), 0x40000,
                                   {"runtime.mcall": 0x50000}, {0x50000: "runtime.mcall"})]
    pairs = [(a, b) for a, b in zip(real, ours, strict=False) if not a.startswith(("ADRP", "ADD $"))]
    assert len(ours) >= 6 and [p for p in pairs if p[0] != p[1]] == []
