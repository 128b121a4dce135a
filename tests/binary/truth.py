"""Independent truth about the fixtures, read from real Go tools' output (never from explainer.binary).

- ``tests/fixtures/objdump/*.txt.gz``: excerpts of ``go tool objdump`` made by tests/fixtures/build.py:
  every TEXT header, every instruction that writes RSP, and every line of a function with two adjacent
  immediate ADDs or SUBs of RSP.
- ``tests/data/realgo/gcflags-S/*.txt``: ``go build -gcflags=-S`` of main.big_stack (PCDATA, frame, leaf).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import lzma
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GCFLAGS_S = ROOT / "tests" / "data" / "realgo" / "gcflags-S"

#: Every Go arm64 fixture: (file, objdump excerpt, Go version, format, stripped). A stripped fixture
#: shares the excerpt of the same build with symbols.
_BUILDS = (
    ("fast_nonleaf-go1.23.4-linux-arm64", False), ("fast_nonleaf-go1.23.4-linux-arm64", True),
    ("fast_leaf-go1.25.0-linux-arm64", False), ("fast_leaf-go1.25.0-linux-arm64", True),
    ("fast_nonleaf-go1.25.0-linux-arm64", True), ("fast_leaf-go1.27.3-linux-arm64", True),
    ("fast_leaf-go1.25.0-darwin-arm64", True),
)
GO_ARM64 = tuple((f"{build}{'-stripped' * stripped}", build, build.split("-")[1][2:],
                  "macho" if "darwin" in build else "elf", stripped) for build, stripped in _BUILDS)

_SP_IMM = re.compile(r"^(ADD|SUB) \$(\d+|\((\d+)<<12\)), RSP, RSP$")


@dataclass(frozen=True)
class Insn:
    pc: int
    word: int
    go: str
    position: str = ""
    """objdump's first column, ``file:line``."""


@dataclass(frozen=True)
class Block:
    """One TEXT block of the excerpt."""

    name: str
    """The symbol as objdump prints it, without ``(SB)``."""
    source: str
    """The source file in the TEXT header: ``runtime/asm_arm64.s``, ``fast_leaf/main.go``."""
    insns: tuple[Insn, ...]
    macho: bool

    @property
    def table_name(self) -> str:
        """The name Go's function table uses: no ``.abi0`` (the symbol's ABI suffix), and without the
        ``_`` that Mach-O symbol names carry in front (``_debugCall65536``, ``__rt0_arm64_darwin``). The
        table keeps ``·`` where symbols have ``.`` (``type:.eq.runtime.untracedG·6``): compare after
        replacing it.
        """
        name = self.name.removesuffix(".abi0")
        return name[1:] if self.macho and name.startswith("_") else name

    @property
    def assembly(self) -> bool:
        return self.source.endswith(".s")


@dataclass(frozen=True)
class SplitPair:
    """Two adjacent immediate ADDs (or SUBs) of RSP, as objdump shows them."""

    block: Block
    first: Insn
    second: Insn

    @property
    def total(self) -> int:
        return sum(_immediate(i.go) for i in (self.first, self.second))

    @property
    def calls(self) -> tuple[str, ...]:
        """Every CALL in the function other than the stack-split tail's call to runtime.morestack*."""
        return tuple(i.go for i in self.block.insns
                     if i.go.startswith("CALL ") and not i.go.startswith("CALL runtime.morestack"))


