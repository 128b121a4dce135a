"""What ``explainer scan`` found, as values, as the issue's JSON, and as lines for a person.

Statuses, decided in this order (the first that applies):

- ``not-preemptible``: the runtime never async-preempts at the second half (runtime or assembly code,
  or an unsafe point), so the goroutine can never be stopped between the two writes to SP.
- ``leaf-split``: a leaf frame (no saved LR to reload). No Go release fixes it: the fix for
  golang/go#73259 changed only the non-leaf epilogue.
- ``nonleaf-split``: the non-leaf epilogue that go1.23.12, go1.24.6 and go1.25.0 release through R27.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..output.printable import printable
from .model import GoBinary
from .safepoint import PreemptionRule, Reason

NOT_PREEMPTIBLE, LEAF_SPLIT, NONLEAF_SPLIT = "not-preemptible", "leaf-split", "nonleaf-split"

ADVICE = {
    NONLEAF_SPLIT: "non-leaf frames: rebuild with go1.23.12, go1.24.6, go1.25.0 or later; they release "
                   "the frame with one write to SP (through R27, named explicitly: the runtime refuses to "
                   "preempt there)",
    LEAF_SPLIT: "leaf frames: no Go release fixes these; move the buffer off the stack (a heap slice) "
                "or run with GODEBUG=asyncpreemptoff=1",
}


@dataclass(frozen=True)
class Finding:
    """One non-indivisible stack-pointer adjustment: two consecutive immediate ADDs (or SUBs) of SP."""

    function: str
    entry: int
    pcs: tuple[int, int]
    """The two halves. A goroutine preempted at the second sits with SP moved by the first only."""
    frame_size: int
    leaf: bool
    preemptible: bool
    """Whether the runtime would async-preempt at pcs[1] (safepoint.async_safe_point)."""
    status: str
    why: str = ""
    """The runtime's reason, e.g. ``"assembly"``, ``"runtime"``, ``"safe point"``."""
    instructions: tuple[str, str] = ("", "")
    """The two halves in Go syntax, as ``go tool objdump`` prints them."""
    spdelta: int = 0
    """funcspdelta at pcs[1]: the frame the unwinder assumes there."""
    reason: Reason = Reason.SAFE_POINT
    """isAsyncSafePoint's rule at pcs[1] (``why`` is it in the report's words)."""

    def to_json(self) -> dict[str, object]:
        return {"function": self.function, "entry": self.entry, "pcs": list(self.pcs),
                "frame_size": self.frame_size, "leaf": self.leaf, "preemptible": self.preemptible,
                "reason": self.reason.value, "status": self.status}


@dataclass(frozen=True)
class ScanReport:
    """Every finding in one binary, with the summary the CLI prints."""

    binary: str
    format: str
    go: str | None
    stripped: bool
    functions_scanned: int
    findings: tuple[Finding, ...]
    exposed: int
    """Findings the runtime can preempt at: the ones that can crash."""
    go_source: str | None = None
    """Where ``go`` came from: ``"build info"`` or ``"runtime.buildVersion"`` (None with ``go``)."""
    table: str = "go1.20-go1.27"
    """The releases whose function table format this binary has."""
    rule: PreemptionRule | None = None
    """Whose isAsyncSafePoint judged the findings; None when the binary has no async preemption."""

    @classmethod
    def of(cls, binary: GoBinary, findings: tuple[Finding, ...],
           rule: PreemptionRule | None = None) -> ScanReport:
        return cls(binary.path, binary.format, binary.go_version, binary.stripped, len(binary.functions),
                   findings, sum(f.preemptible for f in findings), binary.go_version_source,
                   binary.table_releases, rule)

    def to_json(self) -> dict[str, object]:
        return {"binary": self.binary, "format": self.format, "go": self.go, "go_source": self.go_source,
                "stripped": self.stripped, "table": self.table, "async_preemption": self.rule is not None,
                "preemption_rule": None if self.rule is None else
                {"source": self.rule.source, "own": self.rule.own},
                "functions_scanned": self.functions_scanned,
                "findings": [f.to_json() for f in self.findings], "exposed": self.exposed}

    def release_lines(self) -> list[str]:
        """Where the release came from and whose preemption rule applied, when that is not plain (as
        read from the binary: :meth:`lines` escapes it for a terminal)."""
        out = []
        if self.go is None:
            out.append(f"release: unknown (no build info, no runtime.buildVersion string); the function "
                       f"table is the format of {self.table}")
        elif self.go_source != "build info":
            out.append(f"release: go{self.go} read from the runtime's version string (runtime.buildVersion); "
                       "the binary has no build info")
        if self.rule is None:
            out.append("no async preemption: this binary has no runtime.asyncPreempt (Go before go1.14), so "
                       "nothing stops a goroutine between the two halves of a split and none of these can "
                       "crash. Rebuilt with go1.14 or later, the leaf ones would be exposed, and so would "
                       "the non-leaf ones up to go1.23.11 and go1.24.5")
        elif not self.rule.own:
            release = f"go{self.go}" if self.go else "this release"
            out.append(f"preemption judged by the rule in {self.rule.source}: {release}'s own runtime "
                       "source is not at hand, and the binary's own unsafe-point marks, flags and pointer "
                       "maps are what that rule reads")
        return out

    def lines(self) -> list[str]:
        """One line per finding, the summary, then what to do about what is exposed.

        Everything read from the binary (names, its Go version) or from the file system is shown with
        its control characters escaped (:func:`~explainer.output.printable.printable`): a function named
        with ``ESC ] 0 ;`` must not set the reader's window title.
        """
        width = max((len(printable(f.function)) for f in self.findings), default=0)
        entry = max((len(f"{f.entry:#x}") for f in self.findings), default=0)
        out = []
        for f in self.findings:
            verdict = "PREEMPTIBLE" if f.preemptible else f"never preempted ({f.why})"
            out.append(f"{printable(f.function):<{width}}  entry {f.entry:<#{entry}x}  "
                       f"{f.pcs[0]:#x} {f.instructions[0]} ; {f.pcs[1]:#x} {f.instructions[1]}  "
                       f"frame {f.frame_size:,} B {'leaf' if f.leaf else 'non-leaf'}  {verdict}  {f.status}")
        go = f"go{self.go}" if self.go else f"Go (release unknown, {self.table} table)"
        kind = "stripped" if self.stripped else "with symbols"
        out.append(f"{self.binary}: {go}, {self.format}, {kind}: {self.functions_scanned:,} functions "
                   f"scanned, {len(self.findings)} finding{'s' * (len(self.findings) != 1)}, "
                   f"{self.exposed} exposed")
        out += self.release_lines()
        exposed = {f.status for f in self.findings if f.preemptible}
        for status in (NONLEAF_SPLIT, LEAF_SPLIT):
            if status in exposed:
                names = sorted({f.function for f in self.findings if f.preemptible and f.status == status})
                out.append(f"what to do: {ADVICE[status]} ({', '.join(names)})")
        return [printable(line) for line in out]
