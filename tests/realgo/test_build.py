"""The reproducers ship byte for byte as ../shared/reference/src has them, and as package data."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from explainer.engine.errors import ExplainerError
from explainer.realgo.build import Shape, source

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_SRC = ROOT.parent / "shared" / "reference" / "src"
PACKAGE_SRC = ROOT / "explainer" / "realgo" / "src"


@pytest.mark.parametrize(("shape", "file"), [
    (Shape.LEAF, "fast_leaf.go"), (Shape.NONLEAF, "fast_nonleaf.go"),
    (Shape.CLOUDFLARE, "cloudflare_shape.go"),
])
def test_source_is_the_reference(shape: Shape, file: str) -> None:
    assert Shape.parse(shape.value) is shape
    assert source(shape) == (REFERENCE_SRC / file).read_bytes()


def test_leaf_calls_nothing_and_nonleaf_calls_sink() -> None:
    assert b"sink(" not in source(Shape.LEAF) and b"sink(big_buffer" in source(Shape.NONLEAF)


def test_sources_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["explainer.realgo"]
    shipped = {p.relative_to(PACKAGE_SRC).as_posix() for p in PACKAGE_SRC.rglob("*") if p.is_file()}
    assert {"fast_leaf.go", "fast_nonleaf.go", "cloudflare_shape.go"} <= shipped
    for name in shipped:
        assert any(fnmatch.fnmatch(f"src/{name}", pat) for pat in patterns), name


def test_realgo_extra_pins_the_default_release() -> None:
    from explainer.realgo.toolchains import DEFAULT_GO, release

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["optional-dependencies"]["realgo"] == [release(DEFAULT_GO).pip_requirement]


def test_bad_shape() -> None:
    with pytest.raises(ExplainerError, match="choose leaf, nonleaf, cloudflare"):
        Shape.parse("arm64")


def test_repro_imports_no_ui() -> None:
    code = ("import sys, explainer.cli, explainer.commands.repro; "
            "sys.exit(1 if [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')] else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
