"""The lessons' literal claims against independent truth.

Facts written as ``{{...}}`` are computed by the engine (and checked by
``explainer lessons --check``). Everything else a lesson states about Go or
arm64 is checked here against real output in ../shared/reference: objdump
lines, crash logs, and the text of RUNTIME.md, STORY.md and README.md.

The core rule: after facts, inline code and list markers are taken out, every
number left in a lesson's prose must be listed in :data:`CLAIMS` for that
lesson, with a check; and every entry there must still be used. A new number
in a lesson without a check fails, and so does a check nobody needs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"
LOGS_DIR = ROOT / "assets" / "logs"
REF = ROOT.parent / "shared" / "reference"
REALGO = ROOT / "tests" / "data" / "realgo"
REALGO_OBJDUMP = REALGO / "objdump"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]-*.md"))

FACT = re.compile(r"\{\{\s*(\w+)([^}]*)\}\}")
CODE = re.compile(r"`([^`]+)`")
LIST_MARKER = re.compile(r"^\s*\d+\.\s")
LESSON_REF = re.compile(r"\b[Ll]essons? (\d+)(?: (?:to|and) (\d+))?")
OBJDUMP_LINE = re.compile(r"^\s+\S+\s+0x([0-9a-f]+)\s+([0-9a-f]{8})\s+(.*?)\s*$")

TOKEN = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in (
    ("srcpos", r"[\w/.]+\.(?:go|s):\d+(?:-\d+)?"),
    ("version", r"\bgo\d+\.\d+(?:\.\d+)?"),
    ("hex", r"\b0x[0-9a-fA-F]+\b"),
    ("word", r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8}\b"),
    ("ident", r"\b[A-Za-z_]+\d\w*"),
    ("number", r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?!\w)"),
)))


# --- the lessons, read with no help from the app ---------------------------------------------

def split_lesson(path: Path) -> tuple[dict[str, str], list[str]]:
    """(front matter, body lines)."""
    text = path.read_text()
    assert text.startswith("---\n"), f"{path.name}: no front matter"
    head, body = text[4:].split("\n---\n", 1)
    meta = dict(line.split(": ", 1) for line in head.splitlines())
    return meta, body.splitlines()


@cache
def facts(path: Path) -> list[tuple[str, list[str]]]:
    _, body = split_lesson(path)
    return [(m.group(1), m.group(2).split()) for line in body for m in FACT.finditer(line)]


def prose_lines(path: Path) -> list[str]:
    """Every body line that is not a ``- do:`` or ``- expect:`` line (those are replayed below)."""
    _, body = split_lesson(path)
    return [ln for ln in body if not re.match(r"^- (do|expect):", ln)]


def claim_tokens(path: Path) -> dict[str, str]:
    """Numeric tokens left after facts, inline code, list markers and lesson references: token -> kind."""
    out: dict[str, str] = {}
    for line in prose_lines(path):
        line = FACT.sub(" ", line)
        line = CODE.sub(" ", line)
        line = LIST_MARKER.sub("", line)
        line = LESSON_REF.sub(" ", line)
        for m in TOKEN.finditer(line):
            out[m.group().rstrip(",")] = m.lastgroup or ""
    return out


# --- independent truth -----------------------------------------------------------------------

def ref_text(name: str) -> str:
    return (REF / name).read_text()


@cache
def objdump_files() -> tuple[Path, ...]:
    return tuple(sorted((REF / "objdump").glob("*.txt")) + sorted(REALGO_OBJDUMP.glob("*.txt")))


@cache
def objdump(path: Path) -> dict[str, list[tuple[int, str, str]]]:
    """function -> [(pc, word, Go text)] of one real ``go tool objdump`` file."""
    out: dict[str, list[tuple[int, str, str]]] = {}
    fn = ""
    for line in path.read_text().splitlines():
        if line.startswith("TEXT "):
            fn = line.split()[1].removesuffix("(SB)")
            out[fn] = []
            continue
        m = OBJDUMP_LINE.match(line)
        if m:
            out[fn].append((int(m.group(1), 16), m.group(2), m.group(3)))
    return out


@cache
def all_objdump_pairs() -> frozenset[tuple[str, str]]:
    return frozenset((w, go) for p in objdump_files() for fn in objdump(p).values() for _, w, go in fn)


def epilogue(file: str, fn: str = "main.big_stack") -> list[tuple[str, str]]:
    """(word, Go text) of ``fn``'s epilogue in real objdump: RET and the R27/R29/R30/RSP writes before it."""
    insns = objdump(REF / "objdump" / file)[fn]
    ret = next(i for i, (_, _, go) in enumerate(insns) if go == "RET")
    start = ret
    while start > 0 and insns[start - 1][2].rpartition(", ")[2] in ("RSP", "R27", "R29", "R30", "(R29, R30)"):
        start -= 1
    return [(w, go) for _, w, go in insns[start:ret + 1]]


