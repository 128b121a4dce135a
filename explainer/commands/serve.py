"""``explainer serve [--port N] [--host H]``: the lab in a web browser, through textual-serve.

For rooms where a terminal is awkward. textual-serve runs a small aiohttp
server: ``/`` is a page with a terminal emulator (xterm.js), ``/ws`` a
websocket; each browser that connects starts one ``explainer`` process and the
websocket carries its screen and keys. Loopback by default: the app is meant for
the machine it runs on, and serving beyond it is a choice made by ``--host``.
Imports nothing heavy at module level: the CLI's parser is built on every start.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

from ..engine.errors import ExplainerError

DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``serve`` to the ``explainer`` command."""
    p = subparsers.add_parser("serve", help="serve the lab in a web browser (textual-serve)")
    p.add_argument("--port", default=str(DEFAULT_PORT), help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--scenario", help="open the served lab on a scenario (go1.23.4/65552/leaf ...)")
    p.set_defaults(run=run)


def app_command(scenario: str | None = None) -> str:
    """The shell command textual-serve starts for each browser: this Python running the lab."""
    argv = [sys.executable, "-m", "explainer.cli"] + (["--scenario", scenario] if scenario else [])
    return shlex.join(argv)


def port_number(text: str) -> int:
    """A TCP port from 1 to 65535.

    Raises:
        ExplainerError: anything else.
    """
    if not text.strip().isascii() or not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise ExplainerError(f"bad port {text!r}: a number from 1 to 65535")
    return int(text)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted (ctrl+c or SIGTERM)."""
    port = port_number(args.port)
    if args.scenario:
        from ..engine.experiments.scenario import parse

        parse(args.scenario)  # a bad scenario is one line here, not a blank page in the browser
    if not is_loopback(args.host):
        print(f"explainer: serving on {args.host}: anyone who can reach it can open the lab", file=sys.stderr)
    from textual_serve.server import Server

    server = Server(app_command(args.scenario), host=args.host, port=port, title="split-epilogue explainer")
    try:
        server.serve()
    except OSError as err:  # the port is taken, the address is not this machine's
        raise ExplainerError(f"cannot serve on {args.host}:{port}: {err.strerror or err}") from None
    return 0
