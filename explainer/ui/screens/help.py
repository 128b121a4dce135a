"""Every key and every panel, explained: built from the bindings and the widgets' HELP text."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def key_label(binding: Binding) -> str:
    """``s,space,right`` → ``s / space / →``."""
    names = {"right": "→", "left": "←", "up": "↑", "down": "↓", "question_mark": "?", "escape": "esc",
             "ctrl+p": "ctrl+p",
             "comma": ",", "full_stop": ".", "less_than_sign": "<", "greater_than_sign": ">"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    """Keys first, then what each panel shows."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "close help")]
    COMPONENT_CLASSES = {"help--key"}
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    HelpScreen > .help--key { color: $accent; text-style: bold; }
    """

    def __init__(self, bindings: list[Binding], panels: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = bindings
        self.panels = panels

    def compose(self) -> ComposeResult:
        panels = Table(title="Panels", title_justify="left", show_header=False, box=None, padding=(0, 2))
        panels.add_column(style="bold", no_wrap=True)
        panels.add_column()
        for name, text in self.panels:
            panels.add_row(name, text)
        with VerticalScroll() as box:
            box.border_title = "Help · esc closes"
            yield Static(Text("split-epilogue explainer: step a large-frame Go function on arm64, preempt it "
                              "at any instruction and watch the runtime unwind its stack.\n"))
            yield Static(id="keys")
            yield Static(Text(""))
            yield Static(panels)

    def on_mount(self) -> None:
        self._keys()

    def notify_style_update(self) -> None:
        """A new theme: the keys in its accent colour."""
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._keys)  # after the component styles have the new theme

    def _keys(self) -> None:
        keys = Table(title="Keys", title_justify="left", show_header=False, box=None, padding=(0, 2))
        keys.add_column(style=self.get_component_rich_style("help--key"), no_wrap=True)
        keys.add_column()
        for b in self.bindings:
            keys.add_row(key_label(b), b.tooltip or b.description)
        keys.add_row("ctrl+p", "Command palette: every command above, by name")
        keys.add_row("q", "Quit")
        self.query_one("#keys", Static).update(keys)

    def action_close(self) -> None:
        self.dismiss(None)
