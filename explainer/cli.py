"""The ``explainer`` command: assembles the subcommands of :mod:`explainer.commands` into one parser.

With no subcommand it opens the lab. Bad input prints one line on stderr and exits 2; nothing else
is printed. An unexpected error (a bug) prints one line naming the file its traceback went to, and
exits 70. The parser is built on every start, so nothing heavy is imported here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from . import __version__
from .commands import COMMANDS, lab
from .engine.errors import ExplainerError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse quotes the arguments as typed: a newline or escape in one would break the one line
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
        print(f"explainer: {shown}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="explainer", description="Go's arm64 split-epilogue race, emulated for real.")
    p.add_argument("--version", action="version", version=f"explainer {__version__}")
    p.add_argument("--scenario", help="open the lab on a scenario (go1.23.4/65552/leaf ...)")
    p.add_argument("--lesson", help="open the lab on a lesson of the course, by its number (6)")
    p.set_defaults(run=lab.run)
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"explainer.commands.{name}").add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    if any("\0" in arg for arg in given):  # no shell passes one; a caller's list could (os calls refuse it)
        print("explainer: an argument contains a NUL character", file=sys.stderr)
        return 2
    try:
        args = _parser().parse_args(argv)
    except SystemExit:  # --help, --version or a usage error, printed: flushed here for the same reason
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return _reader_left()
        raise
    try:
        status = int(args.run(args))
        sys.stdout.flush()  # here, so a reader that left is met below, not by Python's flush at exit
        return status
    except ExplainerError as err:  # its message may quote a name read from a file: shown escaped
        from .output.printable import printable

        print(f"explainer: {printable(str(err))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `explainer versions | head -1`: the reader left; no traceback
        return _reader_left()
    except KeyboardInterrupt:  # ctrl+c: long emulation runs in chunks, so it stops within milliseconds
        print("explainer: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: the traceback to a file, one line here (errorlog.py)
        from . import errorlog

        print(errorlog.sentence(err, errorlog.record(err)), file=sys.stderr)
        return errorlog.EXIT_BUG


#: The status a shell gives a command that SIGPIPE ended (128 + 13), as ``seq 100000 | head -1`` gives seq.
EXIT_READER_LEFT = 141


def _reader_left() -> int:
    """Stdout's reader closed the pipe: print nothing more, and end with SIGPIPE's status, so a pipeline
    under ``set -o pipefail`` does not take a cut-short ``explainer run`` (whose status says crash or
    not) for success. Stdout becomes /dev/null, so what is still buffered goes nowhere when Python
    flushes it at exit (else: "Exception ignored ... BrokenPipeError" and status 120)."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a caller's StringIO): nothing is flushed at exit
        pass
    return EXIT_READER_LEFT


if __name__ == "__main__":
    sys.exit(main())
