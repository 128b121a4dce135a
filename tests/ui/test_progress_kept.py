"""Issue 21, item 1: progress that cannot be read is never saved over, and a failed save is said at once.

Reproduced as the learner met it: a ``chmod 000`` progress file (checked as an unprivileged user, since
root reads anything), then the first answer, which used to replace weeks of answers with one. The kernel
decides what is readable; the file's bytes are compared before and after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from explainer.course.progress import Progress, load, save
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.choice import ChoiceScreen
from explainer.ui.screens.course import CourseScreen
from explainer.ui.screens.progress_store import ProgressStore

from ..unprivileged import as_unprivileged, give_to_nobody

WEEKS = Progress().finish("01-arm64").finish("02-add-immediate").answer("03-frame", 0, 2)


def _answer_with_the_file_unreadable(path: str) -> tuple[bytes, bool, str, list[str], bool, dict[str, Any]]:
    file = Path(path)
    file.chmod(0o000)
    said: list[str] = []
    store = ProgressStore(file, notify=said.append)
    store.record("06-race", 0, 1)  # the first answer, as the lesson screen saves it
    store.record("06-race", 1, 0)
    unreadable, status = store.unreadable, store.status
    file.chmod(0o600)  # the learner fixes it, and reads it again
    after_answers = file.read_bytes()
    readable = store.reload()
    return after_answers, unreadable, status, said, readable, json.loads(file.read_text())


def test_item1_an_unreadable_file_survives_the_first_answer(nobody_dir: Path) -> None:
    path = nobody_dir / "progress.json"
    save(WEEKS, path)
    before = path.read_bytes()
    give_to_nobody(path)
    after, unreadable, status, said, readable, merged = as_unprivileged(_answer_with_the_file_unreadable,
                                                                         str(path))
    assert after == before  # not one byte lost
    assert unreadable and status.startswith("progress is NOT saved:")
    assert len(said) == 1 and "Progress not saved" in said[0] and str(path) in said[0]  # said once, at once
    assert readable
    assert merged["done"] == ["01-arm64", "02-add-immediate"]  # theirs, and this run's answers too
    assert merged["answers"] == {"03-frame": {"0": 2}, "06-race": {"0": 1, "1": 0}}


def test_a_byte_order_mark_is_not_corruption(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(WEEKS.to_json()).encode())
    got = load(path)
    assert got.progress == WEEKS and got.warning is None and not got.unreadable
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_progress_path_that_is_not_a_file_is_left_alone(tmp_path: Path, kind: str) -> None:
    import os

    path = tmp_path / "progress.json"
    if kind == "folder":
        path.mkdir()
        (path / "keep").write_text("x")
    else:
        os.mkfifo(path)  # read naively, this would block the app forever
    store = ProgressStore(path)
    store.record("06-race", 0, 1)
    why = "Is a directory" if kind == "folder" else "not a regular file"
    assert store.unreadable and why in (store.warning or "")
    assert (path / "keep").read_text() == "x" if kind == "folder" else path.is_fifo()


async def test_the_course_asks_what_to_do_and_start_afresh_keeps_the_old_file(tmp_path: Path,
                                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """As root cannot be refused a read, a folder stands in for the unreadable file here."""
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path))
    path = tmp_path / "progress.json"
    path.mkdir()
    (path / "inside").write_text("kept")
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert "left as it is" in str(app.screen.query_one("#message").render())
        await pilot.press("escape")  # go on without saving
        assert isinstance(app.screen, CourseScreen)
        assert str(app.screen.query_one("#where").render()).startswith("progress is NOT saved")
        app.screen.store.record("06-race", 0, 1)
        await pilot.pause()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "Progress not saved" in errors[-1].message
        assert (path / "inside").read_text() == "kept"
        await pilot.press("escape", "l")  # the course again: asked again
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("n")  # start afresh
        await pilot.pause()
        assert str(app.screen.query_one("#where").render()) == f"progress is saved in {path}"
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.unreadable-")]
    assert len(aside) == 1 and (aside[0] / "inside").read_text() == "kept"
    assert json.loads(path.read_text())["answers"] == {"06-race": {"0": 1}}
