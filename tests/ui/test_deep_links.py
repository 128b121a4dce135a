"""Deep links into ``explainer serve``: ``/?token=…&scenario=…`` and ``/?token=…&lesson=N`` open that state.

A real server on a free loopback port, a real websocket client: the page a link returns names the
websocket that carries the state, the lab behind it shows that state on its screen, and a bad link is
refused with the message the CLI gives for the same value. The expected words come from outside the
app: the lesson's title from its file, the scenario as the user typed it.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import aiohttp

from .test_serve import Served, get, read_until, refused, serve
from .truth import ROOT


def page_socket(s: Served, page: str) -> str:
    """The websocket address the page opens (its data attribute), as the page's script would use it."""
    m = re.search(r'data-session-websocket-url="([^"]+)"', page)
    assert m, page[:300]
    return m.group(1)


async def screen_of(s: Served, socket: str, *wanted: bytes) -> bytes:
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(f"{socket}?width=160&height=45", headers={"Origin": s.base}) as ws:
        return await read_until(ws, *wanted)


def test_a_scenario_link_opens_the_lab_on_it(tmp_path: Path) -> None:
    with serve(tmp_path) as s:
        status, page = asyncio.run(get(f"{s.page}&scenario=go1.27.3/65552/leaf"))
        assert status == 200
        socket = page_socket(s, page)
        assert socket == f"ws{s.base[4:]}/ws/{s.token}/scenario/go1.27.3/65552/leaf"
        # the lab's scenario bar, as a person reads it; the default lab would say go1.23.4/65584
        asyncio.run(screen_of(s, socket, b"go1.27.3/65552/leaf", b"main.big_stack"))
        # a scenario with options: written back in its canonical form (defaults left out)
        line = quote("go1.23.4/65552/leaf/buffer=fast/at=sp1")
        status, page = asyncio.run(get(f"{s.page}&scenario={line}"))
        assert status == 200 and page_socket(s, page).endswith("/scenario/go1.23.4/65552/leaf/at=sp1")


def test_a_lesson_link_opens_the_lesson(tmp_path: Path) -> None:
    title = next(line.split(":", 1)[1].strip() for line in (ROOT / "lessons" / "06-race.md").read_text()
                 .splitlines() if line.startswith("title:"))
    with serve(tmp_path) as s:
        status, page = asyncio.run(get(f"{s.page}&lesson=06"))
        assert status == 200
        socket = page_socket(s, page)
        assert socket.endswith(f"/ws/{s.token}/lesson/6")
        asyncio.run(screen_of(s, socket, f"06-race · {title}".encode()))


def test_bad_links_are_refused_with_the_clis_message(tmp_path: Path) -> None:
    cli = subprocess.run([sys.executable, "-m", "explainer.cli", "--scenario", "go1.99.0/65552"],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2
    said = cli.stderr.strip().removeprefix("explainer: ")
    with serve(tmp_path) as s:
        status, text = asyncio.run(get(f"{s.page}&scenario=go1.99.0/65552"))
        assert status == 400 and text.startswith("explainer serve: bad scenario 'go1.99.0/65552': ")
        assert said in text  # the engine's own words, as the CLI prints them
        for query, words in [("lesson=66", "no lesson 66: the course has lessons 1, 2"),
                             ("lesson=6;rm", "bad lesson '6;rm'"),
                             ("lesson=", "bad lesson '': empty"),
                             ("lesson=6&scenario=go1.23.4/65584", "one scenario or one lesson"),
                             ("lesson=6&lesson=7", "one scenario or one lesson"),
                             (f"scenario={'go1.23.4/65584/' * 20}", "at most 200 printable characters")]:
            status, text = asyncio.run(get(f"{s.page}&{query}"))
            assert status == 400 and words in text, (query, text)
        # a link without the run's secret is refused before it is read
        status, text = asyncio.run(get(f"{s.base}/?scenario=go1.23.4/65584"))
        assert status == 403 and "token" in text
        # a websocket address built by hand is checked too: no lab starts for a bad value
        for path in ("scenario/go1.99.0/65552", "lesson/66", "shell/ls", "lesson/--help"):
            assert asyncio.run(refused(f"ws{s.base[4:]}/ws/{s.token}/{path}", Origin=s.base)) == 400, path
        assert asyncio.run(refused(f"ws{s.base[4:]}/ws/{'x' * 32}/lesson/6", Origin=s.base)) == 403
        assert s.labs() == []
