"""The lab in a web browser: textual-serve's server, with the guards a tool on a laptop needs.

textual-serve runs a small aiohttp server: ``/`` is a page with a terminal emulator (xterm.js),
a websocket carries each browser's keys to its own ``explainer`` process and that process's screen
back. As shipped, any web page the user visits could open that websocket and drive the lab, and the
lab can write files. So, as Jupyter does:

- **A secret per run.** ``/`` answers only with ``?token=<secret>``, the address printed when serving;
  the page it returns opens ``/ws/<secret>``. A page on another site cannot read ours, so it cannot
  learn the secret.
- **Deep links.** ``/?token=…&scenario=go1.23.4/65552/leaf`` or ``/?token=…&lesson=6`` opens the lab in
  that state: the value is validated as the CLI validates ``--scenario`` and ``--lesson`` (a bad one
  is a 400 page that says what is wrong), and the page's websocket carries it in its path,
  ``/ws/<secret>/scenario/<scenario>``, where it is validated again before :func:`child_argv` makes it
  arguments (no shell: a value is one argument, never a command).
- **Origin and Host checked.** A websocket whose ``Origin`` is not this server's is refused; on a
  loopback address, a request whose ``Host`` is not a loopback name is refused (DNS rebinding).
- **Caps.** At most ``max_sessions`` browsers at once; a terminal size outside 1-500 columns by 1-200
  rows (from the address or a resize message) is refused like bad CLI input, with a clear message; a
  message that is not textual-serve's JSON closes the socket; messages are at most 64 KiB.
- **One process per socket, ended with it.** The lab is started directly (no shell), in its own
  process group; when its socket closes it is asked to quit, then terminated, then killed.
- **No files from the browser.** The served lab cannot save files (they would land on this machine,
  not the viewer's) unless the server was started with ``--allow-export``
  (``EXPLAINER_WEB_FILE_EXPORT=1`` in the lab's environment).

The caller binds the listening socket first (:func:`listen`), so a busy port fails before anything
is printed.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import secrets
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from ..engine.errors import ExplainerError
from .screens.export import FILE_EXPORT_ENV

MAX_WIDTH, MAX_HEIGHT = 500, 200
"""The largest terminal a browser may ask for, in cells (a 4K screen at 8 px a column is 480)."""
MAX_MESSAGE = 64 * 1024
QUIT_GRACE, TERM_GRACE = 3.0, 2.0
"""Seconds a lab has to quit once its socket closed, then to end once terminated, before it is killed."""
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_HOST = re.compile(r"\A(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\Z")

log = logging.getLogger("explainer.serve")


#: textual-serve's page asks fonts.googleapis.com for Roboto Mono; a conference room may be offline and a
#: lab should tell no third party it was opened. textual-serve ships the same font in its static folder.
_WEB_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)
_LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
      @font-face { font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }
    </style>"""


def offline_page(templates: str | Path) -> str:
    """textual-serve's page template with its web font served from this server, nothing from another host."""
    text = (Path(templates) / "app_index.html").read_text(encoding="utf-8")
    return _WEB_FONT.sub(lambda _: _LOCAL_FONT, text)


@dataclass(frozen=True)
class Guard:
    """What the server lets in."""

    token: str
    """The secret every address carries."""
    hosts: frozenset[str] | None
    """The names a request may give as its ``Host`` (listening on loopback: the loopback names and the
    address listened on, against DNS rebinding); None with ``--allow-remote``: any."""
    max_sessions: int
    file_export: bool
    """The served lab may save files (``--allow-export``)."""


