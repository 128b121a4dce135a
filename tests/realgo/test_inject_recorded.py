"""The engine against the real runtime at every instruction, on every test run (no qemu needed).

Truth: tests/data/inject/*.json, real sweeps recorded by ``explainer inject --sweep --json``
(tests/data/inject/record.sh remakes them): for each instruction of main.big_stack, what the real
runtime did when a preemption was requested there (refused / clean / crash), where asyncPreempt
would return (newpc), the goroutine's real stack bounds, and the runtime's own crash text.
The engine never saw these files: it models the release, the frame and the shape.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from explainer.cli import main
from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.experiment import effective_stack, fault_pc, program_for, run
from explainer.engine.experiments.scenario import Scenario, parse
from explainer.engine.experiments.sweep import sweep
from explainer.engine.releases.runtime_data import facts_for
from explainer.engine.releases.versions import GoVersion
from explainer.engine.runtime.preempt import verdict
from explainer.engine.runtime.unwind import Trigger
from explainer.engine.toolchain.bigstack import Buffer
from explainer.realgo.build import Shape
from explainer.realgo.inject import Observation, RealOutcome
from explainer.realgo.inject_report import goroutine1_frames, traceback_story, walk_error
from explainer.realgo.injection import shape_of
from explainer.realgo.model_check import check_lines, leftovers

RECORDED = Path(__file__).resolve().parents[1] / "data" / "inject"
TABLES = sorted(RECORDED.glob("*.json"))
#: The tables issue 24 asks for: nonleaf and leaf on these four releases (the rest are extra).
REQUIRED = {f"{shape}-go{go}.json" for shape in ("nonleaf", "leaf")
            for go in ("1.23.4", "1.24.3", "1.25.0", "1.27.3")}


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _scenario(t: dict, at: str = "sp2", stack: list[int] | None = None) -> Scenario:
    s = Scenario(GoVersion.parse(t["go"]), t["size"], t["leaf"],
                 Buffer.CLOUDFLARE if t["shape"] == "cloudflare" else Buffer.FAST, at=at,
                 unwind=Trigger(t["unwind"]))
    return s.with_stack(f"{stack[0]:#x}-{stack[1]:#x}") if stack else s


def test_every_required_table_is_recorded() -> None:
    assert REQUIRED <= {p.name for p in TABLES}


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_every_instruction_was_conclusive(path: Path) -> None:
    t = _load(path)
    assert [p for p in t["points"] if p["real"]["outcome"] == "inconclusive"] == []
    assert t["counts"]["inconclusive"] == 0 and len(t["points"]) > 40


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_the_engine_models_the_real_function(path: Path) -> None:
    t = _load(path)
    model = {i.offset: i.go for i in program_for(_scenario(t)).target.instructions}
    assert model == {p["pc"]: p["go"] for p in t["points"]}


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_the_engine_agrees_with_the_real_runtime_everywhere(path: Path) -> None:
    t = _load(path)
    engine = {p.offset: p.outcome.value for p in sweep(_scenario(t))}
    real = {p["pc"]: p["real"]["outcome"] for p in t["points"]}
    assert engine == real


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_the_engine_resumes_where_the_real_runtime_does(path: Path) -> None:
    """isAsyncSafePoint's newpc: the PC itself, or the start of a restartable sequence."""
    t = _load(path)
    program = program_for(_scenario(t))
    entry, lo = program.target.entry, 0x40000AE000
    checked = 0
    for p in t["points"]:
        newpc = p["real"]["newpc"]
        if p["real"]["outcome"] == "refused" or newpc is None:
            continue
        v = verdict(program, entry + p["pc"], lo + 0x10000, lo)
        assert v.preemptible and v.resume_pc - entry == newpc - t["entry"], p
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_the_engine_prints_the_real_crash_lines_with_the_real_stack(path: Path) -> None:
    """``explainer run SCENARIO --stack LO-HI`` with the bounds the real run had, line for line."""
    t = _load(path)
    crashes = [p for p in t["points"] if p["real"]["outcome"] == "crash"]
    for p in crashes:
        stack = p["real"]["hit"]["stack"]
        r = run(_scenario(t, f"+{p['pc']:#x}", stack))
        assert r.outcome == "crash" or getattr(r.outcome, "value", None) == "crash"
        left = leftovers(program_for(_scenario(t)).target, p["real"]["hit"]["sp"], GoVersion.parse(t["go"]))
        checks = check_lines(r.output, p["real"]["text"], _moved(t), left)
        assert checks and all(c.equal for c in checks), checks


def _moved(t: dict) -> int:
    """How far the recorded binary's runtime.(*unwinder).next is from the one the engine prints (the
    published program's, runtime_facts.json): 0 but for the traceback variant, a bigger program."""
    s = _scenario(t)
    published = fault_pc(program_for(s)) - facts_for(s.version).incgo_fault_offset
    return t["runtime"]["unwinder.next"] - published


def test_the_buggy_releases_crash_at_the_second_add_only() -> None:
    """What the tables say, read by a person: one crash, at sp2, on every release but the fixed
    non-leaf ones, which refuse at their one ADD R27, RSP, RSP."""
    for name in sorted(REQUIRED):
        t = _load(RECORDED / name)
        crashes = [p["go"] for p in t["points"] if p["real"]["outcome"] == "crash"]
        fixed = name.startswith("nonleaf") and GoVersion.parse(t["go"]) >= GoVersion.parse("1.25.0")
        assert crashes == ([] if fixed else ["ADD $(16<<12), RSP, RSP"]), name
        if fixed:
            release = [p for p in t["points"] if p["go"] == "ADD R27, RSP, RSP"]
            assert [p["real"]["outcome"] for p in release] == ["refused"], name


