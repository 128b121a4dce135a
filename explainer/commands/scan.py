"""``explainer scan PATH...``: which of these Go arm64 binaries can crash by the split-epilogue race?

PATHs are binaries, folders (walked, links not followed) and container image tarballs (``docker save``
or OCI layout). One binary prints a line per finding and what to do; many print a line per binary,
the exposed functions under it, and a summary. ``--json`` prints one object for the run, ``--jsonl`` one
line per binary as each finishes, ``--sarif`` a SARIF 2.1.0 log. Binaries are scanned on every core;
a progress bar shows on a terminal.

Exit 0: nothing exposed; 1: something exposed; 2: bad arguments, or nothing could be read (one line on
stderr per file). A bad file among others is reported and does not change the status, unless
``--strict``. Nothing heavy is imported here: the parser is built on every start of ``explainer``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..binary.fleet import Outcome, Summary, Target


def add_parser(subparsers: Any) -> None:
    """Add ``scan`` to the ``explainer`` command."""
    sp = subparsers.add_parser(
        "scan", help="find split stack-pointer adjustments in Go arm64 binaries, folders and images",
        description="List every pair of instructions that moves SP in two steps, whether the runtime "
                    "can preempt between them, and what to do. PATHs are binaries (ELF or Mach-O, "
                    "stripped or not), folders, and docker save / OCI image tarballs. "
                    "Exit 0: nothing exposed; 1: exposed; 2: bad input or nothing readable.")
    sp.add_argument("paths", nargs="+", metavar="PATH",
                    help="a Go arm64 executable, a folder or an image tarball")
    out = sp.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object for the run")
    out.add_argument("--jsonl", action="store_true", help="one JSON line per binary, as each finishes")
    out.add_argument("--sarif", action="store_true",
                     help="a SARIF 2.1.0 log (one result per exposed function)")
    sp.add_argument("--strict", action="store_true", help="exit 2 when any file could not be read")
    sp.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: every core)")
    sp.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..binary.errors import BinaryError
    from ..binary.fleet import ERROR, SCANNED, Summary, targets

    if args.jobs is not None and args.jobs < 1:
        raise BinaryError(f"bad --jobs {args.jobs}: at least 1")
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    found = list(targets(args.paths, outcomes))
    single = len(args.paths) == 1 and len(found) == 1 and found[0].named and not found[0].image
    if args.jsonl:  # what failed before any scan (an unreadable file or folder, a missing path) comes first
        _emit(outcomes)
    outcomes += _scan_all(found, args.jobs, stream=args.jsonl)
    outcomes.sort(key=lambda o: (_given(o.path, args.paths), o.path))  # as given, then by path
    summary = Summary()
    for o in outcomes:
        summary.add(o)
    if summary.scanned == 0:  # nothing readable at all: one line per file, or why nothing was found
        from ..output.printable import printable

        said = [o for o in outcomes if o.kind == ERROR or o.detail]
        for o in said:
            print(f"explainer: {printable(o.detail or o.reason)}", file=sys.stderr)
        if not said:
            why = ", ".join(f"{k}: {v}" for k, v in sorted(summary.skipped.items())) or "no files"
            print(printable(f"explainer: no Go arm64 binary found in {', '.join(args.paths)} ({why})"),
                  file=sys.stderr)
        return 2
    if args.sarif:
        from .. import __version__
        from ..binary.sarif import to_sarif

        print(json.dumps(to_sarif(outcomes, __version__), indent=2))
    elif args.json:
        print(json.dumps({"binaries": [o.to_json() for o in outcomes if o.kind in (SCANNED, ERROR)],
                          "skipped": [o.to_json() for o in outcomes if o.kind not in (SCANNED, ERROR)],
                          "summary": summary.to_json()}, indent=2))
    elif not args.jsonl:
        if single and outcomes[0].report is not None:
            print("\n".join(outcomes[0].report.lines()))
        else:
            print("\n".join(_fleet_lines(outcomes, summary, time.perf_counter() - started)))
    if args.strict and summary.errors:
        return 2
    return 1 if summary.exposed_binaries else 0


def _given(path: str, paths: list[str]) -> int:
    """The index of the argument path is (or lies under, or is a file of the image of)."""
    return next((k for k, p in enumerate(paths)
                 if path == p or path.startswith((p.rstrip("/") + "/", p + ":"))), len(paths))


def _emit(batch: list[Outcome]) -> list[Outcome]:
    """Print each binary's JSON line (scanned, or an error) at once: ``--jsonl`` streams."""
    from ..binary.fleet import ERROR, SCANNED

    for o in batch:
        if o.kind in (SCANNED, ERROR):
            print(json.dumps(o.to_json()), flush=True)
    return batch