def epilogue_of(file: str, fn: str) -> list[tuple[str, str]]:
    """(word, Go text) of ``fn`` up to its first RET, in one of tests/data/realgo/objdump."""
    insns = objdump(REALGO_OBJDUMP / file)[fn]
    ret = next(i for i, (_, _, go) in enumerate(insns) if go == "RET")
    return [(w, go) for _, w, go in insns[:ret + 1]]


def rsp_writes(epi: list[tuple[str, str]]) -> int:
    return sum(1 for _, go in epi if re.search(r", RSP$|^MOVD\.P .*R30$", go))


def frame_of(go_lines: list[str]) -> int:
    """The frame a prologue's ``SUB ..., R20`` instructions take, from their Go text."""
    total = 0
    for go in go_lines:
        m = re.match(r"SUB \$(?:\((\d+)<<12\)|(\d+)), (?:RSP|R20), R20$", go)
        if m:
            total += int(m.group(1)) << 12 if m.group(1) else int(m.group(2))
    return total


def any_ref_text() -> str:
    texts = [ref_text("RUNTIME.md"), ref_text("STORY.md"), ref_text("README.md")]
    texts += [p.read_text() for p in sorted((REF / "crashes").glob("*.log"))]
    texts += [p.read_text() for p in objdump_files()]
    texts += [p.read_text() for p in sorted((REALGO / "gcflags-S").glob("*.txt"))]  # real -gcflags=-S
    texts += [f"{fact['at']} {fact['text']}" for fact in _go_source_lines()]        # real Go sources
    return "\n".join(texts)


@cache
def go_sources() -> dict[str, dict]:  # type: ignore[type-arg]
    """go version -> fact -> {"at", "text"}: lines of Go's sources per release (record_sources.py)."""
    return json.loads((REALGO / "go_sources.json").read_text())["versions"]  # type: ignore[no-any-return]


def _go_source_lines() -> list[dict[str, str]]:
    out = []
    for facts in go_sources().values():
        for fact in facts.values():
            out += fact if isinstance(fact, list) else [fact] if fact else []
    return out


def go_line(version: str, fact: str, at: str, *words: str) -> Callable[[], None]:
    """A claim pinned to one line of Go's source at a release (tests/data/realgo/go_sources.json)."""
    def check() -> None:
        got = go_sources()[version][fact]
        assert got and got["at"] == at and all(w in got["text"] for w in words), (version, fact, got)
    return check


def log_lines(name: str) -> list[str]:
    return (REF / "crashes" / name).read_text().splitlines()


def add_imm(word: str) -> tuple[int, int, int, int, int]:
    """(sf, sh, imm12, Rn, Rd) of an ADD/SUB (immediate) word, worked from the ARM ARM's layout."""
    w = int(word, 16)
    assert (w >> 23) & 0b111111 == 0b100010, f"{word} is not ADD/SUB (immediate)"
    return w >> 31, (w >> 22) & 1, (w >> 10) & 0xFFF, (w >> 5) & 31, w & 31


def in_text(name: str, *phrases: str) -> Callable[[], None]:
    def check() -> None:
        text = " ".join(ref_text(name).split())
        for phrase in phrases:
            phrase = " ".join(phrase.split())
            assert phrase in text, f"{name} does not say {phrase!r}"
    return check


def both(*checks: Callable[[], None]) -> Callable[[], None]:
    def check() -> None:
        for c in checks:
            c()
    return check


def arithmetic(ok: bool) -> Callable[[], None]:
    """A number that is plain arithmetic or prose, not a claim about Go or arm64."""
    def check() -> None:
        assert ok
    return check


# --- checks shared by several lessons ----------------------------------------------------------

def instructions_are_4_bytes() -> None:
    for path in objdump_files():
        for insns in objdump(path).values():
            pcs = [pc for pc, _, _ in insns]
            assert all(b - a == 4 for a, b in zip(pcs, pcs[1:], strict=False)), path.name


def kib64_is_one_movz_chunk() -> None:
    """Below 64 KiB a constant is one 16-bit chunk: real leaf frames under it leave RSP in one write."""
    assert 64 * 1024 == 1 << 16
    for v in ("1.23.4", "1.25.0", "1.27.3"):
        for fn in ("main.tleaf_4096", "main.tleaf_4104", "main.tleaf_20000"):
            assert rsp_writes(epilogue(f"leafsizes-go{v}.txt", fn)) == 1, (v, fn)
        assert rsp_writes(epilogue(f"leafsizes-go{v}.txt", "main.tleaf_65536")) == 2, v


