"""Shared truth for UI tests: the real objdump and crash logs in ../shared/reference."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT.parent / "shared" / "reference"


def objdump_line(name: str, pc: int) -> tuple[str, str]:
    """(hex word, Go text) of the instruction at ``pc`` in a real ``go tool objdump`` file."""
    for line in (REF / "objdump" / name).read_text().splitlines():
        cols = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cols) >= 4 and cols[1] == f"{pc:#x}":
            return cols[2], cols[3]
    raise LookupError(f"{pc:#x} not in {name}")


def listing(name: str, func: str = "main.big_stack") -> list[tuple[int, str, str]]:
    """(PC, hex word, Go text) of each instruction of ``func`` in a real ``go tool objdump`` file."""
    rows: list[tuple[int, str, str]] = []
    inside = False
    for line in (REF / "objdump" / name).read_text().splitlines():
        if line.startswith("TEXT "):
            inside = line.split()[1] == f"{func}(SB)"
            continue
        cols = [c.strip() for c in line.split("\t") if c.strip()]
        if inside and len(cols) >= 4:
            rows.append((int(cols[1], 16), cols[2], cols[3]))
    return rows


def rsp_writes(name: str, func: str = "main.big_stack") -> list[int]:
    """PCs of the instructions that end in ``, RSP`` (write RSP) in ``func``'s epilogue, in order."""
    return [pc for pc, _, text in listing(name, func) if text.endswith(", RSP") and text.startswith("ADD")]


def last_line(log: str) -> str:
    """The runtime's last line in a real crash log that starts with ``fatal error`` or ``SIGSEGV``."""
    lines = (REF / "crashes" / log).read_text().splitlines()
    return next(ln for ln in lines if ln.startswith(("fatal error:", "SIGSEGV")))
