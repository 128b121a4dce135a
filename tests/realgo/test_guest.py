"""Process handling of ``explainer repro`` with tiny fake guests (Python one-liners, a shell "qemu").

These test the time limit, the live echo, crash timing, killing, and the command's counting, not Go:
the fake guests print a real crash log from ../shared/reference at a known moment.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from explainer.realgo import guest, tries
from explainer.realgo.qemu import SingleStep

CRASHES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "crashes"
LOG = CRASHES / "fast_nonleaf-go1.23.4-singlestep.log"


def _py(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", code]


@pytest.mark.reference  # reads ../shared/reference (tests/conftest.py)
def test_crash_is_timed_at_the_report_and_echoed_live() -> None:
    seen: list[tuple[float, str]] = []
    start = time.monotonic()
    code = (f"import sys, time; print('starting'); time.sleep(0.6); "
            f"sys.stderr.write(open({str(LOG)!r}).read()); sys.exit(2)")
    out = guest.run(_py(code), timeout=20, echo=lambda line: seen.append((time.monotonic() - start, line)))
    assert out.crashed and not out.timed_out and out.status == 2
    assert 0.6 <= out.seconds < 5
    assert seen[0][1] == "starting" and seen[0][0] < 0.5  # echoed before the guest went quiet
    assert [line for _t, line in seen] == out.output.splitlines()
    assert out.output.splitlines()[1:] == LOG.read_text().splitlines()


def test_silent_guest_runs_its_time_and_is_killed() -> None:
    pid_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"guest-{os.getpid()}.pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    start = time.monotonic()
    out = guest.run(_py(code), timeout=1.0, echo=lambda line: None)
    took = time.monotonic() - start
    assert not out.crashed and out.timed_out and out.status is None and out.seconds == 1.0
    assert 1.0 <= took < 4
    pid = int(pid_file.read_text())
    pid_file.unlink()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_guest_that_hangs_after_its_report_is_killed_after_grace() -> None:
    code = "import time; time.sleep(0.3); print('fatal error: unknown caller pc'); time.sleep(60)"
    start = time.monotonic()
    out = guest.run(_py(code), timeout=30, echo=lambda line: None, grace=0.5)
    assert out.crashed and out.status is None
    assert 0.3 <= out.seconds < 2 and time.monotonic() - start < 5


def test_quiet_exit_counts_as_ended_early() -> None:
    out = guest.run(_py("import sys; sys.exit(3)"), timeout=30, echo=lambda line: None)
    assert out.crashed and out.status == 3 and out.output == ""


def test_progress_while_quiet_but_not_at_the_limit() -> None:
    ticks: list[float] = []
    guest.run(_py("import time; time.sleep(5)"), timeout=1.2, echo=lambda line: None,
              progress=ticks.append, progress_every=0.3)
    assert len(ticks) == 3 and all(0.29 < b - a < 0.6 for a, b in zip(ticks, ticks[1:], strict=False))
    assert ticks[-1] < 1.2  # "no crash in 1.2 seconds" says the rest; no tick at 1.2 s


def _fake_qemu(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "qemu-aarch64"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.reference  # reads ../shared/reference (tests/conftest.py)
def test_tries_count_crashes_and_place_the_pc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # crashes only when asked for one instruction per block, like the real race
    fake = _fake_qemu(tmp_path, f'[ "$QEMU_SINGLESTEP" = 1 ] && cat {LOG} >&2 && exit 2\nsleep 30\n')

    class Finding:  # the split release of fast_nonleaf-go1.23.4, read off its real objdump
        function, pcs, frame_size, status, preemptible = "main.big_stack", (0x77C9C, 0x77CA0), 65584, \
            "nonleaf-split", True

    status = tries.run_tries(fake, SingleStep(env={"QEMU_SINGLESTEP": "1"}), tmp_path / "fast_nonleaf",
                            "go1.23.4", "nonleaf", 20.0, 2, [Finding()])
    out = capsys.readouterr().out
    assert status == 1
    assert out.count("crashed after") == 2
    assert "fatal error: traceback did not unwind completely" in out
    assert "  | fatal error: traceback did not unwind completely" in out  # streamed
    assert "goroutine 1 [preempted (scan)] was interrupted in main.big_stack at pc=0x77ca0" in out
    assert "the crash is at the second half of the split release in main.big_stack" in out
    assert "crashes: 2/2 (go1.23.4, nonleaf" in out

    status = tries.run_tries(fake, SingleStep(), tmp_path / "fast_nonleaf", "go1.23.4", "nonleaf",
                            0.5, 2, "not scanned")
    out = capsys.readouterr().out
    assert status == 0
    assert out.count("no crash in 0.5 seconds") == 2 and "crashes: 0/2" in out


@pytest.mark.parametrize(("sig", "status", "word"), [("SIGINT", 130, "interrupted"),
                                                     ("SIGTERM", 143, "terminated")])
def test_stopping_repro_kills_the_guest(sig: str, status: int, word: str, tmp_path: Path) -> None:
    """The talk stops a live repro with SIGINT, a service manager with SIGTERM: qemu must not outlive it."""
    import signal
    import subprocess

    pid_file = tmp_path / "guest.pid"
    fake = _fake_qemu(tmp_path, f"echo $$ > {pid_file}\nexec sleep 60\n")
    code = ("import sys; from pathlib import Path; from explainer.realgo import tries; "
            "from explainer.realgo.qemu import SingleStep; "
            f"sys.exit(tries.run_tries(Path({str(fake)!r}), SingleStep(), Path({str(tmp_path / 'b')!r}), "
            "'go1.23.4', 'nonleaf', 60.0, 3, 'not scanned'))")
    repro = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    guest_pid = int(pid_file.read_text())
    repro.send_signal(getattr(signal, sig))
    out, _ = repro.communicate(timeout=20)
    assert repro.returncode == status
    assert f"\n{word}\n" in out and "crashes: 0/0" in out
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(guest_pid, 0)