def read_objdump(excerpt: str | Path) -> list[Block]:
    """An excerpt by name (tests/fixtures/objdump/<excerpt>.txt.gz) or by path."""
    blocks: list[Block] = []
    path = excerpt if isinstance(excerpt, Path) else FIXTURES / "objdump" / f"{excerpt}.txt.gz"
    macho = "-darwin-" in path.name
    name = source = ""
    insns: list[Insn] = []
    for line in gzip.open(path, "rt"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            continue
        if line.startswith("TEXT "):
            if name:
                blocks.append(Block(name, source, tuple(insns), macho))
            m = re.match(r"TEXT (.*)\(SB\)(?: (.*))?$", line)  # names may hold spaces; source may be absent
            assert m, line
            name, source, insns = m.group(1), m.group(2) or "", []
            continue
        cols = [c.strip() for c in line.split("\t") if c.strip()]
        insns.append(Insn(int(cols[1], 16), int(cols[2], 16), cols[3], cols[0]))
    blocks.append(Block(name, source, tuple(insns), macho))
    return blocks


def split_pairs(blocks: list[Block]) -> list[SplitPair]:
    """Adjacent (PCs 4 apart) ADD-ADD or SUB-SUB immediate pairs on RSP, in each block."""
    out = []
    for b in blocks:
        for x, y in zip(b.insns, b.insns[1:], strict=False):
            mx, my = _SP_IMM.match(x.go), _SP_IMM.match(y.go)
            if mx and my and mx.group(1) == my.group(1) and y.pc == x.pc + 4:
                out.append(SplitPair(b, x, y))
    return out


def writes_rsp(go: str) -> bool:
    """Go syntax that writes RSP: RSP as the destination (last operand; compares write nothing), or a
    pre/post-indexed (.W/.P) access through RSP.
    """
    op = go.split(" ", 1)[0]
    if op in ("CMP", "CMN", "TST"):
        return False
    return go.endswith(", RSP") or (op.endswith((".W", ".P")) and "(RSP)" in go)


def _immediate(go: str) -> int:
    m = _SP_IMM.match(go)
    assert m, go
    return int(m.group(3)) << 12 if m.group(3) else int(m.group(2))


@dataclass(frozen=True)
class CompiledFunc:
    """main.big_stack as ``go build -gcflags=-S`` printed it."""

    size: int
    frame: int
    leaf: bool
    unsafe_points: dict[int, int]
    """PC offset → PCDATA $0 value, for every instruction."""


def read_gcflags_s(program: str, go: str, folder: Path = GCFLAGS_S) -> CompiledFunc:
    text = (folder / f"{program}-go{go}.txt").read_text()
    head = re.search(r"STEXT size=(\d+) .*", text)
    frame = re.search(r"TEXT\s+main\.big_stack\(SB\), \S+, \$(\d+)-\d+", text)
    assert head and frame
    values: dict[int, int] = {}
    current = -1
    for line in text.splitlines():
        m = re.search(r"PCDATA\s+\$0, \$(-?\d+)", line)
        if m:
            current = int(m.group(1))
            continue
        m = re.match(r"\s+0x([0-9a-f]{4}) \d+ \(", line)
        if m and not any(z in line for z in ("PCDATA", "FUNCDATA", "\tNOP", "TEXT\t")):
            values.setdefault(int(m.group(1), 16), current)
    return CompiledFunc(int(head.group(1)), int(frame.group(1)), head.group(0).endswith(" leaf"), values)


# ---- tests/fixtures/old: binaries of go1.15 to go1.19 and their truth (made by old/record.py) ----------

OLD = FIXTURES / "old"
_GNU = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(\S+)(?:\t(.*))?$")
_GNU_SP = re.compile(r"^sp, sp, #0x([0-9a-f]+)(, lsl #12)?$")


@functools.cache
def old_binary(name: str) -> bytes:
    """A fixture of tests/fixtures/old, decompressed (the checksum in its SHA256SUMS is checked)."""
    data = lzma.decompress((OLD / f"{name}.xz").read_bytes())
    sums = dict(reversed(line.split()) for line in (OLD / "SHA256SUMS").read_text().splitlines())
    assert hashlib.sha256(data).hexdigest() == sums[name], name
    return data


@dataclass(frozen=True)
class GnuInsn:
    pc: int
    word: int
    op: str
    args: str


@dataclass(frozen=True)
class OldTruth:
    """truth/<name>.txt.gz: ``go version``, debug/gosym's functions, GNU objdump of functions with pairs."""

    go: str | None
    functions: tuple[tuple[int, int, str, str], ...]
    """(entry, end, source file at the entry, name), as debug/gosym reads the table."""
    blocks: dict[str, tuple[GnuInsn, ...]]

    def pairs(self) -> list[tuple[str, GnuInsn, GnuInsn]]:
        """(function, first, second) for two adjacent immediate add (or sub) of sp in one function."""
        out = []
        for name, insns in self.blocks.items():
            for x, y in zip(insns, insns[1:], strict=False):
                same = x.op == y.op and x.op in ("add", "sub")
                if same and _GNU_SP.match(x.args) and _GNU_SP.match(y.args):
                    out.append((name, x, y))
        return out

    def function(self, name: str) -> tuple[int, int, str, str]:
        return next(f for f in self.functions if f[3] == name)

    def calls_other_than_morestack(self, name: str) -> list[GnuInsn]:
        """BL to anything but runtime.morestack*, and every BLR: what makes a function non-leaf."""
        starts = {f[0]: f[3] for f in self.functions}
        return [i for i in self.blocks[name] if i.op == "blr" or
                i.op == "bl" and not starts.get(int(i.args, 16), "").startswith("runtime.morestack")]


def gnu_immediate(insn: GnuInsn) -> int:
    m = _GNU_SP.match(insn.args)
    assert m, insn
    return int(m.group(1), 16) << (12 if m.group(2) else 0)


@functools.cache
def read_old_truth(name: str) -> OldTruth:
    go = None
    functions = []
    blocks: dict[str, list[GnuInsn]] = {}
    current: list[GnuInsn] | None = None
    for line in gzip.open(OLD / "truth" / f"{name}.txt.gz", "rt"):
        line = line.rstrip("\n")
        if line.startswith("V "):
            go = None if line == "V none" else line[2:].removeprefix("go")
        elif line.startswith("F "):
            _, entry, end, file, fname = line.split(" ", 4)
            functions.append((int(entry, 16), int(end, 16), file, fname))
        elif line.startswith("TEXT "):
            current = blocks.setdefault(line[5:], [])
        elif current is not None and (m := _GNU.match(line)):
            current.append(GnuInsn(int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4) or ""))
    return OldTruth(go, tuple(functions), {k: tuple(v) for k, v in blocks.items()})