def mib16_is_24_bits() -> None:
    assert 16 * 1024 * 1024 == 1 << 24 == (1 << 12) * (1 << 12)
    assert 4095 + (4095 << 12) == (1 << 24) - 1  # two 12-bit ADDs reach just below 16 MiB


def kib4_is_the_shift() -> None:
    sf, sh, imm, rn, rd = add_imm("914007ff")  # ADD $(1<<12), RSP, RSP in leafsizes tleaf_4080
    assert ("914007ff", "ADD $(1<<12), RSP, RSP") in all_objdump_pairs()
    assert (sh, imm) == (1, 1) and imm << 12 == 4 * 1024 == 4096


def imm12_is_12_bits() -> None:
    sf, sh, imm, rn, rd = add_imm("913fe021")  # ADD $4088, R1, R1 in fast_leaf go1.23.4
    assert ("913fe021", "ADD $4088, R1, R1") in all_objdump_pairs()
    assert imm == 4088 and (0xFFF << 10) & int("913fe021", 16) == 4088 << 10 and 4095 == (1 << 12) - 1


def leaf_frame_65552_splits() -> None:
    epi = epilogue("fast_leaf-go1.23.4.txt")
    adds = [go for _, go in epi if go.endswith(", RSP, RSP")]
    assert adds == ["ADD $16, RSP, RSP", "ADD $(16<<12), RSP, RSP"] and 16 + (16 << 12) == 65552


def nonleaf_frame_65584() -> None:
    insns = objdump(REF / "objdump" / "fast_nonleaf-go1.23.4.txt")["main.big_stack"]
    assert frame_of([go for _, _, go in insns[:12]]) == 65584
    adds = [go for _, go in epilogue("fast_nonleaf-go1.23.4.txt") if go.endswith(", RSP, RSP")]
    assert adds == ["ADD $48, RSP, RSP", "ADD $(16<<12), RSP, RSP"]
    assert 65584 & 0xFFF == 48


def buffer_is_64_kib() -> None:
    for src in ("fast_leaf.go", "fast_nonleaf.go"):
        assert "var big_buffer [1 << 16]byte" in (REF / "src" / src).read_text()
    assert 1 << 16 == 64 * 1024


def go127_leaf_still_splits() -> None:
    epi = epilogue("fast_leaf-go1.27.3.txt")
    assert rsp_writes(epi) == 2


def register_31_is_sp_or_zr() -> None:
    """31 registers R0..R30: the 5-bit field's last value, 31, names SP in an ADD and ZR in an ORR."""
    assert len([f"R{n}" for n in range(31)]) == 31
    assert ("910043ff", "ADD $16, RSP, RSP") in all_objdump_pairs() and add_imm("910043ff")[3:] == (31, 31)
    assert ("aa1f03e1", "MOVD ZR, R1") in all_objdump_pairs() and (int("aa1f03e1", 16) >> 16) & 31 == 31


def ret_reads_r30() -> None:
    """RET's bits 5 to 9 (Rn) hold 30 in the real encoding."""
    assert ("d65f03c0", "RET") in all_objdump_pairs() and (int("d65f03c0", 16) >> 5) & 31 == 30


def one_mib_is_one_shifted_add() -> None:
    assert 1048576 == 1024 * 1024 and 1048576 % 4096 == 0 and (1048576 >> 12) < 4096


def bitmask_example() -> None:
    """0xFFFF0: a run of 16 ones, two 16-bit chunks, low 12 bits not 0; keystone encodes it as ORR."""
    assert 1048560 == 0xFFFF0 and 0xFFFF0 >> 4 == 0xFFFF and 1048560 & 0xFFF and 1048560 >> 16
    assert _keystone_ok("orr x27, xzr, #0xffff0")


def frame_4112_goes_through_r27() -> None:
    assert epilogue("leafsizes-go1.23.4.txt", "main.tleaf_4096")[-3:] == [
        ("d282021b", "MOVD $4112, R27"), ("8b3b63ff", "ADD R27, RSP, RSP"), ("d65f03c0", "RET")]


def frame_65536_is_one_shifted_add() -> None:
    epi = epilogue("leafsizes-go1.23.4.txt", "main.tleaf_65520")
    assert 65536 == 16 << 12 and ("914043ff", "ADD $(16<<12), RSP, RSP") in epi and rsp_writes(epi) == 1


def small_frame_of_48() -> None:
    """A real 48-byte non-leaf frame (tleaf_200000 after go1.24 moved its array to the heap)."""
    fn = "main.tleaf_200000"
    assert epilogue("leafsizes-go1.25.0.txt", fn)[-3:] == [
        ("f85f83fd", "MOVD -8(RSP), R29"), ("f84307fe", "MOVD.P 48(RSP), R30"), ("d65f03c0", "RET")]
    prologue = [go for _, _, go in objdump(REF / "objdump" / "leafsizes-go1.25.0.txt")[fn][:6]]
    assert "MOVD.W R30, -48(RSP)" in prologue


