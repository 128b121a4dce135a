"""explainer scan and the function table against what real Go tools say about the same binaries.

The expected findings are derived here from ``go tool objdump`` excerpts (tests/binary/truth.py), the
expected unsafe points, frame sizes and leaf flags from ``go build -gcflags=-S``; nothing is computed
with explainer.binary's own code.
"""

from __future__ import annotations

import struct

import pytest

from explainer.binary import load, parse, scan

from .truth import FIXTURES, GO_ARM64, read_gcflags_s, read_objdump, split_pairs, writes_rsp

RUNTIME = ("runtime.", "internal/runtime/", "runtime/internal/", "reflect.")


@pytest.fixture(scope="module", params=GO_ARM64, ids=[p[0] for p in GO_ARM64])
def case(request):  # type: ignore[no-untyped-def]
    file, excerpt, go, fmt, stripped = request.param
    return load(FIXTURES / file), read_objdump(excerpt), go, fmt, stripped


def test_findings_are_the_split_pairs_objdump_shows(case) -> None:  # type: ignore[no-untyped-def]
    binary, blocks, *_ = case
    pairs = split_pairs(blocks)
    assert pairs, "the excerpt shows no split pair: every fixture has at least debugCall65536's"
    want = {(p.block.table_name, p.block.insns[0].pc, p.first.pc, p.second.pc) for p in pairs}
    got = {(f.function, f.entry, *f.pcs) for f in scan(binary).findings}
    assert got == want


def test_each_finding_is_judged_as_objdump_implies(case) -> None:  # type: ignore[no-untyped-def]
    """Not preemptible: assembly (a .s file in the TEXT header) or the runtime. Leaf: no CALL but the
    stack-split tail's. Frame: the pair releases the whole frame, so the sum of its two immediates.
    """
    binary, blocks, *_ = case
    by_pc = {f.pcs[0]: f for f in scan(binary).findings}
    for p in split_pairs(blocks):
        f = by_pc[p.first.pc]
        preemptible = not p.block.assembly and not p.block.table_name.startswith(RUNTIME)
        leaf = not p.calls
        status = "not-preemptible" if not preemptible else "leaf-split" if leaf else "nonleaf-split"
        assert (f.preemptible, f.leaf, f.frame_size, f.status) == (preemptible, leaf, p.total, status), f
        assert f.instructions == (p.first.go, p.second.go)
        assert f.spdelta == p.total, "pcsp still reports the whole frame at the second half"


def test_the_story_each_fixture_tells(case) -> None:  # type: ignore[no-untyped-def]
    binary, _, go, fmt, stripped = case
    report = scan(binary)
    assert (report.go, report.format, report.stripped) == (go, fmt, stripped)
    big = [f for f in report.findings if f.function == "main.big_stack"]
    runtime = [f for f in report.findings if f.function != "main.big_stack"]
    assert runtime and not any(f.preemptible for f in runtime)
    if "nonleaf-go1.25.0" in binary.path:  # the fix: released through R27, nothing left to find
        assert big == [] and report.exposed == 0
    elif "nonleaf-go1.23.4" in binary.path:
        assert [f.status for f in big] == ["nonleaf-split"] and report.exposed == 1
    else:  # leaf frames: the residual no release fixes
        assert [f.status for f in big] == ["leaf-split"] and report.exposed == 1


def test_function_table_lists_what_objdump_lists(case) -> None:  # type: ignore[no-untyped-def]
    """Same functions in the same order; every instruction objdump shows lies in its own function."""
    binary, blocks, *_ = case
    names = [f.name.replace("\u00b7", ".") for f in binary.functions]
    assert names == [b.table_name for b in blocks]
    for b in blocks:
        for insn in b.insns:
            f = binary.func_at(insn.pc)
            assert f is not None and f.name.replace("\u00b7", ".") == b.table_name, (hex(insn.pc), b.name)
            assert binary.code(insn.pc, insn.pc + 4) == insn.word.to_bytes(4, "little")


