"""How Go's assembler gives a frame size back to RSP, for one size (no input: a talk shows, it does not ask).

The lab's lesson 2 has an :class:`EncoderPanel` with an input; on a projector
the same description is shown for the beat's frame size and keys stay with the
presenter.
"""

from __future__ import annotations

from textual.widgets import Static

from ...engine.arm64.encoder import encode_add_sp
from ..format import plain
from .encoder import EncoderPanel, describe


class EncodingPanel(Static):
    """The assembler's checks, the instructions Go emits and each ADD word's fields, for one size."""

    HELP = EncoderPanel.HELP.split(". ", 1)[1]
    DEFAULT_CSS = """
    EncodingPanel { border: round $accent; padding: 0 1; height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "ADD $c, RSP, RSP"

    @property
    def plain(self) -> str:
        """What the panel says, as plain text."""
        return plain(self)

    def show(self, size: int) -> None:
        """Describe ``ADD $size, RSP, RSP``."""
        self.border_title = f"ADD ${size}, RSP, RSP: how Go encodes it"
        self.update(describe(encode_add_sp(size)))
