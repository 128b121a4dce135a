"""printable: what it returns never makes a terminal act (checked with Python's own ``str.isprintable``,
not the module's category list), names that print stay as they are, and escaping twice changes nothing."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from explainer.output.printable import printable


@given(st.text())
def test_nothing_that_does_not_print_survives(text: str) -> None:
    shown = printable(text)
    assert all(c.isprintable() or unicodedata.category(c) == "Zs" for c in shown), repr(shown)
    assert printable(shown) == shown


@given(st.text(alphabet=st.characters(codec="ascii", min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_is_left_alone(text: str) -> None:
    assert printable(text) == text


def test_the_escapes_are_gos() -> None:
    """As Go's strconv.Quote writes them (its %q): \\a \\b \\f \\n \\r \\t \\v, \\x for other bytes below
    0x100, \\u and \\U above; a right-to-left override (CVE-2021-42574) and a zero-width space too."""
    assert printable("a\x1b]0;t\x07\x1bc\n\t\x7f\x9b") == "a\\x1b]0;t\\a\\x1bc\\n\\t\\x7f\\x9b"
    assert printable("main.\u202ekcats_gib\u200b") == "main.\\u202ekcats_gib\\u200b"
    assert printable("\U000e0041") == "\\U000e0041"  # a tag character: invisible
    assert printable("main.日本語·é") == "main.日本語·é"
    assert printable("a\tb", keep="\t") == "a\tb"
