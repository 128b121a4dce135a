"""Can the tests tell? Plant one deliberate bug at a time and see which test goes red.

Run: ``python bench/mutants.py`` (``--only 7,u3`` for some, ``--list`` to see them, ``-j 2`` for two
at once, ``--no-baseline`` to skip the clean run). Prints a table: each mutation, killed or
survived, and the first test that failed. Exit 1 when one survived. Not part of CI: it is for the
moment someone wonders whether a behaviour is really pinned (issue 20).

Each mutation is one textual edit of one source file, written here as the exact text before and
after, so a refactor that moves the code makes the script say "no longer applies" instead of
testing nothing. It is applied to a temporary copy of the checkout (never to the checkout itself),
and only the tests that could catch it run, picked by hand per mutation so the whole run stays
within a few minutes. The copy sits beside a link to ``../shared`` (the tests read the reference
data there), runs with ``PYTHONPATH`` set to it, and writes no bytecode, so a restored file can
never be shadowed by the mutant's ``.pyc``. Before the mutants, the union of the selected tests
runs once on the clean copy: a selection that fails without a mutation would prove nothing.

Mutations 1-12 are issue 20's runtime-behaviour bugs (3 is split in two, one per silent walker; 7b is
7's edge in the size sweep's labels); u1-u6 are bugs a user of the lab, the course or a talk would meet;
h1-h3 show that the three tests the issue found hollow now fail when what their names say breaks.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What the copy leaves out: the venv, git's data, caches, build output.
_IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis",
                                 ".mypy_cache", ".ruff_cache", "build", "*.egg-info")
#: Seconds one mutant's tests may take before it counts as a timeout (an infinite loop is a kill too).
TIMEOUT = 300


@dataclass(frozen=True)
class Mutation:
    """One deliberate bug: ``old`` replaced by ``new`` in ``path``, caught (we hope) by ``tests``."""

    key: str
    what: str
    """The bug, as behaviour."""
    path: str
    """The file, relative to the checkout."""
    old: str
    new: str
    tests: tuple[str, ...]
    """pytest arguments: files, node ids, ``-k`` expressions."""
    count: int = 1
    """How many times ``old`` occurs (every occurrence is replaced)."""


ENGINE = "explainer/engine"
MUTATIONS = (
    Mutation("1", "the preemption verdict ignores the stack-room check",
             f"{ENGINE}/runtime/safepoint.py", "    if not stack_room:\n", "    if False:\n",
             ("tests/engine/test_safepoint.py", "tests/engine/test_stack_room.py")),
    Mutation("1b", "the lab's goroutine always has room on its stack for asyncPreempt",
             f"{ENGINE}/runtime/preempt.py",
             "room = sp >= stack_lo and sp - stack_lo >= async_preempt_stack(program)", "room = True",
             ("tests/engine/test_stack_room.py",)),
    Mutation("2", "a restartable point (-3/-4) resumes where it is, not at its sequence's start",
             f"{ENGINE}/runtime/safepoint.py", "return SafePoint(Reason.RESTARTABLE, start, up)",
             "return SafePoint(Reason.RESTARTABLE, pc, up)",
             ("tests/engine/test_safepoint.py", "tests/engine/test_refusals_and_walkers.py")),
    Mutation("3a", "the goroutine profile walks like a GC scan, with its error flags",
             f"{ENGINE}/runtime/unwind.py", "return self in (Trigger.GOROUTINE_PROFILE, Trigger.CPU_PROFILE)",
             "return self in (Trigger.CPU_PROFILE,)",
             ("tests/engine/test_refusals_and_walkers.py",)),
    Mutation("3b", "the CPU profile walks like a GC scan, with its error flags",
             f"{ENGINE}/runtime/unwind.py", "return self in (Trigger.GOROUTINE_PROFILE, Trigger.CPU_PROFILE)",
             "return self in (Trigger.GOROUTINE_PROFILE,)",
             ("tests/engine/test_refusals_and_walkers.py",)),
    Mutation("4", "the sweep's unsafe window is counted (unsafe instructions), not spanned (first to last)",
             "explainer/ui/screens/sweep.py", 'window = plural(hits[-1] - hits[0] + 1, "instruction")',
             'window = plural(len(hits), "instruction")',
             ("tests/ui/test_sweep_window.py", "tests/ui/test_sweep_screen.py")),
    Mutation("5", "the nil-m guard on gp.m.incgo comes in go1.26, not go1.27",
             f"{ENGINE}/releases/table.py",
             "26: replace(_GO122, minor=26, last_patch=6,",
             "26: replace(_GO122, minor=26, last_patch=6, guards_nil_m=True,",
             ("tests/engine/test_nil_m_guard.py", "tests/lessons/test_go_sources.py")),
    Mutation("6", "reflect. is not among the runtime prefixes never preempted",
             f"{ENGINE}/releases/preemption.py", ', "reflect.")', ")",
             ("tests/engine/test_safepoint.py", "tests/binary/test_scan_truth.py"), count=6),
    Mutation("7", "the non-leaf fix starts above 4096 bytes, not at 4096 (>= became >)",
             f"{ENGINE}/toolchain/frames.py", "if version.has_nonleaf_fix and size >= 1 << 12:",
             "if version.has_nonleaf_fix and size > 1 << 12:",
             ("tests/engine/test_fix_boundary.py", "tests/engine/test_frames_realgo.py")),
    Mutation("7b", "the size sweep's plot labels a 4096-byte non-leaf frame as one ADD on fixed releases",
             f"{ENGINE}/experiments/sizesweep.py", "or not version.has_nonleaf_fix or size < 1 << 12:",
             "or not version.has_nonleaf_fix or size <= 1 << 12:",
             ("tests/engine/test_fix_boundary.py",)),
    Mutation("8", "finishInternal tolerates a walk that ends 16 bytes short of the stack's top",
             f"{ENGINE}/runtime/unwind.py", "    if sp == gp.stktopsp:\n",
             "    if sp in (gp.stktopsp, gp.stktopsp - 16):\n",
             ("tests/engine/test_finish.py", "tests/engine/test_reference.py")),
    Mutation("9", "the scanner pairs an ADD with a SUB on RSP as a split release",
             "explainer/binary/scanner.py",
             "if _sp_immediate(w1) and _sp_immediate(w2) and not (w1 ^ w2) & _OP_SUB:",
             "if _sp_immediate(w1) and _sp_immediate(w2):",
             ("tests/binary/test_split_pairs.py", "tests/binary/test_scan_truth.py")),
    Mutation("10", "runtime functions are preempted like any other",
             f"{ENGINE}/runtime/safepoint.py", "    if f.name.startswith(rule.prefixes):\n",
             "    if False:\n",
             ("tests/engine/test_safepoint.py",)),
    Mutation("11", "the crash-log parser reads on into a second report (its frame.sp=, its victim)",
             "explainer/realgo/crashlog.py", "        if blocks and CRASH_START.match(line):\n",
             "        if False:\n",
             ("tests/realgo/test_crashlog_first.py", "tests/realgo/test_crashlog.py")),
    Mutation("12", "assembly functions are preempted like any other",
             f"{ENGINE}/runtime/safepoint.py", "    if f.asm or not f.has_locals_pointer_maps:\n",
             "    if False:\n",
             ("tests/engine/test_safepoint.py",)),
    Mutation("u1", "the disassembly's ▶ sits one instruction after the PC",
             "explainer/ui/widgets/disassembly.py", "        here = insn.pc == self._pc\n",
             "        here = insn.pc == self._pc + 4\n",
             ("tests/ui/test_drawn.py", "-k", "arrow")),
    Mutation("u2", "the lesson checker ignores a failed expectation in a lesson's last step",
             "explainer/course/check.py", "            if problem:\n",
             "            if problem and step is not lesson.steps[-1]:\n",
             ("tests/course/test_check.py",)),
    Mutation("u3", "answering a checkpoint forgets the lesson's other answers",
             "explainer/course/progress.py", "chosen = {**self.answers.get(lesson, {}), checkpoint: option}",
             "chosen = {checkpoint: option}",
             ("tests/course/test_progress.py", "tests/ui/test_progress_kept.py")),
    Mutation("u4", "a checkpoint option marked [X] (capital) is read as wrong",
             "explainer/course/blocks.py", 'option.group(1) in "xX"', 'option.group(1) in "x"',
             ("tests/course/test_option_marks.py", "tests/course/test_lesson.py")),
    Mutation("u5", "the presenter's off-script caption names the step shown, not the beat's own",
             "explainer/ui/screens/present.py", "for step {self._beat_steps[0]:,} ",
             "for step {step:,} ",
             ("tests/ui/test_drawn.py", "-k", "presenters_caption")),
    Mutation("u6", "a lesson is marked done though a checkpoint's answer is wrong",
             "explainer/ui/screens/lesson.py", "if all(a is not None and cp.options[a].correct for a, cp in",
             "if all(a is not None for a, cp in",
             ("tests/ui/test_lesson_done.py", "tests/ui/test_course.py")),
    # The three tests issue 20 found hollow, each shown able to fail.
    Mutation("h1", "go_syntax spells a register shifted left R5<3, not R5<<3",
             f"{ENGINE}/arm64/armform.py", '"lsl": "<<"', '"lsl": "<"',
             ("tests/engine/test_gosyntax.py", "-k", "pass_rate")),
    Mutation("h2", "the help leaves out the Stack panel",
             "explainer/ui/screens/lab.py", '("Stack", StackPanel.HELP), ', "",
             ("tests/ui/test_lab.py", "-k", "help_lists")),
    Mutation("h3", "at 80 columns the footer has no room for ? help (it comes last)",
             "explainer/ui/screens/lab.py",
             "\"run_to('sp2')\", \"help\", \"quit\",\n                   \"app.course\", \"unwind('gc')\",",
             "\"run_to('sp2')\",\n                   \"app.course\", \"unwind('gc')\", "
             "*\"toggle_source preempt real_run split sweep options syntax\".split(), \"help\", \"quit\",",
             ("tests/ui/test_lab.py", "-k", "80x24")),
)


@dataclass(frozen=True)
class Result:
    mutation: Mutation
    verdict: str
    """``killed``, ``survived``, ``timeout`` or ``no longer applies``."""
    by: str
    """The first test that failed, or why there is none."""
    seconds: float


def copy_checkout(into: Path) -> Path:
    """A copy of the checkout at ``into/repo``, beside a link to ``../shared`` (the reference data)."""
    shared = ROOT.parent / "shared"
    if shared.exists():
        (into / "shared").symlink_to(shared)
    repo = into / "repo"
    shutil.copytree(ROOT, repo, symlinks=True, ignore=_IGNORE)
    return repo


def _env(repo: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def check_isolation(repo: Path) -> None:
    """The copy's package is the one imported (not the editable install's checkout)."""
    out = subprocess.run([sys.executable, "-c", "import explainer; print(explainer.__file__)"],
                         cwd=repo, env=_env(repo), capture_output=True, text=True, check=True).stdout
    if not Path(out.strip()).is_relative_to(repo):
        sys.exit(f"the copy is not what Python imports: explainer comes from {out.strip()}")


#: pytest's short summary: ``FAILED tests/x.py::test[param with spaces] - message``.
_FAILED = re.compile(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", re.M)


def pytest(repo: Path, args: tuple[str, ...]) -> tuple[int | None, str]:
    """Run pytest in the copy: its exit code (None on timeout) and its output."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider", "--no-header",
           "-o", "console_output_style=classic", *args]
    try:
        run = subprocess.run(cmd, cwd=repo, env=_env(repo), capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, ""
    return run.returncode, run.stdout + run.stderr


def try_mutation(repo: Path, m: Mutation) -> Result:
    """Apply ``m`` to the copy, run its tests, restore the file."""
    start = time.perf_counter()
    target = repo / m.path
    original = target.read_text()
    found = original.count(m.old)
    if found != m.count:
        why = f"found {found} times, expected {m.count}: {m.old.strip()!r}"
        return Result(m, "no longer applies", why, 0.0)
    target.write_text(original.replace(m.old, m.new))
    try:
        code, out = pytest(repo, m.tests)
    finally:
        target.write_text(original)
    seconds = time.perf_counter() - start
    if code is None:  # not a kill: a loaded machine is slow too; run it alone (--only) to tell
        return Result(m, "timeout", f"no answer within {TIMEOUT} s", seconds)
    if code == 0:
        return Result(m, "survived", "every selected test passed", seconds)
    failed = _FAILED.search(out)
    if failed:
        return Result(m, "killed", failed.group(1), seconds)
    if code == 5:
        return Result(m, "survived", "no test selected", seconds)
    tail = out.strip().splitlines()[-1] if out.strip() else f"exit {code}"
    return Result(m, "killed", tail[:100], seconds)


def baseline(repo: Path, mutations: list[Mutation]) -> None:
    """Every selection passes on the clean copy, or the run stops."""
    for args in dict.fromkeys(m.tests for m in mutations):
        code, out = pytest(repo, args)
        if code != 0:
            print(out[-3000:], file=sys.stderr)
            sys.exit(f"the clean copy fails {' '.join(args)} (exit {code}): fix that first")


def table(results: list[Result]) -> str:
    """The killed/survived table, in Markdown."""
    rows = ["| # | mutation | verdict | first failing test | s |", "|---|---|---|---|---|"]
    rows += [f"| {r.mutation.key} | {r.mutation.what} | {r.verdict} | `{r.by}` | {r.seconds:.1f} |"
             for r in results]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated keys (1,3a,u2)")
    ap.add_argument("--list", action="store_true", help="list the mutations and their tests, run nothing")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="mutants tested at once, each in its own copy")
    ap.add_argument("--no-baseline", action="store_true", help="skip the clean run of the selected tests")
    ap.add_argument("--tests", nargs="+", metavar="ARG",
                    help="run these pytest arguments for every mutant instead of its own selection "
                         "(`--tests tests` finds every test that kills a survivor, slowly)")
    a = ap.parse_args(argv)
    chosen = [m for m in MUTATIONS if not a.only or m.key in a.only.split(",")]
    if a.tests:
        chosen = [replace(m, tests=tuple(a.tests)) for m in chosen]
    if a.only and len(chosen) != len(set(a.only.split(","))):
        known = ", ".join(m.key for m in MUTATIONS)
        ap.error(f"unknown key in --only {a.only!r}: known are {known}")
    if a.list:
        for m in chosen:
            print(f"{m.key:>3}  {m.what}\n     {m.path}  ->  pytest {' '.join(m.tests)}")
        return 0
    start = time.perf_counter()
    jobs = max(1, min(a.jobs, len(chosen)))
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        repos = []
        for k in range(jobs):
            (Path(tmp) / str(k)).mkdir()
            repos.append(copy_checkout(Path(tmp) / str(k)))
        check_isolation(repos[0])
        if not a.no_baseline:
            baseline(repos[0], chosen)
        clean = time.perf_counter() - start
        with ThreadPoolExecutor(jobs) as pool:
            slots = [chosen[k::jobs] for k in range(jobs)]
            done = pool.map(lambda k: [_report(try_mutation(repos[k], m)) for m in slots[k]], range(jobs))
            results = sorted((r for part in done for r in part), key=lambda r: chosen.index(r.mutation))
    total = time.perf_counter() - start
    print()
    print(table(results))
    survivors = [r for r in results if r.verdict != "killed"]
    print(f"\n{len(results) - len(survivors)} of {len(results)} killed in {total:.0f} s "
          f"({clean:.0f} s copying and the clean run; {jobs} job(s); {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()})")
    return 1 if survivors else 0


def _report(r: Result) -> Result:
    print(f"{r.mutation.key:>3} {r.verdict:<9} {r.seconds:6.1f} s  {r.by}", flush=True)
    return r


if __name__ == "__main__":
    sys.exit(main())