#: The tables whose every point the register check below runs (about 3 s): both releases' leaf and
#: non-leaf stories, the fixed epilogue, and the cloudflare shape (another layout of main.main).
REGISTER_TABLES = ["nonleaf-go1.23.4.json", "leaf-go1.27.3.json", "nonleaf-go1.25.0.json",
                   "cloudflare-go1.27.3.json"]


@pytest.mark.parametrize("name", REGISTER_TABLES)
def test_the_engine_stands_where_the_real_goroutine_stood(name: str) -> None:
    """At every instruction, with the stack the real goroutine had there, the engine's SP, LR and FP
    are the real run's. The first call runs the stack check and the morestack tail on its small
    starting stack (2 KiB at 0x400003e000 on go1.23.4, among the model's g/m/p pages; 4 KiB on
    go1.27.3), which the scenario refuses (check_stack: too small for the frame, or under the g/m/p
    pages): there, on the engine's own stack, SP and FP are compared as distances below the stack's
    top (newproc's stktopsp), and LR as it is."""
    t = _load(RECORDED / name)
    relative = 0
    for p in t["points"]:
        hit = p["real"]["hit"]
        try:
            s = _scenario(t, f"+{p['pc']:#x}", hit["stack"])
        except ExplainerError as refused:
            assert hit["stack"][1] - hit["stack"][0] <= 4096, refused  # only the first, small stack
            s = _scenario(t, f"+{p['pc']:#x}")
            relative += 1
        else:
            assert effective_stack(s).stktopsp == hit["stktopsp"]  # the real stack itself: all absolute
        r = run(s)
        top = effective_stack(s).stktopsp
        regs = r.snapshot.regs
        engine = (top - regs[31], regs[30], top - regs[29] if regs[29] else 0)
        real = (hit["stktopsp"] - hit["sp"], hit["lr"], hit["stktopsp"] - hit["fp"] if hit["fp"] else 0)
        assert engine == real, (p["pc"], p["go"])
    assert 0 < relative < len(t["points"]) // 2


def _observation(table: str, offset: int) -> Observation:
    """A recorded real answer as the reader of ``explainer inject``'s output takes it."""
    p = next(p for p in _load(RECORDED / table)["points"] if p["pc"] == offset)
    real = p["real"]
    return Observation(offset, RealOutcome(real["outcome"]), newpc=real["newpc"],
                       walker=tuple(real["walker"]), output=tuple(real["text"]))


def test_a_traceback_that_printed_an_error_is_told_by_its_own_line() -> None:
    """go1.27.3, cloudflare, runtime.Stack at sp2 (+0x9c): goroutine 1's block is main.big_stack, then
    the walk's error and 60-odd hex dump lines. They are not frames (the story once listed every dump
    line as one); the error is quoted as the runtime printed it."""
    obs = _observation("cloudflare-traceback-go1.27.3.json", 0x9C)
    error = "runtime: g 1: unexpected return pc for main.big_stack called from 0xe8e8e8e8e8e8e8e8"
    assert goroutine1_frames(obs.output) == ["main.big_stack"]
    assert walk_error(obs) == error
    story = traceback_story(obs)
    assert story == ("goroutine 1's traceback stops at main.big_stack: main.big_stack, then no main.main; "
                     f"the walk ended early, printing {error!r} and a dump of the stack, and went on "
                     "(unwindPrintErrors)")
    whole = _observation("cloudflare-traceback-go1.27.3.json", 0x0)
    assert goroutine1_frames(whole.output) == ["main.big_stack", "main.main"] and walk_error(whole) is None
    assert traceback_story(whole) == "goroutine 1's traceback is whole: main.big_stack <- main.main"


@pytest.mark.parametrize("table", ["nonleaf-go1.23.4.json", "cloudflare-go1.23.4.json", "leaf-go1.27.3.json",
                                   "cloudflare-go1.27.3.json"])
def test_explainer_run_with_the_real_stack_prints_the_real_lines(table: str) -> None:
    """What a person types: ``explainer run SCENARIO --stack LO-HI`` with the bounds the real run had
    (read off g.stack at the stop), its stdout line for line in the real report."""
    t = _load(RECORDED / table)
    (p,) = [p for p in t["points"] if p["real"]["outcome"] == "crash"]
    lo, hi = p["real"]["hit"]["stack"]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["run", str(_scenario(t, f"+{p['pc']:#x}")), "--stack", f"{lo:#x}-{hi:#x}"])
    assert status == 1, err.getvalue()
    lines = out.getvalue().splitlines()
    left = leftovers(program_for(_scenario(t)).target, p["real"]["hit"]["sp"], GoVersion.parse(t["go"]))
    checks = check_lines(lines, p["real"]["text"], _moved(t), left)
    assert len(checks) >= 2 and all(c.equal for c in checks), [c for c in checks if not c.equal]


def test_a_scenario_names_its_real_reproducer() -> None:
    """inject_scenario's mapping (no tools needed): the three reproducers' frames, nothing else."""
    assert shape_of(parse("go1.23.4/65584")) is Shape.NONLEAF
    assert shape_of(parse("go1.27.3/65552/leaf")) is Shape.LEAF
    assert shape_of(parse("go1.23.4/65552/leaf/buffer=cloudflare")) is Shape.CLOUDFLARE
    for other in ("go1.23.4/65552", "go1.23.4/1048592", "go1.23.4/65584/leaf"):
        with pytest.raises(ExplainerError, match="no real reproducer has"):
            shape_of(parse(other))