def go127_crash_pc_is_the_second_add() -> None:
    insns = objdump(REF / "objdump" / "fast_leaf-go1.27.3.txt")["main.big_stack"]
    assert (0x8831C, "914043ff", "ADD $(16<<12), RSP, RSP") in insns
    assert "pc=0x8831c" in log_lines("fast_leaf-go1.27.3-singlestep.log")[44]


def sigsegv_at_traceback_458() -> None:
    log = log_lines("cloudflare_shape-go1.23.4-singlestep.log")
    assert "runtime/traceback.go:458 " in log[5] and "addr=0x118" in log[1]


# --- every number each lesson states, and how it is checked ------------------------------------

OK = arithmetic(True)

CLAIMS: dict[str, dict[str, Callable[[], None]]] = {
    "01-arm64": {
        "4": instructions_are_4_bytes,
        "31": register_31_is_sp_or_zr,
        "64": lambda: _assert(all(add_imm(w)[0] == 1 for w in ("910043ff", "914043ff", "910023fd"))),
        "30": ret_reads_r30,
        "5": ret_reads_r30,
        "9": ret_reads_r30,
        "go1.23.4": in_text("README.md", "1.23.4"),
    },
    "02-add-immediate": {
        "12": imm12_is_12_bits,
        "0": imm12_is_12_bits,
        "4095": imm12_is_12_bits,
        "4096": kib4_is_the_shift,
        "4": kib4_is_the_shift,
        "16": mib16_is_24_bits,
        "24": mib16_is_24_bits,
        "1048576": one_mib_is_one_shifted_add,
        "1": one_mib_is_one_shifted_add,
        "1048560": bitmask_example,
        "4112": frame_4112_goes_through_r27,
        "65552": leaf_frame_65552_splits,
        "16781312": lambda: _assert(16781312 == (1 << 24) + 4096 and 16781312 >= 1 << 24),
        "65536": frame_65536_is_one_shifted_add,
        "64": kib64_is_one_movz_chunk,
        "65,584": nonleaf_frame_65584,
        "go1.23.4": in_text("README.md", "1.23.4"),
        "131056": lambda: _assert(epilogue_of("sizes-go1.27.3.txt", "main.leaf_131040")[-3:-1] == [
            ("b27c33fb", "MOVD $131056, R27"), ("8b3b63ff", "ADD R27, RSP, RSP")] and 131056 == 0x1FFF0),
    },
    "03-frame": {
        "64": both(buffer_is_64_kib, lambda: _assert(
            epilogue_of("sizes-go1.23.4.txt", "main.nonleaf_8")[-3:] == [
                ("a97ffbfd", "LDP -8(RSP), (R29, R30)"), ("910103ff", "ADD $64, RSP, RSP"),
                ("d65f03c0", "RET")])),
        # obj7.go's MOVD.P path for small non-leaf frames: in go1.24.3 (obj7.go:876), in no go1.23.x
        "go1.24": go_line("go1.24.3", "small_nonleaf_movdp", "obj7.go:876", "MOVD.P"),
        "go1.23": lambda: _assert(all(go_sources()[v]["small_nonleaf_movdp"] is None
                                      for v in go_sources() if v.startswith("go1.23."))),
        "48": small_frame_of_48,
        "go1.23.4": in_text("README.md", "1.23.4"),
        "go1.25.0": in_text("README.md", "1.25.0"),
    },
    "04-preemption": {
        "1.14": in_text("STORY.md", "Async preemption arrived in Go 1.14"),
        "10": both(in_text("RUNTIME.md", "`forcePreemptNS` = 10 ms"), in_text("STORY.md", "more than 10 ms")),
        "16": in_text("RUNTIME.md", "SP -= 16"),
        "go1.23.4": in_text("RUNTIME.md", "go1.25 and earlier: a 496-byte frame"),
        "go1.26": in_text("RUNTIME.md", "go1.26 and later: a 240-byte frame"),
        "35470": go_line("go1.23.4", "stacksplit_issue_35470", "obj7.go:169", "See issue #35470"),
        "306": go_line("go1.23.4", "asyncPreempt2_park", "runtime/preempt.go:306", "mcall(preemptPark)"),
        "308": go_line("go1.23.4", "asyncPreempt2_gopreempt", "runtime/preempt.go:308", "mcall(gopreempt_m)"),
        "1": lambda: _assert("goroutine 1 " in log_lines("cloudflare_shape-go1.23.4-singlestep.log")[33]),
    },
    "05-unwinding": {
        "0": in_text("RUNTIME.md", "`frame.lr == 0` → `finishInternal()`"),
        "go1.23.4": go_line("go1.23.4", "finish_condition", "runtime/traceback.go:563",
                            "u.flags&(unwindPrintErrors|unwindSilentErrors) == 0"),
    },
    "06-race": {
        "12": lambda: _assert(65584 & 0xFFF == 48 and add_imm("9100c3ff")[1:3] == (0, 48)),
        "48": nonleaf_frame_65584,
        "0": in_text("RUNTIME.md", "`frame.lr == 0` → `finishInternal()`"),
        "go1.23.4": in_text("README.md", "1.23.4"),
        "go1.25": in_text("RUNTIME.md", "`addr=0x110` on go1.25"),
        "go1.25.0": in_text("README.md", "1.25.0"),
        "go1.26": in_text("RUNTIME.md", "Up to and including go1.26.x"),
        "go1.27.0": in_text("RUNTIME.md", "From go1.27.0"),
        "0x110": in_text("RUNTIME.md", "addr=0x110"),
        "0xe8": in_text("README.md", "its buffer is all 0xe8"),
        "traceback.go:566": lambda: _assert("\truntime/traceback.go:566 +0x110" in
                                            log_lines("fast_nonleaf-go1.23.4-singlestep.log")[8]),
        "traceback.go:447": lambda: _assert("\truntime/traceback.go:447 " in
                                            log_lines("fast_nonleaf-go1.23.4-singlestep.log")[10]),
        "mgcmark.go:887": lambda: _assert("\truntime/mgcmark.go:887 " in
                                          log_lines("fast_nonleaf-go1.23.4-singlestep.log")[12]),
        "traceback.go:458": sigsegv_at_traceback_458,
    },
    "07-fix": {
        "73259": in_text("RUNTIME.md", '"See issue 73259"'),
        "go1.23.4": in_text("RUNTIME.md", "**before the fix** (go1.23.4, go1.24.3)"),
        "go1.25.0": in_text("STORY.md", "Released in go1.23.12, go1.24.6 and go1.25.0"),
        "go1.23.12": both(in_text("STORY.md", "Released in go1.23.12, go1.24.6 and go1.25.0"),
                          in_text("RUNTIME.md", "(go1.23.12, go1.24.6 and later")),
        "go1.24.6": in_text("RUNTIME.md", "(go1.23.12, go1.24.6 and later"),
        # the patch release just before each boundary (the engine knows both, see test_fix_boundaries)
        "go1.23.11": in_text("RUNTIME.md", "go1.23.12"),
        "go1.24.5": in_text("RUNTIME.md", "go1.24.6"),
        "go1.24": in_text("RUNTIME.md", "go1.24.6"),
        # the "See issue 73259" branch of obj7.go: present in go1.24.11, absent in go1.23.9 and go1.24.3
        "go1.24.11": go_line("go1.24.11", "fix_comment", "obj7.go:927", "See issue 73259"),
        "go1.23.9": lambda: _assert(go_sources()["go1.23.9"]["fix_comment"] is None),
        "go1.24.3": lambda: _assert(go_sources()["go1.24.3"]["fix_comment"] is None),
    },
    "08-hunting": {
        "30": in_text("STORY.md", "up to 30 fatal panics a day"),
        "0x118": in_text("STORY.md", "SIGSEGV at address 0x118"),
        "0x555577cb2880": in_text("STORY.md", "at PC 0x555577cb2880, in `(*NetlinkSocket).Receive` at "
                                  "`nl_linux.go:779`"),
        "nl_linux.go:779": in_text("STORY.md", "`nl_linux.go:779`"),
        "73259": in_text("STORY.md", "golang/go#73259"),
        "80": in_text("STORY.md", "0x555577cb287c  ADD $80, RSP, RSP"),
        "16": both(in_text("STORY.md", "0x555577cb2880  ADD $(16<<12), RSP, RSP"),  # and "16 runs"
                   in_text("README.md", "0 crashes in 16 runs of 240 s")),
        "12": in_text("STORY.md", "0x555577cb2880  ADD $(16<<12), RSP, RSP"),
        "0": in_text("README.md", "0 crashes in 16 runs of 240 s"),
        "240": in_text("README.md", "0 crashes in 16 runs of 240 s"),
        "3": in_text("README.md", "go1.27.3 (3 of 3: 56, 63, 74 s) crashed"),
        "go1.27.3": in_text("README.md", "go1.27.3 (3 of 3: 56, 63, 74 s) crashed"),
        "go1.26": in_text("RUNTIME.md", "but up to go1.26 the `gp.m.incgo` read comes first, so a parked "
                          "goroutine still SIGSEGVs"),
        "go1.23.9": in_text("STORY.md", "did not crash on go1.23.9 although objdump still showed the split"),
    },
    "09-scale": {
        "84": in_text("STORY.md", "about 84 million HTTP requests per second"),
        "330": in_text("STORY.md", "data centres in 330 cities"),
        "30": in_text("STORY.md", "up to 30 fatal panics a day"),
        "10": both(in_text("STORY.md", "in under 10 % of data centres"), OK),  # also "multiply by 10"
        "1,000": lambda: _assert(_assumptions().machines == 1000),
        "0.01": lambda: _assert(_assumptions().preemptions_per_second == 0.01),
        "100": lambda: _assert(1 / _assumptions().preemptions_per_second == 100),
        "0.5": lambda: _assert(_assumptions().p_unwound == 0.5),
        "86,400": lambda: _assert(24 * 60 * 60 == 86400),
        "34": lambda: _assert(round(_per_day()) == 34),
        "1": OK,  # "close to 1": a probability
        "0": OK,  # "sets the window to 0"
    },
    "10-still-split": {
        "go1.27.3": both(in_text("README.md", "1.27.3"), go127_leaf_still_splits),
        "go1.24": in_text("README.md", "From go1.24 on, arrays of more than 128 KiB move to the heap"),
        "128": in_text("README.md", "arrays of more than 128 KiB move to the heap"),
        "go1.27": in_text("RUNTIME.md", "From go1.27.0"),
        "64": both(buffer_is_64_kib, kib64_is_one_movz_chunk),
        "16": mib16_is_24_bits,
        "4": kib4_is_the_shift,
        "0x8831c": go127_crash_pc_is_the_second_add,
        "0": lambda: _assert(log_lines("fast_leaf-go1.27.3-singlestep.log")[2]
                             == "fatal error: traceback did not unwind completely"),
        "2": in_text("README.md", "leaf go1.27.3 with `GODEBUG=asyncpreemptoff=1` ran 2×240 s"),
        "240": in_text("README.md", "ran 2×240 s without a crash"),
        "70,000": lambda: _assert(rsp_writes(epilogue("leafsizes-go1.27.3.txt", "main.tleaf_70000")) == 2),
        # a real go1.27.3 build of a leaf with [4104]byte (gcflags-S/leaf_4104-go1.27.3.txt): frame 4128
        "4,104": lambda: _assert("main.leaf_4104(SB), LEAF|ABIInternal, $4128-8" in
                                 (REALGO / "gcflags-S" / "leaf_4104-go1.27.3.txt").read_text()),
        "4,128": lambda: _assert("main.leaf_4104(SB), LEAF|ABIInternal, $4128-8" in
                                 (REALGO / "gcflags-S" / "leaf_4104-go1.27.3.txt").read_text()),
    },
}


