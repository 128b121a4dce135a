"""Text read from a file someone else made, made safe to print: every control character shown escaped.

A function name, a Go version string or a path read from a binary is data, not terminal commands. Raw, an
``ESC ] 0 ;`` sets the window title, ``ESC c`` clears the screen, a right-to-left override reverses
what follows (CVE-2021-42574), and a newline forges a line of output. :func:`printable` shows each such
character as the escape Go's ``%q`` would print (``\\x1b``, ``\\a``, ``\\n``, ``\\u202e``). A backslash is
left as it is (paths and names keep their spelling), so a shown name can be typed back: ``explainer
open`` accepts it. JSON output needs none of this (``json.dumps`` escapes them itself); the TUI must also
never pass such text as markup (``main.[/]_stack`` is a markup error there): it uses ``Text``.
"""

from __future__ import annotations

import re
import unicodedata

#: Unicode categories that do not print: controls (Cc), formats such as the bidi overrides and the zero
#: widths (Cf), line and paragraph separators (Zl, Zp), surrogates (Cs), private use (Co), unassigned (Cn).
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_PLAIN = re.compile(r"[ -~]*\Z")  # printable ASCII: nothing to do


def printable(text: str, keep: str = "") -> str:
    """``text`` with each character that does not print written as an escape, but those in ``keep``
    (``"\\t"`` for the runtime's own indented lines).

    >>> printable("main.\\x1b]0;pwned\\x07_stack")
    'main.\\\\x1b]0;pwned\\\\a_stack'
    """
    if _PLAIN.match(text):
        return text
    return "".join(c if c in keep else _escape(c) for c in text)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _escape(c: str) -> str:
    if c in _GO_ESCAPES:
        return _GO_ESCAPES[c]
    if c == " " or unicodedata.category(c) not in _HIDDEN:
        return c
    n = ord(c)
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"
