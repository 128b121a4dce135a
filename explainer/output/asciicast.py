"""asciicast v2, the format ``asciinema play`` and the web player read: a JSON header line, then one
``[time, code, data]`` line per event (``o`` output the terminal showed, ``i`` a key the person pressed).

Spec: asciinema's doc/asciicast-v2.md. Times are seconds from the start, increasing; no blank line
may appear (readers stop at one), which ``json.dumps`` guarantees by escaping newlines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One event of a recording."""

    time: float
    code: str
    """``o`` (output) or ``i`` (input)."""
    data: str


def dumps(width: int, height: int, events: list[Event], title: str = "",
          env: dict[str, str] | None = None) -> str:
    """The recording as asciicast v2 text (events sorted by time; equal times keep their order)."""
    header: dict[str, object] = {"version": 2, "width": width, "height": height}
    if title:
        header["title"] = title
    if env:
        header["env"] = env
    lines = [json.dumps(header, ensure_ascii=False)]
    for e in sorted(events, key=lambda e: e.time):
        lines.append(json.dumps([round(e.time, 6), e.code, e.data], ensure_ascii=False))
    return "\n".join(lines) + "\n"
