"""Numbers a person typed: ASCII digits only, a bounded length, a stated range.

``int()`` is too forgiving for input: it reads ``"６４"`` as 64 (and ``str.isdigit`` lets ``"²"``
through to it), and on more than 4,300 digits it raises a ValueError of its own. Every command-line
option, scenario part and form field that takes a count goes through :func:`whole_number`, so each
mistake is one ExplainerError naming the range; and :func:`quoted` keeps that one line short however
long the text was.
"""

from __future__ import annotations

import re

from .errors import ExplainerError

#: Twenty digits hold every 64-bit value; more cannot be in range and are not converted.
_DIGITS = re.compile(r"-?[0-9]{1,20}")


def quoted(text: str, limit: int = 40) -> str:
    """``text`` as a message quotes it: ``repr``, cut to about ``limit`` characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text):,} characters)"


def whole_number(text: str, what: str, lo: int, hi: int, unit: str = "") -> int:
    """The number ``text`` spells, from ``lo`` to ``hi``.

    Args:
        text: What was typed (surrounding blanks are ignored).
        what: What the number is, for the message (``frame size``, ``port``).
        lo: The smallest value accepted.
        hi: The largest value accepted.
        unit: Said after the range (``" bytes"``).

    Raises:
        ExplainerError: not ASCII digits (one leading minus allowed), or out of range, in one line.
    """
    t = text.strip()
    expected = f"a number from {lo:,} to {hi:,}{unit}"
    if not _DIGITS.fullmatch(t):
        raise ExplainerError(f"bad {what} {quoted(text)}: expected {expected}")
    value = int(t)
    if not lo <= value <= hi:
        raise ExplainerError(f"bad {what} {quoted(text)}: expected {expected}")
    return value
