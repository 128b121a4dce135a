"""Which function names isAsyncSafePoint never preempts, release by release, with the source read.

The checks of runtime/preempt.go ``isAsyncSafePoint`` are the same from go1.19.8 to go1.27.3; only the
list of name prefixes moved (``runtime/internal/`` went, ``internal/runtime/`` came, both in go1.24).
One table, read by the engine's runtime (``runtime.safepoint``) for the releases it models and by
``explainer scan`` for any binary from go1.14 on. For go1.14 to go1.18 and go1.20 no runtime source
is at hand: those borrow the nearest release's rule and say so (``own`` is False).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PreemptionRule:
    """isAsyncSafePoint as one range of releases wrote it."""

    first: tuple[int, int]
    """The first minor release it covers, e.g. (1, 24)."""
    source: str
    """The release and file it was read from, with lines."""
    prefixes: tuple[str, ...]
    """Function-name prefixes never preempted."""
    own: bool = True
    """Read from these releases' own source; False when borrowed from the nearest one we have."""


#: By first release covered, oldest first. The go1.14-go1.18 entry is go1.19.8's rule, borrowed.
RULES = (
    PreemptionRule((1, 14), "go1.19.8 src/runtime/preempt.go:363-453 (isAsyncSafePoint)",
                   ("runtime.", "runtime/internal/", "reflect."), own=False),
    PreemptionRule((1, 19), "go1.19.8 src/runtime/preempt.go:363-453, prefixes :425-427",
                   ("runtime.", "runtime/internal/", "reflect.")),
    PreemptionRule((1, 20), "go1.21.13 src/runtime/preempt.go:362, prefixes :419-421 (the same checks as "
                   "go1.19.8's)", ("runtime.", "runtime/internal/", "reflect."), own=False),
    PreemptionRule((1, 21), "go1.21.13 src/runtime/preempt.go:362, prefixes :419-421; go1.22.10 and "
                   "go1.23.4 the same (:362, :363)", ("runtime.", "runtime/internal/", "reflect.")),
    PreemptionRule((1, 24), "go1.24.3 src/runtime/preempt.go:363, prefixes :420-423",
                   ("runtime.", "runtime/internal/", "internal/runtime/", "reflect.")),
    PreemptionRule((1, 25), "go1.25.0 src/runtime/preempt.go:363, prefixes :420-422; go1.26.0 and go1.27.3 "
                   "the same (:390, :463-465)", ("runtime.", "internal/runtime/", "reflect.")),
)
LATEST = RULES[-1]


def rule_for(version: str | None) -> PreemptionRule:
    """The rule of release ``version`` (``"1.15.7"``); the latest one when the release is unknown."""
    if version is None:
        return LATEST
    try:
        minor = tuple(int(x) for x in version.removeprefix("go").split(".")[:2])
    except ValueError:
        return LATEST
    fitting = [r for r in RULES if r.first <= minor]
    return fitting[-1] if fitting else RULES[0]
