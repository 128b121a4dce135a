"""Progress: round trips, atomic saves, a corrupt file kept aside, an unreadable one never saved over."""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.course import progress
from explainer.course.progress import Progress, load, save
from explainer.output import save as save_module
from explainer.output.save import SaveError


def test_round_trip_through_the_default_path(state_dir: Path) -> None:
    p = Progress().finish("01-arm64").answer("01-arm64", 0, 1).answer("06-race", 2, 0)
    p = p.answer("01-arm64", 0, 2)
    written = save(p)
    assert written == state_dir / "progress.json"
    got = load()
    assert got.warning is None and not got.unreadable
    loaded = got.progress
    assert loaded == p
    assert loaded.done == {"01-arm64"} and loaded.answers["01-arm64"] == {0: 2}
    assert json.loads(written.read_text())["format"] == 1


def test_no_file_is_a_fresh_start(state_dir: Path) -> None:
    assert load() == progress.Loaded(Progress(), None, unreadable=False)


@settings(max_examples=200, deadline=None)
@given(st.frozensets(st.text(min_size=1, max_size=12)),
       st.dictionaries(st.text(max_size=12), st.dictionaries(st.integers(0, 99), st.integers(0, 9))))
def test_any_progress_round_trips_through_json(done: frozenset[str],
                                               answers: dict[str, dict[int, int]]) -> None:
    p = Progress(done)
    for lesson, chosen in answers.items():
        for k, v in chosen.items():
            p = p.answer(lesson, k, v)
    assert Progress.from_json(json.loads(json.dumps(p.to_json()))) == p


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "deep" / "progress.json"
    save(Progress().finish("01-a"), path)
    save(Progress().finish("02-b"), path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json"]

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(save_module.os, "replace", boom)
    with pytest.raises(SaveError, match="No space left on device"):
        save(Progress().finish("03-c"), path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json"]  # temp file removed
    assert load(path).progress.done == {"02-b"}  # the old file is whole


@pytest.mark.parametrize("content", [
    b"{not json", b'{"format": 2, "done": []}', b'["format", 1]', b'{"format": 1, "done": "01-a"}',
    b'{"format": 1, "answers": {"01-a": {"x": 1}}}', b"\xff\xfe", b"[" * 100_000,
])
def test_a_corrupt_file_is_kept_aside_and_reported(state_dir: Path, content: bytes) -> None:
    state_dir.mkdir(parents=True)
    path = state_dir / "progress.json"
    path.write_bytes(content)
    got = load()
    loaded, warning = got.progress, got.warning
    assert loaded == Progress() and not got.unreadable
    aside = [p for p in state_dir.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert not path.exists()
    assert warning is not None and aside[0].name in warning and "unreadable" in warning
    save(loaded.finish("01-a"))  # the learner goes on; the old file stays aside
    assert aside[0].exists() and load().progress.done == {"01-a"}


def test_two_corrupt_files_in_one_second_both_survive(state_dir: Path) -> None:
    state_dir.mkdir(parents=True)
    path = state_dir / "progress.json"
    for content in ("one", "two"):
        path.write_text(content)
        load()
    kept = sorted(p.read_text() for p in state_dir.iterdir() if ".corrupt-" in p.name)
    assert kept == ["one", "two"]


def test_default_path_without_override_is_the_platform_state_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPLAINER_STATE_DIR", raising=False)
    expected = platformdirs.user_state_path("split-epilogue-explainer") / "progress.json"
    assert progress.default_path() == expected
