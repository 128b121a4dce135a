"""explainer scan on binaries built by go1.15 to go1.19 (the three function table formats before go1.20).

The binaries are real (esbuild's releases from npm, the reproducers built by Debian's go1.19.8), and the
expected answers come from tools that share nothing with explainer.binary, recorded by
tests/fixtures/old/record.py: ``go version`` and debug/gosym (functab.go) of a current Go toolchain, GNU
objdump of the text, ``go tool objdump`` and ``go build -gcflags=-S`` where there is a symbol table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.binary import GoBinary, parse, scan
from explainer.binary.buildinfo import MAGIC
from explainer.cli import main

from .truth import OLD, gnu_immediate, old_binary, read_gcflags_s, read_objdump, read_old_truth, split_pairs

RUNTIME = ("runtime.", "runtime/internal/", "reflect.")
#: (fixture, table magic's releases, format, stripped)
OLD_BINARIES = (
    ("esbuild-0.8.46-linux-arm64", "go1.2-go1.15", "elf", True),
    ("esbuild-0.13.15-linux-arm64", "go1.16-go1.17", "elf", True),
    ("esbuild-0.16.17-linux-arm64", "go1.18-go1.19", "elf", True),
    ("fast_leaf-go1.19.8-linux-arm64", "go1.18-go1.19", "elf", False),
    ("fast_nonleaf-go1.19.8-linux-arm64-stripped", "go1.18-go1.19", "elf", True),
    # linked with -s -w, but go1.19's linker keeps a Mach-O symbol table all the same (go tool objdump of
    # go1.27.3 lists its functions): not stripped
    ("fast_leaf-go1.19.8-darwin-arm64-stripped", "go1.18-go1.19", "macho", False),
)
NAMES = [b[0] for b in OLD_BINARIES]


def _load(name: str) -> GoBinary:
    return parse(old_binary(name), name)


@pytest.mark.parametrize(("name", "table", "fmt", "stripped"), OLD_BINARIES, ids=NAMES)
def test_function_table_is_what_debug_gosym_reads(name: str, table: str, fmt: str, stripped: bool) -> None:
    binary, truth = _load(name), read_old_truth(name)
    assert (binary.table_releases, binary.format, binary.stripped) == (table, fmt, stripped)
    want = [(entry, end, name) for entry, end, _, name in truth.functions]
    assert [(f.entry, f.end, f.name) for f in binary.functions] == want
    for entry, _end, file, fname in truth.functions[:: max(1, len(truth.functions) // 200)]:
        f = binary.func_at(entry)  # by entry: ABI wrappers share their function's name
        assert f is not None and (f.file or "") == file, fname  # pcfile, every format's file table


@pytest.mark.parametrize("name", NAMES)
def test_findings_are_the_split_pairs_gnu_objdump_shows(name: str) -> None:
    """Same functions, entries and PCs; frame = the two immediates; leaf = no call but morestack's;
    preemptible = neither assembly (a .s file, as debug/gosym names it) nor the runtime."""
    truth = read_old_truth(name)
    report = scan(_load(name))
    pairs = truth.pairs()
    assert pairs, "every Go arm64 binary has the runtime's split pairs (debugCall65536 or runtime.call*)"
    want = {(fn, truth.function(fn)[0], x.pc, y.pc) for fn, x, y in pairs}
    assert {(f.function, f.entry, *f.pcs) for f in report.findings} == want
    by_pc = {f.pcs[0]: f for f in report.findings}
    for fn, x, y in pairs:
        f = by_pc[x.pc]
        asm = truth.function(fn)[2].endswith(".s")
        preemptible = not asm and not fn.startswith(RUNTIME)
        leaf = not truth.calls_other_than_morestack(fn)
        assert (f.frame_size, f.leaf, f.preemptible) == (gnu_immediate(x) + gnu_immediate(y), leaf,
                                                          preemptible), f
        assert f.spdelta == f.frame_size, "pcsp still reports the whole frame between the halves"


@pytest.mark.parametrize("name", NAMES)
def test_release_is_what_go_version_says(name: str) -> None:
    """go1.13-go1.17 build info holds a pointer to runtime.buildVersion; go1.18+ the string itself."""
    report = scan(_load(name))
    assert (report.go, report.go_source) == (read_old_truth(name).go, "build info")


def _without_build_info(data: bytes) -> bytes:
    at = data.find(MAGIC)
    assert at > 0
    return data[:at] + b"\0" * len(MAGIC) + data[at + len(MAGIC) :]


@pytest.mark.parametrize("name", ["esbuild-0.8.46-linux-arm64", "esbuild-0.16.17-linux-arm64",
                                  "fast_leaf-go1.19.8-darwin-arm64-stripped"])
def test_without_build_info_the_release_comes_from_the_runtime_string(name: str) -> None:
    """Blank the build info's magic (as esbuild 0.28.2 ships, with none): the release is still what
    ``go version`` read, now from runtime.buildVersion, and the output says where it came from."""
    report = scan(parse(_without_build_info(old_binary(name)), name))
    assert (report.go, report.go_source) == (read_old_truth(name).go, "runtime.buildVersion")
    assert f"release: go{report.go} read from the runtime's version string (runtime.buildVersion)" in \
        "\n".join(report.lines())
    assert report.to_json()["go_source"] == "runtime.buildVersion"


def test_esbuild_0_16_17_has_ten_runtime_splits_and_none_exposed() -> None:
    report = scan(_load("esbuild-0.16.17-linux-arm64"))
    names = [f.function for f in report.findings]
    assert len(names) == 10 and "runtime.(*traceStackTable).dump" in names and "debugCall65536" in names
    assert sum(n.startswith("runtime.call") for n in names) == 8
    dump = next(f for f in report.findings if f.function == "runtime.(*traceStackTable).dump")
    assert (dump.frame_size, dump.leaf) == (71088, False)
    lines = report.lines()
    assert report.exposed == 0 and lines[10].endswith("6,359 functions scanned, 10 findings, 0 exposed")
    assert not any(line.startswith("what to do") for line in lines)


@pytest.mark.parametrize("name", ["esbuild-0.8.46-linux-arm64", "esbuild-0.13.15-linux-arm64"])
def test_releases_without_their_own_rule_say_whose_rule_applied(name: str) -> None:
    report = scan(_load(name))
    doc = report.to_json()
    assert doc["async_preemption"] and doc["preemption_rule"] == {
        "source": "go1.19.8 src/runtime/preempt.go:363-453 (isAsyncSafePoint)", "own": False}
    assert any(line.startswith("preemption judged by the rule in go1.19.8 src/runtime/preempt.go")
               and f"go{report.go}'s own runtime source is not at hand" in line for line in report.lines())


def test_go1_19_is_judged_by_its_own_rule() -> None:
    doc = scan(_load("fast_nonleaf-go1.19.8-linux-arm64-stripped")).to_json()
    assert doc["preemption_rule"] == {"source": "go1.19.8 src/runtime/preempt.go:363-453, prefixes :425-427",
                                      "own": True}


def test_before_go1_14_nothing_preempts() -> None:
    """A go1.15.7 binary with runtime.asyncPreempt renamed in its name table is what go1.13 and older
    look like to the scanner: the splits are there, no function the runtime could inject; none is
    exposed, and the output says why in plain words."""
    data = bytearray(old_binary("esbuild-0.8.46-linux-arm64"))
    at = data.find(b"runtime.asyncPreempt\0")
    assert at > 0 and data.find(b"runtime.asyncPreempt\0", at + 1) < 0
    data[at : at + 20] = b"runtime.asyncPreemp_"
    report = scan(parse(bytes(data), "pre-go1.14"))
    assert report.findings and report.exposed == 0 and report.rule is None
    assert {f.why for f in report.findings} == {"no async preemption before go1.14"}
    text = "\n".join(report.lines())
    assert "no async preemption: this binary has no runtime.asyncPreempt (Go before go1.14)" in text
    assert "none of these can crash" in text and report.to_json()["async_preemption"] is False


def test_go1_19_8_build_with_symbols_matches_go_tool_objdump() -> None:
    """Debian's go1.19.8 build of fast_leaf: findings, leaf and frame against ``go tool objdump``."""
    binary = _load("fast_leaf-go1.19.8-linux-arm64")
    pairs = split_pairs(read_objdump(OLD / "truth" / "fast_leaf-go1.19.8-linux-arm64.objdump.txt.gz"))
    report = scan(binary)
    assert {(f.function, *f.pcs) for f in report.findings} == {
        (p.block.table_name, p.first.pc, p.second.pc) for p in pairs}
    for p in pairs:
        f = next(f for f in report.findings if f.pcs[0] == p.first.pc)
        assert (f.frame_size, f.leaf, f.instructions) == (p.total, not p.calls, (p.first.go, p.second.go))
    big = next(f for f in report.findings if f.function == "main.big_stack")
    assert (big.status, report.exposed) == ("leaf-split", 1)


