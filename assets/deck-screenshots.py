"""Screenshots of two beats of the shipped talk's HTML deck, as headless Chromium draws it offline.

    apt-get install -y chromium fonts-firacode
    python3 assets/deck-screenshots.py        # writes assets/deck-beat-05.png and assets/deck-beat-09.png

The deck is made by the real command (``explainer present split-epilogue --export html DIR``), opened
from disk in Debian's Chromium (tests/ui/chromium.py: fresh profile, no background networking), and
moved by real arrow-key presses to each beat before the capture.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ui.chromium import Page  # noqa: E402

BEATS = (5, 9)  # the GC's crash in the runtime's words; the fix side by side with the bug


async def shoot(deck: Path) -> None:
    async with Page(1600, 960) as page:
        await page.open((deck / "index.html").as_uri())
        at = 1
        for beat in BEATS:
            while at < beat:
                await page.press("ArrowRight")
                at += 1
            out = ROOT / "assets" / f"deck-beat-{beat:02d}.png"
            await page.screenshot(out)
            print(out.relative_to(ROOT))
        outside = [u for u in page.requests if not u.startswith(("file://", "data:"))]
        assert not outside, outside


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        deck = Path(tmp) / "deck"
        subprocess.run([sys.executable, "-m", "explainer.cli", "present", "split-epilogue",
                        "--export", "html", str(deck), "--size", "120x35"], check=True)
        asyncio.run(shoot(deck))


if __name__ == "__main__":
    main()
