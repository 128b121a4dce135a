"""Predictions in the progress file: an old file (before them) still loads, only the first try counts."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.course.progress import Progress, load, save
from explainer.ui.screens.progress_store import ProgressStore

#: A progress file as the app wrote it before predictions existed (main at 4d29925), byte for byte.
OLD_FILE = """{
 "format": 1,
 "done": [
  "01-arm64"
 ],
 "answers": {
  "01-arm64": {
   "0": 0,
   "1": 1
  }
 }
}
"""


def test_a_file_from_before_predictions_loads_whole(state_dir: Path) -> None:
    state_dir.mkdir()
    (state_dir / "progress.json").write_text(OLD_FILE)
    got = load()
    assert got.warning is None and not got.unreadable
    assert got.progress.done == {"01-arm64"} and got.progress.answers["01-arm64"] == {0: 0, 1: 1}
    assert got.progress.predictions == {}
    store = ProgressStore()
    store.record_prediction("06-race", 0, False)
    saved = json.loads((state_dir / "progress.json").read_text())
    assert saved["done"] == ["01-arm64"] and saved["answers"] == {"01-arm64": {"0": 0, "1": 1}}
    assert saved["predictions"] == {"06-race": {"0": False}}


def test_only_the_first_try_is_recorded(state_dir: Path) -> None:
    store = ProgressStore()
    store.record_prediction("06-race", 1, False)
    store.record_prediction("06-race", 1, True)  # the second try, right this time
    store.record_prediction("06-race", 0, True)
    assert store.predicted("06-race", 3) == [True, False, None]
    assert ProgressStore().predicted("06-race", 3) == [True, False, None]  # read back from the file


def test_a_bad_predictions_value_is_corruption_kept_aside(state_dir: Path) -> None:
    state_dir.mkdir()
    (state_dir / "progress.json").write_text('{"format": 1, "predictions": {"06-race": {"0": 1}}}')
    got = load()
    assert got.warning is not None and "is not index: true|false" in got.warning
    assert list(state_dir.glob("progress.json.corrupt-*"))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.dictionaries(st.integers(0, 99), st.booleans())))
def test_any_predictions_round_trip_through_json(tried: dict[str, dict[int, bool]]) -> None:
    p = Progress()
    for lesson, each in tried.items():
        for k, right in each.items():
            p = p.predict(lesson, k, right)
    assert Progress.from_json(json.loads(json.dumps(p.to_json()))) == p


def test_finishing_and_answering_keep_the_predictions(tmp_path: Path) -> None:
    p = Progress().predict("06-race", 0, True).finish("06-race").answer("06-race", 0, 1)
    assert p.predictions == {"06-race": {0: True}}
    save(p, tmp_path / "p.json")
    assert load(tmp_path / "p.json").progress == p
