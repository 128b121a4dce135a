"""The one way the app writes a file: whole or not at all, in the folder asked for, never over a file unasked.

Truth is the kernel's: a file-size limit (``RLIMIT_FSIZE``) makes the write fail part way as a full disk
does, a folder without write permission refuses a new name (checked as an unprivileged user, since root
ignores permissions), and a symbolic link's target is read back byte for byte.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from explainer.output.save import Exists, SaveError, exists, save

from ..unprivileged import as_unprivileged


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_file_is_written_whole_with_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert save(tmp_path / "race.md", "ADD $16, RSP, RSP\n") == tmp_path / "race.md"
    finally:
        os.umask(old)
    assert (tmp_path / "race.md").read_text() == "ADD $16, RSP, RSP\n"
    assert stat.S_IMODE((tmp_path / "race.md").stat().st_mode) == 0o644  # 0666 less the umask, as open()
    assert _names(tmp_path) == ["race.md"]  # no temporary file left


def test_an_existing_file_is_kept_unless_replacing_was_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "race.md"
    path.write_text("the learner's notes\n")
    path.chmod(0o600)
    with pytest.raises(Exists, match="already exists") as caught:
        save(path, "new")
    assert not caught.value.symlink
    assert path.read_text() == "the learner's notes\n" and _names(tmp_path) == ["race.md"]
    save(path, "new", replace=True)
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600  # its mode kept


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symbolic_link_is_never_written_through(tmp_path: Path, dangling: bool) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "bashrc"
    if not dangling:
        target.write_text("export PATH=/usr/bin\n")
    folder = tmp_path / "handouts"
    folder.mkdir()
    link = folder / "race.md"
    link.symlink_to(target)
    assert exists(link)
    with pytest.raises(Exists, match="symbolic link") as caught:
        save(link, "handout")
    assert caught.value.symlink
    save(link, "handout", replace=True)  # asked for: the link itself is replaced
    assert not link.is_symlink() and link.read_text() == "handout"
    if dangling:
        assert not target.exists()
    else:
        assert target.read_text() == "export PATH=/usr/bin\n"
    assert _names(outside) == ([] if dangling else ["bashrc"])


def test_a_folder_is_not_replaced_and_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "race.md").mkdir()
    with pytest.raises(SaveError, match="a folder of that name exists"):
        save(tmp_path / "race.md", "x", replace=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(SaveError, match="is not a folder"):
        save(tmp_path / "file" / "race.md", "x")
    with pytest.raises(SaveError, match="no folder"):
        save(tmp_path / "missing" / "race.md", "x")
    save(tmp_path / "missing" / "deeper" / "race.md", "x", make_folder=True)
    assert (tmp_path / "missing" / "deeper" / "race.md").read_text() == "x"


_FULL_DISK = """
import resource, signal, sys
from explainer.output.save import SaveError, save
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as ENOSPC would
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    save(sys.argv[1], "new handout line\\n" * 10_000, replace=True)
except SaveError as err:
    print(err)
    sys.exit(3)
"""


def test_a_write_that_fails_part_way_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "race.md"
    path.write_text("the old handout, whole\n")
    run = subprocess.run([sys.executable, "-c", _FULL_DISK, str(path)], capture_output=True, text=True)
    assert run.returncode == 3, run.stderr
    assert run.stdout.strip() == f"cannot save {path}: File too large"
    assert path.read_text() == "the old handout, whole\n" and _names(tmp_path) == ["race.md"]


def _save_in_read_only_folder(folder: str) -> str:
    os.chmod(folder, 0o555)
    try:
        save(Path(folder) / "race.md", "x")
    except SaveError as err:
        return str(err)
    return "saved"


def test_a_folder_without_write_permission_is_said_as_an_unprivileged_user(nobody_dir: Path) -> None:
    said = as_unprivileged(_save_in_read_only_folder, str(nobody_dir))
    assert said == f"cannot save {nobody_dir / 'race.md'}: Permission denied"
    assert _names(nobody_dir) == []


def test_a_name_is_required() -> None:
    with pytest.raises(SaveError, match="not a file name"):
        save(Path("/tmp/.."), "x")
