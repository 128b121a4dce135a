"""Issue 22, items 2 and 12: talks, lessons and the progress file are read bounded, and never block.

Each command runs in a fresh interpreter with a time limit (a hang fails the test instead of blocking
it) and reports its own peak RSS. Before: ``present /dev/zero`` grew until MemoryError, a FIFO blocked
forever, an 8 GiB sparse file was read whole, and a deeply nested talk raised RecursionError.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.course import lesson, progress
from explainer.course.textfile import MAX_TEXT, NotReadable, read_text

#: A fresh interpreter with the CLI, the course and the talk loaded, plus room.
RSS_LIMIT_MB = 200
SECONDS = 5

_CHILD = """
import json, sys, time
from explainer.cli import main


def peak_mb():  # this process's own peak: ru_maxrss keeps the parent's (pytest's) across fork and exec
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024


t = time.perf_counter()
status = main(sys.argv[1:])
print(json.dumps({"status": status, "seconds": time.perf_counter() - t,
                  "rss_mb": peak_mb()}), file=sys.stderr)
sys.exit(status)
"""


@pytest.fixture(autouse=True)
def _state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a bug's log would go (explainer.errorlog): never the user's own state folder."""
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path_factory.mktemp("state")))


def _run(*args: str) -> tuple[int, str, str]:
    """Exit status, stderr (less the figures line) and stdout."""
    run = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=60)
    lines = run.stderr.strip().splitlines()
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    assert figures, run.stderr
    assert figures["seconds"] < SECONDS and figures["rss_mb"] < RSS_LIMIT_MB, figures
    return run.returncode, "\n".join(lines[:-1]) + "\n", run.stdout


@pytest.fixture
def sparse(tmp_path: Path) -> Path:
    """An 8 GiB file that takes no disk: a hole, then one byte."""
    path = tmp_path / "01-big.md"
    with path.open("wb") as f:
        f.seek(8 << 30)
        f.write(b"\n")
    return path


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "01-pipe.md"
    os.mkfifo(path)
    return path


def test_a_talk_that_is_dev_zero_is_refused_at_once() -> None:
    status, err, _ = _run("present", "/dev/zero", "--check")
    assert (status, err) == (
        2,
        "explainer: /dev/zero:1: cannot read the talk: /dev/zero is a character device, not a regular file\n",
    )


def test_a_talk_that_is_a_fifo_does_not_block(fifo: Path) -> None:
    status, err, _ = _run("present", str(fifo))
    assert (status, err) == (
        2,
        f"explainer: {fifo}:1: cannot read the talk: {fifo} is a FIFO, not a regular file\n",
    )


def test_an_8_gib_talk_is_refused_by_its_size(sparse: Path) -> None:
    status, err, _ = _run("present", str(sparse), "--check")
    assert (status, err) == (
        2,
        f"explainer: {sparse}:1: cannot read the talk: {sparse} is 8,589,934,593 "
        f"bytes; files up to {MAX_TEXT:,} are read\n",
    )


def test_an_8_gib_lesson_is_one_mistake(sparse: Path) -> None:
    status, err, out = _run("lessons", "--check", "--dir", str(sparse.parent))
    assert (status, err) == (1, "1 lesson checked: 1 mistake in 1 file\n")
    assert out == (
        f"{sparse}:1: cannot read the lesson: {sparse} is 8,589,934,593 bytes; files up to "
        f"{MAX_TEXT:,} are read\n"
    )


def test_a_lesson_that_is_a_fifo_or_a_device_is_refused(fifo: Path, tmp_path: Path) -> None:
    with pytest.raises(lesson.LessonError, match="is a FIFO, not a regular file"):
        lesson.load(fifo)
    zero = tmp_path / "02-zero.md"
    zero.symlink_to("/dev/zero")
    with pytest.raises(lesson.LessonError, match="is a character device, not a regular file"):
        lesson.load(zero)


def test_a_progress_file_that_is_a_fifo_is_a_warning_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    os.mkfifo(path)
    loaded = progress.load(path)  # the progress file's reader is issue 21's; here: it does not block
    assert (
        loaded.progress == progress.Progress() and loaded.warning and "not a regular file" in loaded.warning
    )


def test_read_text_reads_what_path_read_text_reads(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes("a\r\nb\rc\n\ufeffé".encode())
    assert read_text(path) == path.read_text(encoding="utf-8")
    path.write_bytes(b"x" * (MAX_TEXT + 1))
    with pytest.raises(NotReadable):
        read_text(path)


@pytest.mark.parametrize(
    "value", ["[" * 5000 + "]" * 5000, "{a=" * 5000 + "1" + "}" * 5000], ids=["arrays", "inline-tables"]
)
def test_a_deeply_nested_talk_is_one_line(value: str, tmp_path: Path) -> None:
    """Before: RecursionError (tomllib recurses once a level) and a traceback from ``present --check``."""
    talk = tmp_path / "deep.toml"
    talk.write_text(f'format_version = 1\ntitle = "t"\n\nx = {value}\n')
    status, err, _ = _run("present", str(talk), "--check")
    assert (status, err) == (
        2,
        f"explainer: {talk}:4: not valid for a talk: arrays or tables nested too "
        "deeply (a talk needs two levels)\n",
    )

