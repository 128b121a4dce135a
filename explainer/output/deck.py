"""An offline HTML deck: one SVG per beat, as the presenter drew it, with the fonts inside the page.

``index.html`` shows one beat at a time, full window, with the keys of the presenter
(→ space Page Down n forward, ← Page Up back, Home End) and the beat in the address (``#3``), so a
reload or a link keeps the place; ``s`` opens ``notes.html``, the second page: every beat's title,
budget, caption and speaker notes. ``svg/NN.svg`` are the same pictures as files, for other slide
tools. Nothing is fetched: the SVGs lose Rich's CDN ``@font-face`` rules and the page declares Fira
Code once from data: URLs; a Content-Security-Policy forbids every other source, so even a
mistake would load nothing. Only strings here: the pictures come from the app
(``explainer.ui.deck_capture``), the font from :mod:`explainer.output.fonts`.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

from .fonts import FAMILY, Font

#: Rich's @font-face rules (they point at a CDN); the page declares the font itself.
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}\s*")
#: No request may leave the page: styles, scripts and fonts only from the page itself or data: URLs.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src data:; "
       "img-src data:; base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class Slide:
    """One beat of the deck."""

    number: int
    title: str
    caption: str
    notes: str
    budget: str
    """The beat's time budget (``1:30``), or empty."""
    svg: str
    """The presenter's screen, as Textual exports it."""


def offline_svg(svg: str) -> str:
    """An exported SVG without its web-font rules (the page, or the system, provides Fira Code)."""
    return _FONT_FACE.sub("", svg)


def font_faces(font: Font) -> str:
    """CSS declaring Fira Code regular and bold from the font files themselves."""
    faces = []
    for data, weight in ((font.regular, 400), (font.bold, 700)):
        url = "data:font/ttf;base64," + base64.b64encode(data).decode("ascii")
        faces.append(f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: {weight}; '
                     f'src: url("{url}") format("truetype"); }}')
    return "\n".join(faces)


_STYLE = """
html, body { margin: 0; height: 100%; background: #000; color: #e0e0e0; overflow: hidden;
             font-family: system-ui, sans-serif; }
.slide { display: none; position: absolute; inset: 0 0 1.6rem 0; margin: 0; }
.slide.current { display: flex; align-items: center; justify-content: center; }
.slide svg { width: 100%; height: 100%; }
/* the terminal's characters, not Fira Code's ligatures: 0x stays 0x, != stays != */
.slide svg text { font-variant-ligatures: none; font-feature-settings: "liga" 0, "calt" 0; }
.slide figcaption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
#bar { position: absolute; left: 0; right: 0; bottom: 0; height: 1.6rem; line-height: 1.6rem;
       padding: 0 1rem; font-size: 0.85rem; color: #9a9a9a; display: flex; gap: 1.5rem; }
#bar a { color: #9a9a9a; }
#where { color: #fff; font-weight: bold; }
"""

_SCRIPT = """
const slides = [...document.querySelectorAll('.slide')];
let current = 0;
function show(n) {
  current = Math.max(0, Math.min(slides.length - 1, n));
  slides.forEach((s, i) => s.classList.toggle('current', i === current));
  document.getElementById('where').textContent = (current + 1) + '/' + slides.length;
  document.getElementById('title').textContent = slides[current].dataset.title;
  document.getElementById('notes').href = 'notes.html#beat-' + (current + 1);
  if (location.hash !== '#' + (current + 1)) history.replaceState(null, '', '#' + (current + 1));
}
function fromHash() {
  const n = parseInt(location.hash.slice(1), 10);
  show(Number.isInteger(n) ? n - 1 : 0);
}
document.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const forward = ['ArrowRight', 'PageDown', ' ', 'n'], back = ['ArrowLeft', 'PageUp'];
  if (forward.includes(e.key)) show(current + 1);
  else if (back.includes(e.key)) show(current - 1);
  else if (e.key === 'Home') show(0);
  else if (e.key === 'End') show(slides.length - 1);
  else if (e.key === 's') location.href = 'notes.html#beat-' + (current + 1);
  else return;
  e.preventDefault();
});
window.addEventListener('hashchange', fromHash);
fromHash();
"""


def index_html(title: str, slides: list[Slide], font: Font, licence_file: str) -> str:
    """The deck: every slide's SVG inline, the font inline, the keys in a script of its own."""
    e = html.escape
    sections = "\n".join(
        f'<figure class="slide" id="beat-{s.number}" data-title="{e(s.title)}" '
        f'aria-label="Beat {s.number}: {e(s.title)}">\n{offline_svg(s.svg)}\n'
        f'<figcaption><strong>{e(s.title)}</strong> {e(s.caption)}</figcaption>\n</figure>'
        for s in slides)
    return f"""<!DOCTYPE html>
<!-- {e(title)}: exported by explainer present --export html. Fonts: {FAMILY} (SIL Open Font License 1.1),
     embedded unchanged; its licence is in {licence_file} beside this file. -->
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>
{font_faces(font)}
{_STYLE}
</style>
</head>
<body>
{sections}
<div id="bar"><span id="where"></span><span id="title"></span>
<span>← → to move · s notes</span><a id="notes" href="notes.html">notes</a></div>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def notes_html(title: str, slides: list[Slide], licence_file: str) -> str:
    """The second page: every beat's title, budget, caption and notes, each linking back to its slide."""
    e = html.escape
    items = "\n".join(
        f'<section id="beat-{s.number}"><h2><a href="index.html#{s.number}">{s.number}. {e(s.title)}</a>'
        f'{f" <small>{e(s.budget)}</small>" if s.budget else ""}</h2>\n'
        f'<p class="caption">{e(s.caption)}</p>\n<pre class="notes">{e(s.notes or "(no notes)")}</pre>\n'
        f'</section>' for s in slides)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Notes: {e(title)}</title>
<style>
body {{ max-width: 48rem; margin: 2rem auto; padding: 0 1rem; font-family: system-ui, sans-serif;
       line-height: 1.5; }}
.caption {{ font-weight: bold; white-space: pre-wrap; }}
.notes {{ white-space: pre-wrap; font-family: inherit; }}
small {{ color: #666; font-weight: normal; }}
</style>
</head>
<body>
<h1>{e(title)}</h1>
<p>Speaker notes · <a href="index.html">the deck</a> ·
font licence: <a href="{licence_file}">{licence_file}</a></p>
{items}
</body>
</html>
"""