def _scan_all(found: list[Target], jobs: int | None, stream: bool) -> list[Outcome]:
    """Every target's outcomes; in worker processes when there are several, with a progress bar on a
    terminal (stderr) for more than one target; with ``stream``, each binary's JSON line is printed as it
    finishes."""
    from ..binary.fleet import scan_target

    def emit(batch: list[Outcome]) -> list[Outcome]:
        if bar is not None:
            bar.advance()
        return _emit(batch) if stream else batch

    workers = min(jobs or os.cpu_count() or 1, len(found))
    # on the terminal, unless the streamed lines go to that terminal too: they are the progress then,
    # and a bar redrawn between them would garble them
    bar = _progress(len(found)) if len(found) > 1 and sys.stderr.isatty() and \
        not (stream and sys.stdout.isatty()) else None
    try:
        if workers <= 1:
            return [o for t in found for o in emit(scan_target(t))]
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from ..engine.arm64 import cpu  # noqa: F401  (loaded once here: forked workers inherit it)

        results: list[Outcome] = []
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(scan_target, t) for t in found]
            for future in as_completed(futures):
                results += emit(future.result())
        return results
    finally:
        if bar is not None:
            bar.close()


class _progress:  # noqa: N801  (a context-free helper, named for what it shows)
    """A progress bar on stderr, drawn by rich (imported only when there is a terminal to draw on)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                                  redirect_stdout=False, redirect_stderr=False)  # stdout is the report's
        self._task = self._progress.add_task("scan", total=total)
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def close(self) -> None:
        self._progress.stop()


def _fleet_lines(outcomes: list[Outcome], summary: Summary, seconds: float) -> list[str]:
    """The run's lines; names and paths read from the binaries and folders escaped (``printable``)."""
    from ..binary.fleet import ERROR
    from ..output.printable import printable

    out = []
    for o in outcomes:
        if o.kind == ERROR:
            out.append(f"{o.path}: error: {o.reason}")
        elif o.detail:  # a file the user named that is no Go arm64 binary
            out.append(f"{o.path}: skipped: {o.detail}")
        elif o.report is not None:
            lines = o.report.lines()
            shown = printable(o.report.binary)
            head = next(line for line in lines if line.startswith(f"{shown}: "))
            out.append(head.replace(f"{shown}: ", f"{o.path}: ", 1))
            out += [f"  {line}" for line in o.report.release_lines()]  # where the release came from
            exposed = [f for f in o.report.findings if f.preemptible]
            for f in exposed:
                out.append(f"  {f.function}  entry {f.entry:#x}  {f.pcs[0]:#x} ; {f.pcs[1]:#x}  frame "
                           f"{f.frame_size:,} B {'leaf' if f.leaf else 'non-leaf'}  {f.status}")
    return [printable(line) for line in out + _summary_lines(summary, seconds)]


def _summary_lines(summary: Summary, seconds: float) -> list[str]:
    """Counts, what is exposed, what the findings that are not exposed are, and what to do per kind."""
    from ..binary.report import ADVICE, LEAF_SPLIT, NONLEAF_SPLIT

    def plural(n: int, word: str, many: str = "s") -> str:
        return f"{n:,} {word}{many if n != 1 else ''}" if many != "ies" else \
            f"{n:,} {word}{'ies' if n != 1 else 'y'}"

    releases = ", ".join(f"{k}: {v}" for k, v in sorted(summary.by_release.items()))
    skipped = sum(summary.skipped.values())
    why = ", ".join(f"{k}: {v}" for k, v in sorted(summary.skipped.items()))
    errors = len(summary.errors)
    out = [f"scanned {plural(summary.scanned, 'Go arm64 binar', 'ies')} in {seconds:.1f} s" +
           (f" ({releases})" if releases else "") + f"; skipped {skipped:,}" + (f" ({why})" if why else "") +
           f"; {errors} unreadable" + (" (listed above)" if errors else "")]
    functions = sum(summary.exposed_functions.values())
    kinds = ", ".join(f"{v} {k}" for k, v in sorted(summary.exposed_functions.items()))
    out.append(f"exposed: {plural(len(summary.exposed_binaries), 'binar', 'ies')}, "
               f"{plural(functions, 'function')}" + (f" ({kinds})" if kinds else ""))
    quiet = sum(summary.not_exposed.values())
    if quiet:
        reasons = ", ".join(f"{k}: {v}" for k, v in summary.not_exposed.most_common())
        binaries = plural(summary.binaries_not_exposed, "binar", "ies")
        out.append(f"not exposed: {plural(quiet, 'finding')} in {binaries} ({reasons}): SP moved in two "
                   "writes, but isAsyncSafePoint will not stop a goroutine between them; nothing to do")
    for status in (NONLEAF_SPLIT, LEAF_SPLIT):
        named = sorted(summary.exposed_by_status.get(status, []))
        if named:
            which = ", ".join(named) if len(named) <= 3 else f"{len(named):,} binaries, listed above"
            out.append(f"what to do: {ADVICE[status]} ({which})")
    return out