def _assert(ok: object) -> None:
    assert ok


def _keystone_ok(asm: str) -> bool:
    import keystone

    ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
    encoding, _ = ks.asm(asm)
    return bool(encoding) and len(encoding) == 4


def _assumptions():  # type: ignore[no-untyped-def]
    from explainer.engine.experiments.scale import Assumptions

    return Assumptions()


def _per_day() -> float:
    from dataclasses import replace

    from explainer.engine.experiments.scale import crashes_per_day, measured
    from explainer.engine.experiments.scenario import parse

    meta, _ = split_lesson(LESSONS_DIR / "09-scale.md")
    window, calls = measured(parse(meta["scenario"]))
    return crashes_per_day(replace(_assumptions(), window=window, instructions_per_call=calls))


# --- tests -----------------------------------------------------------------------------------

def test_there_are_ten_lessons() -> None:
    assert [p.name[:2] for p in LESSONS] == [f"{i:02d}" for i in range(1, 11)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_number_has_a_check(path: Path) -> None:
    tokens = claim_tokens(path)
    claims = CLAIMS.get(path.stem, {})
    unchecked = sorted(set(tokens) - set(claims) - _generic(tokens))
    assert not unchecked, f"{path.name}: numbers with no check in CLAIMS: {unchecked}"
    unused = sorted(set(claims) - set(tokens))
    assert not unused, f"{path.name}: CLAIMS entries the lesson no longer states: {unused}"


def _generic(tokens: dict[str, str]) -> set[str]:
    """Tokens checked by a rule for their kind rather than one by one (see the tests below)."""
    return {t for t, kind in tokens.items() if kind in ("word", "srcpos", "hex") or
            (kind == "ident" and _is_register_or_name(t))}


def _is_register_or_name(t: str) -> bool:
    return bool(re.fullmatch(r"[RXF]\d+|arm64|amd64|imm12|asm7|obj7|sp1|sp2", t))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_claims_hold(path: Path) -> None:
    tokens = claim_tokens(path)
    for token, check in CLAIMS.get(path.stem, {}).items():
        if token in tokens:
            try:
                check()
            except AssertionError as err:
                raise AssertionError(f"{path.name}: the claim behind {token!r} fails: {err}") from err


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_registers_and_names_are_real(path: Path) -> None:
    """R-names appear in real objdump; X-names are what capstone calls the same registers; names exist."""
    import capstone

    text = any_ref_text()
    md = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    arm = " ".join(i.op_str for w, _ in all_objdump_pairs()
                   for i in md.disasm(int(w, 16).to_bytes(4, "little"), 0))
    for token, kind in claim_tokens(path).items():
        if kind != "ident" or not _is_register_or_name(token):
            continue
        if token in ("sp1", "sp2"):
            continue  # the lab's anchor names, replayed in test_steps_replay
        if token.startswith("X"):
            n = int(token[1:])
            assert re.search(rf"\bx{n}\b", arm), f"{path.name}: capstone never prints x{n}"
            assert re.search(rf"\bR{n}\b", text), f"{path.name}: Go never prints R{n}"
        else:
            assert re.search(rf"\b{re.escape(token)}\b", text), f"{path.name}: {token} is in no reference"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_hex_words_match_real_objdump(path: Path) -> None:
    """A hex word written in a lesson is a real instruction, with the Go text written next to it."""
    pairs = all_objdump_pairs()
    words = {w for w, _ in pairs}
    for line in prose_lines(path):
        for m in re.finditer(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])([0-9a-f]{8})\b", FACT.sub(" ", line)):
            assert m.group(1) in words, f"{path.name}: {m.group(1)} is in no real objdump"
        for span in CODE.findall(line):
            m = re.fullmatch(r"([0-9a-f]{8}) (.+)", span)
            if m:
                assert (m.group(1), m.group(2)) in pairs, f"{path.name}: `{span}` is not a real objdump line"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_inline_code_with_numbers_is_quoted_from_real_output(path: Path) -> None:
    """Inline code that holds a digit is a real instruction, or words from the reference texts."""
    text = " ".join(any_ref_text().split())
    pairs = all_objdump_pairs()
    for line in prose_lines(path):
        for span in CODE.findall(FACT.sub(" ", line)):
            if not re.search(r"\d", span):
                continue
            m = re.fullmatch(r"([0-9a-f]{8}) (.+)", span)
            if m:
                continue  # test_hex_words_match_real_objdump
            assert span in text or any(go == span for _, go in pairs), \
                f"{path.name}: `{span}` is not in real objdump nor in the reference texts"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_source_positions_and_hex_are_real(path: Path) -> None:
    text = any_ref_text()
    for token, kind in claim_tokens(path).items():
        if kind == "srcpos":
            assert token in text, f"{path.name}: {token} is in no crash log or reference text"
        if kind == "hex":
            assert re.search(rf"{token}\b", text), f"{path.name}: {token} is in no real output"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_references_exist(path: Path) -> None:
    numbers = {int(p.name[:2]) for p in LESSONS}
    for line in prose_lines(path):
        for m in LESSON_REF.finditer(line):
            for n in filter(None, m.groups()):
                assert int(n) in numbers, f"{path.name}: refers to lesson {n}"


