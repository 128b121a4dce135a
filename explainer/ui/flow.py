"""Lines that break only between labels: a label is never wrapped inside, whatever the width.

Rich wraps text at any space, so a narrow panel split "◀ SP" into "◀" and "SP",
and "saved FP (runtime.main's R29)" after "runtime.main's". Here a line is a
sequence of atoms (a label, an address, a mark); atoms go on the line while
they fit and the next one starts an indented continuation line. An atom wider
than a whole line is cut with "…", the only cut, and only in a panel too narrow
for any one label.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text


def flow(atoms: Sequence[Text], width: int, indent: int = 4, gap: int = 2,
         gap_style: str | Style = "") -> list[Text]:
    """Lay ``atoms`` out in lines of at most ``width`` cells, breaking only between atoms.

    Args:
        atoms: The labels, in order; the first starts the first line.
        width: Cells a line may use (a non-positive width means no limit).
        indent: Cells before an atom that starts a continuation line.
        gap: Cells between two atoms on one line.
        gap_style: The style of the cells between them (a sentence's own, so an underline runs on).
    """
    lines: list[Text] = []
    line: Text | None = None
    for atom in atoms:
        if line is not None and (width <= 0 or line.cell_len + gap + atom.cell_len <= width):
            line.append(" " * gap, style=gap_style)
            line.append_text(atom)
            continue
        if line is not None:
            lines.append(line)
        line = Text(" " * indent) if lines or line is not None else Text()
        room = width - line.cell_len
        piece = atom.copy()
        if width > 0 and piece.cell_len > room:
            piece.truncate(max(1, room), overflow="ellipsis")
        line.append_text(piece)
    if line is not None:
        lines.append(line)
    return lines


def wrap(line: Text, width: int, hanging: int = 2, keep: Sequence[str] = ()) -> list[Text]:
    """A sentence broken between words, continuation lines indented under its start plus ``hanging``.

    Rich's own wrap starts a continuation at column 0, which reads as a new line of the runtime's
    reasoning; here ``    sp=… + spdelta … = fp …`` continues under itself. A parenthesised group
    ("(safe point)") and each of ``keep`` (an instruction's text) stay on one line when they fit one.
    """
    plain = line.plain
    lead = len(plain) - len(plain.lstrip(" "))
    body = line[lead:]
    room = width - lead - hanging
    glued = _glued(body.plain, keep, room)
    cuts = [k for k, ch in enumerate(body.plain) if ch == " " and k not in glued]
    # each piece after a cut starts with the space cut at
    words = [w[1:] if w.plain.startswith(" ") else w for w in body.divide(cuts)]
    words = [w for w in words if w.plain]
    if not words:
        return [line]
    out = flow(words, width - lead, indent=hanging, gap=1, gap_style=line.style)
    return [Text(" " * lead) + piece for piece in out]


def _glued(text: str, keep: Sequence[str], room: int) -> set[int]:
    """The spaces of ``text`` not to break at: inside a parenthesised group or one of ``keep`` (each only
    when it fits in ``room`` cells; a longer one breaks between its words like the rest)."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for k, ch in enumerate(text):
        if ch == "(":
            start = k if depth == 0 else start
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, k + 1))
    for phrase in keep:
        at = text.find(phrase) if phrase else -1
        if at >= 0:
            spans.append((at, at + len(phrase)))
    return {k for a, b in spans if b - a <= room for k in range(a, b) if text[k] == " "}
