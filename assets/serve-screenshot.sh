#!/usr/bin/env bash
# Screenshot of the lab served in a browser: `explainer serve` on a loopback port, headless Chromium
# driven over its DevTools protocol (no network beyond loopback).
#
#   apt-get install -y chromium          # Debian: /usr/bin/chromium
#   bash assets/serve-screenshot.sh      # writes assets/serve-chromium.png
#
# A plain `chromium --screenshot` captures the page before the websocket has connected and the app has
# drawn (a blank splash), so the page is driven instead: open it, wait for the app's first bytes, press
# the lab's keys (w: run to the epilogue's last write to RSP; g: preempt there and let a GC scan
# unwind), wait for the repaint, capture.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-assets/serve-chromium.png}
KEYS=${KEYS:-wg}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CDP_PORT=$(free_port)
PROFILE=$(mktemp -d)
STATE=$(mktemp -d)

# port 0: any free port; the banner's first line is the address, with this run's token
EXPLAINER_STATE_DIR=$STATE explainer serve --port 0 >"$STATE/banner" 2>/dev/null &
SERVER=$!
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$PROFILE" --window-size=1600,960 --remote-debugging-address=127.0.0.1 \
  --remote-debugging-port="$CDP_PORT" about:blank >/dev/null 2>&1 &
BROWSER=$!
trap 'kill -INT $SERVER 2>/dev/null; kill $BROWSER 2>/dev/null; wait $SERVER $BROWSER 2>/dev/null; rm -rf "$PROFILE" "$STATE"' EXIT

for _ in $(seq 150); do grep -q '^explainer serve: open ' "$STATE/banner" 2>/dev/null && break; sleep 0.2; done
URL=$(sed -n 's/^explainer serve: open \(http[^ ]*\)$/\1/p' "$STATE/banner")
[ -n "$URL" ] || { echo "explainer serve printed no address" >&2; exit 1; }

python3 - "$URL" "$CDP_PORT" "$OUT" "$KEYS" <<'EOF'
"""Drive the served page over the DevTools protocol and save a PNG."""
import asyncio
import base64
import json
import sys
import time
import urllib.request

import aiohttp

app_url, cdp_port, out, keys = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def get(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def main() -> None:
    deadline = time.monotonic() + 30
    get(app_url, deadline)  # the server listens
    pages = json.loads(get(f"http://127.0.0.1:{cdp_port}/json/list", deadline))
    page = next(p for p in pages if p["type"] == "page")
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
        ids = iter(range(1, 10**6))

        async def call(method: str, **params: object) -> dict:
            n = next(ids)
            await ws.send_json({"id": n, "method": method, "params": params})
            while True:
                msg = json.loads((await ws.receive()).data)
                if msg.get("id") == n:
                    if "error" in msg:
                        raise RuntimeError(f"{method}: {msg['error']}")
                    return msg.get("result", {})

        async def evaluate(expression: str) -> object:
            result = await call("Runtime.evaluate", expression=expression, returnByValue=True)
            return result.get("result", {}).get("value")

        await call("Page.enable")
        await call("Page.navigate", url=app_url)
        while not await evaluate("document.body && document.body.classList.contains('-first-byte')"):
            if time.monotonic() > deadline:
                raise SystemExit("the app never drew its first frame")
            await asyncio.sleep(0.25)
        await asyncio.sleep(3)  # the lab's first paint, and the page's fade-in
        await call("Input.dispatchMouseEvent", type="mousePressed", x=800, y=480, button="left", clickCount=1)
        await call("Input.dispatchMouseEvent", type="mouseReleased", x=800, y=480, button="left", clickCount=1)
        for key in keys:
            await call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
            await call("Input.dispatchKeyEvent", type="keyUp", key=key)
            await asyncio.sleep(1.5)
        await asyncio.sleep(1.5)
        shot = await call("Page.captureScreenshot", format="png")
        with open(out, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(out)


asyncio.run(main())
EOF
