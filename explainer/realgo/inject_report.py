"""What ``explainer inject`` prints: each step of a try as it happens, the answers, the JSON.

Headless (no UI library): lines of text and plain dicts, so the command only prints them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..engine.runtime.outcome import Outcome
from ..engine.runtime.unwind import Trigger
from .crashlog import Crash
from .inject import Observation, RealOutcome, RealPoint, exit_words
from .injection import Injection, RealSweep, Row
from .model_check import EngineAnswer, LineCheck
from .target import GUEST_ENV, Target

#: Lines of the runtime's output shown without ``--full``.
HEAD_LINES = 6
_WALKERS = {Trigger.GC: "the GC walked the parked stack",
            Trigger.TRACEBACK: "a traceback of all goroutines walked the parked stack"}


def walk_path(target: Target) -> str:
    """Which runtime path walks the parked stack, in the runtime's own calls."""
    if target.unwind is Trigger.TRACEBACK:
        return ("runtime.Stack(buf, true) from the program's dumper goroutine: tracebackothers -> "
                "traceback1, flags unwindPrintErrors")
    return "the program's runtime.GC() loop: gcDrain -> markroot -> scanstack, flags 0"


def header(target: Target, point: Any | None = None, at: str = "", note: str = "") -> list[str]:
    """Who and what: release, program, binary, tools, walk, and the chosen instruction."""
    shape = target.shape
    program = shape.program + ("-traceback" if target.unwind is Trigger.TRACEBACK else "")
    lines = [f"inject: {target.release.name}, {shape.value} ({program}), main.big_stack frame "
             f"{target.frame_size:,} B{' (leaf)' if target.leaf else ''}",
             f"binary: {target.binary}",
             f"tools: qemu-aarch64 {target.qemu.version_text}, {target.gdb.version}; guest "
             + " ".join(f"{k}={v}" for k, v in GUEST_ENV.items()),
             f"walk: {walk_path(target)}"]
    if point is not None:
        named = f"{at} = " if at and not at.startswith("+") else ""
        lines.append(f"at: {named}main.big_stack+{point.offset:#x} = {point.pc:#x}  {point.go}")
    if note:
        lines.append(f"note: {note}")
    return lines


def event_line(ev: Mapping[str, Any], target: Target) -> str | None:
    """One event of the gdb script as a line for a person, or None for the ones not worth a line."""
    kind = ev["event"]
    entry = target.function.entry

    def where(pc: int) -> str:
        return f"{pc:#x} (+{pc - entry:#x})" if entry <= pc < entry + 0x10000 else f"{pc:#x}"

    if kind == "connected":
        off = ev["offsets"]
        return (f"gdb connected; DWARF: runtime.g.preempt at +{off['preempt']}, "
                f"preemptStop at +{off['preemptStop']}")
    if kind == "hit":
        lo, hi = ev["stack"]
        return (f"goroutine {ev['goid']} stopped at {where(ev['pc'])} on thread {ev['thread']}: "
                f"SP={ev['sp']:#x}, stack [{lo:#x}, {hi:#x})")
    if kind == "signal":
        return "set g.preempt and g.preemptStop (as runtime.suspendG does), sent SIGURG"
    if kind == "verdict":
        if ev["ok"]:
            said = ("runtime.isAsyncSafePoint said yes: preempted, asyncPreempt returns to "
                    f"{where(ev['newpc'])}")
            if ev["newpc"] == entry != ev["pc"]:
                return f"{said}, the function's entry (a restart at entry: UnsafePointRestartAtEntry)"
            if ev["newpc"] != ev["pc"]:  # preempt.go's isAsyncSafePoint: "Back off PC to the start PC"
                return (f"{said}, backed up from {where(ev['pc'])} to the start of a restartable "
                        "sequence (UnsafePointRestart1/2: the assembler's R27 sequence runs again whole)")
            return said
        return "runtime.isAsyncSafePoint said no: refused"
    if kind == "refused":
        return f"the goroutine went on at {where(ev['went_on'])}"
    if kind == "preempted":
        return f"runtime.asyncPreempt entered on the same thread, R30={where(ev['newpc'])}"
    if kind == "walk":
        return f"{_WALKERS[target.unwind]}: {' <- '.join(ev['chain'][:6])}"
    if kind == "walked":
        return "the walk returned"
    if kind == "clean":
        return f"the goroutine ran on at {where(ev['went_on'])}"
    if kind == "exited":
        return f"the program {exit_words(ev.get('code'))}"
    if kind == "stray":
        return f"a stray SIGTRAP at {ev['pc']:#x} (swallowed: never passed to the program)"
    if kind == "spoiled":
        return f"spoiled: {ev['reason']}"
    return None


