"""The hex dump after "unexpected return pc", against a real go1.27.3 crash log, byte for byte.

tests/realgo/data/cloudflare_shape-go1.27.3-singlestep.log (a real run under qemu-aarch64) printed
``tracebackHexdump`` (traceback.go, go1.27.3) for main.big_stack's frame. The test reads the stack
bytes back out of the dump's own data lines, takes findfunc from the real build's objdump of the
same program (tests/data/realgo/objdump/cloudflare_shape-go1.27.3.txt), and asks the engine to print
the dump again: every line must be the log's.
"""

from __future__ import annotations

import re
from pathlib import Path

from explainer.engine.runtime.hexdump import traceback_hexdump

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "tests" / "realgo" / "data" / "cloudflare_shape-go1.27.3-singlestep.log"
OBJDUMP = ROOT / "tests" / "data" / "realgo" / "objdump" / "cloudflare_shape-go1.27.3.txt"


def _real_dump() -> list[str]:
    lines = LOG.read_text().splitlines()
    end = lines.index("fatal error: unknown caller pc")
    return lines[1:end]


def _memory(dump: list[str]) -> dict[int, int]:
    """The bytes each data line shows: two words a line, each printed most significant byte first."""
    mem: dict[int, int] = {}
    for ln in dump:
        m = re.match(r"^([0-9a-f]{16}): ([0-9a-f]{8}) ([0-9a-f]{8})  ([0-9a-f]{8}) ([0-9a-f]{8})  ", ln)
        if m:
            addr = int(m.group(1), 16)
            for k, word in enumerate((m.group(2) + m.group(3), m.group(4) + m.group(5))):
                for i, b in enumerate(int(word, 16).to_bytes(8, "little")):
                    mem[addr + 8 * k + i] = b
    return mem


def _functions() -> list[tuple[str, int, int]]:
    out, name, pcs = [], "", []
    for ln in OBJDUMP.read_text().splitlines() + ["TEXT end"]:
        if ln.startswith("TEXT "):
            if name:
                out.append((name, pcs[0], pcs[-1] + 4))
            name, pcs = ln.split()[1].removesuffix("(SB)"), []
        elif m := re.match(r"^\s+\S+\s+0x([0-9a-f]+)\s", ln):
            pcs.append(int(m.group(1), 16))
    return out


def test_the_dump_is_the_real_one_line_for_line() -> None:
    real = _real_dump()
    m = re.match(r"stack: frame=\{sp:(0x[0-9a-f]+), fp:(0x[0-9a-f]+)\} "
                 r"stack=\[(0x[0-9a-f]+),(0x[0-9a-f]+)\)", real[0])
    assert m, real[0]
    sp, fp, lo, hi = (int(g, 16) for g in m.groups())
    mem = _memory(real)

    def symbol(v: int) -> str | None:
        return next((f"<{n}+{v - a:#x}>" for n, a, b in _functions() if a <= v < b), None)

    mine = traceback_hexdump((lo, hi), sp, fp, mem.__getitem__, symbol)
    assert mine == real
    assert len(mine) > 140 and "                  ^ SP" in mine