def new_token() -> str:
    """A fresh secret for one run (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: any free port), bound before anything is printed.

    Raises:
        ExplainerError: the address is not this machine's, or the port is taken (one line).
    """
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as err:
        raise ExplainerError(f"cannot serve on {host or '*'}:{port}: {err.strerror or err}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not SO_REUSEPORT: a busy port fails
        sock.bind(address)
        sock.listen(64)
    except OSError as err:
        sock.close()
        raise ExplainerError(f"cannot serve on {host or '*'}:{port}: {err.strerror or err}") from None
    sock.set_inheritable(False)
    return sock


def child_argv(scenario: str | None, lesson: str | None = None) -> list[str]:
    """What each browser's socket starts: this Python running the lab (no shell in between)."""
    import sys

    return [sys.executable, "-m", "explainer.cli"] + (["--scenario", scenario] if scenario else []) + \
        (["--lesson", lesson] if lesson else [])


#: The states a deep link may open: the query key (and the websocket path's kind).
LINK_KINDS = ("scenario", "lesson")
#: The longest value a deep link may carry (a scenario with every option is under 120 characters).
MAX_LINK = 200


def deep_link(kind: str, value: str) -> tuple[str, str]:
    """A deep link's state, validated like the CLI's ``--scenario`` or ``--lesson``, in canonical form.

    Raises:
        ExplainerError: an unknown kind, or a value the CLI would refuse (the CLI's own message).
    """
    if kind not in LINK_KINDS:
        raise ExplainerError(f"a link opens a scenario or a lesson, not {kind[:20]!r}")
    if not value.strip() or len(value) > MAX_LINK or not value.isprintable():
        raise ExplainerError(f"bad {kind} {value[:40]!r}: " + ("empty" if not value.strip() else
                             f"at most {MAX_LINK} printable characters"))
    if kind == "scenario":
        from ..engine.experiments.scenario import parse

        try:
            return kind, str(parse(value))
        except ExplainerError as err:
            raise ExplainerError(f"bad scenario {value[:60]!r}: {err}") from None
    from ..course.lesson import by_number, load

    path = by_number(value)
    load(path)  # a lesson that cannot be read: said here, not as a dead lab in the browser
    return kind, str(int(path.name[:2]))


def terminal_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size from the page, validated like CLI input.

    Raises:
        ExplainerError: not whole numbers from 1 to 500 columns and 1 to 200 rows.
    """
    def number(value: object, most: int, what: str) -> int:
        text = str(value)
        if isinstance(value, bool) or not (isinstance(value, int) or text.isascii() and text.isdigit()) \
                or not 1 <= int(text) <= most:
            raise ExplainerError(f"bad {what} {text[:20]!r}: a whole number from 1 to {most}")
        return int(text)

    return number(width, MAX_WIDTH, "width"), number(height, MAX_HEIGHT, "height")


class LabProcess(AppService):
    """textual-serve's app service, but the lab runs without a shell, in its own process group, and is
    ended when its socket closes even if it does not quit by itself."""

    def __init__(self, argv: list[str], environment: dict[str, str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self.extra_environment = environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        environment = {**self._build_environment(width=width, height=height), **self.extra_environment}
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True)
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def stop(self) -> None:
        """Ask the lab to quit; terminate, then kill, its process group if it does not."""
        task, self._task = self._task, None
        process = self._process
        if task is None or process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        try:
            await asyncio.wait_for(self.send_meta({"type": "quit"}), QUIT_GRACE)
        except (TimeoutError, OSError, RuntimeError):
            pass
        for grace, sig in ((QUIT_GRACE, signal.SIGTERM), (TERM_GRACE, signal.SIGKILL), (None, None)):
            try:
                await asyncio.wait_for(process.wait(), grace)
                break
            except TimeoutError:
                if sig is not None:
                    try:
                        os.killpg(process.pid, sig)
                    except ProcessLookupError:
                        pass
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass


class GuardedServer(Server):
    """textual-serve's :class:`Server` behind the guards in this module's docstring."""

    def __init__(self, argv: list[str], guard: Guard, public_url: str, title: str,
                 on_session: Callable[[LabProcess], None] | None = None) -> None:
        super().__init__(" ".join(argv), title=title, public_url=public_url)
        self.argv = argv
        self.guard = guard
        self.sessions: set[LabProcess] = set()
        self.on_session = on_session
        """Told of each lab started (tests watch the processes)."""

    # --- start and stop ---

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="explainer serve: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        """No banner here: ``serve`` prints its own, once the socket is bound."""

    def serve_on(self, sock: socket.socket) -> None:
        """Serve on an already bound socket until ctrl+c or SIGTERM."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_exit)
            except NotImplementedError:
                pass
        web.run_app(self._make_app(), sock=sock, handle_signals=False, loop=loop, print=lambda *a: None,
                    access_log=None)

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_host], client_max_size=MAX_MESSAGE)
        page = offline_page(self.templates_path)
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page}), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws/{token}", self.handle_websocket, name="websocket"),
            web.get("/ws/{token}/{kind}/{value:.+}", self.handle_websocket, name="deep-link"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self._end_sessions)
        return app

    async def _end_sessions(self, app: web.Application) -> None:
        await asyncio.gather(*(s.stop() for s in list(self.sessions)), return_exceptions=True)

    # --- the guards ---

    @web.middleware
    async def _check_host(self, request: web.Request,
                          handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        """Every request names a host of ours (on loopback: a loopback name, against DNS rebinding)."""
        host = _host_name(request.host)
        if host is None or (self.guard.hosts is not None and host not in self.guard.hosts):
            return _refuse(403, f"this lab answers only as {self.public_url}", request)
        return await handler(request)  # type: ignore[no-any-return]

    def _has_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.guard.token.encode())

    # --- the page ---

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if not self._has_token(request.query.get("token")):
            return _refuse(403, "open the address `explainer serve` printed: it carries "
                                              "this run's token", request)
        base = f"http://{request.host}"
        given = [k for k in LINK_KINDS if k in request.query]
        path = ""
        if given:
            if len(given) > 1 or any(len(request.query.getall(k)) > 1 for k in given):
                return _refuse(400, "a link opens one scenario or one lesson", request)
            try:
                kind, value = deep_link(given[0], request.query[given[0]])
            except ExplainerError as err:
                return _refuse(400, str(err), request)
            path = f"/{kind}/{quote(value, safe='/=')}"
        fontsize = request.query.get("fontsize", "16")
        if not (fontsize.isascii() and fontsize.isdigit() and 6 <= int(fontsize) <= 64):
            return _refuse(400, f"bad fontsize {fontsize[:20]!r}: a whole number from 6 to 64", request)
        context = {
            "font_size": int(fontsize),
            "app_websocket_url": f"ws://{request.host}/ws/{self.guard.token}{path}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
        response.headers["Cache-Control"] = "no-store"
        return response

    # --- the websocket ---

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        if not self._has_token(request.match_info.get("token")):
            return _refuse(403, "no token, or not this run's", request)
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"http://{request.host}":
            return _refuse(403, f"websocket from a foreign page (Origin {origin[:80]!r})",
                           request)
        if len(self.sessions) >= self.guard.max_sessions:
            n = self.guard.max_sessions
            return _refuse(503, f"{n} browser{'s are' if n != 1 else ' is'} already connected "
                                "(serve --max-sessions N allows more)", request)
        try:
            width, height = terminal_size(request.query.get("width", "80"), request.query.get("height", "24"))
            argv = self.argv
            if "kind" in request.match_info:  # a deep link: checked again, whoever built this address
                kind, value = deep_link(request.match_info["kind"], request.match_info["value"])
                argv = [a for k, a in enumerate(self.argv) if not (a == "--scenario" or (
                    k and self.argv[k - 1] == "--scenario"))]  # the link's state, not serve --scenario's
                argv += ["--scenario", value] if kind == "scenario" else ["--lesson", value]
        except ExplainerError as err:
            return _refuse(400, str(err), request)
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        await websocket.prepare(request)
        environment = {FILE_EXPORT_ENV: "1" if self.guard.file_export else "0"}
        lab = LabProcess(argv, environment,
                         write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                         close=websocket.close, download_manager=self.download_manager)
        self.sessions.add(lab)
        try:
            await lab.start(width, height)
            if self.on_session is not None:
                self.on_session(lab)
            await self._relay(websocket, lab)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            self.sessions.discard(lab)
            await lab.stop()
            await websocket.close()
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, lab: LabProcess) -> None:
        """textual-serve's messages, each checked: a malformed one closes the socket, with why."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = _envelope(message.data)
                if kind == "stdin":
                    await lab.send_bytes(data.encode("utf-8"))
                elif kind == "resize":
                    await lab.set_terminal_size(*terminal_size(data.get("width"), data.get("height")))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await lab.blur()
                elif kind == "focus":
                    await lab.focus()
            except ExplainerError as err:
                log.warning("closed a websocket: %s", err)
                await websocket.close(code=1008, message=str(err)[:120].encode())
                return


def _envelope(text: str) -> tuple[str, Any]:
    """``[kind, data]`` as textual-serve's page sends it.

    Raises:
        ExplainerError: anything else.
    """
    import json

    try:
        envelope = json.loads(text)
    except ValueError:
        raise ExplainerError("a message that is not JSON") from None
    if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
        raise ExplainerError("a message that is not [kind, data]")
    kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin" and not isinstance(data, str):
        raise ExplainerError("stdin that is not text")
    if kind == "resize" and not isinstance(data, dict):
        raise ExplainerError("a resize that is not {width, height}")
    return kind, data


def _host_name(host: str) -> str | None:
    """The name in a ``Host`` header (``[::1]:8000`` → ``::1``), or None when it is not a host name."""
    m = _HOST.match(host or "")
    return m.group(1).strip("[]").lower() if m else None


def _refuse(status: int, why: str, request: web.Request) -> web.StreamResponse:
    where = "/ws" if request.path.startswith("/ws/") else request.path  # the token stays out of the log
    log.warning("refused %s %s: %s", request.method, where[:80], why)
    return web.Response(status=status, text=f"explainer serve: {why}\n")
