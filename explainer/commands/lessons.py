"""``explainer lessons [--check] [--dir DIR] [--handout N [-o FILE [--force]] [--no-answers]]``: the course.

With no option, one lesson a line; ``--check`` loads, renders and plays every lesson and prints
each mistake as ``file:line: message`` (exit 1); ``--handout`` prints one lesson as Markdown, or
saves it in ``-o FILE`` (whole or not at all; an existing FILE only with ``--force``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.experiments.scenario import Scenario

from ..engine.errors import ExplainerError


def add_parser(subparsers: Any) -> None:
    """Add ``lessons`` to the ``explainer`` command."""
    p = subparsers.add_parser("lessons", help="list the course's lessons, or check them (--check)")
    p.set_defaults(run=run)
    p.add_argument("--check", action="store_true",
                   help="load, render and play every lesson; print each mistake as file:line: message")
    p.add_argument("--dir", help="a lessons folder of your own (default: the course shipped with explainer)")
    p.add_argument("--handout", metavar="N", help="print lesson N (6, 06 or 06-race) as a Markdown handout")
    p.add_argument("-o", "--output", metavar="FILE", help="with --handout: write it to FILE")
    p.add_argument("--force", action="store_true",
                   help="with -o: replace FILE if it exists (a link is replaced, not written through)")
    p.add_argument("--no-answers", action="store_true", help="with --handout: leave the answers out")


def run(args: argparse.Namespace) -> int:
    from ..course import check, lesson

    folder = Path(args.dir) if args.dir else lesson.lessons_dir()
    if not folder.is_dir():
        raise ExplainerError(f"no lessons folder {str(folder)!r}")
    files = lesson.lesson_files(folder)
    if not files:  # "0 lessons checked: no mistakes" would pass a wrong --dir as a good course
        raise ExplainerError(f"no lessons in {str(folder)!r}: a lesson is a file named NN-slug.md "
                             "(lessons/FORMAT.md)")
    if args.handout:
        return _handout(args, files)
    if args.check:
        errors = check.check_all(folder, real=_real_check)
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


def _handout(args: argparse.Namespace, files: list[Path]) -> int:
    """``lessons --handout N``: the lesson as Markdown, on stdout or in ``-o FILE``."""
    from ..course import handout, lesson
    from ..engine.numbers import quoted

    want = args.handout.strip().removesuffix(".md")
    key = f"{int(want):02d}" if want.isascii() and want.isdigit() and len(want) <= 3 else want
    found = [p for p in files if p.stem == key or p.stem.split("-")[0] == key]
    if not found:
        raise ExplainerError(f"no lesson {quoted(args.handout)}: give its number (6 or 06) or name (06-race)")
    text = handout.handout(lesson.load(found[0]), answers=not args.no_answers)
    if args.output:
        from ..output.save import Exists, save

        try:
            save(Path(args.output), text, replace=args.force)
        except Exists as err:
            what = "a symbolic link" if err.symlink else "a file"
            raise ExplainerError(f"{args.output} is already {what}: add --force to replace it") from None
        print(args.output, file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _real_check(scenario: Scenario) -> str | None:
    """Why the real runtime cannot run a lesson's ``- real:`` moment (None: it can, given the tools)."""
    from ..realgo.at_moment import target_for

    try:
        target_for(scenario)
    except ExplainerError as err:
        return str(err)
    return None
