"""Issue 22's property tests at full size: 10,000 generated inputs per entry point and loader.

Run: ``python bench/fuzz_bench.py`` (``--inputs N``, default 10,000; ``-k EXPR`` to pick properties).
It runs ``tests/test_fuzz_cli.py`` and ``tests/test_fuzz_loaders.py`` under pytest with
``EXPLAINER_FUZZ=N`` and prints, per property: inputs, total time, the slowest input's time, the
peak RSS and its growth over the property, and how the inputs ended (which shows how many got past
the first check). Each property fails if any input raises anything but the app's own error type, runs
past ``tests.fuzzing.SECONDS``, or the peak RSS grows past ``tests.fuzzing.RSS_GROWTH_MB``. Every CI run
tries a few dozen inputs per property; this is the opt-in run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("-k", default="", help="pytest -k expression: only these properties")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "figures.jsonl"
        env = {**os.environ, "EXPLAINER_FUZZ": str(args.inputs), "EXPLAINER_FUZZ_REPORT": str(report)}
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_fuzz_cli.py",
            "tests/test_fuzz_loaders.py",
        ] + (["-k", args.k] if args.k else [])
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        rows = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print(
        f"\n{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.inputs:,} inputs a property; pytest exit {status}"
    )
    print(f"{'property':<46} {'inputs':>7} {'total s':>8} {'slowest s':>9} {'peak MB':>8} {'growth MB':>9}")
    for r in rows:
        print(
            f"{r['property']:<46} {r['inputs']:>7,} {r['seconds']:>8.1f} {r['slowest_s']:>9.3f} "
            f"{r['rss_peak_mb']:>8.0f} {r['rss_growth_mb']:>9.0f}"
        )
        ends = ", ".join(f"{k}: {v:,}" for k, v in list(r["outcomes"].items())[:12])
        print(f"    ended: {ends}")
        print(f"    slowest: {r['slowest_input'][:120]}")
    return status


if __name__ == "__main__":
    sys.exit(main())
