"""``explainer serve``: a real server on a free loopback port, driven by a real websocket client (aiohttp).

Issue 21, items 5-8, each as the issue reproduced it: a page from another Origin, an address without
the run's secret, a non-loopback ``--host`` without the flag that allows it, a 20000x20000 terminal, more
browsers than the cap, a lab process still alive after its socket closed (here: a stopped one, which
cannot quit by itself), and a busy port. What is checked is what a browser or a person sees: HTTP
statuses, the websocket's close code and reason, the screen's bytes, the banner, the processes in /proc.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from explainer.commands.serve import is_loopback, port_number

BANNER = re.compile(r"^explainer serve: open (http://127\.0\.0\.1:(\d+))/\?token=([A-Za-z0-9_-]{32})$")


@dataclass
class Served:
    base: str
    token: str
    process: subprocess.Popen[str]
    banner: list[str]

    @property
    def page(self) -> str:
        return f"{self.base}/?token={self.token}"

    def websocket(self, width: int = 100, height: int = 30, token: str | None = None) -> str:
        return f"ws{self.base[4:]}/ws/{token or self.token}?width={width}&height={height}"

    def labs(self) -> list[int]:
        """The server's child processes: one lab per connected browser."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            found += [int(p) for p in (task / "children").read_text().split()]
        return found


@contextmanager
def serve(tmp_path: Path, *args: str) -> Iterator[Served]:
    env = {**os.environ, "EXPLAINER_STATE_DIR": str(tmp_path / "state"),
           "EXPLAINER_EXPORT_DIR": str(tmp_path / "exports")}
    process = subprocess.Popen([sys.executable, "-m", "explainer.cli", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = [process.stdout.readline().rstrip("\n"), process.stdout.readline().rstrip("\n")]  # type: ignore[union-attr]
        m = BANNER.match(banner[0])
        assert m, (banner, process.stderr.read() if process.poll() is not None else "")  # type: ignore[union-attr]
        yield Served(m.group(1), m.group(3), process, banner)
    finally:
        process.send_signal(signal.SIGINT)  # what ctrl+c sends
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0


async def get(url: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, await response.text()


async def refused(url: str, **headers: str) -> int:
    """The HTTP status a websocket handshake was refused with (fails if it was accepted)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers):
                pass
        except aiohttp.WSServerHandshakeError as err:
            return err.status
    raise AssertionError(f"{url} accepted a websocket with {headers}")


_CSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


async def read_until(ws: aiohttp.ClientWebSocketResponse, *wanted: bytes, seconds: float = 30) -> bytes:
    """The lab's output until every one of ``wanted`` has shown as text (colour and cursor moves, which
    may fall between two words, left out)."""
    screen = b""
    deadline = time.monotonic() + seconds
    while not all(w in _CSI.sub(b"", screen) for w in wanted):
        msg = await asyncio.wait_for(ws.receive(), max(0.1, deadline - time.monotonic()))
        if msg.type == aiohttp.WSMsgType.BINARY:
            screen += msg.data
        elif msg.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"socket ended ({msg.type}, {msg.data!r}) before {wanted}")
    return screen


def gone(pid: int, seconds: float) -> bool:
    """True once ``pid`` has exited and been reaped (or is a zombie no more) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_lab_answers_with_the_runs_token(tmp_path: Path) -> None:
    with serve(tmp_path) as s:
        status, page = asyncio.run(get(s.page))
        assert status == 200 and "split-epilogue explainer" in page
        assert f'data-session-websocket-url="ws{s.base[4:]}/ws/{s.token}"' in page
        assert s.banner[1].split(" · ")[0].strip() == "this machine only"

        async def lab() -> tuple[list[object], bytes]:
            async with aiohttp.ClientSession() as session, \
                    session.ws_connect(s.websocket(), headers={"Origin": s.base}) as ws:
                await ws.send_json(["ping", "test"])
                pong = await ws.receive_json(timeout=30)
                return pong, await read_until(ws, b"split-epilogue explainer", b"main.big_stack")

        pong, _screen = asyncio.run(lab())
        assert pong == ["pong", "test"]


def test_item5_a_foreign_page_and_a_missing_token_are_refused(tmp_path: Path) -> None:
    with serve(tmp_path) as s:
        assert asyncio.run(get(f"{s.base}/"))[0] == 403  # the page without the token
        status, text = asyncio.run(get(f"{s.base}/?token={'x' * 32}"))
        assert status == 403 and "carries this run's token" in text
        assert asyncio.run(refused(s.websocket(), Origin="http://evil.example")) == 403
        assert asyncio.run(refused(s.websocket(token="A" * 32), Origin=s.base)) == 403
        # DNS rebinding: evil.example resolved to 127.0.0.1, so the browser sends its own Host
        assert asyncio.run(get(s.page, Host=f"evil.example:{s.base.rsplit(':', 1)[1]}"))[0] == 403
        assert s.labs() == []  # no lab was started for any of them


def test_item5_saving_files_is_off_in_the_browser_unless_asked(tmp_path: Path) -> None:
    async def press_j(s: Served, wanted: bytes) -> bytes:
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(s.websocket(120, 40), headers={"Origin": s.base}) as ws:
            await read_until(ws, b"main.big_stack")
            await ws.send_json(["stdin", "j"])  # save this step as JSON
            return await read_until(ws, wanted)

    with serve(tmp_path) as s:
        assert "saving files off (--allow-export)" in s.banner[1]
        asyncio.run(press_j(s, b"Saving files is off in the browser"))
    with serve(tmp_path, "--allow-export") as s:
        assert "saving files allowed" in s.banner[1]
        asyncio.run(press_j(s, b"Save this step as JSON"))  # the folder dialog, as in a terminal
    assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize("host", ["", "0.0.0.0", "::", "192.0.2.1"])
def test_item6_a_non_loopback_host_needs_allow_remote(host: str) -> None:
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "serve", "--port", "0", "--host", host],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"explainer: --host {host!r} listens on ")
    assert run.stderr.rstrip().endswith("add --allow-remote if you mean that")


