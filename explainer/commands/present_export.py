"""``explainer present TALK --export html DIR`` and ``--export cast FILE``: the talk as files, by the app.

Both are built from the talk's beats by the app itself: the deck from the presenter's own screens
(:mod:`explainer.ui.deck_capture`), the recording from the presenter run in a pseudo-terminal and
driven by the script (:mod:`explainer.talk.cast`). Every file goes through
:func:`explainer.output.save.save`, and none is replaced unless ``--force`` says so: the names are
all checked before the first is written, so a refused export writes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.errors import ExplainerError

if TYPE_CHECKING:
    from ..talk.script import Talk

FORMATS = ("html", "cast")
DEFAULT_SIZE = (120, 35)
#: The sizes a deck or a recording may be made at: a small laptop terminal to a 4K projector.
COLUMNS, ROWS = (40, 400), (12, 200)
LICENCE_FILE = "FiraCode-LICENSE.txt"
_SIZE = re.compile(r"(\d{1,4})x(\d{1,4})")


def size(text: str) -> tuple[int, int]:
    """``COLSxROWS``, within :data:`COLUMNS` and :data:`ROWS`.

    Raises:
        ExplainerError: anything else.
    """
    m = _SIZE.fullmatch(text.strip())
    if not m or not (COLUMNS[0] <= int(m.group(1)) <= COLUMNS[1] and ROWS[0] <= int(m.group(2)) <= ROWS[1]):
        raise ExplainerError(f"bad size {text!r}: COLSxROWS, {COLUMNS[0]} to {COLUMNS[1]} columns and "
                             f"{ROWS[0]} to {ROWS[1]} rows (like 120x35)")
    return int(m.group(1)), int(m.group(2))


def export(talk: Talk, kind: str, target: str, cols_rows: tuple[int, int], force: bool,
           shown: str = "") -> int:
    """Write the export; print what was written. ``shown``: the talk as the recording types it."""
    if kind not in FORMATS:
        raise ExplainerError(f"bad export {kind!r}: html DIR or cast FILE")
    if not target.strip():
        raise ExplainerError(f"--export {kind} needs a {'folder' if kind == 'html' else 'file'}")
    if kind == "html":
        return _html(talk, Path(target), cols_rows, force)
    return _cast(talk, Path(target), cols_rows, force, shown or str(talk.path))


def _check_free(paths: list[Path], force: bool) -> None:
    from ..output.save import exists

    if force:
        return
    taken = [p for p in paths if exists(p)]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise ExplainerError(f"{taken[0]} exists{more}: nothing was written; --force replaces")


def _html(talk: Talk, folder: Path, cols_rows: tuple[int, int], force: bool) -> int:
    from ..output import deck, fonts
    from ..output.save import save

    if folder.exists() and not folder.is_dir():
        raise ExplainerError(f"{folder} is not a folder")
    font = fonts.find()  # before the slow part: a missing font is said at once
    svgs = [folder / "svg" / f"{n + 1:02d}.svg" for n in range(len(talk.beats))]
    files = [folder / "index.html", folder / "notes.html", folder / LICENCE_FILE, *svgs]
    _check_free(files, force)
    from ..ui.deck_capture import capture

    print(f"playing {len(talk.beats)} beats at {cols_rows[0]}x{cols_rows[1]}...", file=sys.stderr)
    slides = capture(talk, cols_rows)
    save(folder / LICENCE_FILE, font.licence, replace=force, make_folder=True)
    for slide, path in zip(slides, svgs, strict=True):
        save(path, deck.offline_svg(slide.svg), replace=force, make_folder=True)
    save(folder / "notes.html", deck.notes_html(talk.title, slides, LICENCE_FILE), replace=force)
    save(folder / "index.html", deck.index_html(talk.title, slides, font, LICENCE_FILE), replace=force)
    print(f"{folder / 'index.html'}: {len(slides)} beats ({cols_rows[0]}x{cols_rows[1]}), notes in "
          f"{folder / 'notes.html'}, {fonts.FAMILY} from {font.folder} ({LICENCE_FILE})")
    return 0


def _cast(talk: Talk, path: Path, cols_rows: tuple[int, int], force: bool, shown: str) -> int:
    from ..output.asciicast import dumps
    from ..output.save import save
    from ..talk import budget, cast

    _check_free([path], force)
    if not path.parent.is_dir():
        raise ExplainerError(f"cannot save {path}: no folder {path.parent}")
    command = f"explainer present {shown}"
    length = cast.scripted_length(talk, command)
    print(f"playing {len(talk.beats)} beats at {cols_rows[0]}x{cols_rows[1]} in a terminal "
          f"(the recording lasts {budget.clock(length)})...", file=sys.stderr)
    events = cast.record(talk, command, cols_rows)
    text = dumps(cols_rows[0], cols_rows[1], events, title=talk.title,
                 env={"TERM": "xterm-256color", "SHELL": "/bin/sh"})
    save(path, text, replace=force)
    default = sum(1 for b in talk.beats if b.minutes is None)
    print(f"{path}: {len(talk.beats)} beats, {budget.clock(length)} (typing, then each beat for its budget"
          + (f"; {default} without one held {budget.DEFAULT_HOLD} s" if default else "") + "); play it with "
          f"asciinema play {path}")
    return 0