def test_log_copies_are_byte_identical() -> None:
    copies = sorted(LOGS_DIR.glob("*.log"))
    assert copies, "assets/logs/ is empty"
    for copy in copies:
        assert copy.read_bytes() == (REF / "crashes" / copy.name).read_bytes(), copy.name


def test_lesson_10_quotes_the_real_go1_27_3_log() -> None:
    quoted = {args[0] for name, args in facts(LESSONS_DIR / "10-still-split.md") if name == "log"}
    assert "fast_leaf-go1.27.3-singlestep.log" in quoted


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_log_quotes_point_at_real_lines(path: Path) -> None:
    for name, args in facts(path):
        if name != "log":
            continue
        file, line = args[0], int(args[1])
        assert (LOGS_DIR / file).exists(), f"{path.name}: {file} is not copied into assets/logs/"
        lines = log_lines(file)
        assert 1 <= line <= len(lines) and lines[line - 1].strip(), f"{path.name}: {file} line {line}"


def test_quoted_log_lines_say_what_the_lessons_say() -> None:
    """The lines lessons 6 and 10 quote are the ones their prose describes."""
    nonleaf = log_lines("fast_nonleaf-go1.23.4-singlestep.log")
    assert nonleaf[0].startswith("runtime: g1: frame.sp=") and nonleaf[2].startswith("fatal error: traceback")
    assert "addr=0x118" in log_lines("cloudflare_shape-go1.23.4-singlestep.log")[1]
    leaf = log_lines("fast_leaf-go1.27.3-singlestep.log")
    assert leaf[0].startswith("runtime: g1: frame.sp=")
    assert leaf[2] == "fatal error: traceback did not unwind completely"
    assert "[preempted (scan)]" in leaf[38] and leaf[43] == "main.big_stack(0x0?)"
    assert "pc=0x8831c" in leaf[44]