def test_pcsp_follows_the_prologue_and_the_epilogue(case) -> None:  # type: ignore[no-untyped-def]
    """SP delta 0 up to the frame-allocating ``MOVD R20, RSP``, the compiler's frame from the instruction
    after it, and 0 again only after the epilogue's last write to RSP: pcsp moves after the whole
    pseudo-instruction, so between the two halves of a split release it still says "whole frame".
    """
    binary, blocks, *_ = case
    block = next(b for b in blocks if b.name == "main.big_stack")
    program, go = binary.path.rsplit("/", 1)[-1].split("-")[:2]
    frame = read_gcflags_s(program, go.removeprefix("go")).frame
    writes = [i for i in block.insns if writes_rsp(i.go)]
    alloc = next(i.pc for i in writes if i.go == "MOVD R20, RSP")
    release = writes[-1].pc
    f = binary.func_named("main.big_stack")
    assert [r for r in f.pcsp() if r[2]] == [(alloc + 4, release + 4, frame)]
    assert f.pcsp()[0] == (f.entry, alloc + 4, 0)


@pytest.mark.parametrize(("file", "program", "go"), [
    ("fast_nonleaf-go1.23.4-linux-arm64-stripped", "fast_nonleaf", "1.23.4"),
    ("fast_leaf-go1.25.0-linux-arm64-stripped", "fast_leaf", "1.25.0"),
    ("fast_nonleaf-go1.25.0-linux-arm64-stripped", "fast_nonleaf", "1.25.0"),
    ("fast_leaf-go1.27.3-linux-arm64-stripped", "fast_leaf", "1.27.3"),
])
def test_main_big_stack_matches_the_compiler(file: str, program: str, go: str) -> None:
    """Size, frame, leaf and every instruction's UnsafePoint against ``go build -gcflags=-S``."""
    truth = read_gcflags_s(program, go)
    f = load(FIXTURES / file).func_named("main.big_stack")
    assert (f.end - f.entry, f.frame_size, f.leaf) == (truth.size, truth.frame, truth.leaf)
    ours = {pc - f.entry: f.unsafe_point(pc)[0] for pc in range(f.entry, f.end, 4)}
    assert truth.unsafe_points and {k: ours[k] for k in truth.unsafe_points} == truth.unsafe_points


@pytest.mark.parametrize("file", ["fast_leaf-go1.27.3-linux-arm64-stripped",
                                  "fast_nonleaf-go1.23.4-linux-arm64"])
def test_entries_come_from_moduledata_text_not_the_section_start(file: str) -> None:
    """With external linking, C code can precede runtime.text in .text. Simulate it by starting the
    .text section header 0x100 bytes early (the bytes before it are the ELF notes and padding): every
    entry must stay where objdump put it. go1.27 no longer writes textStart in the table's header, so
    only moduledata.text (in .go.module) can say where the table's offsets start."""
    data = bytearray((FIXTURES / file).read_bytes())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", data, 0x3C)
    strtab_off, = struct.unpack_from("<Q", data, shoff + 64 * shstrndx + 24)
    for i in range(shnum):
        at = shoff + 64 * i
        name_off, = struct.unpack_from("<I", data, at)
        if data[strtab_off + name_off : strtab_off + name_off + 6] == b".text\0":
            addr, off, size = struct.unpack_from("<QQQ", data, at + 16)
            struct.pack_into("<QQ", data, at + 16, addr - 0x100, off - 0x100)
            struct.pack_into("<Q", data, at + 32, size + 0x100)
    moved = parse(bytes(data), "moved")
    assert moved._module.code_sections[0][0] == 0x11000 - 0x100, "the section header was not moved"
    excerpt = file.removesuffix("-stripped")
    block = next(b for b in read_objdump(excerpt) if b.name == "main.big_stack")
    assert moved.func_named("main.big_stack").entry == block.insns[0].pc
