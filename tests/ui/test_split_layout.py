"""The split view's halves lay out as the lab's panes: with the source and an explanation shown, at 120,
160, 200 and 240 columns, every panel of each half keeps its box (its top and bottom border painted, a line
or more inside it), none overlaps another or leaves its half, and what each tells is painted.

Seen in tmux at 200x60 before: the source pane of each half was its border alone (0 lines), the
explanation overran the registers line with its bottom border cut; at 120x40 with an instruction explained
the preemption panel was gone. Read from the compositor's frame (``painted``), not from widget attributes.

Truth: the real ``go tool objdump`` of the go1.23.4 build (the ▶ line's instruction text and its line in
the shipped fast_nonleaf.go), and the shipped file's own lines at objdump's main.go:9 and main.go:18.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.explain import ExplainPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.source import SourcePanel
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import region, scrollbar_painted, settle
from .test_explain import _column
from .test_layout import check_arrow
from .truth import listing, rsp_writes

OBJDUMP = "fast_nonleaf-go1.23.4.txt"
SIZES = [(120, 40), (160, 45), (200, 60), (240, 60)]
SHIPPED = Path(__file__).resolve().parents[2] / "explainer" / "realgo" / "src" / "fast_nonleaf.go"


def _line(pc: int) -> tuple[int, str]:
    """The real objdump's line number at ``pc`` (main.go:N, built from the shipped file) and that line."""
    n = int(_column(OBJDUMP, pc).split(":")[1])
    return n, SHIPPED.read_text().splitlines()[n - 1]
#: what each panel's top border says (its title)
TITLES = {DisassemblyPanel: "Disassembly", SourcePanel: "Source: fast_nonleaf.go", ExplainPanel: "explained",
          StackPanel: "Stack", UnwindPanel: ("Preemption and unwind", "Unwind: GC stack scan")}


def _shown(pane: LabPane) -> list[Widget]:
    """The pane's panels that are on screen (displayed, with their ancestors)."""
    out: list[Widget] = []
    for kind in (DisassemblyPanel, SourcePanel, ExplainPanel, RegistersPanel, StackPanel, UnwindPanel):
        w = pane.query_one(kind)
        if all(n.display for n in [w, *w.ancestors_with_self] if isinstance(n, Widget)):
            out.append(w)
    return out


def _check_half(app: ExplainerApp, pane: LabPane, want: set[type[Widget]]) -> None:
    panels = _shown(pane)
    assert {type(w) for w in panels} == want, (pane.label, [type(w).__name__ for w in panels])
    inner = pane.content_region
    for w in panels:
        r = w.region
        assert inner.contains_region(r), f"{type(w).__name__} leaves its half: {r} not in {inner}"
        if isinstance(w, RegistersPanel):  # the brief line: PC and RSP at least
            assert r.height >= 1 and "RSP 0x" in " ".join(region(app, w)), region(app, w)
            continue
        lines = region(app, w)
        assert r.height >= 3, f"{type(w).__name__} collapsed to {r.height} rows: {lines}"
        top, bottom = lines[0], lines[-1]
        assert top.startswith("╭") and top.rstrip().endswith("╮"), f"{type(w).__name__}'s top: {top!r}"
        assert bottom.startswith("╰") and bottom.rstrip().endswith("╯"), \
            f"{type(w).__name__}'s bottom border is cut or covered: {bottom!r}"
        titles = TITLES[type(w)]
        assert any(t in top for t in ((titles,) if isinstance(titles, str) else titles)), top
    for k, a in enumerate(panels):
        for b in panels[k + 1:]:
            assert not a.region.overlaps(b.region), f"{type(a).__name__} {a.region} overlaps " \
                                                    f"{type(b).__name__} {b.region}"


