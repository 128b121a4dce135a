"""A Go release as a value: ``GoVersion``, parsed, ordered and printed as Go spells it.

What a release changed lives in one table (``table.RELEASES``); ``GoVersion`` only reads it, so a
new release is one entry there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from ..errors import ExplainerError
from ..numbers import quoted
from .table import RELEASES, Release

#: ASCII digits without leading zeros, as Go spells releases (``\d`` would take "２３" too).
_VERSION_RE = re.compile(r"(?:go)?1\.(0|[1-9][0-9]{0,3})(?:\.(0|[1-9][0-9]{0,3}))?")


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
        m = _VERSION_RE.fullmatch(text.strip())
        if not m:
            raise ExplainerError(f"bad Go version {quoted(text)}: expected e.g. 1.23.4 or go1.23.4")
        minor, patch = int(m.group(1)), int(m.group(2) or 0)
        if m.group(2) is None and minor >= 21:  # since go1.21 a line's first release is 1.N.0
            raise ExplainerError(f"bad Go version {quoted(text)}: 1.{minor} is a language version; "
                                 f"name a release, e.g. go1.{minor}.0 (go.dev/doc/toolchain)")
        if minor not in RELEASES or patch > RELEASES[minor].last_patch:
            first, last = known_versions()[0], known_versions()[-1]
            raise ExplainerError(
                f"unknown Go version {quoted(text)}: known are {first.name} to {last.name} "
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

    @property
    def release(self) -> Release:
        """What this release line changed (``table.RELEASES``)."""
        return RELEASES[self.minor]

    # --- Questions asked often enough to have a name; each reads the table. ---

    @property
    def has_nonleaf_fix(self) -> bool:
        """obj7.go builds large non-leaf releases in R27 (golang/go#73259): ``Release.nonleaf_fix_from``."""
        first = self.release.nonleaf_fix_from
        return first is not None and self.patch >= first

    @property
    def small_nonleaf_movdp(self) -> bool:
        """``Release.small_nonleaf_movdp``."""
        return self.release.small_nonleaf_movdp

    @property
    def async_preempt_frame(self) -> int:
        """``Release.async_preempt_frame``."""
        return self.release.async_preempt_frame

    @property
    def guards_nil_m(self) -> bool:
        """``Release.guards_nil_m``."""
        return self.release.guards_nil_m

    @property
    def moves_big_arrays_to_heap(self) -> bool:
        """``Release.moves_big_arrays_to_heap``."""
        return self.release.moves_big_arrays_to_heap


def known_versions() -> list[GoVersion]:
    """Every release the model knows, oldest first."""
    return [GoVersion(m, p) for m, r in sorted(RELEASES.items()) for p in range(r.last_patch + 1)]


#: The toolchain the lab opens on, and the first fixed release it compares with.
DEFAULT_VERSION = GoVersion(23, 4)
FIXED_VERSION = GoVersion(25, 0)
