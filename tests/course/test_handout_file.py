"""Issue 21, item 4: ``lessons --handout N -o FILE`` saves whole or not at all, asks for ``--force`` before
replacing, and never writes through a symbolic link.

Each case is the one the issue reported, run as a person runs it (the ``explainer`` command in a fresh
process). The full disk is the kernel's: a file-size limit (``RLIMIT_FSIZE``, with SIGXFSZ ignored)
makes the write fail part way, as ``ENOSPC`` does; before the fix it left a truncated handout where the
old one had been.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

OLD = "# my annotated handout, three weeks of notes\n"


def explainer(*args: str, cwd: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "explainer.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120, preexec_fn=small_disk if limit else None)


def test_item4_an_existing_handout_is_replaced_only_with_force(tmp_path: Path) -> None:
    (tmp_path / "race.md").write_text(OLD)
    run = explainer("lessons", "--handout", "6", "-o", "race.md", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr == "explainer: race.md is already a file: add --force to replace it\n"
    assert (tmp_path / "race.md").read_text() == OLD
    run = explainer("lessons", "--handout", "6", "-o", "race.md", "--force", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "race.md").read_text().startswith("# 06 · The race\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.md"]


def test_item4_a_symbolic_link_is_not_written_through(tmp_path: Path) -> None:
    precious = tmp_path / "home" / ".bashrc"
    precious.parent.mkdir()
    precious.write_text("export PATH=/usr/bin\n")
    handouts = tmp_path / "handouts"
    handouts.mkdir()
    (handouts / "race.md").symlink_to(precious)
    run = explainer("lessons", "--handout", "6", "-o", "race.md", cwd=handouts)
    assert run.returncode == 2
    assert run.stderr == "explainer: race.md is already a symbolic link: add --force to replace it\n"
    run = explainer("lessons", "--handout", "6", "-o", "race.md", "--force", cwd=handouts)
    assert run.returncode == 0, run.stderr
    assert precious.read_text() == "export PATH=/usr/bin\n"  # what the link pointed to is untouched
    assert not (handouts / "race.md").is_symlink()
    assert (handouts / "race.md").read_text().startswith("# 06 · The race\n")


def test_item4_a_full_disk_leaves_the_old_handout_whole_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "race.md").write_text(OLD)
    run = explainer("lessons", "--handout", "6", "-o", "race.md", "--force", cwd=tmp_path, limit=4096)
    assert run.returncode == 2
    assert run.stderr == "explainer: cannot save race.md: File too large\n"
    assert (tmp_path / "race.md").read_text() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.md"]  # no temporary file left behind
