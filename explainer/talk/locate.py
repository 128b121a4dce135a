"""Where each key of a talk file is written, so a mistake is reported at the line an editor shows.

``tomllib`` returns values without positions. A talk file is simple TOML (top
keys, then ``[[beat]]`` tables of ``key = value``), so one pass over the lines
finds every table header and key, skipping the inside of multi-line strings
(a speaker's notes may well contain a line that looks like ``x = 1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?")
_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=\s*(.*)")
_TRIPLE = re.compile(r"\"\"\"|'''")


@dataclass
class Table:
    """One table of the file: its header's line (1 for the top) and its keys' lines."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)
    """Key -> the line its ``key =`` is on."""
    opens_block: set[str] = field(default_factory=set)
    """Keys whose value is a multi-line string starting on the next line (``\"\"\"`` then newline)."""


@dataclass
class Layout:
    """The top table and each ``[[beat]]`` table, in file order."""

    top: Table
    beats: list[Table]
    last_line: int

    def key_line(self, beat: int | None, key: str) -> int:
        """The line of ``key`` in beat ``beat`` (None: the top), else of the table's header."""
        table = self.top if beat is None else self.beat(beat)
        return table.keys.get(key, table.line)

    def beat(self, index: int) -> Table:
        """Beat ``index`` (0-based); the top table when the file lays beats out another way."""
        if 0 <= index < len(self.beats):
            return self.beats[index]
        return Table(self.top.keys.get("beat", 1))

    def text_line(self, beat: int, key: str, text: str, offset: int) -> int:
        """The line of character ``offset`` of string ``key``'s value ``text``."""
        table = self.beat(beat)
        first = table.keys.get(key, table.line) + (1 if key in table.opens_block else 0)
        return first + text.count("\n", 0, offset)


def layout(text: str) -> Layout:
    """Find the tables and keys of a talk file's text."""
    top = Table(1)
    beats: list[Table] = []
    current = top
    in_string = ""  # the triple quote a multi-line string was opened with, while inside one
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        if in_string:
            if in_string in line:
                in_string = "" if line.count(in_string) % 2 else in_string
            continue
        header = _HEADER.fullmatch(line)
        if header and line.lstrip().startswith("["):
            current = Table(n)
            if header.group(1).strip("\"' ") == "beat" and line.lstrip().startswith("[["):
                beats.append(current)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        name, value = key.group(1).strip("\"'"), key.group(2)
        current.keys.setdefault(name, n)
        quotes = _TRIPLE.findall(value)
        if quotes and len(quotes) % 2:  # an odd number of triple quotes: the string goes on
            in_string = quotes[0]
            if value.strip() == quotes[0]:
                current.opens_block.add(name)
    return Layout(top, beats, len(lines))
