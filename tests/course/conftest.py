"""Fixtures of the course tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """EXPLAINER_STATE_DIR pointed at a fresh folder, so progress never touches the real one."""
    folder = tmp_path / "state"
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(folder))
    return folder
