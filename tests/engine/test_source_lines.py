"""Every instruction's ``file:line`` is the one ``go tool objdump`` prints for the real build.

The truth is the first column of real objdumps:

- ``tests/data/realgo/objdump/<program>-go<V>.txt`` (8 releases) and ``../shared/reference/objdump``
  (go1.23.4, go1.25.0, go1.27.3): the reproducers built as ``main.go``, so objdump says ``main.go:9``;
  the app ships the same bytes as ``fast_nonleaf.go`` and says ``fast_nonleaf.go:9``, and the lines must
  be equal;
- ``tests/data/realgo/shipped/<program>-go<V>.txt`` (record_shipped.sh): the shipped files themselves,
  built under their own names by go1.23.4, go1.25.0 and go1.27.3, so objdump's column must equal the
  app's, file name included;
- ``bodies-go<V>.txt``: the same sources scaled to buffers of 16 bytes to 1 MiB (bodies.go), where each
  function's lines count from its own ``func`` line.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.bigstack import Buffer
from explainer.engine.toolchain.gosource import reproducer_source
from explainer.engine.toolchain.program import build_program

ROOT = Path(__file__).resolve().parents[2]
REALGO = ROOT / "tests" / "data" / "realgo"
REFERENCE = ROOT.parent / "shared" / "reference" / "objdump"
SHIPPED_SRC = ROOT / "explainer" / "realgo" / "src"
VERSIONS = ["1.21.13", "1.22.10", "1.23.4", "1.24.3", "1.24.11", "1.25.0", "1.26.6", "1.27.3"]
PROGRAMS = {"fast_leaf": (65552, True, Buffer.FAST), "fast_nonleaf": (65584, False, Buffer.FAST),
            "cloudflare_shape": (65552, True, Buffer.CLOUDFLARE)}
_LINE = re.compile(r"^\s+(\S+):(\d+)\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")
_BODY = re.compile(r"main\.(leaf|nonleaf|cloudflare)_(\d+)$")

Row = tuple[int, str, int, str]
"""(pc, file, line, Go text) of one objdump line."""


@cache
def objdump(path: Path) -> dict[str, list[Row]]:
    """Every function of a ``go tool objdump`` file, as its instruction rows (padding left out)."""
    functions: dict[str, list[Row]] = {}
    rows: list[Row] = []
    for text in path.read_text().splitlines():
        if text.startswith("TEXT "):
            rows = functions.setdefault(text.split()[1].removesuffix("(SB)"), [])
            continue
        m = _LINE.match(text)
        if m and m.group(5) != "?":
            rows.append((int(m.group(3), 16), m.group(1), int(m.group(2)), m.group(5)))
    return functions


def _engine(version: str, program: str) -> list[Row]:
    size, leaf, buffer = PROGRAMS[program]
    target = build_program(GoVersion.parse(version), size, leaf, buffer).target
    return [(i.pc, i.file, i.line, i.go) for i in target.instructions]


def _as_shipped(rows: list[Row], program: str) -> list[Row]:
    """A build of ``main.go`` read as the shipped file: the same bytes, so the same lines, another name."""
    assert {f for _, f, _, _ in rows} == {"main.go"}
    return [(pc, f"{program}.go", line, go) for pc, _, line, go in rows]


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("version", VERSIONS)
def test_every_instruction_has_the_real_builds_line(version: str, program: str) -> None:
    real = objdump(REALGO / "objdump" / f"{program}-go{version}.txt")["main.big_stack"]
    assert _engine(version, program) == _as_shipped(real, program)


#: Every main.big_stack of ../shared/reference/objdump (it has cloudflare_shape for two releases).
REFERENCE_BUILDS = [(v, p) for v in ("1.23.4", "1.25.0", "1.27.3") for p in ("fast_leaf", "fast_nonleaf")] + [
    ("1.23.4", "cloudflare_shape"), ("1.27.3", "cloudflare_shape")]


@pytest.mark.parametrize("version, program", REFERENCE_BUILDS)
def test_every_instruction_has_the_reference_objdumps_line(version: str, program: str) -> None:
    """../shared/reference/objdump: the files the project started from (built elsewhere, by hand)."""
    real = objdump(REFERENCE / f"{program}-go{version}.txt")["main.big_stack"]
    engine = _engine(version, program)
    # the reference's builds sit at other addresses than the lab's for some programs: compare the columns
    assert [(f, line, go) for _, f, line, go in engine] == [(f, line, go) for _, f, line, go in
                                                            _as_shipped(real, program)]


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("version", ["1.23.4", "1.25.0", "1.27.3"])
def test_a_fresh_build_of_the_shipped_file_prints_the_apps_column(version: str, program: str) -> None:
    """The shipped file built under its own name: objdump's column is the app's, name and line."""
    real = objdump(REALGO / "shipped" / f"{program}-go{version}.txt")["main.big_stack"]
    assert {f for _, f, _, _ in real} == {f"{program}.go"}
    assert [(i.position, i.go) for i in build_program(GoVersion.parse(version), *PROGRAMS[program])
            .target.instructions] == [(f"{f}:{line}", go) for _, f, line, go in real]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_recorded_body_size_has_the_real_lines(version: str) -> None:
    """bodies.go: each function's lines counted from its ``func`` line, every size and shape."""
    wrong, checked = [], 0
    for name, real in objdump(REALGO / "objdump" / f"bodies-go{version}.txt").items():
        m = _BODY.match(name)
        if not m or any(go == "CALL runtime.newobject(SB)" for *_, go in real):
            continue
        kind, b = m.group(1), int(m.group(2))
        leaf = kind != "nonleaf"
        size = b + (16 if leaf else 48)
        buffer = Buffer.CLOUDFLARE if kind == "cloudflare" else Buffer.FAST
        target = build_program(GoVersion.parse(version), size, leaf, buffer).target
        func = real[0][2]
        ours = [(i.line - reproducer_source(size, leaf, buffer).func_line, i.go.split(" ")[0])
                for i in target.instructions]
        if ours != [(line - func, go.split(" ")[0]) for _, _, line, go in real]:
            wrong.append(name)
        checked += 1
    assert wrong == []
    assert checked >= 50


@pytest.mark.parametrize("program", PROGRAMS)
def test_the_source_shown_at_the_published_size_is_the_shipped_file(program: str) -> None:
    source = reproducer_source(*PROGRAMS[program])
    assert source.shipped and source.name == f"{program}.go"
    assert source.text == (SHIPPED_SRC / f"{program}.go").read_text()
    assert source.lines[source.func_line - 1] == "func big_stack(val int) int {"


def test_a_scaled_source_is_bodies_go_function_for_that_size() -> None:
    """At other sizes the text is the function record_bodies.sh wrote and real releases built."""
    bodies = (REALGO / "src" / "bodies.go").read_text()
    checked = 0
    for m in re.finditer(r"^func (leaf|nonleaf|cloudflare)_(\d+)\(val int\) int \{\n.*?^\}\n", bodies,
                         re.M | re.S):
        kind, b = m.group(1), int(m.group(2))
        if b == 1 << 16:  # the published size: the shipped file's spelling, 1 << 16 (test above)
            continue
        leaf = kind != "nonleaf"
        source = reproducer_source(b + (16 if leaf else 48), leaf,
                                   Buffer.CLOUDFLARE if kind == "cloudflare" else Buffer.FAST)
        ours = "\n".join(source.lines[source.func_line - 1: source.func_line + 10]) + "\n"
        assert ours.replace("big_stack", f"{kind}_{b}") == m.group(0), (kind, b)
        assert not source.shipped and f"[{b}]byte" in source.about
        checked += 1
    assert checked > 50
