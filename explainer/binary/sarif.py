"""``explainer scan --sarif``: SARIF 2.1.0, so code-scanning dashboards list exposed functions.

One run, one result per exposed function (a preemptible split SP adjustment), with the binary as the
artifact location, the function and its two PCs in the message and in the result's properties, and one
rule per finding kind (``nonleaf-split``, ``leaf-split``). Files that could not be read become
tool execution notifications, so a dashboard shows that the run was incomplete. Checked against the
official schema (sarif-2.1.0-rtm.5.json) in the tests.

For GitHub code scanning: every result's ``ruleId`` is a rule's ``id`` at its ``ruleIndex``; URIs are
relative as the path was given (run from the repository's root) or ``file://`` when absolute; the place
in the binary is ``physicalLocation.address`` (the first half's PC, 8 bytes, ``instruction``), and the
region is line 1, because code scanning anchors every alert to a line and a binary has none (grype and
trivy do the same); ``partialFingerprints`` name the function, its frame and kind, not its PCs, so a
rebuild that moves the code keeps the alert, and number repeats within one function.
"""

from __future__ import annotations

from urllib.parse import quote

from .fleet import ERROR, SCANNED, Outcome
from .report import ADVICE, LEAF_SPLIT, NONLEAF_SPLIT

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_RULES = {
    NONLEAF_SPLIT: ("NonLeafSplitEpilogue",
                    "A non-leaf function releases its stack frame in two writes to SP that the runtime can "
                    "preempt between (golang/go#73259)."),
    LEAF_SPLIT: ("LeafSplitEpilogue",
                 "A leaf function releases its stack frame in two writes to SP that the runtime can "
                 "preempt between; no Go release changes leaf epilogues."),
}


def _rule(status: str) -> dict[str, object]:
    name, text = _RULES[status]
    return {"id": status, "name": name, "shortDescription": {"text": text},
            "fullDescription": {"text": text + " A goroutine stopped between the two halves has SP inside "
                                "its dying frame; a GC stack scan or traceback then reads the return address "
                                "from the wrong slot and the process dies (fatal error: traceback did not "
                                "unwind completely, or SIGSEGV)."},
            "help": {"text": "What to do: " + ADVICE[status] + "."},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["reliability", "go", "arm64"], "precision": "very-high"}}


def to_sarif(outcomes: list[Outcome], version: str) -> dict[str, object]:
    """The run as one SARIF log."""
    results: list[dict[str, object]] = []
    artifacts: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    for o in outcomes:
        seen: dict[str, int] = {}  # fingerprint → how many times in this binary
        if o.kind == ERROR:
            notes.append({"level": "error", "message": {"text": o.reason},
                          "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(o.path)}}}]})
        if o.kind != SCANNED or o.report is None:
            continue
        r = o.report
        index = len(artifacts)
        artifacts.append({"location": {"uri": _uri(o.path)}, "roles": ["analysisTarget"],
                          "properties": {"format": r.format, "go": r.go, "goSource": r.go_source,
                                         "stripped": r.stripped}})
        for f in r.findings:
            if not f.preemptible:
                continue
            kind = "leaf" if f.leaf else "non-leaf"
            key = f"{f.function}:{f.frame_size}:{f.status}"
            seen[key] = seen.get(key, 0) + 1
            text = (f"{f.function} (entry {f.entry:#x}) releases its {f.frame_size:,}-byte {kind} frame in "
                    f"two writes to SP, at {f.pcs[0]:#x} and {f.pcs[1]:#x}; the runtime can preempt between "
                    f"them (go{r.go or ' release unknown'})")
            results.append({
                "ruleId": f.status, "ruleIndex": list(_RULES).index(f.status), "level": "error",
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                                   "artifactLocation": {"uri": _uri(o.path), "index": index},
                                   "region": {"startLine": 1},
                                   "address": {"absoluteAddress": f.pcs[0], "length": f.pcs[1] + 4 - f.pcs[0],
                                               "kind": "instruction", "fullyQualifiedName":
                                               f"{f.function}+{f.pcs[0] - f.entry:#x}"}},
                               "logicalLocations": [{"name": f.function, "kind": "function",
                                                     "fullyQualifiedName": f.function}]}],
                "partialFingerprints": {"function/v1": f"{key}:{seen[key]}"},
                "properties": {"function": f.function, "entry": f.entry, "pcs": list(f.pcs),
                               "frameSize": f.frame_size, "leaf": f.leaf, "go": r.go,
                               "instructions": list(f.instructions)}})
    run: dict[str, object] = {
        "tool": {"driver": {"name": "explainer scan", "version": version,
                            "informationUri": "https://github.com/golang/go/issues/73259",
                            "rules": [_rule(s) for s in _RULES]}},
        "artifacts": artifacts, "results": results,
        "invocations": [{"executionSuccessful": not notes, "toolExecutionNotifications": notes}],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _uri(path: str) -> str:
    """A URI reference for a path: relative as given, ``file://`` when absolute. Colons are escaped, so
    ``image.tar:/usr/bin/x`` (a file of an image) does not read as a URI scheme."""
    return ("file://" if path.startswith("/") else "") + quote(path, safe="/")
