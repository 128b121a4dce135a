"""The help of the screen in front: what it is for, its keys (built from its bindings) and its panels.

Each screen says what it is (``HELP``) and which panels it shows (``help_panels()``, when it has
any); its keys are read from its own ``BINDINGS``, then the keys Textual gives the widgets it is
used with (``WIDGET_KEYS``, e.g. :data:`READING_KEYS`: Tab between panels, PgUp/PgDn in the one in
focus; each read from that class's own bindings), then the app's (help, quit) and the command
palette. Nothing is written twice, so the help cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

#: What the app is, for a screen that does not say what it is.
APP_HELP = ("split-epilogue explainer: step a large-frame Go function on arm64, preempt it at any "
            "instruction and watch the runtime unwind its stack.")

#: Keys a reader needs on a screen with panels too long for their box (the end of the Unwind panel):
#: (the class whose binding it is, its action, what it does here). The key is read from the class.
READING_KEYS: tuple[tuple[type[DOMNode], str, str], ...] = (
    (Screen, "app.focus_next", "Move to the next panel (shift+tab: the previous one)"),
    (VerticalScroll, "page_up", "Scroll the panel in focus up a page"),
    (VerticalScroll, "page_down", "Scroll the panel in focus down a page (the end of a long Unwind panel)"),
)


def key_label(binding: Binding, app: App[Any], screen: object = None) -> str:
    """``s,space,right`` → ``s / space / →``, as Textual draws each key (``]``, ``pgdn``, ``ctrl+r``);
    the screen's own form first (``key_display``: a lesson's number keys as ``1-3``)."""
    own = getattr(screen, "key_display", None)
    if own is not None and (shown := own(binding)):
        return str(shown)
    keys = [app.get_key_display(Binding(k.strip(), binding.action)) for k in binding.key.split(",")]
    words = {"⏎": "enter"}  # the footer's glyph, spelled out where there is room
    return " / ".join("ctrl+" + k[1:] if k.startswith("^") else words.get(k, k) for k in keys)


def binding_of(cls: type[DOMNode], action: str) -> Binding:
    """The binding of ``action`` in ``cls``'s own BINDINGS (or its bases')."""
    for klass in cls.__mro__:
        for b in getattr(klass, "BINDINGS", ()):
            if isinstance(b, Binding) and b.action == action:
                return b
    raise LookupError(f"{cls.__name__} has no binding for {action}")


def keys_of(screen: Screen[Any], app: App[Any]) -> list[tuple[str, str]]:
    """The help's key rows for ``screen``: its own keys (one row per key as drawn: a lesson's 1-9 is
    one row), its widgets' keys (``WIDGET_KEYS``), then help, quit and the palette."""
    rows: list[tuple[str, str]] = []
    for b in screen.BINDINGS:
        if isinstance(b, Binding):
            row = (key_label(b, app, screen), b.tooltip or b.description[:1].upper() + b.description[1:])
            if row not in rows:
                rows.append(row)
    rows += [(key_label(binding_of(cls, action), app), text) for cls, action, text in
             getattr(screen, "WIDGET_KEYS", ())]
    own = {b.action for b in screen.BINDINGS if isinstance(b, Binding)}
    for b in app.BINDINGS:
        if isinstance(b, Binding) and b.show and b.action not in own:
            rows.append((key_label(b, app), b.tooltip or b.description[:1].upper() + b.description[1:]))
    if app.ENABLE_COMMAND_PALETTE:
        rows.append((key_label(Binding(app.COMMAND_PALETTE_BINDING, "command_palette"), app),
                     "Command palette: every command above, by name"))
    return rows


class HelpScreen(ModalScreen[None]):
    """What the screen is for, its keys, then its panels."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "close help")]
    COMPONENT_CLASSES = {"help--key"}
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 110; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    HelpScreen > .help--key { color: $accent; text-style: bold; }
    """

    def __init__(self, about: str, keys: Sequence[tuple[str, str]], panels: Sequence[tuple[str, str]],
                 title: str = "Help") -> None:
        super().__init__()
        self.about = about
        self.keys = list(keys)
        """(key as drawn, what it does), in the order shown."""
        self.panels = list(panels)
        self.title_text = title

    @classmethod
    def of(cls, screen: Screen[Any], app: App[Any]) -> HelpScreen:
        """The help of ``screen``: its HELP, its keys from its bindings, its panels."""
        panels = screen.help_panels() if hasattr(screen, "help_panels") else []
        title = getattr(screen, "HELP_TITLE", "Help")
        return cls(getattr(screen, "help_about", None) or getattr(screen, "HELP", None) or APP_HELP,
                   keys_of(screen, app), panels, title)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = f"{self.title_text} · esc closes"
            yield Static(Text(self.about + "\n"), id="about")
            yield Static(id="keys")
            if self.panels:
                panels = Table(title="Panels", title_justify="left", show_header=False, box=None,
                               padding=(0, 2))
                panels.add_column(style="bold", no_wrap=True)
                panels.add_column()
                for name, text in self.panels:
                    panels.add_row(name, text)
                yield Static(Text(""))
                yield Static(panels, id="panels")

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
        for key, text in self.keys:
            keys.add_row(key, text)
        self.query_one("#keys", Static).update(keys)

    def action_close(self) -> None:
        self.dismiss(None)
