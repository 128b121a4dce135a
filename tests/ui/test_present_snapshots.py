"""What a presenter beat looks like, pinned: the shipped talk's GC scan at 120×35, a split beat at 80×24.

Regenerate after a deliberate change with
``pytest tests/ui/test_present_snapshots.py --snapshot-update`` and look at the SVG.
"""

from __future__ import annotations

from explainer.talk import script
from explainer.ui.presenter import PresenterApp

from .truth import ROOT

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"


def test_presenter_gc_scan_beat(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = PresenterApp(script.load(TALK))  # no cue file: a snapshot writes nothing
    assert snap_compare(app, press=["right"] * 4, terminal_size=(120, 35))


def test_presenter_split_beat_at_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = PresenterApp(script.load(TALK))
    assert snap_compare(app, press=["right"] * 10, terminal_size=(80, 24))
