"""``explainer scan``: output, JSON shape, exit codes, and one line for every kind of bad input."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.cli import main

from .truth import FIXTURES

LEAF_125 = FIXTURES / "fast_leaf-go1.25.0-linux-arm64-stripped"
NONLEAF_125 = FIXTURES / "fast_nonleaf-go1.25.0-linux-arm64-stripped"
NONLEAF_1234 = FIXTURES / "fast_nonleaf-go1.23.4-linux-arm64"
DARWIN = FIXTURES / "fast_leaf-go1.25.0-darwin-arm64-stripped"
Cap = pytest.CaptureFixture[str]


def _scan(capsys: Cap, *args: str) -> tuple[int, str, str]:
    status = main(["scan", *args])
    out, err = capsys.readouterr()
    return status, out, err



def test_exposed_leaf_exits_1_with_one_line_per_finding_and_advice(capsys: Cap) -> None:
    status, out, err = _scan(capsys, str(LEAF_125))
    lines = out.splitlines()
    assert status == 1 and err == ""
    # objdump of this build: debugCall65536 at 0x781ec/0x781f0, main.big_stack at 0x7d130/0x7d134
    assert lines[0].startswith("debugCall65536") and "0x781ec ADD $16, RSP, RSP ; 0x781f0" in lines[0]
    assert "never preempted (assembly)" in lines[0] and lines[0].endswith("not-preemptible")
    assert lines[1].startswith("main.big_stack  entry 0x7d090  0x7d130 ADD $16, RSP, RSP ; "
                               "0x7d134 ADD $(16<<12), RSP, RSP")
    assert "frame 65,552 B leaf" in lines[1] and lines[1].endswith("PREEMPTIBLE  leaf-split")
    assert lines[2].endswith("go1.25.0, elf, stripped: 1,361 functions scanned, 2 findings, 1 exposed")
    assert lines[3].startswith("what to do: leaf frames: no Go release fixes these")
    assert "GODEBUG=asyncpreemptoff=1" in lines[3] and len(lines) == 4


def test_non_leaf_before_the_fix_says_upgrade(capsys: Cap) -> None:
    status, out, _ = _scan(capsys, str(NONLEAF_1234))
    assert status == 1
    advice = "what to do: non-leaf frames: rebuild with go1.23.12, go1.24.6, go1.25.0"
    assert out.splitlines()[-1].startswith(advice)
    assert "go1.23.4, elf, with symbols: 1,274 functions scanned, 10 findings, 1 exposed" in out


def test_nothing_exposed_exits_0_without_advice(capsys: Cap) -> None:
    status, out, _ = _scan(capsys, str(NONLEAF_125))
    assert status == 0 and "what to do" not in out
    assert out.splitlines()[-1].endswith("1,362 functions scanned, 1 finding, 0 exposed")


def test_json_has_exactly_the_issues_shape(capsys: Cap) -> None:
    status, out, _ = _scan(capsys, str(DARWIN), "--json")
    run = json.loads(out)
    assert status == 1 and list(run) == ["binaries", "skipped", "summary"] and run["skipped"] == []
    assert run["summary"] == {"scanned": 1, "by_release": {"go1.25.0": 1}, "skipped": {}, "errors": 0,
                              "exposed_binaries": 1, "exposed_functions": {"leaf-split": 1},
                              "not_exposed": {"assembly-function": 1}}
    (doc,) = run["binaries"]
    assert (doc.pop("path"), doc.pop("status")) == (str(DARWIN), "scanned")
    assert list(doc) == ["binary", "format", "go", "go_source", "stripped", "table", "async_preemption",
                         "preemption_rule", "functions_scanned", "findings", "exposed"]
    head = (doc["binary"], doc["format"], doc["go"], doc["go_source"], doc["stripped"], doc["table"])
    assert head == (str(DARWIN), "macho", "1.25.0", "build info", True, "go1.20-go1.27")
    # go1.25.0's own isAsyncSafePoint judged it (go1.25.0 src/runtime/preempt.go:363)
    assert doc["async_preemption"] and doc["preemption_rule"]["own"]
    assert doc["preemption_rule"]["source"].startswith("go1.25.0 src/runtime/preempt.go:363")
    assert doc["exposed"] == 1 and doc["functions_scanned"] == 1355
    big = doc["findings"][1]
    assert list(big) == ["function", "entry", "pcs", "frame_size", "leaf", "preemptible", "reason", "status"]
    # objdump of the darwin build: TEXT main.big_stack at 0x100069930, the pair at 0x1000699d0/0x1000699d4
    assert big == {"function": "main.big_stack", "entry": 0x100069930, "pcs": [0x1000699D0, 0x1000699D4],
                   "frame_size": 65552, "leaf": True, "preemptible": True, "reason": "safe-point",
                   "status": "leaf-split"}
    # debugCall65536 is assembly (runtime/asm_arm64.s): isAsyncSafePoint's "This is assembly code" rule
    assert doc["findings"][0]["function"] == "debugCall65536"
    assert doc["findings"][0]["reason"] == "assembly-function"


def test_a_universal_binary_is_read_through_its_arm64_slice(tmp_path: Path,
                                                            capsys: Cap) -> None:
    thin = DARWIN.read_bytes()
    # fat_header, then fat_arch entries (big-endian): an x86-64 slice at 16 KiB, the arm64 one at 32 KiB
    fat = struct.pack(">II", 0xCAFEBABE, 2)
    fat += struct.pack(">IIIII", 0x01000007, 3, 0x4000, 16, 14)
    fat += struct.pack(">IIIII", 0x0100000C, 0, 0x8000, len(thin), 14)
    data = fat.ljust(0x8000, b"\0") + thin
    path = tmp_path / "universal"
    path.write_bytes(data)
    status, out, _ = _scan(capsys, str(path), "--json")
    assert status == 1 and json.loads(out)["binaries"][0]["findings"][1]["pcs"] == [0x1000699D0, 0x1000699D4]


def _bad_inputs(tmp: Path) -> dict[str, tuple[str, str]]:
    """name → (path, the start of the message)."""
    go = LEAF_125.read_bytes()
    (tmp / "truncated").write_bytes(go[: len(go) // 2])
    (tmp / "truncated-header").write_bytes(go[:40])
    (tmp / "truncated-macho").write_bytes(DARWIN.read_bytes()[:600_000])
    (tmp / "empty").write_bytes(b"")
    (tmp / "sources").mkdir()
    (tmp / "sources" / "hello.c").write_bytes((FIXTURES / "src" / "hello.c").read_bytes())
    (tmp / "fat-x86").write_bytes(struct.pack(">IIIIIII", 0xCAFEBABE, 1, 0x01000007, 3, 28, 4, 0) + b"\0" * 8)
    return {
        "missing": (str(tmp / "no-such-binary"), "no such file: "),
        "non-binary": (str(FIXTURES / "src" / "hello.c"), "not an executable: "),
        "folder without binaries": (str(tmp / "sources"), "no Go arm64 binary found in "),
        "empty": (str(tmp / "empty"), "not an executable: "),
        "x86-64": (str(FIXTURES / "fast_leaf-go1.25.0-linux-amd64-stripped"), "not an arm64 binary: "),
        "universal without arm64": (str(tmp / "fat-x86"), "not an arm64 binary: "),
        "C arm64": (str(FIXTURES / "hello-c-linux-arm64"), "not a Go binary: no .gopclntab section in "),
        "truncated": (str(tmp / "truncated"), "truncated: "),
        "truncated in the header": (str(tmp / "truncated-header"), "truncated: "),
        "truncated Mach-O": (str(tmp / "truncated-macho"), "truncated: "),
    }


@pytest.mark.parametrize("kind", ["missing", "non-binary", "folder without binaries", "empty", "x86-64",
                                  "universal without arm64", "C arm64", "truncated",
                                  "truncated in the header", "truncated Mach-O"])
def test_bad_input_is_one_line_and_exit_2(kind: str, tmp_path: Path, capsys: Cap) -> None:
    path, message = _bad_inputs(tmp_path)[kind]
    for args in ([path], [path, "--json"]):
        status, out, err = _scan(capsys, *args)
        assert (status, out) == (2, "")
        assert err.startswith(f"explainer: {message}") and err.count("\n") == 1, err


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    """The real entry point, in a fresh process: a truncated binary gives one line and status 2."""
    path = tmp_path / "cut"
    path.write_bytes(NONLEAF_1234.read_bytes()[:300_000])
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "scan", str(path)],
                         capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith("explainer: truncated: ") and run.stderr.count("\n") == 1


def test_binary_package_is_headless_and_the_command_module_is_light() -> None:
    """explainer.binary never imports textual or rich; importing the CLI module loads no LIEF, numpy or
    unicorn (the parser is built on every start of explainer)."""
    code = ("import sys, explainer.cli, explainer.commands.scan; "
            "light = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'lief', 'numpy', 'unicorn', 'capstone', 'textual', 'rich'}); "
            "import explainer.binary as b; b.scan(sys.argv[1]); "
            "ui = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich'}); print(light, ui)")
    run = subprocess.run([sys.executable, "-c", code, str(LEAF_125)], capture_output=True, text=True)
    assert run.stdout.strip() == "[] []", run.stderr
