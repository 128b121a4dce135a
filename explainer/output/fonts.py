"""The monospace font an exported deck embeds: Fira Code, found on this machine, with its licence.

Rich draws its SVG screenshots for Fira Code (its cells are Fira Code's advance width) and fetches it
from a CDN. An offline deck cannot: it embeds the font's own files, unchanged, as data: URLs, and
carries the font's licence (SIL OFL 1.1) beside them. The files come from the system: Debian's and
Ubuntu's ``fonts-firacode``, or any folder holding ``FiraCode-Regular.ttf`` and ``FiraCode-Bold.ttf``
(``$EXPLAINER_FONT_DIR``, then the usual font folders). The licence is Debian's copyright file when
the font is Debian's, else the font's own copyright and licence records (its ``name`` table), which
the OFL allows as the place a licence travels in.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from ..engine.errors import ExplainerError

FAMILY = "Fira Code"
REGULAR, BOLD = "FiraCode-Regular.ttf", "FiraCode-Bold.ttf"
FONT_DIR_ENV = "EXPLAINER_FONT_DIR"
#: Where Fira Code's files are installed by packages (Debian/Ubuntu, Arch, Fedora) and by people.
FOLDERS = ("/usr/share/fonts/truetype/firacode", "/usr/share/fonts/TTF", "/usr/share/fonts/fira-code-fonts",
           "/usr/share/fonts/fira-code", "~/.local/share/fonts", "~/.fonts", "~/Library/Fonts",
           "/Library/Fonts")
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-firacode/copyright")
#: The most a font file may weigh (Fira Code's are 0.3 MB): a bigger file is not the font we mean.
MAX_BYTES = 8 << 20
#: name table records: copyright, full name, version, licence description, licence URL.
_NAME_IDS = {0: "Copyright", 4: "Font", 5: "Version", 13: "License", 14: "License URL"}


@dataclass(frozen=True)
class Font:
    """Fira Code's regular and bold files, read, and the licence that goes with them."""

    regular: bytes
    bold: bytes
    licence: str
    folder: Path


def find() -> Font:
    """Fira Code from ``$EXPLAINER_FONT_DIR`` or the usual folders.

    Raises:
        ExplainerError: not installed (the message says how to install it), or unreadable.
    """
    override = os.environ.get(FONT_DIR_ENV)
    folders = [Path(override)] if override else [Path(f).expanduser() for f in FOLDERS]
    for folder in folders:
        if (folder / REGULAR).is_file() and (folder / BOLD).is_file():
            regular, bold = _read(folder / REGULAR), _read(folder / BOLD)
            return Font(regular, bold, _licence(folder, regular), folder)
    where = f"${FONT_DIR_ENV} ({override})" if override else "the usual font folders"
    raise ExplainerError(f"the HTML deck embeds the {FAMILY} font, and {REGULAR} and {BOLD} are not in "
                         f"{where}: install it (Debian, Ubuntu: sudo apt-get install fonts-firacode; macOS: "
                         f"brew install --cask font-fira-code) or set {FONT_DIR_ENV} to a folder with both")


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise ExplainerError(f"cannot read the font {path}: {err.strerror or err}") from None
    if len(data) > MAX_BYTES or data[:4] not in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
        raise ExplainerError(f"{path} is not a TrueType or OpenType font")
    return data


def _licence(folder: Path, regular: bytes) -> str:
    if folder.resolve() == Path("/usr/share/fonts/truetype/firacode") and DEBIAN_COPYRIGHT.is_file():
        return DEBIAN_COPYRIGHT.read_text(encoding="utf-8", errors="replace")
    records = names(regular)
    return "\n\n".join(f"{_NAME_IDS[k]}: {records[k]}" for k in _NAME_IDS if k in records) + "\n"


def names(font: bytes) -> dict[int, str]:
    """The Windows Unicode (platform 3, encoding 1) strings of a font's ``name`` table, by name ID."""
    try:
        count = struct.unpack_from(">H", font, 4)[0]
        table = next((struct.unpack_from(">4sIII", font, 12 + 16 * k) for k in range(count)
                      if font[12 + 16 * k: 16 + 16 * k] == b"name"), None)
        if table is None:
            return {}
        base = table[2]
        _, n, strings = struct.unpack_from(">HHH", font, base)
        found: dict[int, str] = {}
        for k in range(n):
            record = struct.unpack_from(">6H", font, base + 6 + 12 * k)
            platform, encoding, _, name_id, length, offset = record
            if platform == 3 and encoding == 1 and name_id not in found:
                start = base + strings + offset
                found[name_id] = font[start:start + length].decode("utf-16-be", errors="replace")
        return found
    except struct.error:
        return {}