def test_go1_19_8_main_big_stack_matches_the_compiler() -> None:
    """Size, frame, leaf and every instruction's UnsafePoint (PCDATA $0) against ``-gcflags=-S``."""
    truth = read_gcflags_s("fast_leaf", "1.19.8", OLD / "truth" / "gcflags-S")
    f = _load("fast_leaf-go1.19.8-linux-arm64").func_named("main.big_stack")
    assert (f.end - f.entry, f.frame_size, f.leaf) == (truth.size, truth.frame, truth.leaf)
    ours = {pc - f.entry: f.unsafe_point(pc)[0] for pc in range(f.entry, f.end, 4)}
    assert truth.unsafe_points and {k: ours[k] for k in truth.unsafe_points} == truth.unsafe_points


@pytest.mark.parametrize("name", ["fast_nonleaf-go1.19.8-linux-arm64-stripped",
                                  "fast_leaf-go1.19.8-darwin-arm64-stripped"])
def test_go1_19_8_reproducers_are_exposed_with_advice(name: str) -> None:
    report = scan(_load(name))
    kind = "leaf" if "fast_leaf" in name else "nonleaf"
    big = [f for f in report.findings if f.function == "main.big_stack"]
    assert [f.status for f in big] == [f"{kind}-split"] and report.exposed == 1
    advice = [line for line in report.lines() if line.startswith("what to do")]
    assert len(advice) == 1 and re.search("no Go release fixes" if kind == "leaf" else "go1.23.12", advice[0])


def test_a_folder_scan_says_where_each_release_came_from(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """In a fleet's listing too, under the binary's line: the release read from runtime.buildVersion and
    the rule borrowed from go1.19.8."""
    (tmp_path / "old").write_bytes(_without_build_info(old_binary("esbuild-0.8.46-linux-arm64")))
    (tmp_path / "new").write_bytes(old_binary("fast_nonleaf-go1.19.8-linux-arm64-stripped"))
    assert main(["scan", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        f"{tmp_path}/new: go1.19.8, elf, stripped: 1,025 functions scanned, 2 findings, 1 exposed",
        "  main.big_stack  entry 0x66510  0x665c8 ; 0x665cc  frame 65,584 B non-leaf  nonleaf-split",
        f"{tmp_path}/old: go1.15.7, elf, stripped: 6,103 functions scanned, 9 findings, 0 exposed",
        "  release: go1.15.7 read from the runtime's version string (runtime.buildVersion); the binary has "
        "no build info"]
    assert lines[4].startswith("  preemption judged by the rule in go1.19.8 src/runtime/preempt.go:363-453")
