"""``explainer present [TALK] [--notes|--check|--rehearse|--export html DIR|--export cast FILE|--list]``.

Play a talk, follow it, check it, rehearse it against its time budgets, or export it (an offline HTML
deck, an asciicast recording).

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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..talk.script import Talk


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``present`` to the ``explainer`` command."""
    p = subparsers.add_parser("present", help="play a talk (TOML) full screen; --notes follows it")
    p.add_argument("talk", nargs="?",
                   help="a talk file, or the name of a shipped talk (split-epilogue); none: list them")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--notes", action="store_true",
                      help="speaker notes for a second terminal: follow the presenter of the same talk")
    mode.add_argument("--check", action="store_true",
                      help="play every beat and render every fact; print each mistake as file:line: message")
    mode.add_argument("--rehearse", action="store_true",
                      help="play the talk and time each beat; print budget, spent, over/under at the end and "
                           "save the table beside the talk")
    mode.add_argument("--export", nargs=2, metavar=("html|cast", "PATH"),
                      help="html DIR: an offline deck (one SVG per beat, notes, fonts inside); cast FILE: an "
                           "asciicast v2 recording of the talk, each beat held for its budget")
    mode.add_argument("--list", action="store_true", help="list the talks that ship with explainer")
    p.add_argument("--no-live", action="store_true",
                   help="show the recorded log on a live beat (live = true) instead of running the real "
                        "runtime there")
    p.add_argument("--size", default="120x35",
                   help="with --export: the terminal the presenter is drawn in, COLSxROWS (120x35)")
    p.add_argument("--force", action="store_true", help="with --export: replace files that exist")
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
    if path.exists():
        return path  # the talk reader names what is wrong with it
    if path.suffix == ".toml" or "/" in text:
        raise ExplainerError(f"no talk file {text!r}: no such file (shipped talks: {', '.join(shipped)})")
    raise ExplainerError(f"no talk {text!r}: give a talk file or a shipped talk ({', '.join(shipped)})")


def run(args: argparse.Namespace) -> int:
    """Check the talk, then present it (or follow it, or only report)."""
    from ..talk import cue, script, stage

    if args.list or args.talk is None:
        return _shipped()
    if args.export:
        from .present_export import size

        cols_rows = size(args.size)  # bad input is one line before any work
    elif args.size != "120x35" or args.force:
        from ..engine.errors import ExplainerError

        raise ExplainerError("--size and --force go with --export")
    path = talk_path(args.talk)
    try:
        talk = script.load(path)  # a TalkError is an ExplainerError: the CLI prints it, exit 2
    except script.TalkErrors as many:  # every structural mistake, as --check lists the beats' own
        for err in many.errors:
            print(err, file=sys.stdout if args.check else sys.stderr)
        n = len(many.errors)
        print(f"the talk's structure: {n} mistake{'s' if n != 1 else ''}", file=sys.stderr)
        return 1 if args.check else 2
    errors = stage.check(talk)
    if args.check or errors:
        for err in errors:
            print(err, file=sys.stdout if args.check else sys.stderr)
        n = len(errors)
        print(f"{len(talk.beats)} beats checked: " + (f"{n} mistake{'s' if n != 1 else ''}" if n else
                                                       "no mistakes"), file=sys.stderr)
        if args.check:
            from ..talk import budget

            for line in budget.summary(talk):
                print(line, file=sys.stderr)
            for line in _live_lines(talk, args.no_live):
                print(line, file=sys.stderr)
        return (1 if args.check else 2) if errors else 0
    if args.export:
        from .present_export import export

        return export(talk, args.export[0], args.export[1], cols_rows, args.force, shown=args.talk)
    from ..ui.presenter import NotesApp, PresenterApp

    if args.notes:
        notes = NotesApp(talk, cue.cue_path(path))
        notes.run()
        return notes.return_code or 0  # 70 after an unexpected error (explainer.errorlog)
    app = PresenterApp(talk, cue.cue_path(path), rehearse=args.rehearse, live_beats=not args.no_live)
    app.run()
    if app.return_code:
        return app.return_code
    if args.rehearse and app.presenter is not None:
        return _report(talk, app.presenter.stopwatch.spent)
    return 0


def _live_lines(talk: Talk, off: bool) -> list[str]:
    """For each live beat: whether this machine runs it live, or shows the recorded log, and why."""
    from ..talk import live

    lines = []
    for beat in talk.beats:
        if not beat.live:
            continue
        head = f"live beat {beat.index + 1} ({beat.title}):"
        why = "--no-live" if off else live.live_unavailable(beat)
        if why is None:
            moment = live.live_moment(beat)
            lines.append(f"{head} runs live here: {moment.command} (qemu-aarch64, gdb-multiarch and "
                         f"go{moment.go} are installed; about a second)")
        else:
            lines.append(f"{head} shows the recorded log {beat.log}: {live.one_line(why)}")
    return lines


def _report(talk: Talk, spent: dict[int, float]) -> int:
    """Print the rehearsal's table and save it beside the talk (a shipped talk's: in this folder)."""
    from ..content import talks_dir
    from ..output.save import Exists, SaveError
    from ..talk import budget, cue, rehearsal

    print(budget.table(talk, spent), end="")
    shipped = talk.path.resolve().parent == talks_dir().resolve()
    when = cue.now()
    target = rehearsal.file_for(talk.path, Path.cwd() if shipped else talk.path.parent, when)
    try:
        try:
            rehearsal.write(target, talk, spent, when)
        except Exists:
            if not _yes(f"{target} exists: replace it? [y/N] "):
                print(f"explainer: not saved: {target} exists", file=sys.stderr)
                return 1
            rehearsal.write(target, talk, spent, when, replace=True)
    except SaveError as err:
        print(f"explainer: the table was not saved: {err}", file=sys.stderr)
        return 1
    print(f"saved {target}" + (" (the talk ships with explainer: saved in this folder)" if shipped else ""),
          file=sys.stderr)
    return 0


def _yes(question: str) -> bool:
    """Ask on the terminal; no terminal (or end of input) is a no."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False
