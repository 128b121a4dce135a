"""Runs inside gdb-multiarch's own Python: preempt a real Go program at chosen instructions.

``explainer inject`` starts ``qemu-aarch64 -g SOCKET PROGRAM`` and then
``gdb-multiarch -batch -x inject.py PROGRAM`` with the path of a JSON plan in
``$EXPLAINER_INJECT_PLAN``. This script connects, and for each planned PC of the function
(in the order the goroutine reaches them) does what ``runtime.suspendG`` does to request an
async preemption, then lets the real runtime decide:

1. break at the PC; at the stop, check the stopped thread runs the goroutine we target
   (R28 is g: goid, status _Grunning, g.m.curg == g);
2. set ``g.preempt`` and ``g.preemptStop`` (offsets from the binary's DWARF, ``runtime.g``);
3. delete the breakpoint and resume that thread with SIGURG, the runtime's preemption signal;
4. read the runtime's own verdict where it is made: ``runtime.isAsyncSafePoint(gp, pc, sp, lr)``
   returns ``(ok, newpc)`` in R0/R1 to ``doSigPreempt``;
5. refused: put the request back as it was, and see the goroutine go on at the PC;
   preempted: see ``runtime.asyncPreempt`` entered with R30 = newpc on the same thread, then
   who walks the parked stack (``runtime.scanstack(gp)`` for the GC; ``runtime.traceback1(...,
   gp, ...)`` after raising the program's ``main.dump`` flag for a traceback), and then either
   the program dies (the runtime's report is on qemu's stderr) or the goroutine runs on at newpc.

Everything it sees is printed as one JSON object per line after ``@inject `` (the caller reads
them); the caller bounds every wait (the ``wait`` events say what is awaited) and kills both
processes when a wait runs out. Anything unexpected ends the run with a ``spoiled`` event, so
the caller can retry the rest in a fresh run.

Signals: every signal qemu reports (SIGURG from sysmon, SIGSEGV of a crash ...) goes back to the
program untouched (``nostop noprint pass``) except SIGTRAP, which is gdb's own: it stops here and
is never passed on (every resume is ``signal 0`` or ``signal SIGURG``), so the program never sees a
trap meant for the debugger.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import gdb  # noqa: F401  (gdb's own module, present only inside gdb)

T0 = time.monotonic()
PLAN = json.loads(open(os.environ["EXPLAINER_INJECT_PLAN"], encoding="utf-8").read())
MASK = (1 << 64) - 1
G_RUNNING = 2  # runtime2.go: _Grunning


class Spoiled(Exception):
    """The run is not what we asked for: the caller retries in a fresh run."""


def emit(event: str, **fields: Any) -> None:
    fields = {"event": event, "t": round(time.monotonic() - T0, 4), **fields}
    gdb.write("@inject " + json.dumps(fields) + "\n")
    gdb.flush()


# ---- stops -------------------------------------------------------------------------------------

_stop: dict[str, Any] = {}


def _on_stop(ev: Any) -> None:
    _stop.clear()
    if isinstance(ev, gdb.SignalEvent):
        _stop.update(kind="signal", signal=ev.stop_signal)
    else:
        _stop.update(kind="stop")


def _on_exit(ev: Any) -> None:
    _stop.clear()
    _stop.update(kind="exited", code=getattr(ev, "exit_code", None))


gdb.events.stop.connect(_on_stop)
gdb.events.exited.connect(_on_exit)


def reg(name: str) -> int:
    return int(gdb.newest_frame().read_register(name)) & MASK


class Stop:
    """Where the program stopped: kind, pc, thread (LWP) and g (R28)."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.kind: str = info.get("kind", "lost")
        self.signal: str | None = info.get("signal")
        self.code: int | None = info.get("code")
        self.error: str | None = info.get("error")
        self.pc: int | None = None
        self.thread: int | None = None
        self.g: int | None = None
        if self.kind in ("stop", "signal"):
            self.pc, self.g = reg("pc"), reg("x28")
            self.thread = gdb.selected_thread().ptid[1]

    @property
    def ended(self) -> bool:
        return self.kind in ("exited", "lost")

    def describe(self) -> str:
        if self.kind == "exited":  # no exit_code from gdb: the guest was ended by a signal
            return "the program was ended by a signal" if self.code is None else \
                f"the program exited with status {self.code}"
        if self.kind == "lost":
            return f"the connection to qemu closed ({self.error})"
        what = f"signal {self.signal}" if self.kind == "signal" else "a stop"
        return f"{what} at {self.pc:#x} on thread {self.thread}"


#: Stray SIGTRAPs seen (stops no breakpoint of ours explains); never passed to the program.
strays = 0


