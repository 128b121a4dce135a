"""``explainer scan`` as an SRE auditing a fleet uses it (issue 27, checked bullet by bullet).

Unreadable files are made unreadable for real: root reads a ``chmod 000`` file anyway, so the scan runs
as the unprivileged user (tests/unprivileged.py), after the same scan as root has shown the file is a
binary it would otherwise scan. Streaming is proven by a gate, not by timing: the last binary's worker
waits until the first binary's JSON line has reached the output, which only a streamed output allows.
The expected counts come from how each folder is built and from test_scan_truth.py's objdump truth.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from explainer.binary import fleet
from explainer.cli import main

from ..unprivileged import as_unprivileged
from .terminal import scan_on_a_terminal
from .truth import FIXTURES

LEAF = FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped"  # exposed: main.big_stack, leaf
NONLEAF_FIXED = FIXTURES / "fast_nonleaf-go1.25.0-linux-arm64-stripped"  # nothing exposed
AMD64 = FIXTURES / "fast_leaf-go1.25.0-linux-amd64-stripped"  # a real Go build for linux/amd64
Cap = pytest.CaptureFixture[str]


def _scan(capsys: Cap, *args: str) -> tuple[int, str, str]:
    status = main(["scan", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _scan_here(*args: str) -> tuple[int, str, str]:
    """The command in this process, its output caught without pytest (usable in a forked child)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["scan", *args])
    return status, out.getvalue(), err.getvalue()


# ---- unreadable files and folders ----------------------------------------------------------------------

@pytest.fixture
def locked(nobody_dir: Path) -> Path:
    """A folder the unprivileged user can list, with a binary it can read, one it cannot (mode 000) and a
    subfolder it cannot enter (root's, mode 700) holding another binary."""
    shutil.copy(LEAF, nobody_dir / "ok")
    shutil.copy(LEAF, nobody_dir / "secret")
    (nobody_dir / "secret").chmod(0)
    (nobody_dir / "sub").mkdir()
    shutil.copy(NONLEAF_FIXED, nobody_dir / "sub" / "inner")
    (nobody_dir / "sub").chmod(0o700)
    return nobody_dir


def test_unreadable_files_and_folders_are_reported_and_skipped(locked: Path) -> None:
    if os.geteuid() == 0:  # root reads all of it: the files are binaries the scan would take
        status, out, _ = _scan_here(str(locked), "--jsonl", "-j", "1")
        assert sorted(json.loads(line)["status"] for line in out.splitlines()) == ["scanned"] * 3
    status, out, err = as_unprivileged(_scan_here, str(locked), "--jsonl", "-j", "1")
    rows = {json.loads(line)["path"]: json.loads(line) for line in out.splitlines()}
    assert status == 1 and err == ""  # ok is exposed; the unreadable two do not change the status
    assert rows[f"{locked}/secret"] == {"path": f"{locked}/secret", "status": "error",
                                        "error": f"cannot read {locked}/secret: Permission denied"}
    assert rows[f"{locked}/sub"] == {"path": f"{locked}/sub", "status": "error",
                                     "error": f"cannot read {locked}/sub: Permission denied"}
    assert rows[f"{locked}/ok"]["exposed"] == 1 and len(rows) == 3

    status, out, _ = as_unprivileged(_scan_here, str(locked), "-j", "1")
    assert status == 1
    assert f"{locked}/secret: error: cannot read {locked}/secret: Permission denied" in out.splitlines()
    assert "; 2 unreadable (listed above)" in out
    assert as_unprivileged(_scan_here, "--strict", str(locked), "-j", "1")[0] == 2


