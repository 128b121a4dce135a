"""``explainer serve``: the lab in a browser. A real server on a free loopback port, fetched over HTTP.

The page must name the websocket the browser will open, and that websocket
must answer: a ping comes back as a pong, and the lab's first frame (its title
bar, drawn by a real ``explainer`` process) arrives over it. Then the server
is stopped the way ctrl+c stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp

from explainer.commands.serve import app_command, is_loopback, port_number


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, deadline: float) -> str:
    """The page at ``url``, retried until the server listens (or the deadline passes)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                return str(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def first_frame(url: str) -> tuple[list[object], bytes]:
    """Open the websocket as the page would: ping it, then read the app's output until its title shows."""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_json(["ping", "test"])
        pong: list[object] = []
        screen = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (pong and b"split-epilogue explainer" in screen):
            msg = await asyncio.wait_for(ws.receive(), timeout=30)
            if msg.type == aiohttp.WSMsgType.TEXT:
                pong = msg.json()
            elif msg.type == aiohttp.WSMsgType.BINARY:
                screen += msg.data
            else:
                break
        return pong, screen


def test_serve_answers_on_loopback_and_stops(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "EXPLAINER_STATE_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "explainer.cli", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        page = fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 30)
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        assert "split-epilogue explainer" in page  # the page's title
        pong, screen = asyncio.run(first_frame(f"ws://127.0.0.1:{port}/ws?width=100&height=30"))
        assert pong == ["pong", "test"]
        assert b"split-epilogue explainer" in screen and b"main.big_stack" in screen
    finally:
        server.send_signal(signal.SIGINT)  # what ctrl+c sends
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0


def test_serve_listens_on_loopback_by_default() -> None:
    import argparse

    from explainer.commands.serve import DEFAULT_HOST, add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["serve"])
    assert args.host == DEFAULT_HOST and is_loopback(args.host)
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    assert app_command("go1.23.4/65552/leaf").endswith("-m explainer.cli --scenario go1.23.4/65552/leaf")


def test_bad_port_is_one_line_and_exit_2() -> None:
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "serve", "--port", "65536"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr == "explainer: bad port '65536': a number from 1 to 65535\n"
    assert port_number("8000") == 8000
