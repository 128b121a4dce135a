"""The engine against real Go output: objdump epilogues, crash-log lines, -gcflags=-S PCDATA."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.engine.experiments import experiment
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.sweep import sweep
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.bigstack import Buffer
from explainer.engine.toolchain.program import build_program

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT.parent / "shared" / "reference"
REALGO = ROOT / "tests" / "data" / "realgo"
OBJDUMPS = sorted((REF / "objdump").glob("fast_*.txt")) + sorted((REF / "objdump").glob("cloudflare_*.txt"))
LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")


def _objdump(path: Path, func: str = "main.big_stack") -> list[tuple[int, str, str]]:
    out, inside = [], False
    for line in path.read_text().splitlines():
        if line.startswith("TEXT "):
            inside = line.startswith(f"TEXT {func}(SB)")
            continue
        m = LINE.match(line)
        if inside and m and m.group(3) != "?":
            out.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return out


def _case(path: Path) -> tuple[GoVersion, bool, Buffer]:
    prog, ver = path.stem.split("-go")
    buffer = Buffer.CLOUDFLARE if "cloudflare" in prog else Buffer.FAST
    return GoVersion.parse(ver), prog != "fast_nonleaf", buffer


@pytest.mark.parametrize("path", OBJDUMPS, ids=lambda p: p.stem)
def test_epilogue_matches_real_objdump(path: Path) -> None:
    real = _objdump(path)
    ret = max(i for i, (_, _, go) in enumerate(real) if go == "RET")
    start = ret
    while start > 0 and not real[start - 1][2].startswith(("MOVD R", "ADD R3, R0")):
        start -= 1
    version, leaf, buffer = _case(path)
    size = 65552 if leaf else 65584
    fn = build_program(version, size, leaf, buffer).target
    ours = [(i.hex, i.go) for i in fn.instructions if i.role == "epilogue"]
    assert ours == [(h, g) for _, h, g in real[start:ret + 1]]


@pytest.mark.parametrize("path", [p for p in OBJDUMPS if "1.23.4" in p.name or "1.25.0" in p.name],
                         ids=lambda p: p.stem)
def test_whole_function_matches_real_objdump_up_to_the_morestack_call(path: Path) -> None:
    version, leaf, buffer = _case(path)
    fn = build_program(version, 65552 if leaf else 65584, leaf, buffer).target
    real = _objdump(path)
    ours = [(i.pc, i.hex, i.go) for i in fn.instructions]
    # The CALL to runtime.morestack and the JMPs that reach it differ only by where that stub sits.
    assert [(pc, go) for pc, _, go in ours] == [(pc, go) for pc, _, go in real[: len(ours)]]


def _log_bounds(name: str) -> tuple[str, str, str]:
    text = (REF / "crashes" / name).read_text()
    m = re.search(r"stack=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)", text)
    assert m
    first = text.splitlines()[0]
    return m.group(1), m.group(2), first


@pytest.mark.parametrize("log,scenario", [
    ("fast_leaf-go1.23.4.log", "go1.23.4/65552/leaf"),
    ("fast_nonleaf-go1.23.4.log", "go1.23.4/65584"),
    ("fast_leaf-go1.27.3-singlestep.log", "go1.27.3/65552/leaf"),
])
def test_run_prints_the_logs_frame_sp_and_stack_lines(log: str, scenario: str) -> None:
    lo, hi, first = _log_bounds(log)
    text = (REF / "crashes" / log).read_text().splitlines()
    r = experiment.run(parse(f"{scenario}/stack={lo}-{hi}"))
    assert r.outcome.value == "crash"
    assert list(r.output) == text[:3]
    assert first.startswith("runtime: g1: frame.sp=")


def test_cloudflare_buffer_segfaults_at_m_incgo_like_the_real_log() -> None:
    text = (REF / "crashes" / "cloudflare_shape-go1.23.4-singlestep.log").read_text().splitlines()
    r = experiment.run(parse("go1.23.4/65552/leaf/buffer=cloudflare"))
    assert r.output[0] == text[0] == "SIGSEGV: segmentation violation"
    assert "addr=0x118" in r.output[1] and "addr=0x118" in text[1]
    # PC= of the faulting load in unwinder.next, and m= of the thread running the GC worker.
    assert r.output[1] == text[1]


def test_incgo_offset_is_0x110_on_go1_25_and_unknown_caller_on_go1_27() -> None:
    assert "addr=0x110" in experiment.run(parse("go1.25.0/65552/leaf/buffer=cloudflare")).output[1]
    out = experiment.run(parse("go1.27.3/65552/leaf/buffer=cloudflare")).output
    assert out[-1] == "fatal error: unknown caller pc"
    assert out[0].startswith(
        "runtime: g 1: unexpected return pc for main.big_stack called from 0xe8e8e8e8e8e8e8e8")


@pytest.mark.parametrize("go,size,leaf,unsafe", [
    ("1.23.4", 65552, True, 1), ("1.25.0", 65584, False, 0), ("1.27.3", 65552, True, 1),
    ("1.23.4", 65584, False, 1), ("1.23.4", 4112, True, 0),
])
def test_sweep_counts(go: str, size: int, leaf: bool, unsafe: int) -> None:
    points = sweep(parse(f"go{go}/{size}{'/leaf' if leaf else ''}"))
    bad = [p for p in points if p.outcome.value == "crash"]
    assert len(bad) == unsafe
    if bad:
        assert bad[0].go == "ADD $(16<<12), RSP, RSP"
        assert bad[0].message and bad[0].message.endswith("traceback did not unwind completely")


def _pcdata(path: Path) -> dict[int, int]:
    """PC offset -> PCDATA $0 value from `go build -gcflags=-S` output."""
    values: dict[int, int] = {}
    current = -1
    for line in path.read_text().splitlines():
        m = re.search(r"PCDATA\s+\$0, \$(-?\d+)", line)
        if m:
            current = int(m.group(1))
            continue
        m = re.match(r"\s+0x([0-9a-f]{4}) \d+ \(", line)
        zero_size = ("PCDATA", "FUNCDATA", "\tNOP", "TEXT\t")  # no machine code at that PC
        if m and not any(z in line for z in zero_size):
            values.setdefault(int(m.group(1), 16), current)
    return values


@pytest.mark.parametrize("go", ["1.23.4", "1.25.0"])
def test_unsafe_points_equal_real_pcdata(go: str) -> None:
    path = REALGO / "gcflags-S" / f"fast_nonleaf-go{go}.txt"
    real = _pcdata(path)
    fn = build_program(GoVersion.parse(go), 65584, False, Buffer.FAST).target
    ours = {i.offset: i.unsafe_point for i in fn.instructions}
    assert real, "no PCDATA parsed"
    assert {k: ours.get(k) for k in real} == real