def runtime_text(obs: Observation, full: bool) -> list[str]:
    """The runtime's own output, headed by its first lines and goroutine 1's block."""
    out = list(obs.output)
    if full or len(out) <= HEAD_LINES + 8:
        return out
    shown = out[:HEAD_LINES]
    start = next((k for k, line in enumerate(out) if line.startswith("goroutine 1 ")), None)
    if start is not None and start >= HEAD_LINES:
        end = next((k for k in range(start, len(out)) if not out[k].strip()), len(out))
        shown += ["…"] + out[start:end]
    hidden = len(out) - len([s for s in shown if s != "…"])
    return shown + ([f"… ({hidden} more lines: --full shows them all)"] if hidden > 0 else [])


def summary(point: RealPoint) -> str:
    """``crash: fatal error: ... (1 try, 0.25 s)``."""
    obs = point.answer
    tries = f"{point.tries} {'try' if point.tries == 1 else 'tries'}"
    if point.outcome is RealOutcome.CRASH and obs.crash is not None:
        what = obs.crash.describe()
    elif point.outcome is RealOutcome.REFUSED:
        went = f"; the goroutine went on at {obs.went_on:#x}" if obs.went_on is not None else ""
        what = f"isAsyncSafePoint refused{went}"
    elif point.outcome is RealOutcome.CLEAN and _cut_short(obs):
        said = walk_error(obs)
        what = ("preempted; the traceback of all goroutines " +
                (f"printed {said!r} and went on" if said else "printed no error") +
                ", but goroutine 1's is cut short: no main.main")
    elif point.outcome is RealOutcome.CLEAN:
        what = "preempted, walked while parked without an error" + (
            f", ran on at {obs.went_on:#x}" if obs.went_on is not None else "")
    else:
        what = obs.reason
    return f"{point.outcome.value}: {what} ({tries}, {obs.seconds:.2f} s into the run)"


def engine_lines(answer: EngineAnswer | None, checks: Sequence[LineCheck], error: str = "",
                 full: bool = False) -> Iterator[str]:
    """The engine's answer, then its lines checked against the real report (``=`` equal, ``≠`` not).

    Without ``full``, a run of equal hex dump lines with nothing to say is counted, not shown.
    """
    if answer is None:
        yield f"engine: not available ({error})"
        return
    yield f"engine: {answer.said.value}: {answer.reason}"
    yield f"        (explainer run {answer.scenario})"
    quiet = 0
    for c in checks:
        if not full and c.equal and not c.note and _HEXDUMP.match(c.engine):
            quiet += 1
            continue
        if quiet:
            yield f"        = … {quiet} hex dump line{'s' if quiet > 1 else ''} equal"
            quiet = 0
        mark = "=" if c.equal else "≠"
        yield f"        {mark} {c.engine.strip()}" + (f"   [{c.note}]" if c.note else "")
        if not c.equal:
            yield f"          real: {c.real.strip() if c.real else '(no such line in the real report)'}"
    if quiet:
        yield f"        = … {quiet} hex dump line{'s' if quiet > 1 else ''} equal"


_HEXDUMP = re.compile(r"^(?:[0-9a-f]{16}: |\s+\^ )")


def point_json(point: RealPoint) -> dict[str, Any]:
    """The real answer at one point, as JSON."""
    obs = point.answer
    hit = obs.hit
    crash = obs.crash
    return {
        "outcome": point.outcome.value, "tries": point.tries, "spoiled": list(point.spoiled),
        "newpc": obs.newpc, "went_on": obs.went_on, "walker": list(obs.walker),
        "text": list(obs.output), "seconds": round(obs.seconds, 3),
        "reason": obs.reason or None,
        "crash": None if crash is None else crash_json(crash),
        "hit": None if hit is None else {
            "thread": hit.thread, "g": hit.g, "goid": hit.goid, "sp": hit.sp, "lr": hit.lr, "fp": hit.fp,
            "stack": list(hit.stack), "stktopsp": hit.stktopsp},
    }


