"""The footer, choosing which keys it shows: as many of the screen's keys as the width holds, whole.

Textual's :class:`~textual.widgets.Footer` lays out every shown binding and lets
the line run off the edge; at 80 columns the lab's help and quit keys fell off.
Here each screen names its keys in order of importance (``FOOTER_KEYS``, by
action); the footer takes them in that order while they fit, then draws the
chosen ones in the screen's own order. Every other key stays one ``?`` (help)
or ctrl+p (the command palette) away, and the palette's key is drawn when
there is room left for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

_GAP = 1
"""Cells between two keys (a compact footer's FooterKey margin)."""


def key_width(key_display: str, description: str) -> int:
    """Cells one compact footer key takes: key, a space, the description, the gap after it."""
    return len(key_display) + 1 + len(description) + _GAP


def choose(candidates: Sequence[tuple[str, int]], width: int) -> set[str]:
    """The actions that fit in ``width`` cells, taken in order of importance (``(action, cells)`` pairs)."""
    chosen: set[str] = set()
    used = 0
    for action, cells in candidates:
        if used + cells <= width:
            chosen.add(action)
            used += cells
    return chosen


def shown_key(screen: Screen[object], binding: Binding) -> str:
    """How a key is drawn (footer, help): the screen's own way when it has one (``key_display``: the
    lesson's number keys as ``1-3``), else Textual's."""
    own = getattr(screen, "key_display", None)
    return (own(binding) if own else None) or screen.app.get_key_display(binding)


class KeyFooter(Footer):
    """A compact footer showing the screen's most important keys that fit the width, each one whole."""

    def __init__(self, keys: Sequence[str]) -> None:
        """``keys``: actions in order of importance (the first ones must fit at 80 columns)."""
        super().__init__(compact=True, show_command_palette=False)
        self.keys = tuple(keys)
        self._width = 0

    def _active(self) -> dict[str, tuple[Binding, bool, str]]:
        """The active bindings, one per action (its first shown binding, else its first), in order."""
        found: dict[str, tuple[Binding, bool, str]] = {}
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.action not in found or (binding.show and not found[binding.action][0].show):
                found[binding.action] = (binding, enabled, tooltip)
        return found

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._width = width
        active = self._active()
        wanted = [a for a in self.keys if a in active]
        cells = [(a, key_width(shown_key(self.screen, active[a][0]), active[a][0].description))
                 for a in wanted]
        if self.app.ENABLE_COMMAND_PALETTE and "command_palette" in active:
            palette = active["command_palette"][0]
            shown = self.app.get_key_display(palette)
            cells.append(("command_palette", key_width(shown, palette.description)))
        chosen = choose(cells, width - 1)
        # the screen's own keys in its order, then the app's (help, quit) and the palette
        own = [b.action for b in self.screen.BINDINGS if isinstance(b, Binding)]
        order = sorted(chosen, key=lambda a: own.index(a) if a in own else len(own) + 1 + wanted.index(a)
                       if a in wanted else 10_000)
        for action in order:
            binding, enabled, tooltip = active[action]
            yield FooterKey(binding.key, shown_key(self.screen, binding), binding.description,
                            binding.action, disabled=not enabled,
                            tooltip=tooltip or binding.tooltip or binding.description,
                            ).data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self.call_after_refresh(self.recompose)
