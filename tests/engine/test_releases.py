"""Adding a Go release is one entry in ``engine/releases/table.py``: a fake go1.28 is seen everywhere.

With no recorded build of its own, the fake release borrows the nearest recorded one's addresses
(go1.27.3, ``runtime_data.facts_for``), so what it prints is go1.27.3's, byte for byte, until an entry
says otherwise; then every part that asks (the unwinder, the stand-ins, the CLI) follows the entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from explainer.cli import main
from explainer.engine.releases.table import RELEASES
from explainer.engine.releases.versions import GoVersion
from explainer.engine.toolchain.bigstack import Buffer
from explainer.engine.toolchain.program import build_program


@pytest.fixture
def go128(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """go1.28.0 and go1.28.1: go1.27's entry, renumbered (build_program's cache forgotten around it)."""
    build_program.cache_clear()
    monkeypatch.setitem(RELEASES, 28, replace(RELEASES[27], minor=28, last_patch=1))
    yield
    build_program.cache_clear()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def test_the_new_release_is_listed_parsed_and_named_in_errors(go128: None,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "versions")[1].splitlines()[-3:] == ["go1.27.3", "go1.28.0", "go1.28.1"]
    assert GoVersion.parse("go1.28.1").release.minor == 28
    assert main(["run", "go1.28.2/65552/leaf"]) == 2
    assert "known are go1.21.0 to go1.28.1" in capsys.readouterr().err


def test_it_builds_runs_and_crashes_as_the_entry_it_copied(go128: None,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["run", "{}/65552/leaf"], ["frame", "--go", "{}", "--size", "65552", "--leaf", "--json"]):
        old = _run(capsys, *(a.format("go1.27.3") if "{}" in a else a for a in argv))
        new = _run(capsys, *(a.format("go1.28.0") if "{}" in a else a for a in argv))
        if argv[0] == "frame":  # the JSON names its release; the rest must match
            old, new = ((s, {**json.loads(out), "go": "?"}) for s, out in (old, new))
        assert new == old
    assert "fatal error: unknown caller pc" in _run(capsys, "run", "go1.28.0/65552/leaf/buffer=cloudflare")[1]


def test_what_the_entry_says_is_what_every_part_does(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A go1.28 that drops go1.27's nil-m guard and returns to the 496-byte asyncPreempt."""
    build_program.cache_clear()
    monkeypatch.setitem(RELEASES, 28, replace(RELEASES[27], minor=28, last_patch=0, guards_nil_m=False,
                                              async_preempt_frame=496))
    try:
        # A non-zero slot (every byte 0xe8): go1.27.3 says "unknown caller pc", a release without the
        # guard faults reading gp.m.incgo (the unwinder read the entry).
        status, out = _run(capsys, "run", "go1.28.0/65552/leaf/buffer=cloudflare")
        assert status == 1 and out.startswith("SIGSEGV: segmentation violation\nPC=")
        program = build_program(GoVersion(28, 0), 65552, True, Buffer.FAST)
        assert program.by_name["runtime.asyncPreempt"].frame == 496  # the stand-ins read it
    finally:
        build_program.cache_clear()