def crash_json(crash: Crash) -> dict[str, Any]:
    """What the runtime's crash report says, field by field (``crashlog.Crash``), addresses as integers.

    ``frame_sp``/``top``/``stack``: the ``runtime: g1: frame.sp=... top=...`` and ``stack=[lo-hi``
    lines (did not unwind completely); ``signal``/``signal_addr``/``signal_pc``/``signal_function``:
    the fault (``SIGSEGV``, ``addr=0x118``, in ``runtime.(*unwinder).next``); ``unexpected_return``:
    ``unexpected return pc for FUNCTION called from PC`` (go1.27 on), the word the unwinder read as the
    return address (any 64-bit word: ``pc_hex`` too, for readers that hold numbers as doubles);
    ``interrupted``: the frame asyncPreempt was injected over, as the report prints it (its ``sp`` is
    where the unwinder read that word: arm64 keeps the return address at ``*(frame.sp)``).
    """
    i = crash.interrupted
    return {
        "headline": crash.describe(), "fatal": crash.fatal, "frame_sp": crash.frame_sp, "top": crash.top,
        "stack": list(crash.stack) if crash.stack else None,
        "signal": crash.signal, "signal_addr": crash.signal_addr, "signal_pc": crash.signal_pc,
        "signal_function": crash.signal_function,
        "unexpected_return": None if crash.unexpected_return is None else {
            "function": crash.unexpected_return[0], "pc": crash.unexpected_return[1],
            "pc_hex": hex(crash.unexpected_return[1])},
        "interrupted_pc": i.pc if i else None,
        "interrupted": None if i is None else {"function": i.function, "where": i.where, "pc": i.pc,
                                               "sp": i.sp, "fp": i.fp},
    }


def injection_json(done: Injection) -> dict[str, Any]:
    """``explainer inject --json``: the point, the real answer, the engine's, and whether they agree."""
    t, p = done.target, done.point
    return {"go": t.release.go, "shape": t.shape.value, "program": t.shape.program, "unwind": t.unwind.value,
            "function": t.function.name, "entry": t.function.entry, "frame_size": t.frame_size,
            "leaf": t.leaf,
            "walk": walk_path(t), "at": done.at, "pc": p.pc, "offset": p.offset, "instruction": p.go,
            "note": done.note or None, "binary": str(t.binary), "real": point_json(done.real),
            "engine": engine_json(done.engine, done.checks), "agree": done.agree,
            "seconds": round(done.seconds, 3)}


def engine_json(answer: EngineAnswer | None, checks: Sequence[LineCheck]) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"outcome": answer.said.value, "reason": answer.reason, "output": list(answer.output),
            "scenario": answer.scenario,
            "lines": [{"engine": c.engine, "real": c.real, "equal": c.equal, "note": c.note or None}
                      for c in checks]}


def goroutine1_frames(output: Sequence[str]) -> list[str]:
    """The functions of goroutine 1's block in a traceback, innermost first: each frame is a line
    followed by its ``\tfile:line`` line (an error the walk printed, or its hex dump, is not)."""
    lines = "\n".join(output).partition("goroutine 1 [")[2].partition("\n\n")[0].splitlines()[1:]
    return [line.split("(", 1)[0] for line, after in zip(lines, lines[1:], strict=False)
            if line and not line.startswith(("\t", "created by")) and after.startswith("\t")]


def walk_error(obs: Observation) -> str | None:
    """The error a traceback printed while walking goroutine 1 and went on (unwindPrintErrors)."""
    block = "\n".join(obs.output).partition("goroutine 1 [")[2].partition("\n\n")[0]
    return next((line for line in block.splitlines() if line.startswith("runtime: g")), None)


def traceback_story(obs: Observation) -> str:
    """What runtime.Stack's walk of goroutine 1 shows: whole, or cut short, with or without a word."""
    frames = goroutine1_frames(obs.output)
    shown = " <- ".join(frames) or "nothing"
    if "main.main" in frames:
        return f"goroutine 1's traceback is whole: {shown}"
    story = (f"goroutine 1's traceback stops at {frames[-1] if frames else '?'}: {shown}, then no "
             "main.main; the walk ended early")
    said = walk_error(obs)
    if said is not None:
        return f"{story}, printing {said!r} and a dump of the stack, and went on (unwindPrintErrors)"
    return (story + " and printed no error (unwindPrintErrors tolerates it). A slot holding a non-zero "
            "non-function value (--shape cloudflare) makes the same walk print \"unexpected return pc\", "
            "or die reading the parked goroutine's nil gp.m before go1.27")


