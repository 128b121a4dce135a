"""``explainer present [TALK] [--notes|--check|--list]``: play a talk, follow it, or check it.

TALK is a talk file of your own or the name of a shipped one (``split-epilogue``); with none, or with
``--list``, the shipped talks are listed.

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
    p.add_argument("talk", nargs="?",
                   help="a talk file, or the name of a shipped talk (split-epilogue); none: list them")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--notes", action="store_true",
                      help="speaker notes for a second terminal: follow the presenter of the same talk")
    mode.add_argument("--check", action="store_true",
                      help="play every beat and render every fact; print each mistake as file:line: message")
    mode.add_argument("--list", action="store_true", help="list the talks that ship with explainer")
    p.set_defaults(run=run)


def _shipped() -> int:
    """One shipped talk a line: its name, beats, minutes and title (what ``present NAME`` plays)."""
    from ..content import shipped_talks
    from ..talk import script

    for name, path in shipped_talks().items():
        talk = script.load(path)
        minutes = f"{talk.minutes} min" if talk.minutes else ""
        print(f"{name:<20} {len(talk.beats):>2} beats {minutes:>7}  {talk.title}")
    print("play one: explainer present NAME (--notes in a second terminal, --check to check it)",
          file=sys.stderr)
    return 0


def talk_path(text: str) -> Path:
    """A talk file, or a shipped talk's name.

    Raises:
        ExplainerError: neither a file nor a shipped talk, with the names that are.
    """
    from ..content import shipped_talks
    from ..engine.errors import ExplainerError

    path = Path(text)
    if path.is_file():
        return path
    shipped = shipped_talks()
    if text.removesuffix(".toml") in shipped:
        return shipped[text.removesuffix(".toml")]
    if path.exists() or path.suffix == ".toml" or "/" in text:
        return path  # the talk reader names what is wrong with it
    raise ExplainerError(f"no talk {text!r}: give a talk file or a shipped talk ({', '.join(shipped)})")


def run(args: argparse.Namespace) -> int:
    """Check the talk, then present it (or follow it, or only report)."""
    from ..talk import cue, script, stage

    if args.list or args.talk is None:
        return _shipped()
    path = talk_path(args.talk)
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