def test_an_entry_that_vanishes_during_the_walk_is_reported(tmp_path: Path, capsys: Cap,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A file listed by the walk and deleted before it is looked at (a fleet changes while it is scanned)."""
    (tmp_path / "a").write_bytes(LEAF.read_bytes())
    (tmp_path / "gone").write_bytes(LEAF.read_bytes())
    walk = os.walk

    def walk_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        for entry in walk(*args, **kwargs):
            (tmp_path / "gone").unlink(missing_ok=True)
            yield entry

    monkeypatch.setattr(fleet.os, "walk", walk_then_delete)
    status, out, err = _scan(capsys, str(tmp_path), "--jsonl", "-j", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and err == ""
    assert {"path": f"{tmp_path}/gone", "status": "error",
            "error": f"cannot read {tmp_path}/gone: No such file or directory"} in rows


def test_special_files_in_a_folder_are_skipped_without_opening_them(tmp_path: Path, capsys: Cap) -> None:
    """A FIFO (opening it for reading would block until a writer came), a socket, a character device."""
    shutil.copy(LEAF, tmp_path / "a")
    os.mkfifo(tmp_path / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        (tmp_path / "null").symlink_to("/dev/null")  # a link: not followed
        started = time.monotonic()
        status, out, _ = _scan(capsys, str(tmp_path), "/dev/null", "--json")
    run = json.loads(out)
    assert status == 1 and time.monotonic() - started < 10
    assert {s["path"]: s["reason"] for s in run["skipped"]} == {
        f"{tmp_path}/fifo": "special file", f"{tmp_path}/sock": "special file",
        f"{tmp_path}/null": "symlink (not followed)"}
    # named, a device is an error (the user asked about it), said as the loader says it
    assert {"path": "/dev/null", "status": "error",
            "error": "not a regular file: /dev/null is a character device"} in run["binaries"]


def test_a_named_socket_is_called_a_socket(tmp_path: Path, capsys: Cap) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        status, out, err = _scan(capsys, str(tmp_path / "sock"))
    assert (status, out) == (2, "")
    assert err == f"explainer: not a regular file: {tmp_path}/sock is a socket\n"


def test_symlink_loops_in_the_tree_end(tmp_path: Path, capsys: Cap) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    shutil.copy(LEAF, tmp_path / "d" / "e" / "bin")
    (tmp_path / "d" / "e" / "up").symlink_to("..")  # d/e/up/e/up/... if followed
    (tmp_path / "d" / "self").symlink_to("self")  # ELOOP if followed
    status, out, _ = _scan(capsys, str(tmp_path), "--json")
    run = json.loads(out)
    assert status == 1 and [b["path"] for b in run["binaries"]] == [f"{tmp_path}/d/e/bin"]
    assert run["summary"]["skipped"] == {"symlink (not followed)": 2}


# ---- non-Go and non-arm64 files: skipped and counted, never errors ----------------------------------------

def test_a_named_file_that_is_no_go_arm64_binary_is_skipped_and_counted(tmp_path: Path, capsys: Cap) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    status, out, err = _scan(capsys, "--strict", str(AMD64), str(LEAF), str(text))
    lines = out.splitlines()
    assert status == 1 and err == ""  # exposed; --strict is about unreadable files, and there are none
    assert lines[0] == f"{AMD64}: skipped: not an arm64 binary: {AMD64} is for x86-64"
    assert lines[-4].endswith("; skipped 2 (not an executable: 1, other architecture: 1); 0 unreadable")
    assert lines[-3] == "exposed: 1 binary, 1 function (1 leaf-split)"
    run = json.loads(_scan(capsys, str(AMD64), str(LEAF), "--json")[1])
    assert run["skipped"] == [{"path": str(AMD64), "status": "skipped", "reason": "other architecture",
                               "detail": f"not an arm64 binary: {AMD64} is for x86-64"}]
    # alone, nothing could be scanned: status 2 and the sentence
    assert _scan(capsys, str(AMD64)) == (2, "", f"explainer: not an arm64 binary: {AMD64} is for x86-64\n")


def test_the_same_file_reached_twice_is_scanned_once(tmp_path: Path, capsys: Cap) -> None:
    (tmp_path / "bin").mkdir()
    shutil.copy(LEAF, tmp_path / "bin" / "a")
    os.link(tmp_path / "bin" / "a", tmp_path / "bin" / "b")  # a hard link: one file, two names
    bin_ = str(tmp_path / "bin")
    status, out, _ = _scan(capsys, str(tmp_path), bin_, bin_, f"{bin_}/a", "--json")
    summary = json.loads(out)["summary"]
    assert status == 1 and summary["scanned"] == 1 and summary["exposed_binaries"] == 1
    # b in the first walk; a and b when bin is walked again; bin a third time; bin/a named
    assert summary["skipped"] == {"same file as another path (hard link, or given twice)": 4,
                                  "same folder as another path (given twice)": 1}


# ---- --jsonl streams -------------------------------------------------------------------------------------

GATE = "EXPLAINER_TEST_GATE"
_SCAN_TARGET = fleet.scan_target


def gated_scan(target: fleet.Target) -> list[fleet.Outcome]:
    """scan_target, but the binary named ``last`` waits (up to 20 s) until the gate file exists: the file
    the output makes when the first JSON line reaches it. Records whether it had to give up."""
    if target.path.endswith("last"):
        gate = Path(os.environ[GATE])
        deadline = time.monotonic() + 20
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not gate.exists():
            return [fleet.Outcome(target.path, fleet.ERROR, "gave up: no line had been printed")]
    return _SCAN_TARGET(target)


class _Lines(io.StringIO):
    """stdout that opens the gate when a whole line has been written to it."""

    def __init__(self, gate: Path) -> None:
        super().__init__()
        self.gate = gate

    def write(self, text: str) -> int:
        n = super().write(text)
        if "\n" in self.getvalue():
            self.gate.touch()
        return n


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jsonl_lines_leave_as_each_binary_finishes(jobs: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "fleet"
    folder.mkdir()
    shutil.copy(LEAF, folder / "first")
    shutil.copy(NONLEAF_FIXED, folder / "last")
    gate = tmp_path / "gate"
    monkeypatch.setenv(GATE, str(gate))
    monkeypatch.setattr(fleet, "scan_target", gated_scan)
    out = _Lines(gate)
    with contextlib.redirect_stdout(out):
        status = main(["scan", str(folder), "--jsonl", "-j", jobs])
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["status"] for r in rows] == ["scanned", "scanned"], rows
    assert status == 1 and rows[0]["path"] == f"{folder}/first"


def _big_image(path: Path, files: int = 30_000) -> None:
    """A docker save tarball of one layer: ``files`` small files in 200 folders, then /usr/bin/app."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        for k in range(files):
            info = tarfile.TarInfo(f"usr/share/d{k % 200}/f{k}")
            info.size = 10
            tar.addfile(info, io.BytesIO(b"0123456789"))
        info = tarfile.TarInfo("usr/bin/app")
        info.size, info.mode = LEAF.stat().st_size, 0o755
        with LEAF.open("rb") as fh:
            tar.addfile(info, fh)
    with tarfile.open(path, "w") as tar:
        for name, data in [("manifest.json", b'[{"Layers": ["l.tar"]}]'), ("l.tar", layer.getvalue())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_jsonl_through_a_pipe_arrives_before_the_run_ends(tmp_path: Path) -> None:
    """The installed command, stdout a pipe (block-buffered unless flushed): the first line is readable
    while the last target, an image of 30,000 files whose one line fits the pipe's buffer, is being read."""
    (tmp_path / "a").write_bytes(LEAF.read_bytes())
    _big_image(tmp_path / "z.tar")
    argv = [sys.executable, "-m", "explainer.cli", "scan", str(tmp_path), "--jsonl", "-j", "1"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell has it
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    still_running = proc.poll() is None
    rest, err = proc.communicate(timeout=120)
    assert first["path"] == f"{tmp_path}/a" and still_running and err == b""
    assert [json.loads(line)["path"] for line in rest.splitlines()] == [f"{tmp_path}/z.tar:/usr/bin/app"]


# ---- the progress bar ------------------------------------------------------------------------------------

def test_the_progress_bar_shows_with_one_worker_too_and_stdout_stays_clean(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        shutil.copy(LEAF, tmp_path / name)
    status, out, drawn = scan_on_a_terminal(str(tmp_path), "-j", "1")
    assert status == 1 and b"scanning" in drawn and b"3/3" in drawn
    assert b"\x1b" not in out and out.decode().splitlines()[-2].startswith("not exposed: 3 findings")


def test_jsonl_to_a_file_with_the_bar_on_the_terminal(tmp_path: Path) -> None:
    """`scan DIR --jsonl > out.jsonl` at a terminal: the bar on stderr, every line in the file (rich's
    progress used to redirect stdout into its stderr console: the file stayed empty)."""
    for name in ("a", "b", "c"):
        shutil.copy(LEAF, tmp_path / name)
    status, out, drawn = scan_on_a_terminal(str(tmp_path), "--jsonl", "-j", "2")
    assert status == 1 and b"scanning" in drawn and b"3/3" in drawn and b'"path"' not in drawn
    assert sorted(json.loads(line)["path"] for line in out.splitlines()) == [
        f"{tmp_path}/{name}" for name in ("a", "b", "c")]


def test_jsonl_on_the_terminal_is_whole_lines_without_a_bar(tmp_path: Path) -> None:
    """stdout and stderr on one terminal (80 columns): each line arrives whole, not word-wrapped and not
    cut by a bar redrawn between lines."""
    for name in ("a", "b", "c"):
        shutil.copy(LEAF, tmp_path / name)
    status, _, drawn = scan_on_a_terminal(str(tmp_path), "--jsonl", "-j", "2", stdout_too=True)
    assert status == 1
    rows = [json.loads(line) for line in drawn.decode().split("\r\n") if line]
    assert sorted(r["path"] for r in rows) == [f"{tmp_path}/{name}" for name in ("a", "b", "c")]


# ---- SARIF as GitHub code scanning reads it -------------------------------------------------------------

def test_sarif_results_point_into_the_binary_and_fingerprints_are_unique(
        tmp_path: Path, capsys: Cap, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_scan_fleet import _docker_save

    monkeypatch.chdir(tmp_path)
    Path("bin").mkdir()
    shutil.copy(LEAF, "bin/leafy")
    _docker_save(Path("api.tar"))
    status, out, _ = _scan(capsys, "bin", "api.tar", "--sarif")
    (run,) = json.loads(out)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert status == 1
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (where,) = result["locations"]
        place = where["physicalLocation"]
        assert run["artifacts"][place["artifactLocation"]["index"]]["location"]["uri"] == \
            place["artifactLocation"]["uri"]
        assert place["region"] == {"startLine": 1}
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    assert uris == ["api.tar%3A/opt/new", "api.tar%3A/usr/bin/leafy", "bin/leafy"]  # relative, as given
    leafy = next(r for r in run["results"] if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 == "bin/leafy")
    # objdump of this build: main.big_stack at 0x7d090, the pair at 0x7d130 and 0x7d134
    assert leafy["locations"][0]["physicalLocation"]["address"] == {
        "absoluteAddress": 0x7D130, "length": 8, "kind": "instruction",
        "fullyQualifiedName": "main.big_stack+0xa0"}
    prints = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["partialFingerprints"]["function/v1"]) for r in run["results"]]
    assert len(set(prints)) == len(prints)
    assert ("bin/leafy", "main.big_stack:65552:leaf-split:1") in prints


# ---- the summary -----------------------------------------------------------------------------------------

def test_what_to_do_names_three_binaries_at_most(tmp_path: Path, capsys: Cap) -> None:
    for name in ("a", "b", "c", "d"):
        shutil.copy(LEAF, tmp_path / name)
    status, out, _ = _scan(capsys, str(tmp_path), "-j", "1")
    *_, quiet, advice = out.splitlines()
    assert status == 1 and quiet.startswith("not exposed: 4 findings in 4 binaries (assembly: 4): ")
    assert advice.startswith("what to do: leaf frames: ") and advice.endswith(" (4 binaries, listed above)")
    status, out, _ = _scan(capsys, str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "c"), "-j", "1")
    assert out.splitlines()[-1].endswith(f" ({tmp_path}/a, {tmp_path}/b, {tmp_path}/c)")