def _check_explained(app: ExplainerApp, pane: LabPane, text: str) -> None:
    """The explanation names the instruction, and what does not fit its box is reached by scrolling."""
    panel = pane.query_one(ExplainPanel)
    painted = " ".join(region(app, panel))
    assert text in painted, painted
    if panel.max_scroll_y > 0:  # bounded: its scrollbar is painted on its right edge
        assert scrollbar_painted(app, panel), region(app, panel)
    else:
        assert "Rd" in painted or "Rt" in painted, painted  # whole: down to its last field


def _check_story_beside_the_explanation(app: ExplainerApp, pane: LabPane) -> None:
    """Before the fix, preempted between the ADDs and the second ADD explained: the stack still paints the
    slot the unwinder read (at RSP, as the painted registers say) and, 16 B below it, pushCall's saved LR,
    the real return address (R30 as painted). At 120x40 the stack had one row under the explanation."""
    regs = " ".join(region(app, pane.query_one(RegistersPanel)))
    rsp = int(regs.split("RSP ")[1].split()[0], 16)
    r30 = int(regs.split("R30 ")[1].split()[0], 16)
    rows = [" ".join(ln.strip("│▁▂▃▄▅▆▇█ ").split()) for ln in region(app, pane.query_one(StackPanel))[1:-1]]
    at_sp = next((k for k, ln in enumerate(rows) if ln.startswith(f"{rsp:#x} ") and "◀ SP" in ln), None)
    assert at_sp is not None, rows
    assert rows[at_sp].endswith("◀ LR read here") or rows[at_sp + 1] == "◀ LR read here", "\n".join(rows)
    below = " ".join(rows[at_sp:])  # a narrow column wraps a row's meaning onto its next line
    assert f"{rsp - 16:#x} {r30:#x} pushCall: saved LR" in below, "\n".join(rows)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_each_half_lays_out_as_a_pane_with_the_source_and_an_explanation(size: tuple[int, int]) -> None:
    entry, _, first = listing(OBJDUMP)[0]
    n_entry, text_entry = _line(entry)  # 9, func big_stack(val int) int {
    n_last = _line(rsp_writes(OBJDUMP)[1])[0]  # 18, the return: the second ADD's line
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        if not screen.source_shown:  # type: ignore[attr-defined]
            await pilot.press("u")
            await settle(pilot)
        panes = list(screen.query(LabPane))
        assert len(panes) == 2
        base = {DisassemblyPanel, RegistersPanel, StackPanel, UnwindPanel}
        for pane in panes:  # the source, its line 9 (the PC's, as objdump's fast_nonleaf.go:9) marked
            _check_half(app, pane, base | {SourcePanel})
            source = region(app, pane.query_one(SourcePanel))
            assert any(ln.startswith(f"│▶ {n_entry:2} {text_entry}") for ln in source), source
            if pane is panes[0]:
                check_arrow(region(app, pane.query_one(DisassemblyPanel)), OBJDUMP)
        await pilot.press("enter")  # ▶'s instruction explained on both sides
        await settle(pilot)
        for pane in panes:  # in a half (100 columns at most) the explanation takes the source's place, as in
            _check_half(app, pane, base | {ExplainPanel})  # the lab below 200 columns
            _check_explained(app, pane, first)
        await pilot.press("w", "g")  # the crash on the left, the refusal on the right, each last write
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for pane in panes:
            _check_half(app, pane, base | {ExplainPanel})
            last = "ADD $(16<<12), RSP, RSP" if pane is panes[0] else "ADD R27, RSP, RSP"
            _check_explained(app, pane, last)  # explained
        left = " ".join(region(app, panes[0].query_one(UnwindPanel)))
        assert "the runtime crashed" in left, left
        _check_story_beside_the_explanation(app, panes[0])
        check_arrow(region(app, panes[0].query_one(DisassemblyPanel)), OBJDUMP)
        await pilot.press("escape")  # let go: the source is back in each half, on objdump's main.go:18
        await settle(pilot)
        for pane in panes:
            _check_half(app, pane, base | {SourcePanel})
            assert any(ln.startswith(f"│▶ {n_last:2} ") for ln in region(app, pane.query_one(SourcePanel)))
    assert entry  # the listing was read
