"""Some of the lab's panels for one side of a talk's beat, stacked in a column.

The presenter shows only the panels a beat names. A column draws them from
the beat's :class:`~explainer.talk.stage.Side` (a live session and its
preemption, as in the lab's :class:`LabPane`), so the same widgets and the same
engine values appear on stage as in the lab.
"""

from __future__ import annotations

from textual.containers import Vertical

from ...talk.stage import Side
from .disassembly import DisassemblyPanel
from .registers import RegistersPanel
from .stack import StackPanel
from .unwind import UnwindPanel

#: Pane name (in a talk file) -> the lab widget that draws it.
PANELS: dict[str, type] = {"disassembly": DisassemblyPanel, "registers": RegistersPanel,
                           "stack": StackPanel, "unwind": UnwindPanel}


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

    def __init__(self, side: Side, names: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.side = side
        self.names = tuple(n for n in names if n in PANELS)
        """The panels shown, by their talk-file names."""
        self._frame_sizes = {f.name: f.frame for f in side.session.program.functions}
        if side.label:
            self.border_title = side.label
            self.add_class("labelled")

    def compose(self):  # type: ignore[no-untyped-def]
        for name in self.names:
            panel = PANELS[name](classes=f"beat-{name}")
            panel.can_focus = False  # keys belong to the presenter (space and Page Down would scroll)
            yield panel

    def on_mount(self) -> None:
        self.draw()

    def draw(self) -> None:
        """Draw the side's current moment (and its preemption, if any)."""
        s, p = self.side.session, self.side.preemption
        moment = s.current
        for panel in self.query(DisassemblyPanel):
            panel.show(s.function, moment, self.side.highlight)
        for regs in self.query(RegistersPanel):
            regs.show(moment.snapshot)
        view = p.stack if p is not None and p.parked else moment.stack
        for stack in self.query(StackPanel):
            stack.show(view, self._frame_sizes)
        for unwind in self.query(UnwindPanel):
            if p is None:
                unwind.clear()
            else:
                unwind.show(p, s.function.entry)
                # the runtime's own words end the walk: on a projector they must be in view
                unwind.call_after_refresh(unwind.scroll_end, animate=False)
