"""``explainer serve [--port N] [--host H] [--allow-remote] [--allow-export] [--max-sessions N]``: the lab
in a web browser, through textual-serve, behind the guards of :mod:`explainer.ui.browser`.

Loopback by default: the app is meant for the machine it runs on; any other address needs
``--allow-remote``. The listening socket is bound before anything is printed, so a busy port is one
line and exit 2. Then one banner: the address with this run's token, as Jupyter prints it.
Imports nothing heavy at module level: the CLI's parser is built on every start.
"""

from __future__ import annotations

import argparse
import ipaddress

from ..engine.errors import ExplainerError
from ..engine.numbers import quoted

DEFAULT_PORT = 8000
DEFAULT_HOST = "127.0.0.1"
DEFAULT_SESSIONS = 4
TITLE = "split-epilogue explainer"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the ``explainer`` command."""
    p = subparsers.add_parser(
        "serve", help="serve the lab in a web browser (textual-serve)",
        description="Serve the lab to web browsers. Only the address printed at start works: it carries "
                    "a secret token made for this run. Each browser runs its own lab.")
    p.add_argument("--port", default=str(DEFAULT_PORT),
                   help=f"TCP port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a --host other than this machine's loopback: anyone who can reach it and "
                        "has the printed address can open the lab")
    p.add_argument("--allow-export", action="store_true",
                   help="let the served lab save files (SVG, JSON, handouts) on this machine")
    p.add_argument("--max-sessions", default=str(DEFAULT_SESSIONS),
                   help=f"browsers connected at once (default {DEFAULT_SESSIONS}, at most 64)")
    p.add_argument("--scenario", help="open the served lab on a scenario (go1.23.4/65552/leaf ...)")
    p.set_defaults(run=run)


def port_number(text: str) -> int:
    """A TCP port from 0 (any free port) to 65535.

    Raises:
        ExplainerError: anything else.
    """
    t = text.strip()
    if not t.isascii() or not t.isdigit() or len(t) > 5 or not 0 <= int(t) <= 65535:  # int: 4,301 digits fail
        raise ExplainerError(f"bad port {quoted(text)}: a number from 1 to 65535 (0: any free port)")
    return int(t)


def sessions(text: str) -> int:
    """How many browsers at once: 1 to 64.

    Raises:
        ExplainerError: anything else.
    """
    t = text.strip()
    if not t.isascii() or not t.isdigit() or len(t) > 2 or not 1 <= int(t) <= 64:
        raise ExplainerError(f"bad --max-sessions {quoted(text)}: a number from 1 to 64")
    return int(t)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); False for ``""`` (every one)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted (ctrl+c or SIGTERM)."""
    port = port_number(args.port)
    most = sessions(args.max_sessions)
    if args.scenario:
        from ..engine.experiments.scenario import parse

        parse(args.scenario)  # a bad scenario is one line here, not a blank page in the browser
    host = args.host.strip()
    loopback = is_loopback(host)
    if not loopback and not args.allow_remote:
        where = "every address of this machine" if host in ("", "0.0.0.0", "::") else repr(host)
        raise ExplainerError(f"--host {args.host!r} listens on {where}, beyond this machine: anyone who "
                             "can reach it could open the lab; add --allow-remote if you mean that")
    from ..ui import browser

    sock = browser.listen(host, port)  # a busy port fails here, before a word is printed
    port = sock.getsockname()[1]
    hosts = frozenset(browser.LOOPBACK_NAMES | {host.strip("[]").lower()}) if loopback else None
    guard = browser.Guard(browser.new_token(), hosts, most, args.allow_export)
    shown = _shown_host(host)
    url = f"http://{shown}:{port}/?token={guard.token}"
    server = browser.GuardedServer(browser.child_argv(args.scenario), guard, f"http://{shown}:{port}", TITLE)
    reach = "this machine only" if loopback else f"anyone who can reach {host or 'every address'}:{port}"
    saving = "saving files allowed" if args.allow_export else "saving files off (--allow-export)"
    print(f"explainer serve: open {url}\n"
          f"  {reach} · at most {most} browser{'s' * (most != 1)} at once · {saving} · ctrl+c stops",
          flush=True)
    try:
        server.serve_on(sock)
    finally:
        sock.close()
    return 0


def _shown_host(host: str) -> str:
    """The host as a browser address names it: an IPv6 address in brackets, a wildcard as this machine."""
    if host in ("", "0.0.0.0", "::"):
        import socket

        return socket.gethostname()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
