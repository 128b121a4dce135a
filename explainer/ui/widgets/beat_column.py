"""Some of the lab's panels for one side of a talk's beat, stacked in a column.

The presenter shows only the panels a beat names. A column draws them from
the beat's :class:`~explainer.talk.stage.Side` (a live session and its
preemption, as in the lab's :class:`LabPane`), so the same widgets and the same
engine values appear on stage as in the lab.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widget import Widget

from ...talk.stage import Side
from ..state import PaneState
from .disassembly import DisassemblyPanel
from .registers import RegistersPanel
from .stack import StackPanel
from .unwind import UnwindPanel

#: Pane name (in a talk file) -> the lab widget that draws it, made for a given CSS class.
PANELS: dict[str, Callable[[str], Widget]] = {
    "disassembly": lambda classes: DisassemblyPanel(classes=classes),
    "registers": lambda classes: RegistersPanel(classes=classes),
    "stack": lambda classes: StackPanel(classes=classes),
    # the runtime's own words end the walk: on a projector they must be in view
    "unwind": lambda classes: UnwindPanel(end_in_view=True, classes=classes),
}
#: Each pane's help text, by its talk-file name.
PANEL_HELP = {"disassembly": DisassemblyPanel.HELP, "registers": RegistersPanel.HELP,
              "stack": StackPanel.HELP, "unwind": UnwindPanel.HELP}


class BeatColumn(Vertical):
    """The named panels of one side, top to bottom in the beat's order."""

    DEFAULT_CSS = """
    BeatColumn { width: 1fr; border-title-align: center; }
    BeatColumn.labelled { border: round $accent; }
    BeatColumn DisassemblyPanel { height: 1fr; }
    BeatColumn StackPanel { height: 1fr; }
    BeatColumn UnwindPanel { height: 1fr; }
    BeatColumn RegistersPanel { max-height: 8; }
    """

    state: var[PaneState | None] = var(None)
    """What the panels draw: the side's moment, its preemption and the beat's highlighted PCs."""

    def __init__(self, side: Side, names: tuple[str, ...], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.side = side
        self.names = tuple(n for n in names if n in PANELS)
        """The panels shown, by their talk-file names."""
        self._frame_sizes = {f.name: f.frame for f in side.session.program.functions}
        if side.label:
            self.border_title = side.label
            self.add_class("labelled")

    def compose(self) -> ComposeResult:
        for name in self.names:
            panel = PANELS[name](f"beat-{name}").data_bind(BeatColumn.state)
            panel.can_focus = False  # keys belong to the presenter (space and Page Down would scroll)
            yield panel

    def on_mount(self) -> None:
        self.draw()

    def draw(self) -> None:
        """Side → state: draw the side's current moment (and its preemption, if any)."""
        side = self.side
        self.state = PaneState.of(side.session, side.preemption, highlight=side.highlight,
                                  frame_sizes=self._frame_sizes)
