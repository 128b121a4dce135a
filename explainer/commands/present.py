"""``explainer present TALK.toml [--notes|--check]``: play a talk, follow it, or check it.

The talk is loaded and checked (every beat played, every fact rendered) before
anything is shown, so a mistake is one ``file:line: message`` on the terminal,
never a broken slide in front of a room. Imports nothing heavy at module level:
the CLI's parser is built on every start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``present`` to the ``explainer`` command."""
    p = subparsers.add_parser("present", help="play a talk (TOML) full screen; --notes follows it")
    p.add_argument("talk", help="a talk file, e.g. assets/talks/split-epilogue.toml")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--notes", action="store_true",
                      help="speaker notes for a second terminal: follow the presenter of the same talk")
    mode.add_argument("--check", action="store_true",
                      help="play every beat and render every fact; print each mistake as file:line: message")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the talk, then present it (or follow it, or only report)."""
    from ..talk import cue, script, stage

    path = Path(args.talk)
    talk = script.load(path)  # a TalkError is an ExplainerError: the CLI prints it, exit 2
    errors = stage.check(talk)
    if args.check or errors:
        for err in errors:
            print(err, file=sys.stdout if args.check else sys.stderr)
        n = len(errors)
        print(f"{len(talk.beats)} beats checked: " + (f"{n} mistake{'s' if n != 1 else ''}" if n else
                                                       "no mistakes"), file=sys.stderr)
        return (1 if args.check else 2) if errors else 0
    from ..ui.presenter import NotesApp, PresenterApp

    if args.notes:
        NotesApp(talk, cue.cue_path(path)).run()
    else:
        PresenterApp(talk, cue.cue_path(path)).run()
    return 0
