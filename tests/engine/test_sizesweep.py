"""Unsafe instructions against frame size, checked against encodings worked by hand.

The release of a leaf frame is ``ADD $N, RSP, RSP``. Whether it is one write to
RSP or two follows from the ARM64 encodings, in asm7.go's order:

* ADD (immediate) takes imm12 (0..0xfff), optionally shifted left by 12 (sh=1).
* MOVZ takes one 16-bit field at bit 0, 16, 32 or 48 (MOVN the same for ~N).
* ORR (immediate) takes a bitmask: a rotated run of ones, repeated per element.
* Otherwise, if N < 2**24, case 48 splits it: ADD $(N&0xfff) then ADD $(N&0xfff000).
* Otherwise MOVZ + MOVK into R27, then one ADD R27.

Only the split leaves a PC between two writes to RSP, so only it is unsafe, at
exactly one instruction (the second ADD).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.scenario import DEFAULT_STACK, parse
from explainer.engine.experiments.sizesweep import (
    SizePoint,
    buildable,
    default_sizes,
    size_point,
    size_ranges,
    sweep_stack,
    unsafe_by_size,
)
from explainer.engine.experiments.sweep import sweep
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.bigstack import min_frame

GO1_23_4 = GoVersion(23, 4)
GO1_25_0 = GoVersion(25, 0)


@pytest.mark.parametrize(("size", "unsafe", "plan"), [
    # 4096 = 0x1000: low 12 bits zero, 0x1000 >> 12 = 1 <= 0xfff -> one ADD, sh=1, imm12=1.
    (4096, 0, "IMM12_SHIFTED"),
    # 4112 = 0x1010: low 12 bits 0x010, so no shifted form, and 0x1010 > 0xfff; but it fits
    # MOVZ's field at bit 0 -> MOVZ $0x1010, R27 ; ADD R27, RSP, RSP: one write to RSP.
    (4112, 0, "R27_MOVZ"),
    # 65552 = 0x10010: not imm12 (low bits 0x010, value > 0xfff); 16-bit fields 0x0010 and 0x0001
    # are both non-zero, so no MOVZ; ~N has fields 1..3 set, so no MOVN; two lone one-bits are not
    # one rotated run, so no bitmask; < 2**24 -> ADD $16 ; ADD $(16<<12): the published crash.
    (65552, 1, "SPLIT"),
    # 131056 = 0x1fff0: bits 4..16 all ones, one run -> ORR $0x1fff0, ZR, R27 ; ADD R27.
    (131056, 0, "R27_ORR"),
    # 1048576 = 0x100000: low 12 bits zero, 0x100000 >> 12 = 0x100 <= 0xfff -> one shifted ADD.
    (1048576, 0, "IMM12_SHIFTED"),
    # 16777168 = 0xffffd0: ...1101 0000 is not one run; not a multiple of 4096; fields 0xffd0 and
    # 0x00ff -> no MOVZ; < 2**24 -> the largest split.
    (16777168, 1, "SPLIT"),
    # 16777232 = 0x1000010: 25 bits, so not 24-bit (no case 48); fields 0x0010 and 0x0100 -> no
    # single MOVZ; two lone bits -> no bitmask -> MOVZ $0x10 ; MOVK $(0x100<<16) into R27, one ADD.
    (16777232, 0, "R27_MOVK"),
])
def test_leaf_go1_23_4(size: int, unsafe: int, plan: str) -> None:
    p = size_point(GO1_23_4, True, size)
    assert (p.size, p.unsafe, p.plan) == (size, unsafe, plan)
    assert p.instructions > 40


def test_the_fix_is_for_non_leaf_frames() -> None:
    # 65584 = 0x10030 splits like 0x10010 (fields 0x0030 and 0x0001, not a run, < 2**24).
    # go1.23.4 releases it with ADD $65584, RSP, RSP -> two ADDs, one unsafe PC.
    # go1.25.0 (golang/go#73259) builds it with MOVD $65584, R27 (MOVZ $0x30 ; MOVK $(1<<16)) and
    # adds R27: one write to RSP, and R27 makes those PCs unsafe points, never preempted.
    before = size_point(GO1_23_4, False, 65584)
    assert (before.unsafe, before.plan) == (1, "SPLIT")
    fixed = size_point(GO1_25_0, False, 65584)
    assert (fixed.unsafe, fixed.plan) == (0, "R27_MOVK")
    # The leaf residual: the fix does not touch leaf frames, 65552 still splits on go1.25.0.
    assert size_point(GO1_25_0, True, 65552).unsafe == 1


def test_agrees_with_the_instruction_sweep_on_the_default_stack() -> None:
    points = sweep(parse("go1.23.4/65552/leaf"))
    assert size_point(GO1_23_4, True, 65552).unsafe == sum(p.outcome.value == "crash" for p in points)
    assert sweep_stack(65552) == DEFAULT_STACK


def test_big_frames_get_a_stack_that_fits() -> None:
    # A 1 MiB frame needs a 2 MiB stack (doubling from 128 KiB); it must hold frame and headroom.
    st = sweep_stack(1 << 20)
    assert st.hi - st.lo == 2 << 20
    assert st.lo % 16 == 0 and st.hi % 16 == 0


def test_progress_is_reported_after_each_size() -> None:
    calls: list[tuple[int, int]] = []
    points = unsafe_by_size(GO1_23_4, True, [4096, 65552, 69632], lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    # 69632 = 0x11000: a multiple of 4096, 0x11 <= 0xfff -> one shifted ADD.
    assert [p.unsafe for p in points] == [0, 1, 0]


def test_a_bad_size_is_our_error() -> None:
    with pytest.raises(ExplainerError):
        unsafe_by_size(GO1_23_4, True, [65551])


@pytest.mark.parametrize("leaf", [True, False])
def test_default_sizes_show_every_edge(leaf: bool) -> None:
    sizes = default_sizes(leaf=leaf)
    assert sizes == sorted(set(sizes))
    assert all(s % 16 == 0 and s >= min_frame(leaf) for s in sizes)
    assert sizes[0] == min_frame(leaf) and sizes[-1] <= 32 << 20
    assert {4096, 4112, 65536, 65552, 131056, 1048576, 16777168, 16777216} <= set(sizes)
    assert all(buildable(s, leaf) for s in sizes)
    if leaf:
        assert {16777232, 32 << 20} <= set(sizes)


def test_default_sizes_respect_the_limit() -> None:
    assert max(default_sizes(limit=70000)) == 69632
    # The non-leaf spills sum at N - 16: ADD $hi, RSP, R27 + a scaled 12-bit offset reaches
    # 0xfff000 + 0x7ff8; the real assembler takes 16805888 from the constant pool, which is not modelled
    # (tests/data/realgo/objdump/spillslots-go*.txt).
    assert buildable(16805888, leaf=False) and not buildable(16805904, leaf=False)
    assert buildable(16805904, leaf=True)


def test_size_ranges_group_runs_of_equal_unsafe_counts() -> None:
    pts = [SizePoint(4096, 0, 46, "IMM12_SHIFTED"), SizePoint(65552, 1, 48, "SPLIT"),
           SizePoint(4112, 0, 48, "R27_MOVZ"), SizePoint(65568, 1, 48, "SPLIT"),
           SizePoint(69632, 0, 46, "IMM12_SHIFTED")]
    got = [(r.first, r.last, r.unsafe, r.plans, r.sizes) for r in size_ranges(pts)]
    assert got == [(4096, 4112, 0, ("IMM12_SHIFTED", "R27_MOVZ"), 2),
                   (65552, 65568, 1, ("SPLIT",), 2),
                   (69632, 69632, 0, ("IMM12_SHIFTED",), 1)]
    assert size_ranges([]) == []


def test_imports_no_ui() -> None:
    code = ("import sys, explainer.engine.experiments.sizesweep; "
            "sys.exit(1 if [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')] else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