def test_fix_boundaries_match_the_reference_and_the_engine() -> None:
    """Lesson 7: go1.23.12, go1.24.6 and go1.25.0 are the first fixed releases (RUNTIME.md, STORY.md)."""
    text = " ".join((LESSONS_DIR / "07-fix.md").read_text().split())
    assert "The fix shipped in go1.23.12, go1.24.6 and go1.25.0 (the write-up says so)." in text
    in_text("RUNTIME.md", "(go1.23.12, go1.24.6 and later")()
    in_text("STORY.md", "Released in go1.23.12, go1.24.6 and go1.25.0")()
    from explainer.engine.experiments.experiment import run
    from explainer.engine.experiments.scenario import parse

    for before in ("1.23.4", "1.23.11", "1.24.3", "1.24.5"):
        assert run(parse(f"go{before}/65584")).outcome.value == "crash", before
    for after in ("1.23.12", "1.24.6", "1.24.11", "1.25.0", "1.27.3"):
        assert run(parse(f"go{after}/65584")).outcome.value == "refused", after


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_front_matter_and_checkpoints(path: Path) -> None:
    meta, body = split_lesson(path)
    assert meta["format"] == "1" and meta["title"] and meta["scenario"]
    assert meta.get("widget", "none") == {"02": "encoder", "09": "scale"}.get(path.name[:2], "none")
    checkpoints = [i for i, ln in enumerate(body) if ln.startswith("## Checkpoint: ")]
    assert checkpoints, f"{path.name}: no checkpoint"
    for i in checkpoints:
        block = []
        for ln in body[i + 1:]:
            if ln.startswith("## "):
                break
            block.append(ln)
        options = [j for j, ln in enumerate(block) if re.match(r"^- \[[ x]\] ", ln)]
        assert len(options) >= 2 and any(block[j].startswith("- [x]") for j in options), body[i]
        for j in options:
            assert j + 1 < len(block) and block[j + 1].startswith("  > "), f"{body[i]}: {block[j]}"


