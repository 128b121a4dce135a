"""The reproducers, built for linux/arm64 with a real toolchain.

The sources ship inside the package (``src/``, byte for byte ../shared/reference/src). Each is built as
``tests/data/realgo/record.sh`` builds it: in its own folder as ``main.go`` with a ``go.mod`` naming the
module after the program, ``-trimpath``, no cgo, so the runtime prints ``fast_nonleaf/main.go:18`` as
in the reference crash logs and the binary matches the recorded objdump.

``explainer inject --unwind traceback`` builds a variant of each (``src/traceback/``): the same source
but for ``main``, which has no GC loop and instead, once a debugger sets ``main.dump``, prints every
goroutine's stack with ``runtime.Stack(buf, true)`` and exits. Its imports fit on the original's one
import line, so ``big_stack`` keeps its line numbers (tests/realgo/test_inject_program.py holds the
variants to that, and a real build to the same ``big_stack`` words).
"""

from __future__ import annotations

import enum
import os
import subprocess
from importlib import resources
from pathlib import Path

from ..engine.errors import ExplainerError
from ..output.save import save
from .toolchains import Toolchain, cache_dir, make_ours


class Shape(enum.Enum):
    """Which reproducer: the ``--shape`` argument."""

    LEAF = "leaf"
    """fast_leaf.go: a 64 KiB array in a function that calls nothing (still split after the fix)."""
    NONLEAF = "nonleaf"
    """fast_nonleaf.go: the same, calling ``sink``, so it saves LR (fixed in go1.23.12/1.24.6/1.25.0)."""
    CLOUDFLARE = "cloudflare"
    """cloudflare_shape.go: the published reproducer (a leaf; its buffer is all 0xe8)."""

    @property
    def program(self) -> str:
        """The program's name: the source file's stem, the build folder and the module."""
        return {"leaf": "fast_leaf", "nonleaf": "fast_nonleaf", "cloudflare": "cloudflare_shape"}[self.value]

    @classmethod
    def parse(cls, text: str) -> Shape:
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ExplainerError(f"unknown shape {text!r}: choose {names}") from None


def source(shape: Shape, traceback: bool = False) -> bytes:
    """The Go source shipped with the package (``traceback``: the variant without the GC loop)."""
    folder = resources.files("explainer.realgo").joinpath("src")
    if traceback:
        folder = folder.joinpath("traceback")
    return folder.joinpath(f"{shape.program}.go").read_bytes()


def build_dir(tc: Toolchain, shape: Shape, traceback: bool = False) -> Path:
    return cache_dir() / "build" / tc.release.name / (shape.program + ("-traceback" if traceback else ""))


def go_env(tc: Toolchain) -> dict[str, str]:
    """The environment for a reproducible linux/arm64 build (record.sh's, with Go's caches in ours)."""
    work = cache_dir() / "build"
    return {**os.environ, **tc.env, "GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0",
            "GOTOOLCHAIN": "local", "GOFLAGS": "", "GO111MODULE": "on",
            "GOCACHE": str(work / "gocache"), "GOPATH": str(work / "gopath")}


def build(tc: Toolchain, shape: Shape, traceback: bool = False) -> Path:
    """Build ``shape`` (or its ``traceback`` variant) with ``tc``; returns the linux/arm64 binary.

    The binary keeps its symbols and DWARF: gdb reads ``runtime.g``'s field offsets from it.

    Raises:
        ExplainerError: the build failed (the message carries go's last line).
    """
    folder = build_dir(tc, shape, traceback)
    env = go_env(tc)
    try:
        for made in (folder, Path(env["GOCACHE"]), Path(env["GOPATH"])):
            make_ours(made)  # marked, so that repro --prune knows them for explainer's
    except OSError as e:
        raise ExplainerError(f"cannot make the build folder {folder}: {e.strerror or e}") from None
    save(folder / "main.go", source(shape, traceback), replace=True)
    minor = int(tc.release.go.split(".")[1])
    lang = "1.22" if minor >= 22 else f"1.{minor}"  # record.sh's; go1.21 refuses a newer go line
    save(folder / "go.mod", f"module {shape.program}\n\ngo {lang}\n", replace=True)
    binary = folder / shape.program
    argv = [str(tc.go), "build", "-trimpath", "-o", str(binary), "."]
    try:
        done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=env)
    except OSError as e:
        raise ExplainerError(f"cannot run {tc.go}: {e}") from None
    if done.returncode != 0 or not binary.is_file():
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise ExplainerError(f"{tc.release.name} could not build {shape.program}: {last}")
    return binary
