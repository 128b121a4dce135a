"""Issue 22, item 1: ``scan`` and ``open`` read only regular files, map them instead of reading them,
and never let a header make them allocate more than the file.

Each case runs in a fresh interpreter with a time limit (a hang fails the test instead of blocking it)
and reports its own peak RSS. Before: /dev/zero grew until MemoryError, an 8 GiB sparse file took 43 s
and 8.4 GB, a FIFO blocked forever.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.binary import scanner
from explainer.binary.loader import MAX_BINARY

from .truth import FIXTURES

LEAF = FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped"
#: What a fresh interpreter with explainer.binary and the CPU libraries loaded takes, plus room.
RSS_LIMIT_MB = 200

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


def _run(*args: str) -> tuple[int, str, str, dict[str, float]]:
    run = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=60)
    lines = run.stderr.strip().splitlines()
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return run.returncode, run.stdout, "\n".join(lines[:-1]) + "\n", figures


@pytest.mark.parametrize("command", [["scan"], ["open", "--run"]])
def test_dev_zero_is_refused_at_once(command: list[str]) -> None:
    args = [command[0], "/dev/zero"] + (["main.big_stack", *command[1:]] if command[0] == "open" else [])
    status, out, err, figures = _run(*args)
    assert (status, out) == (2, "")
    assert err == "explainer: not a regular file: /dev/zero is a character device\n"
    assert figures["seconds"] < 1 and figures["rss_mb"] < RSS_LIMIT_MB


@pytest.mark.parametrize("command", ["scan", "open"])
def test_a_fifo_is_refused_without_blocking(command: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = [command, str(fifo)] + (["main.big_stack", "--run"] if command == "open" else [])
    status, _, err, _ = _run(*args)  # before: blocked in open() forever (the timeout fails the test)
    assert status == 2 and err == f"explainer: not a regular file: {fifo} is a FIFO\n"


def test_an_8_gib_sparse_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "sparse"
    with open(path, "wb") as fh:
        fh.write(LEAF.read_bytes()[:4096])  # an arm64 ELF header, then 8 GiB of holes
        fh.truncate(8 << 30)
    status, _, err, figures = _run("scan", str(path))
    assert status == 2 and err.startswith(f"explainer: too large: {path} is 8,589,934,592 bytes")
    assert figures["seconds"] < 1 and figures["rss_mb"] < RSS_LIMIT_MB


def test_a_binary_inside_a_3_gib_sparse_file_is_scanned_reading_only_its_sections(tmp_path: Path) -> None:
    """The real binary at the start, 3 GiB of holes after it: the headers point only into the binary,
    so the scan touches its sections and nothing else (before, the whole file was read into memory)."""
    path = tmp_path / "padded"
    with open(path, "wb") as fh:
        fh.write(LEAF.read_bytes())
        fh.truncate(3 << 30)
    assert (3 << 30) < MAX_BINARY
    status, out, _, figures = _run("scan", str(path), "--json")
    assert status == 1 and json.loads(out)["binaries"][0]["exposed"] == 1
    assert figures["seconds"] < 10 and figures["rss_mb"] < RSS_LIMIT_MB


def test_a_directory_is_refused(tmp_path: Path) -> None:
    status, _, err, _ = _run("open", str(tmp_path), "main.big_stack", "--run")
    assert status == 2 and err == f"explainer: not an executable: {tmp_path} is a directory\n"


def test_pairs_straddling_two_chunks_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text is tested a chunk at a time (bounded temporaries); a pair across a boundary still counts.
    ADD $16, RSP, RSP = 0x910043ff; ADD $(16<<12), RSP, RSP = 0x914043ff (ARM DDI 0487, ADD immediate)."""
    nop, lo, hi = 0xD503201F, 0x910043FF, 0x914043FF
    words = [nop] * 10
    words[3:5] = [lo, hi]  # straddles the boundary after word 3 with 4-word chunks
    words[7:9] = [lo, hi]  # inside the second chunk
    code = b"".join(w.to_bytes(4, "little") for w in words)
    monkeypatch.setattr(scanner, "_CHUNK", 16)
    assert scanner.candidate_pairs(0x1000, code) == [0x1000 + 12, 0x1000 + 28]
    monkeypatch.setattr(scanner, "_CHUNK", 1 << 24)
    assert scanner.candidate_pairs(0x1000, code) == [0x1000 + 12, 0x1000 + 28]
