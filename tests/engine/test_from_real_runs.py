"""Engine fixes found by preempting the real runtime at every instruction (issue 24).

Each test names what the real run showed (tests/data/inject, recorded by ``explainer inject
--sweep``) and the Go source or real build the fix follows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.experiment import program_for, run
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.sweep import sweep
from explainer.engine.runtime.outcome import Outcome

ROOT = Path(__file__).resolve().parents[2]
FACTS = json.loads((ROOT / "tests" / "data" / "realgo" / "runtime_facts.json").read_text())
OBJDUMP = ROOT / "tests" / "data" / "realgo" / "objdump"
RECORDED = ROOT / "tests" / "data" / "inject"


def test_the_morestack_tail_is_preempted_as_the_real_runtime_does() -> None:
    """The real runtime preempts at the tail's MOVD 8(RSP), R0 and JMP and walks clean
    (nonleaf-go1.23.4.json: +0xd4, +0xd8), with LR = main.main's return address at the stop.

    The goroutine's first call takes the tail (its starting stack is too small); morestack saves LR
    in gobuf_pc and R3 in gobuf_lr (runtime/asm_arm64.s:312-313 at go1.23.4), newstack ends in
    gogo(&gp.sched) (stack.go:1131), which restores LR from gobuf_lr (asm_arm64.s:151) and branches
    to gobuf_pc (:160-161): the instruction after the CALL. The engine said "not reached".
    """
    table = json.loads((RECORDED / "nonleaf-go1.23.4.json").read_text())
    recorded = {p["pc"]: p for p in table["points"]}
    points = {p.offset: p for p in sweep(parse("go1.23.4/65584"))}
    for offset in (0xD4, 0xD8):
        assert points[offset].outcome is Outcome.CLEAN
        assert recorded[offset]["real"]["outcome"] == "clean"
    r = run(parse("go1.23.4/65584/at=+0xd4"))
    main_return = FACTS["1.23.4"]["programs"]["fast_nonleaf"]["return_addresses"]["main.main->main.big_stack"]
    assert r.snapshot.regs[30] == main_return["pc"] == recorded[0xD4]["real"]["hit"]["lr"]


@pytest.mark.parametrize("release", [v for v in FACTS if not v.startswith("_")])
def test_main_main_sits_and_returns_where_the_real_build_has_it(release: str) -> None:
    """The stand-in main.main loads the goroutine's closure (ADRP, ADD) before newproc as every real
    build does, so big_stack returns to main.main+0x2c; it used to return to +0x24, which the real
    go1.27.3 hex dump showed (cloudflare-go1.27.3.json: <main.main+0x2c>, the engine <+0x24>)."""
    shapes = (("fast_leaf", f"go{release}/65552/leaf"), ("fast_nonleaf", f"go{release}/65584"))
    for program, scenario in shapes:
        facts = FACTS[release]["programs"][program]
        built = program_for(parse(scenario))
        assert built.by_name["main.main"].entry == facts["functions"]["main.main"]["entry"]
        ret = facts["return_addresses"]["main.main->main.big_stack"]["pc"]
        assert built.return_address_after("main.main", "main.big_stack") == ret


@pytest.mark.parametrize("release", ["1.23.4", "1.27.3"])
def test_the_cloudflare_shapes_main_main_follows_its_shorter_big_stack(release: str) -> None:
    """cloudflare_shape's big_stack is shorter than fast_leaf's, so the linker puts main.main lower."""
    text = (OBJDUMP / f"cloudflare_shape-go{release}.txt").read_text()
    block = text.partition("TEXT main.main(SB)")[2].partition("TEXT ")[0]
    call = re.search(r"^\s+\S+\s+(0x[0-9a-f]+)\s+\S+\s+CALL main\.big_stack\(SB\)", block, re.M)
    assert call is not None
    built = program_for(parse(f"go{release}/65552/leaf/buffer=cloudflare"))
    assert built.return_address_after("main.main", "main.big_stack") == int(call.group(1), 16) + 4


def test_a_real_first_stack_is_named_not_a_traceback() -> None:
    """The main goroutine's first 2 KiB stack sits at 0x400003e000 in a real go1.23.4 run
    (nonleaf-go1.23.4.json, +0x0): among the pages the model keeps g, m and p in. The engine mapped
    it over them and died of unicorn's UC_ERR_MAP (a Python traceback). The scenario refuses it in one
    sentence now (issue 22's check_stack); test_inject_recorded compares the registers at such points
    relative to the stack's top instead."""
    recorded = json.loads((RECORDED / "nonleaf-go1.23.4.json").read_text())
    lo, hi = next(p for p in recorded["points"] if p["pc"] == 0)["real"]["hit"]["stack"]
    assert (lo, hi) == (0x400003E000, 0x400003E800)
    with pytest.raises(ExplainerError, match="must start at or above 0x4000060000"):
        run(parse(f"go1.23.4/65584/at=entry/stack={lo:#x}-{hi:#x}"))
