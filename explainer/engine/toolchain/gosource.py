"""The Go source of the function the engine compiles: the reproducer, at the frame size asked for.

At the published shapes (64 KiB buffers) the text is, byte for byte, the file the app ships and
``explainer repro`` builds (explainer/realgo/src/fast_leaf.go, fast_nonleaf.go, cloudflare_shape.go;
tests/engine/test_source_lines.py holds them equal). At other sizes it is the same program with a
``[B]byte`` buffer and the index mask scaled to it, as tests/data/realgo/record_bodies.sh writes
bodies.go, whose real builds the engine's body matches instruction for instruction. Every line keeps
its number, so the Progs' lines (``bigstack.Stmt``) point into whichever text is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bigstack import VAL, Buffer, buffer_size

#: The published buffer: ``[1 << 16]byte`` (fast_*.go) or ``make([]byte, 1<<16)`` (cloudflare_shape.go).
_PUBLISHED = 1 << 16
_SINK = ["//go:noinline", "func sink(b []byte) int { return int(b[0]) }", ""]


@dataclass(frozen=True)
class GoSource:
    """One Go file: its name, its text and where ``big_stack`` starts in it."""

    name: str
    """The file's name, as ``go tool objdump`` prints it in its first column (``fast_nonleaf.go``)."""
    text: str
    func_line: int
    """The line of ``func big_stack(val int) int {``."""
    shipped: bool
    """The text is the file the app ships (explainer/realgo/src), unchanged."""
    about: str
    """What the text is, in a few words (``fast_nonleaf.go, buffer scaled to [131024]byte``)."""

    @property
    def lines(self) -> list[str]:
        """The text's lines, without their newlines (line n is ``lines[n - 1]``)."""
        return self.text.splitlines()


def reproducer_source(size: int, leaf: bool, buffer: Buffer) -> GoSource:
    """The Go source of ``main.big_stack`` for a frame of ``size`` bytes (see the module docstring)."""
    b = buffer_size(size, leaf)
    every_byte = buffer is Buffer.CLOUDFLARE
    val = 0 if buffer is Buffer.ZEROS else VAL
    name = ("cloudflare_shape.go" if leaf else "cloudflare_nonleaf.go") if every_byte else \
        ("fast_leaf.go" if leaf else "fast_nonleaf.go")
    lines = ["package main", "", 'import "runtime"', ""]
    if not leaf:
        lines += _SINK
    func_line = len(lines) + 2
    lines += ["//go:noinline", "func big_stack(val int) int {"]
    if every_byte:
        n = "(1 << 16)" if b == _PUBLISHED else str(b)
        lines += [f"\tvar big_buffer = make([]byte, {'1<<16' if b == _PUBLISHED else b})",
                  "\tsum := 0",
                  f"\tfor i := 0; i < {n}; i++ {{",
                  "\t\tbig_buffer[i] = byte(val)",
                  "\t}",
                  f"\tfor i := 0; i < {n}; i++ {{",
                  "\t\tsum ^= int(big_buffer[i])",
                  "\t}"]
    else:
        mask = (1 << (b.bit_length() - 1)) - 1
        lines += [f"\tvar big_buffer [{'1 << 16' if b == _PUBLISHED else b}]byte",
                  "\tsum := 0",
                  "\tfor i := 0; i < 16; i++ {",
                  f"\t\tbig_buffer[(val*i)&{mask:#x}] = byte(val)",
                  "\t}",
                  "\tfor i := 0; i < 16; i++ {",
                  f"\t\tsum ^= int(big_buffer[(val*i)&{mask:#x}])",
                  "\t}"]
    lines += ["\treturn sum" if leaf else "\treturn sum + sink(big_buffer[:])", "}", "",
              "func main() {", "\tgo func() {", "\t\tfor {", "\t\t\truntime.GC()", "\t\t}", "\t}()",
              "\tfor {", f"\t\t_ = big_stack({val})", "\t}", "}", ""]
    shipped = b == _PUBLISHED and val == VAL and (leaf or not every_byte)
    if shipped:
        about = name
    elif not leaf and every_byte:
        about = f"{name}: cloudflare_shape.go's loops calling sink (not a published program), [{b}]byte"
    elif b != _PUBLISHED:
        about = f"{name}, buffer scaled to [{b}]byte"
    else:
        about = f"{name}, called with val = {val}"
    if b != _PUBLISHED and not (not leaf and every_byte) and val != VAL:
        about += f", val = {val}"
    return GoSource(name, "\n".join(lines), func_line, shipped, about)
