"""What the compositor paints, read back as text: the screen a person sees, not a widget's attributes.

``App.export_screenshot()`` renders the compositor's current frame (the lines each widget last painted,
cached lines included) as SVG. Rich writes one ``<text>`` per styled run, placed at ``x`` (a 12.2 px cell)
on a line named by its clip path; this module puts the runs back on a grid of cells, so a panel can be cut
out of the screen by its widget's region. Reading ``render_line()`` instead was seen to miss a stale
cursor that a real terminal showed: only the compositor's frame is what the user sees.
"""

from __future__ import annotations

import html
import re

from rich.cells import cell_len
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

_RUN = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                  r'clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>')
_CELL_PX = 12.2


async def settle(pilot: Pilot[object]) -> None:
    """Let every pending refresh (and the scrolls queued after it) reach the screen."""
    for _ in range(3):
        await pilot.pause()


def cells(app: App[object]) -> list[list[str]]:
    """The screen as rows of cells; a wide character fills its cell and leaves '' in the next."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, text in _RUN.findall(app.export_screenshot()):
        row, col = rows[int(line)], round(float(x) / _CELL_PX)
        for ch in html.unescape(text).replace("\xa0", " "):
            if col >= width:
                break
            row[col] = ch
            if cell_len(ch) == 2 and col + 1 < width:
                row[col + 1] = ""
                col += 1
            col += 1
    return rows


def screen(app: App[object]) -> list[str]:
    """The painted screen, one string a line."""
    return ["".join(row) for row in cells(app)]


def region(app: App[object], where: Widget | Region) -> list[str]:
    """The painted lines inside a widget's region on screen (its border included), or any region."""
    r = where.region if isinstance(where, Widget) else where
    return ["".join(row[r.x: r.right]) for row in cells(app)[r.y: r.bottom]]


def inside(app: App[object], widget: Widget) -> list[str]:
    """The painted lines inside a widget's border and padding (what its content shows)."""
    return region(app, widget.content_region)


def title(app: App[object], widget: Widget) -> str:
    """A bordered widget's top border line as painted (its border title is drawn there)."""
    return region(app, widget)[0]


_RULE = re.compile(r"\.([\w-]+-r\d+) \{ fill: (#[0-9a-f]{6})")
_CLASSED_RUN = re.compile(r'<text class="([\w-]+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                          r'clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>')


def colour_of(app: App[object], words: str) -> str:
    """The foreground colour (``#rrggbb``) the compositor paints the first letter of ``words`` in.

    Rich's SVG draws spaces as background only, so a phrase spans several runs: the screen is rebuilt
    cell by cell with each cell's class, the phrase found on a line, and its first cell's fill read.
    """
    svg = app.export_screenshot()
    fills = dict(_RULE.findall(svg))
    width, height = app.size
    rows = [[(" ", "")] * width for _ in range(height)]
    for cls, x, line, text in _CLASSED_RUN.findall(svg):
        row, col = rows[int(line)], round(float(x) / _CELL_PX)
        for ch in html.unescape(text).replace("\xa0", " "):
            if col >= width:
                break
            row[col] = (ch, cls)
            if cell_len(ch) == 2 and col + 1 < width:
                row[col + 1] = ("", cls)  # the second cell of a wide character
                col += 1
            col += 1
    for row in rows:
        chars = [(ch, cls) for ch, cls in row if ch]
        at = "".join(ch for ch, _ in chars).find(words)
        if at >= 0:
            return fills.get(chars[at][1], "")
    raise AssertionError(f"{words!r} is not painted")


_RECT = re.compile(r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                   r'height="[\d.]+" shape-rendering="crispEdges"/>')
_LINE_PX = 24.4
_TOP_PX = 1.5


def backgrounds(app: App[object]) -> list[list[str]]:
    """The screen's background colour (``#rrggbb``) cell by cell, as the compositor paints it: a
    scrollbar's thumb is often only a background (no glyph marks it when it ends on a cell's edge)."""
    width, height = app.size
    rows = [[""] * width for _ in range(height)]
    for fill, x, y, w in _RECT.findall(app.export_screenshot()):
        row = round((float(y) - _TOP_PX) / _LINE_PX)
        first = round(float(x) / _CELL_PX)
        if 0 <= row < height:
            for col in range(first, min(width, first + round(float(w) / _CELL_PX))):
                rows[row][col] = fill
    return rows


def scrollbar_painted(app: App[object], widget: Widget) -> bool:
    """Whether a bordered widget paints a vertical scrollbar at the right of its content: in the column
    just inside its right border, a thumb glyph, or a thumb and a track in two background colours."""
    r = widget.region
    col, rows = r.right - 2, range(r.y + 1, r.bottom - 1)
    glyphs = {cells(app)[y][col] for y in rows}
    colours = {backgrounds(app)[y][col] for y in rows}
    return bool(glyphs & set("▁▂▃▄▅▆▇█")) or len(colours) >= 2
