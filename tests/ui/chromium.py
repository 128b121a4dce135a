"""Headless Chromium (Debian's ``chromium``) driven over the DevTools protocol, for the HTML deck's tests.

Started with the flags that keep the browser itself quiet (no background networking, no component
updates, no sync) and a fresh profile; every request the page makes is recorded from the protocol's
``Network.requestWillBeSent`` events, so a test can say the page asked for nothing but its own file.
Keys are real key events (``Input.dispatchKeyEvent``), screenshots the page as drawn.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
#: Key name -> (key, code, windowsVirtualKeyCode) for Input.dispatchKeyEvent.
KEYS = {"ArrowRight": ("ArrowRight", "ArrowRight", 39), "ArrowLeft": ("ArrowLeft", "ArrowLeft", 37),
        "PageDown": ("PageDown", "PageDown", 34), "PageUp": ("PageUp", "PageUp", 33),
        "End": ("End", "End", 35),
        "Home": ("Home", "Home", 36), " ": (" ", "Space", 32), "s": ("s", "KeyS", 83)}


def binary() -> str | None:
    """The chromium executable, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One tab of a headless Chromium, its requests recorded."""

    def __init__(self, width: int = 1280, height: int = 800) -> None:
        self.width, self.height = width, height
        self.requests: list[str] = []
        self._profile = tempfile.TemporaryDirectory(prefix="explainer-chromium-", ignore_cleanup_errors=True)
        self._next = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._events: dict[str, asyncio.Event] = {}

    async def __aenter__(self) -> Page:
        exe = binary()
        assert exe, "chromium is not installed (apt-get install chromium)"
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self._profile.name}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        assert self.proc.stderr is not None
        url = None
        loop = asyncio.get_running_loop()
        for _ in range(200):
            line = await loop.run_in_executor(None, self.proc.stderr.readline)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                url = m.group(1)
                break
        assert url, "chromium did not start its DevTools endpoint"
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        self.session = attached["sessionId"]
        await self.send("Network.enable", session=True)
        await self.send("Page.enable", session=True)
        await self.send("Emulation.setDeviceMetricsOverride", session=True, width=self.width,
                        height=self.height, deviceScaleFactor=1, mobile=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._reader.cancel()
        await self.ws.close()
        await self.http.close()
        # the browser's own process group (its renderer and GPU helpers with it), by the id it started with
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=10)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        self._profile.cleanup()

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self._waiting:
                self._waiting.pop(data["id"]).set_result(data)
            elif data.get("method") == "Network.requestWillBeSent":
                self.requests.append(data["params"]["request"]["url"])
            elif "method" in data:
                self._events.setdefault(data["method"], asyncio.Event()).set()

    async def send(self, method: str, session: bool = False, **params: Any) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = future
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, 60)
        assert "error" not in reply, (method, reply["error"])
        return reply["result"]

    async def open(self, url: str) -> None:
        """Load ``url`` and wait for its load event and its fonts."""
        loaded = self._events.setdefault("Page.loadEventFired", asyncio.Event())
        loaded.clear()
        await self.send("Page.navigate", session=True, url=url)
        await asyncio.wait_for(loaded.wait(), 60)
        await self.eval("document.fonts.ready.then(() => true)")

    async def eval(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited)."""
        reply = await self.send("Runtime.evaluate", session=True, expression=expression, awaitPromise=True,
                                returnByValue=True)
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    async def press(self, name: str) -> None:
        """A real key press: down then up."""
        key, code, vk = KEYS[name]
        for kind in ("keyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=code,
                            windowsVirtualKeyCode=vk, text=key if len(key) == 1 and kind == "keyDown" else "")
        await self.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")

    async def screenshot(self, path: Path) -> None:
        """The page as drawn, as a PNG."""
        shot = await self.send("Page.captureScreenshot", session=True, format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
