"""file:line of every instruction of a real binary, from its own pcfile and pcln tables, as objdump prints it.

The truth is ``go tool objdump`` of the same builds, a tool that shares nothing with explainer.binary:
the fixtures' excerpts (tests/fixtures/objdump: every TEXT header, every instruction writing RSP, every
line of a function with a split; go1.23.4, go1.25.0, go1.27.3, ELF and Mach-O, stripped or not), the
go1.19.8 fixture's (the go1.18-1.19 table layout), and go1.23.4's and go1.21.13's listings of Go's own
objdump tool, whose functions hold inlined code from other files (reflect's value.go and type.go inside
encoding/binary.Size).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from explainer.binary import load
from explainer.binary.opened import objdump_base, opened_program

from .gotools import DECODE, OBJDUMP_121, OBJDUMP_123, binary, listing
from .truth import FIXTURES, GO_ARM64, OLD, old_binary, read_objdump


def _columns(path: Path | str, pcs: list[int]) -> dict[int, str]:
    """``file:line`` at each PC, read by explainer.binary from the binary at ``path`` (one table decode
    per function)."""
    b = load(path)
    by_function: dict[int, list[int]] = defaultdict(list)
    for pc in pcs:
        f = b.func_at(pc)
        assert f is not None, hex(pc)
        by_function[f.entry].append(pc)
    out = {}
    for entry, at in by_function.items():
        f = b.func_at(entry)
        assert f is not None
        for pc, (file, line) in zip(sorted(at), f.positions(sorted(at)), strict=True):
            out[pc] = f"{objdump_base(file)}:{line}" if file else ""
    return out


def _check(path: Path | str, excerpt: Path | str) -> int:
    want = {insn.pc: insn.position for block in read_objdump(excerpt) for insn in block.insns}
    got = _columns(path, list(want))
    wrong = [(hex(pc), want[pc], got[pc]) for pc in want if got[pc] != want[pc]]
    assert wrong == [], wrong[:10]
    return len(want)


@pytest.mark.parametrize("file, excerpt", [(f, e) for f, e, *_ in GO_ARM64])
def test_every_excerpted_instruction_has_objdumps_file_and_line(file: str, excerpt: str) -> None:
    assert _check(FIXTURES / file, excerpt) > 1000


def test_the_go1_18_table_layout_too(tmp_path: Path) -> None:
    name = "fast_leaf-go1.19.8-linux-arm64"
    path = tmp_path / name
    path.write_bytes(old_binary(name))
    assert _check(path, OLD / "truth" / f"{name}.objdump.txt.gz") > 1000


@pytest.mark.parametrize("name", [OBJDUMP_123, OBJDUMP_121])
@pytest.mark.parametrize("function", [DECODE, "encoding/binary.Size", "runtime.memmove",
                                      "cmd/internal/objfile.textReader.ReadAt"])
def test_whole_functions_with_inlined_code_from_other_files(name: str, function: str,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every instruction of whole functions of a real program; the opened function's Instructions too."""
    path = binary(name, tmp_path_factory.mktemp("gotools"))
    real = listing(name, function)
    got = _columns(path, [ln.pc for ln in real])
    assert [got[ln.pc] for ln in real] == [f"{ln.file}:{ln.line}" for ln in real]
    if function == "encoding/binary.Size" and name == OBJDUMP_123:
        assert {ln.file for ln in real} >= {"binary.go", "value.go"}  # inlined from reflect
    if function == DECODE:  # what the lab shows for `explainer open`: the same column on every instruction
        program = opened_program(load(path), function)
        shown = {i.pc: i.position for i in program.target.instructions}
        assert [shown[ln.pc] for ln in real] == [f"{ln.file}:{ln.line}" for ln in real]
        assert program.target.source_file == "cmd/vendor/golang.org/x/arch/ppc64/ppc64asm/decode.go"
