"""``explainer present TALK --export html DIR``: the offline deck, opened in headless Chromium.

The deck is made by the real command, then read twice: as files (every beat of the talk file, read
here with tomllib, has its slide, its title and its caption; the captions carry the real crash log's
words) and in Debian's Chromium over the DevTools protocol: real arrow keys move through every beat,
the embedded Fira Code is the font in use, and the page asks for nothing but its own file (every
request the browser makes for the page is recorded).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from . import chromium
from .truth import ROOT

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
BEATS = tomllib.loads(TALK.read_text())["beat"]


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("deck") / "out"
    run = subprocess.run([sys.executable, "-m", "explainer.cli", "present", str(TALK), "--export", "html",
                          str(folder), "--size", "100x30"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return folder


@pytest.fixture
def browser() -> None:
    if chromium.binary() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (.ci/run: apt-get install chromium)")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")


def test_the_deck_has_every_beat_with_its_caption(deck: Path) -> None:
    index = (deck / "index.html").read_text()
    notes = (deck / "notes.html").read_text()
    slides = re.findall(r'<figure class="slide" id="beat-(\d+)" data-title="([^"]*)"', index)
    assert [int(n) for n, _ in slides] == list(range(1, len(BEATS) + 1))
    assert [t for _, t in slides] == [html.escape(b["title"]) for b in BEATS]
    svgs = [f"{n:02d}.svg" for n in range(1, len(BEATS) + 1)]
    assert sorted(p.name for p in (deck / "svg").iterdir()) == svgs
    assert index.count("<svg ") == len(BEATS)
    for n in range(1, len(BEATS) + 1):
        assert f'id="beat-{n}"' in notes and f">{n}. " in notes
        assert f"{n}/{len(BEATS)}" in (deck / "svg" / f"{n:02d}.svg").read_text()  # the presenter's bar
    # the captions as the room reads them, with the real runtime's words (the real log beside the talk)
    real = (ROOT / "assets" / "logs" / "fast_nonleaf-go1.23.4-singlestep.log").read_text().splitlines()
    words = real[0].split(" stack=")[0]  # runtime: g1: frame.sp=0x40000bdf20 top=0x40000cdfd0
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", index, re.S)
    assert len(captions) == len(BEATS) and words in captions[5]
    assert "(no notes)" not in notes  # every beat of the shipped talk has notes
    licence = (deck / "FiraCode-LICENSE.txt").read_text()
    assert "Open Font License" in licence and "Fira" in licence


def test_nothing_in_the_files_points_at_the_network(deck: Path) -> None:
    for page in [deck / "index.html", deck / "notes.html", *sorted((deck / "svg").iterdir())]:
        text = page.read_text()
        assert not re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text), page
        urls = [u.strip().strip("'\"") for u in re.findall(r"url\(([^)]*)\)", text)]
        assert all(u.startswith(("data:", "#")) for u in urls), page  # fonts inline, clip paths by id
        assert "@import" not in text


async def test_chromium_plays_the_deck_by_keys_offline(deck: Path, browser: None, tmp_path: Path) -> None:
    url = (deck / "index.html").as_uri()
    async with chromium.Page(1280, 800) as page:
        await page.open(url)
        assert await page.eval("document.querySelectorAll('.slide').length") == len(BEATS)
        faces = await page.eval("[...document.fonts].map(f => `${f.family} ${f.weight} ${f.status}`)")
        assert sorted(faces) == ['"Fira Code" 400 loaded', '"Fira Code" 700 loaded'] or \
            sorted(faces) == ["Fira Code 400 loaded", "Fira Code 700 loaded"]
        keys = ["ArrowRight", " ", "PageDown"]
        for n, beat in enumerate(BEATS, 1):
            shown = await page.eval("[...document.querySelectorAll('.slide')]"
                                    ".filter(s => getComputedStyle(s).display !== 'none')"
                                    ".map(s => [s.id, s.querySelector('svg').textContent"
                                    ".replace(/\\s+/g, ' ')])")
            assert len(shown) == 1 and shown[0][0] == f"beat-{n}"
            assert f"{n}/{len(BEATS)}" in shown[0][1] and beat["title"] in shown[0][1]
            assert await page.eval("document.getElementById('where').textContent") == f"{n}/{len(BEATS)}"
            assert await page.eval("location.hash") == f"#{n}"
            await page.press(keys[n % 3])
        assert await page.eval("location.hash") == f"#{len(BEATS)}"  # never past the last beat
        await page.press("ArrowLeft")
        await page.press("PageUp")
        assert await page.eval("location.hash") == f"#{len(BEATS) - 2}"
        await page.press("Home")
        assert await page.eval("location.hash") == "#1"
        await page.press("End")
        assert await page.eval("location.hash") == f"#{len(BEATS)}"
        await page.open("about:blank")
        await page.open(url + "#5")  # a link to a beat opens it
        assert await page.eval("document.getElementById('where').textContent") == f"5/{len(BEATS)}"
        # the glyphs drawn are Fira Code's: the slide's text measures with the embedded font's metrics
        assert await page.eval("document.fonts.check('16px \"Fira Code\"')")
        loaded = list(page.requests)
        await page.press("s")  # the second page: the notes
        await page.eval("new Promise(r => setTimeout(() => r(true), 500))")
        assert await page.eval("location.pathname.endsWith('/notes.html') && location.hash") == "#beat-5"
        assert "Speaker notes" in await page.eval("document.body.textContent")
    notes = (deck / "notes.html").as_uri()
    allowed = {"about:blank", url, url + "#5", notes, notes + "#beat-5"}
    asked = [u if not u.startswith("data:") else "data:" for u in page.requests]
    assert {u for u in asked if u != "data:"} <= allowed, [u for u in asked if u not in allowed]
    assert loaded and all(u.startswith(("file://", "data:")) for u in page.requests)