def _cut_short(obs: Observation) -> bool:
    """A traceback of all goroutines (the variant's walk) in which goroutine 1's has no main.main."""
    return bool(obs.walker) and obs.walker[0] == "runtime.traceback1" and \
        "main.main" not in goroutine1_frames(obs.output)


def sweep_table(target: Target, rows: Sequence[Row], full: bool) -> Iterator[str]:
    # One header, columns as wide as the function's longest instruction: 84 columns for main.big_stack
    # (its CALL runtime.morestack_noctxt.abi0(SB)), where "engine"/"real" on every row made it 97.
    width = max((len(r.point.go) for r in rows), default=0)
    yield f"{'offset':<8} {'instruction':<{width}}  {'engine':<11} {'real':<12} {'tries':<5} verdict"
    for r in rows:
        p, e = r.point, r.engine
        yield (f"+{p.offset:#06x}  {p.go:<{width}}  {e.said.value if e else '?':<11} "
               f"{p.outcome.value:<12} {p.tries:<5} {r.verdict}")
        if p.outcome is RealOutcome.INCONCLUSIVE:
            yield f"          {p.answer.reason}"
        if r.verdict == "DIFF" and e is not None:
            yield f"          engine: {e.reason}"
        if p.outcome is RealOutcome.CRASH and p.answer.crash is not None:
            yield f"          real:   {p.answer.crash.describe()}"
            for c in r.checks:
                mark = "=" if c.equal else "≠"
                yield f"          {mark} {c.engine.strip()}" + (f"   [{c.note}]" if c.note else "")
            if r.fed is not None:
                yield f"            (explainer run {r.fed.scenario})"
        if full and p.answer.output:
            yield from (f"          | {line}" for line in p.answer.output)


def sweep_footer(result: RealSweep) -> str:
    counts, target = result.counts, result.target
    n = sum(counts.values())
    pad = ", ".join(f"+{pc - target.function.entry:#x}" for pc in target.padding)
    padding = (f"; {pad} {'is' if len(target.padding) == 1 else 'are'} padding, never executed, not swept"
               if pad else "")
    trap = f"; {result.strays} stray SIGTRAP swallowed" if result.strays else ""
    return (f"{n} instructions: {counts['agree']} agree, {counts['differ']} differ, "
            f"{counts['inconclusive']} inconclusive{padding}\n"
            f"{result.seconds:.1f} s, {result.runs} qemu runs, up to {result.jobs} at once{trap}")


def sweep_json(result: RealSweep) -> dict[str, Any]:
    """``explainer sweep --json``'s shape, with a ``real`` object and ``agree`` per point."""
    target, rows = result.target, result.rows
    points = []
    for r in rows:
        e = r.engine
        points.append({
            "pc": r.point.offset, "go": r.point.go,
            "outcome": _SWEEP_WORD.get(e.said, e.said.value) if e else None,
            "reason": e.reason if e else None,
            "message": "\n".join(e.output) if e and e.output else None,
            "real": point_json(r.point) | {"engine_lines": engine_json(r.fed, r.checks)},
            "agree": r.verdict == "agree", "verdict": r.verdict})
    return {"go": target.release.go, "size": target.frame_size, "leaf": target.leaf,
            "function": target.function.name, "shape": target.shape.value, "unwind": target.unwind.value,
            "entry": target.function.entry,
            "runtime": dict(target.addresses),
            "points": points,
            "unsafe": sum(r.engine is not None and r.engine.outcome is RealOutcome.CRASH for r in rows),
            "counts": dict(result.counts), "padding": [pc - target.function.entry for pc in target.padding],
            "instruction_mismatches": [list(m) for m in result.mismatches],
            "seconds": round(result.seconds, 2), "runs": result.runs, "jobs": result.jobs}


#: ``explainer sweep --json``'s words.
_SWEEP_WORD = {Outcome.REFUSED: "not-preemptible", Outcome.CLEAN: "safe", Outcome.CANNOT_SEE: "safe",
               Outcome.CRASH: "unsafe"}
