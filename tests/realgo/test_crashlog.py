"""Crash-log parsing against every real crash log in ../shared/reference/crashes.

Truth comes from outside the parser: the PC the runtime names must be the second ``ADD ..., RSP, RSP``
of ``main.big_stack`` in the real ``go tool objdump`` of the same program and release
(tests/data/realgo/objdump), the line ``runtime: g1: frame.sp=...`` must agree with the ``sp=`` the same
log prints on the interrupted frame, and the headline must be one of the runtime's two messages for
this bug, as the reference README describes each log.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.realgo import crashlog

ROOT = Path(__file__).resolve().parents[2]
CRASHES = ROOT.parent / "shared" / "reference" / "crashes"
OBJDUMP = ROOT / "tests" / "data" / "realgo" / "objdump"
LOGS = sorted(CRASHES.glob("*.log"))

UNWIND = "fatal error: traceback did not unwind completely"


def _second_add(program: str, go: str) -> int:
    """The PC of the last ``ADD $(...<<12), RSP, RSP`` in main.big_stack, read off real objdump."""
    text = (OBJDUMP / f"{program}-go{go}.txt").read_text()
    pcs = [int(m.group(1), 16) for m in
           re.finditer(r"^\s+\S+\s+(0x[0-9a-f]+)\s+[0-9a-f]{8}\s+ADD \$\(\d+<<12\), RSP, RSP", text, re.M)]
    assert pcs, f"no split release in {program}-go{go}"
    return pcs[-1]


def _name(log: Path) -> tuple[str, str]:
    m = re.match(r"(\w+)-go([\d.]+?)(?:-singlestep)?\.log$", log.name)
    assert m, log.name
    return m.group(1), m.group(2)


@pytest.mark.reference  # reads ../shared/reference (tests/conftest.py)
def test_every_reference_log_is_seen() -> None:
    assert len(LOGS) == 9, [p.name for p in LOGS]


@pytest.mark.parametrize("log", LOGS, ids=[p.name for p in LOGS])
def test_interrupted_pc_is_the_second_add(log: Path) -> None:
    program, go = _name(log)
    crash = crashlog.parse(log.read_text())
    assert crash is not None
    assert crash.interrupted is not None
    assert crash.interrupted.function == "main.big_stack"
    assert crash.interrupted.pc == _second_add(program, go)
    assert crash.victim is not None and crash.victim.id == 1 and "(scan)" in crash.victim.status
    assert crash.scanned_gp == crash.victim.gp


@pytest.mark.parametrize("log", LOGS, ids=[p.name for p in LOGS])
def test_headline_in_the_runtimes_words(log: Path) -> None:
    crash = crashlog.parse(log.read_text())
    assert crash is not None
    if log.name.startswith("cloudflare_shape"):  # the README: the 0xe8 buffer gives the nil-m SIGSEGV
        assert crash.signal == "SIGSEGV" and crash.signal_addr == 0x118
        assert crash.signal_function == "runtime.(*unwinder).next"
        assert crash.describe() == ("SIGSEGV: segmentation violation addr=0x118 "
                                    "in runtime.(*unwinder).next")
        assert crash.frame_sp is None
    else:
        assert crash.headline == UNWIND and crash.signal is None
        # the unwinder stopped at the interrupted frame's sp, short of the stack top
        assert crash.interrupted is not None
        assert crash.frame_sp == crash.interrupted.sp
        assert crash.stack is not None and crash.stack[0] < crash.frame_sp < crash.top < crash.stack[1]


def test_leaf_go1_23_4_by_hand() -> None:
    """Values copied by eye from fast_leaf-go1.23.4.log, so a field mix-up shows."""
    crash = crashlog.parse((CRASHES / "fast_leaf-go1.23.4.log").read_text())
    assert crash is not None
    assert (crash.frame_sp, crash.top) == (0x40000BDF20, 0x40000CDFD0)
    assert crash.stack == (0x40000AE000, 0x40000CE000)
    assert crash.interrupted is not None
    assert (crash.interrupted.sp, crash.interrupted.fp) == (0x40000BDF20, 0x40000CDF30)
    assert crash.interrupted.where == "./fast/main.go:15"
    assert crash.victim is not None and crash.victim.status == "preempted (scan)"


def test_crash_after_other_output() -> None:
    log = (CRASHES / "fast_nonleaf-go1.23.4-singlestep.log").read_text()
    crash = crashlog.parse("starting\nstill running\n" + log)
    assert crash is not None and crash.headline == UNWIND


@pytest.mark.parametrize("text", ["", "hello\nworld\n", "runtime stack:\n", "goroutine 1 [running]:\n"])
def test_no_crash_report(text: str) -> None:
    assert crashlog.parse(text) is None


def test_truncated_report_still_names_the_error() -> None:
    log = (CRASHES / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()
    crash = crashlog.parse("\n".join(log[:4]))
    assert crash is not None and crash.headline == UNWIND and crash.interrupted is None


def test_unknown_caller_pc_from_a_real_go1_27_3_run() -> None:
    """Recorded by explainer repro (tests/realgo/data/README.md); the PC must be objdump's second ADD."""
    log = Path(__file__).parent / "data" / "cloudflare_shape-go1.27.3-singlestep.log"
    crash = crashlog.parse(log.read_text())
    assert crash is not None
    assert crash.headline == "fatal error: unknown caller pc" and crash.signal is None
    assert crash.unexpected_return == ("main.big_stack", 0xE8E8E8E8E8E8E8E8)
    assert crash.interrupted is not None and crash.interrupted.function == "main.big_stack"
    assert crash.interrupted.pc == _second_add("cloudflare_shape", "1.27.3")
    assert crash.victim is not None and crash.victim.status == "preempted (scan)"
    assert crash.scanned_gp == crash.victim.gp