# --- the steps, replayed on the engine ---------------------------------------------------------

def _steps(path: Path) -> list[tuple[str, list[str], list[str]]]:
    _, body = split_lesson(path)
    steps: list[tuple[str, list[str], list[str]]] = []
    for ln in body:
        if ln.startswith("## "):
            steps.append((ln, [], []))
        elif steps and (m := re.match(r"^- (do|expect): (.*)$", ln)):
            (steps[-1][1] if m.group(1) == "do" else steps[-1][2]).append(FACT.sub("", m.group(2)).strip())
    return [s for s in steps if s[0].startswith("## Step: ")]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_steps_replay(path: Path) -> None:
    """Each lesson's steps, played on an engine Session in order, meet their expects."""
    from explainer.engine.experiments.scenario import parse
    from explainer.engine.experiments.session import Session
    from explainer.engine.runtime.unwind import Trigger

    meta, _ = split_lesson(path)
    s = Session(parse(meta["scenario"]))

    def anchor(a: str) -> int:
        return s.function.entry + int(a[1:], 16) if a.startswith("+") else s.anchors[a]

    last = None
    for title, dos, expects in _steps(path):
        for do in dos:
            verb, *arg = do.split()
            n = int(arg[0]) if arg and arg[0].isdigit() else 1
            if verb == "step":
                for _ in range(n):
                    s.step()
            elif verb == "back":
                for _ in range(n):
                    s.back()
            elif verb == "reset":
                s.reset()
                last = None
            elif verb == "run_to":
                s.run_to(anchor(arg[0]))
            elif verb == "preempt":
                last = s.preempt()
            elif verb == "unwind":
                last = s.preempt(Trigger(arg[0]))
            else:
                assert verb == "split", f"{path.name}: {title}: unknown do {do!r}"
        for exp in expects:
            kind, _, want = exp.partition(" ")
            if kind == "pc":
                assert s.current.snapshot.pc == anchor(want), f"{path.name}: {title}: {exp}"
            elif kind == "outcome":
                assert last is not None and last.outcome.value == want, \
                    f"{path.name}: {title}: {exp}, got {last.outcome if last else None}"
            else:
                assert kind == "output", exp
                out = last.walk.output if last and last.walk else ()
                assert any(want in line for line in out), f"{path.name}: {title}: {exp}, got {out}"