def resume(phase: str, signal: str = "0") -> Stop:
    """Resume every thread (the current one with ``signal``) and wait for the next stop."""
    global strays
    while True:
        emit("wait", phase=phase)
        _stop.clear()
        try:
            gdb.execute(f"signal {signal}", to_string=True)
        except gdb.error as e:
            if not _stop:
                _stop.update(kind="lost", error=str(e).strip())
        stop = Stop(dict(_stop))
        # gdb reports a SIGTRAP no breakpoint explains as a plain stop ("It stopped with signal
        # SIGTRAP"); every other signal is "nostop". So a stop off our breakpoints is a stray trap.
        if stop.kind in ("stop", "signal") and not breakpoint_at(stop.pc):
            strays += 1
            emit("stray", signal="SIGTRAP", pc=stop.pc, thread=stop.thread, phase=phase)
            signal = "0"  # swallowed: the trap was the debugger's, not the program's
            continue
        return stop


# ---- breakpoints -------------------------------------------------------------------------------

_breakpoints: dict[int, list[Any]] = {}  # pc -> [gdb.Breakpoint]


def set_bp(pc: int) -> None:
    _breakpoints.setdefault(pc, []).append(gdb.Breakpoint(f"*{pc:#x}", internal=True))


def clear_bp(pc: int) -> None:
    for bp in _breakpoints.pop(pc, []):
        bp.delete()


def breakpoint_at(pc: int | None) -> bool:
    return pc in _breakpoints


# ---- the goroutine -----------------------------------------------------------------------------

inferior: Any = None
G: dict[str, int] = {}  # runtime.g field offsets, from DWARF
M: dict[str, int] = {}  # runtime.m field offsets