def test_item6_allow_remote_says_so_plainly(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "explainer.cli", "serve", "--port", "0", "--host",
                                "0.0.0.0", "--allow-remote"], stdout=subprocess.PIPE, text=True)
    try:
        first, second = process.stdout.readline(), process.stdout.readline()  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    assert re.match(rf"explainer serve: open http://{re.escape(socket.gethostname())}:\d+/\?token=", first)
    assert second.strip().startswith("anyone who can reach 0.0.0.0:")


def test_item7_sizes_and_sessions_are_capped(tmp_path: Path) -> None:
    with serve(tmp_path, "--max-sessions", "1") as s:
        assert asyncio.run(refused(s.websocket(20000, 20000), Origin=s.base)) == 400
        assert asyncio.run(refused(s.websocket(0, 24), Origin=s.base)) == 400
        assert s.labs() == []

        async def two_browsers() -> tuple[int, object, object]:
            async with aiohttp.ClientSession() as session, \
                    session.ws_connect(s.websocket(), headers={"Origin": s.base}) as ws:
                await read_until(ws, b"main.big_stack")
                second = await refused(s.websocket(), Origin=s.base)
                await ws.send_json(["resize", {"width": 20000, "height": 20000}])
                while (msg := await ws.receive(timeout=30)).type == aiohttp.WSMsgType.BINARY:
                    pass
                return second, msg.data, msg.extra

        second, code, reason = asyncio.run(two_browsers())
        assert second == 503
        assert (code, reason) == (1008, "bad width '20000': a whole number from 1 to 500")


def test_item7_a_lab_that_does_not_quit_is_ended_when_its_socket_closes(tmp_path: Path) -> None:
    with serve(tmp_path) as s:
        async def connect_stop_close() -> int:
            async with aiohttp.ClientSession() as session, \
                    session.ws_connect(s.websocket(), headers={"Origin": s.base}) as ws:
                await read_until(ws, b"main.big_stack")
                (lab,) = s.labs()
                os.kill(lab, signal.SIGSTOP)  # hung: it can neither read the quit nor act on SIGTERM
            return lab

        lab = asyncio.run(connect_stop_close())
        assert gone(lab, 10), f"lab {lab} still alive 10 s after its socket closed"
        assert s.labs() == []


def test_item8_a_busy_port_fails_before_any_banner() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "explainer.cli", "serve", "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"explainer: cannot serve on 127.0.0.1:{port}: Address already in use\n"


def test_bad_port_and_sessions_are_one_line_and_exit_2() -> None:
    for args, said in ((["--port", "65536"], "bad port '65536': a number from 1 to 65535 (0: any free port)"),
                       (["--max-sessions", "0"], "bad --max-sessions '0': a number from 1 to 64")):
        run = subprocess.run([sys.executable, "-m", "explainer.cli", "serve", *args],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and run.stderr == f"explainer: {said}\n"
    assert port_number("8000") == 8000 and port_number("0") == 0
    assert is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("")


_ADDRESS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


def test_the_page_loads_nothing_from_another_host(tmp_path: Path) -> None:
    """Issue 18: the page asked fonts.googleapis.com for its font (a conference room may be offline).

    Every address the page would fetch (src, href, CSS url()) is on this server, and the font it names
    is served from here, as a TrueType file.
    """
    with serve(tmp_path) as s:
        status, page = asyncio.run(get(s.page))
        assert status == 200
        addresses = [a or b for a, b in _ADDRESS.findall(page)]
        assert any("RobotoMono" in a for a in addresses), addresses
        elsewhere = [a for a in addresses
                     if re.match(r"(?:https?:)?//", a) and not a.startswith(s.base + "/")]
        assert elsewhere == [], elsewhere
        assert "googleapis" not in page and "gstatic" not in page
        font = next(a for a in addresses if a.endswith("RobotoMono-VariableFont_wght.ttf"))

        async def fetch_font() -> tuple[int, bytes]:
            async with aiohttp.ClientSession() as session, session.get(font) as response:
                return response.status, await response.read()

        status, body = asyncio.run(fetch_font())
        assert status == 200 and body[:4] == b"\x00\x01\x00\x00"  # a TrueType font's sfnt version
