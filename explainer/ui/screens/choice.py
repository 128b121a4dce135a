"""A question with a few answers, each on its own key: replace a file or keep it, what to do with progress
that cannot be read. Escape always means the answer that changes nothing.

The message is plain text (``Text``, never markup): it names files and folders, which may hold ``[``.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ChoiceScreen(ModalScreen[str | None]):
    """Ask; dismiss with the chosen answer's value, or None on escape."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 80%; max-width: 90; height: auto; border: round $warning;
                              background: $surface; padding: 0 1; }
    ChoiceScreen .answers { margin: 1 0 0 0; color: $text-muted; }
    """

    def __init__(self, title: str, message: str, answers: list[tuple[str, str, str]],
                 escape: str = "cancel") -> None:
        """``answers``: (key, what it does, value returned); ``escape``: what escape does, in words."""
        super().__init__()
        self.title_text = title
        self.message = message
        self.answers = answers
        self.escape = escape
        for key, label, value in answers:
            self._bindings.bind(key, f"choose({value!r})", label)
        self._bindings.bind("escape", "choose(None)", escape)

    def compose(self) -> ComposeResult:
        from rich.text import Text

        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(Text(self.message), id="message")
            lines = [f"{key}  {label}" for key, label, _ in self.answers] + [f"esc  {self.escape}"]
            yield Static(Text("\n".join(lines)), classes="answers", id="answers")

    def action_choose(self, value: str | None) -> None:
        self.dismiss(value)