def offsets() -> dict[str, int]:
    gdb.execute("set language go")
    g_type, m_type = gdb.lookup_type("runtime.g"), gdb.lookup_type("runtime.m")
    G.update({f.name: f.bitpos // 8 for f in g_type.fields()})
    M.update({f.name: f.bitpos // 8 for f in m_type.fields()})
    want = ("goid", "preempt", "preemptStop", "stack", "m", "atomicstatus", "stktopsp")
    missing = [n for n in want if n not in G] + [n for n in ("curg",) if n not in M]
    if missing:
        raise Spoiled(f"this binary's runtime.g/runtime.m lack {missing}")
    return {name: G[name] for name in want} | {"m.curg": M["curg"]}


def word(addr: int, size: int = 8) -> int:
    return int.from_bytes(inferior.read_memory(addr, size).tobytes(), "little")


def poke(addr: int, value: int, size: int = 1) -> None:
    inferior.write_memory(addr, value.to_bytes(size, "little"))


def goroutine(g: int) -> dict[str, Any]:
    """What we check of the goroutine at a stop, as a dict."""
    m = word(g + G["m"])
    return {"g": g, "goid": word(g + G["goid"]), "status": word(g + G["atomicstatus"], 4),
            "stack": [word(g + G["stack"]), word(g + G["stack"] + 8)],
            "stktopsp": word(g + G["stktopsp"]), "m": m,
            "curg": word(m + M["curg"]) if m else 0}


def call_chain(limit: int = 8) -> list[str]:
    """The functions on the stopped thread's stack, innermost first (best effort)."""
    names: list[str] = []
    try:
        frame = gdb.newest_frame()
        while frame is not None and len(names) < limit:
            names.append(frame.name() or f"{frame.pc():#x}")
            frame = frame.older()
    except gdb.error:
        pass
    return names


# ---- one point ---------------------------------------------------------------------------------

ADDR = PLAN["addresses"]
TRACEBACK = PLAN["unwind"] == "traceback"


def expect(stop: Stop, phase: str, pc: int | None = None, thread: int | None = None) -> None:
    if stop.ended:
        raise Spoiled(f"while awaiting {phase}: {stop.describe()}")
    if pc is not None and stop.pc != pc:
        raise Spoiled(f"while awaiting {phase}: {stop.describe()}")
    if thread is not None and stop.thread != thread:
        raise Spoiled(f"while awaiting {phase}: {stop.describe()}, not on thread {thread}")


def inject(point: int, stop: Stop, target: int) -> bool:
    """Preempt at ``point``, where ``stop`` stands; returns False when the program has ended."""
    g, thread = target, stop.thread
    poke(g + G["preempt"], 1)
    poke(g + G["preemptStop"], 1)
    clear_bp(point)
    set_bp(ADDR["isAsyncSafePoint"])
    set_bp(ADDR["asyncPreempt"])
    emit("signal", pc=point, thread=thread, signal="SIGURG")
    stop = resume("verdict", "SIGURG")
    # isAsyncSafePoint(gp, pc, sp, lr): the call for our goroutine at our PC is the one that decides.
    while stop.kind == "stop" and stop.pc == ADDR["isAsyncSafePoint"] and not (
            reg("x0") == g and reg("x1") == point):
        emit("other_check", gp=reg("x0"), pc=reg("x1"), thread=stop.thread)
        stop = resume("verdict")
    expect(stop, "runtime.isAsyncSafePoint", ADDR["isAsyncSafePoint"], thread)
    back = reg("x30")
    set_bp(back)
    stop = resume("verdict")
    expect(stop, "isAsyncSafePoint's answer", back, thread)
    ok, newpc = reg("x0") & 0xFF, reg("x1")
    clear_bp(back)
    clear_bp(ADDR["isAsyncSafePoint"])
    emit("verdict", pc=point, ok=bool(ok), newpc=newpc, thread=thread)
    if not ok:
        poke(g + G["preempt"], 0)  # withdraw the request, as if it had never been made
        poke(g + G["preemptStop"], 0)
        set_bp(point)
        stop = resume("went_on")
        if stop.kind == "stop" and stop.pc == ADDR["asyncPreempt"] and stop.g == g:
            raise Spoiled(f"refused, then preempted anyway (R30={reg('x30'):#x})")
        expect(stop, "the goroutine to go on", point)
        if stop.g != g:
            raise Spoiled(f"another goroutine ({stop.g:#x}) ran the instruction")
        clear_bp(point)
        clear_bp(ADDR["asyncPreempt"])
        emit("refused", pc=point, went_on=point, thread=stop.thread)
        return True
    stop = resume("asyncPreempt")
    while stop.kind == "stop" and stop.pc == ADDR["asyncPreempt"] and stop.g != g:
        emit("other_preempt", g=stop.g, thread=stop.thread)  # another goroutine, preempted by sysmon
        stop = resume("asyncPreempt")
    expect(stop, "runtime.asyncPreempt", ADDR["asyncPreempt"], thread)
    if reg("x30") != newpc:
        raise Spoiled(f"asyncPreempt entered with R30={reg('x30'):#x}, not newpc {newpc:#x}")
    clear_bp(ADDR["asyncPreempt"])
    emit("preempted", pc=point, newpc=newpc, thread=thread)
    walker = ADDR["traceback1"] if TRACEBACK else ADDR["scanstack"]
    if TRACEBACK:
        poke(ADDR["dump"], 1, 4)  # the program's dumper goroutine now calls runtime.Stack(buf, true)
    set_bp(walker)
    stop = resume("walk")
    # scanstack(gp, gcw): gp in R0; traceback1(pc, sp, lr, gp, flags): gp in R3.
    arg = "x3" if TRACEBACK else "x0"
    while stop.kind == "stop" and stop.pc == walker and reg(arg) != g:
        stop = resume("walk")
    expect(stop, "the stack walk", walker)
    walk_thread, back = stop.thread, reg("x30")
    emit("walk", pc=point, function="runtime.traceback1" if TRACEBACK else "runtime.scanstack",
         chain=call_chain(), thread=walk_thread)
    clear_bp(walker)
    set_bp(back)
    stop = resume("walked")
    if stop.kind == "exited":
        emit("exited", code=stop.code, during="walk")
        return False
    expect(stop, "the walk to return", back)
    clear_bp(back)
    emit("walked", pc=point)
    if TRACEBACK:  # the dumper prints what runtime.Stack wrote and exits
        stop = resume("dump")
        if stop.kind == "exited":
            emit("exited", code=stop.code, during="dump")
            return False
        raise Spoiled(f"while awaiting the dump: {stop.describe()}")
    set_bp(newpc)
    stop = resume("ran_on")
    if stop.kind == "exited":
        emit("exited", code=stop.code, during="ran_on")
        return False
    expect(stop, "the goroutine to run on", newpc)
    if stop.g != g:
        raise Spoiled(f"another goroutine ({stop.g:#x}) ran on at {newpc:#x}")
    clear_bp(newpc)
    emit("clean", pc=point, went_on=newpc, thread=stop.thread)
    return True


def main() -> None:
    global inferior
    # "all" is every signal but the debugger's own two (SIGTRAP, SIGINT): the runtime handles them.
    gdb.execute("handle all nostop noprint pass", to_string=True)
    gdb.execute("handle SIGTRAP stop print nopass", to_string=True)
    gdb.execute(f"target remote {PLAN['socket']}", to_string=True)
    inferior = gdb.selected_inferior()
    emit("connected", offsets=offsets())
    if TRACEBACK:
        ADDR["dump"] = int(gdb.parse_and_eval("&'main.dump'")) & MASK
    pending = list(PLAN["points"])
    for pc in pending:
        set_bp(pc)
    target: int | None = None
    while pending:
        stop = resume("point")
        if stop.ended:
            emit("ended", reason=stop.describe(), code=stop.code)
            return
        pc, g = stop.pc, stop.g  # both read at every "stop"
        if stop.kind != "stop" or pc is None or g is None or pc not in pending:
            raise Spoiled(f"while awaiting a planned instruction: {stop.describe()}")
        state = goroutine(g)
        emit("hit", pc=stop.pc, thread=stop.thread, sp=reg("sp"), lr=reg("x30"), fp=reg("x29"), **state)
        if target is None and state["goid"] == 1:
            target = g
        if g != target or state["status"] != G_RUNNING or state["curg"] != g:
            raise Spoiled(f"the thread at {pc:#x} does not run goroutine 1 ({state})")
        pending.remove(pc)
        if not inject(pc, stop, g):  # g is the target
            return
    emit("done")


try:
    main()
except Spoiled as e:
    emit("spoiled", reason=str(e), strays=strays)
except gdb.error as e:
    emit("spoiled", reason=f"gdb: {str(e).strip()}", strays=strays)
else:
    emit("finished", strays=strays)
