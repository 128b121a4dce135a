"""The ``explainer`` command: the lab, and the engine from the command line.

Bad input prints one line on stderr and exits 2; nothing else is printed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__
from .engine import experiment
from .engine.errors import ExplainerError
from .engine.frames import check_frame_size
from .engine.scenario import parse
from .engine.versions import GoVersion, known_versions

if TYPE_CHECKING:
    from .engine.asm import Instruction

#: Commands that live in their own module (``explainer.<name>``). Its ``add_parser(subparsers)`` adds the
#: subcommand and ``set_defaults(run=...)`` with a function ``(args) -> exit status``. Such a module
#: imports nothing heavy at module level: the parser is built on every start.
PLUGGED_COMMANDS: tuple[str, ...] = ("binary.command", "binary.open_command", "realgo.command", "present",
                                      "serve")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"explainer: {message}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="explainer", description="Go's arm64 split-epilogue race, emulated for real.")
    p.add_argument("--version", action="version", version=f"explainer {__version__}")
    p.add_argument("--scenario", help="open the lab on a scenario (go1.23.4/65552/leaf ...)")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    sub.add_parser("versions", help="Go releases the model knows").set_defaults(run=cmd_versions)
    for name, helptext, run in (("frame", "prologue and epilogue of a frame", cmd_frame),
                                ("sweep", "preempt at every instruction and unwind", cmd_sweep)):
        sp = sub.add_parser(name, help=helptext)
        sp.set_defaults(run=run)
        sp.add_argument("--go", required=True, help="1.23.4 or go1.23.4")
        sp.add_argument("--size", required=True, help="frame size in bytes (a positive multiple of 16)")
        sp.add_argument("--leaf", action="store_true", help="a leaf function (calls nothing)")
        sp.add_argument("--json", action="store_true")
        if name == "sweep":
            sp.add_argument("--unwind", default="gc", help="gc, traceback, profile, panic or copy")
    rp = sub.add_parser("run", help="emulate a scenario and print what the runtime prints")
    rp.add_argument("scenario")
    rp.add_argument("--stack", help="0xLO-0xHI: replaces the scenario's stack")
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(run=cmd_run)
    lp = sub.add_parser("lessons", help="list the course's lessons, or check them (--check)")
    lp.set_defaults(run=cmd_lessons)
    lp.add_argument("--check", action="store_true",
                    help="load, render and play every lesson; print each mistake as file:line: message")
    lp.add_argument("--dir", help="the lessons folder (default: the repository's lessons/)")
    lp.add_argument("--handout", metavar="N", help="print lesson N (6, 06 or 06-race) as a Markdown handout")
    lp.add_argument("-o", "--output", metavar="FILE", help="with --handout: write it to FILE")
    lp.add_argument("--no-answers", action="store_true", help="with --handout: leave the answers out")
    for name in PLUGGED_COMMANDS:
        importlib.import_module(f"explainer.{name}").add_parser(sub)
    return p


def _size(text: str) -> int:
    if not text.strip().isdigit():
        raise ExplainerError(f"bad frame size {text!r}: must be a positive multiple of 16")
    size = int(text)
    check_frame_size(size)
    return size


def _insn(i: Instruction) -> dict[str, object]:
    return {"pc": i.offset, "hex": i.hex, "go": i.go, "arm": i.arm}


def cmd_versions(args: argparse.Namespace) -> int:
    for v in known_versions():
        print(v.name)
    return 0


def cmd_frame(args: argparse.Namespace) -> int:
    from .engine.asm import assemble
    from .engine.frames import epilogue, morestack_tail, needs_stack_check, prologue, stack_check
    from .engine.runtime_data import facts_for
    from .engine.standins import label_first

    version, size = GoVersion.parse(args.go), _size(args.size)
    # The function's skeleton as Go lays it out, minus the body: stack check, prologue, epilogue, and
    # the call to morestack at the end, where the stack check's branches go. Entry and morestack sit
    # where the real reproducer's build puts them; with no body between, branch distances are shorter.
    real = facts_for(version).functions["fast_leaf" if args.leaf else "fast_nonleaf"]
    entry, morestack = real["main.big_stack"].entry, "runtime.morestack_noctxt.abi0"
    check = needs_stack_check(size, args.leaf)
    parts = {"prologue": (stack_check(size, "morestack") if check else []) + prologue(size),
             "epilogue": epilogue(version, size, args.leaf),
             # One spilled register argument, as the reproducers' big_stack(v int) has.
             "morestack": label_first(morestack_tail(size, "entry", morestack, spill_args=1)[1:], "morestack")
             if check else []}
    progs = [p for part in parts.values() for p in part]
    insns = assemble(progs, entry, {"entry": entry, morestack: real[morestack].entry},
                     {entry: "main.big_stack", real[morestack].entry: morestack})
    out: dict[str, list[Any]] = {}
    for name, part in parts.items():
        n = sum(len(p.machine) for p in part)
        out[name], insns = insns[:n], insns[n:]
    if args.json:
        print(json.dumps({"go": str(version), "size": size, "leaf": args.leaf, "entry": entry,
                          **{name: [_insn(i) for i in part] for name, part in out.items()}}))
        return 0
    print(f"go{version} · frame {size:,} B · {'leaf' if args.leaf else 'non-leaf'} · "
          f"entry {entry:#x} (the body, left out, sits between prologue and epilogue)")
    for title, part in out.items():
        if part:
            print(f"{title}:")
        for i in part:
            mark = "  <- writes RSP" if i.writes_sp else ""
            print(f"  +{i.offset:#06x}  {i.hex}  {i.go:<32} {i.arm}{mark}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .engine.sweep import sweep

    leaf = "/leaf" if args.leaf else ""
    s = parse(f"go{GoVersion.parse(args.go)}/{_size(args.size)}{leaf}/unwind={args.unwind}")
    points = sweep(s)
    unsafe = sum(p.outcome == "unsafe" for p in points)
    if args.json:
        print(json.dumps({"go": str(s.version), "size": s.size, "leaf": s.leaf,
                          "points": [{"pc": p.offset, "go": p.go, "outcome": p.outcome, "reason": p.reason,
                                      "message": p.message} for p in points], "unsafe": unsafe}))
        return 0
    for p in points:
        extra = f"  -> {p.message.splitlines()[-1]}" if p.message else ""
        print(f"+{p.offset:#06x}  {p.go:<36} {p.outcome:<16} {p.reason}{extra}")
    print(f"{unsafe} unsafe instruction{'s' if unsafe != 1 else ''} out of {len(points)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    s = parse(args.scenario)
    if args.stack:
        s = s.with_stack(args.stack)
    r = experiment.run(s)
    if args.json:
        from .engine import report

        print(report.dumps(report.of_result(r)))
    else:
        for line in r.output:
            print(line)
    return 1 if r.outcome == "crash" else 0


def cmd_lessons(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .course import check, lesson

    folder = Path(args.dir) if args.dir else lesson.lessons_dir()
    if not folder.is_dir():
        raise ExplainerError(f"no lessons folder {str(folder)!r}")
    files = lesson.lesson_files(folder)
    if args.handout:
        return _handout(args, files)
    if args.check:
        errors = check.check_all(folder)
        for err in errors:
            print(err)
        broken = len({e.file for e in errors})
        print(f"{len(files)} lesson{'s' if len(files) != 1 else ''} checked: " + (
            f"{len(errors)} mistake{'s' if len(errors) != 1 else ''} in {broken} "
            f"file{'s' if broken != 1 else ''}" if errors else "no mistakes"), file=sys.stderr)
        return 1 if errors else 0
    status = 0
    for path in files:
        try:
            one = lesson.load(path)
        except lesson.LessonError as err:
            print(err, file=sys.stderr)
            status = 1
            continue
        print(f"{path.name[:2]}  {one.title:<48} {one.scenario}")
    return status


def _handout(args: argparse.Namespace, files: list[Any]) -> int:
    """``lessons --handout N``: the lesson as Markdown, on stdout or in ``-o FILE``."""
    from pathlib import Path

    from .course import handout, lesson

    want = args.handout.removesuffix(".md")
    key = f"{int(want):02d}" if want.isdigit() else want
    found = [p for p in files if p.stem == key or p.stem.split("-")[0] == key]
    if not found:
        raise ExplainerError(f"no lesson {args.handout!r}: give its number (6 or 06) or name (06-race)")
    text = handout.handout(lesson.load(found[0]), answers=not args.no_answers)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as err:
            raise ExplainerError(f"cannot write {args.output!r}: {err.strerror or err}") from None
        print(args.output, file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command is not None:
            return int(args.run(args))
        scenario = parse(args.scenario) if args.scenario else None
        from .ui.app import ExplainerApp  # the engine commands above never load Textual

        ExplainerApp(scenario).run()
        return 0
    except ExplainerError as err:
        print(f"explainer: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `explainer versions | head`: the reader left; no traceback
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
