"""Record what the CLI prints for a fixed set of inputs: the "before" of a behaviour-preserving change.

Run from the repository root (``python tests/data/cli/record.py``); it writes ``outputs.json`` next to
this file: for each command line, its exit status, stdout and stderr, exactly. Name commands
(``python tests/data/cli/record.py run sweep frame``) to remake only theirs and keep the rest as
recorded. tests/test_cli_outputs.py runs the same command lines and compares, allowing only the
changes that an issue asked for.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = "tests/fixtures"
#: fast_nonleaf-go1.23.4.log's goroutine stack, where the README's `open --run` line reproduces the log.
LOG_STACK = "0x400009c000-0x40000bc000"

RUN = ["go1.23.4/65584", "go1.23.4/65552/leaf", "go1.25.0/65584", "go1.25.0/65552/leaf",
       "go1.27.3/65552/leaf", "go1.22.0/65584", "go1.24.11/65584", "go1.26.6/65552/leaf",
       "go1.23.12/65584", "go1.24.6/200016/leaf", "go1.23.4/1048592/leaf",
       "go1.23.4/65584/unwind=traceback", "go1.23.4/65584/unwind=goroutine-profile",
       "go1.23.4/65584/unwind=panic",
       "go1.23.4/65584/unwind=copy", "go1.27.3/65552/leaf/unwind=traceback",
       "go1.27.3/65552/leaf/unwind=goroutine-profile", "go1.23.4/65584/at=entry", "go1.23.4/65584/at=body",
       "go1.23.4/65584/at=sp1", "go1.23.4/65584/at=ret", "go1.23.4/65584/at=epilogue",
       "go1.23.4/65552/leaf/buffer=cloudflare", "go1.23.4/65552/leaf/buffer=planted-pc",
       "go1.23.4/65552/leaf/buffer=zeros", "go1.23.4/65584/buffer=planted-pc/unwind=traceback",
       "go1.25.0/65584/at=+0x2c", "go1.23.4/65584/at=+0x4"]
SWEEP = [("1.23.4", "65552", True, "gc"), ("1.23.4", "65584", False, "gc"), ("1.25.0", "65584", False, "gc"),
         ("1.27.3", "65552", True, "traceback"), ("1.23.4", "65584", False, "panic"),
         ("1.26.6", "4096", False, "gc"), ("1.24.11", "65552", True, "goroutine-profile")]
FRAME = [("1.23.4", "65552", True), ("1.23.4", "65584", False), ("1.25.0", "65584", False),
         ("1.27.3", "4096", True), ("1.22.0", "1048592", False), ("1.26.6", "32", True)]
SCAN = ["fast_leaf-go1.25.0-linux-arm64-stripped", "fast_leaf-go1.25.0-linux-arm64",
        "fast_nonleaf-go1.23.4-linux-arm64-stripped", "fast_nonleaf-go1.25.0-linux-arm64-stripped",
        "fast_leaf-go1.27.3-linux-arm64-stripped", "fast_leaf-go1.25.0-darwin-arm64-stripped"]
OPEN = [("fast_nonleaf-go1.23.4-linux-arm64-stripped", ["--stack", LOG_STACK]),
        ("fast_nonleaf-go1.25.0-linux-arm64-stripped", []),
        ("fast_leaf-go1.25.0-linux-arm64", []),
        ("fast_leaf-go1.27.3-linux-arm64-stripped", ["--unwind", "traceback"]),
        ("fast_nonleaf-go1.23.4-linux-arm64", ["--at", "entry"])]


def command_lines() -> list[list[str]]:
    """Every command line recorded, in order."""
    lines = [["run", s, "--json"] for s in RUN]
    lines += [["sweep", "--go", g, "--size", n, *(["--leaf"] if leaf else []), "--unwind", u, "--json"]
              for g, n, leaf, u in SWEEP]
    lines += [["frame", "--go", g, "--size", n, *(["--leaf"] if leaf else []), "--json"]
              for g, n, leaf in FRAME]
    lines += [["scan", f"{FIXTURES}/{b}", "--json"] for b in SCAN]
    lines += [["open", f"{FIXTURES}/{b}", "main.big_stack", "--run", *extra] for b, extra in OPEN]
    return lines


def run(argv: list[str]) -> dict[str, object]:
    """One command line in this process: its status and exactly what it printed."""
    from explainer.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return {"argv": argv, "status": status, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    only = set(sys.argv[1:])
    kept = {json.dumps(r["argv"]): r for r in json.loads((HERE / "outputs.json").read_text())} if only else {}
    records = [run(argv) if not only or argv[0] in only else kept[json.dumps(argv)]
               for argv in command_lines()]
    (HERE / "outputs.json").write_text(json.dumps(records, indent=1) + "\n")
    print(f"{len(records)} command lines recorded in {HERE / 'outputs.json'}", file=sys.stderr)
