"""Scan many binaries at once: files, folders and container image tarballs, on every core.

``targets`` walks what the user named and sorts it without parsing anything: a file that starts like
ELF or Mach-O for arm64 is a target, a tarball with a manifest.json or index.json is an image, the
rest is skipped and counted (other architectures, not executables, symlinks, special files) or, when
it cannot be read, reported. ``scan_target`` runs in a worker process and turns one target into
outcomes (an image gives one per executable of its final filesystem). ``Summary`` counts them.

A file that is not a Go arm64 binary is skipped and counted, never an error, whether named or found in a
folder; a named one keeps the loader's full sentence (``detail``), printed when nothing else could be
scanned. The same file reached twice (a folder given twice, one inside another, hard links) is scanned once.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .errors import BinaryError
from .extents import CPU_TYPE_ARM64, EM_AARCH64
from .loader import MAX_BINARY
from .report import ScanReport

SCANNED, SKIPPED, ERROR = "scanned", "skipped", "error"


@dataclass(frozen=True)
class Target:
    """Something to hand a worker: a file, or an image tarball."""

    path: str
    image: bool = False
    named: bool = False
    """The user named it (not found in a folder)."""


@dataclass(frozen=True)
class Outcome:
    """What became of one file."""

    path: str
    """The file; for a file of an image, ``IMAGE.tar:/path/in/image``."""
    kind: str
    """SCANNED, SKIPPED or ERROR."""
    reason: str = ""
    """Why it was skipped (a short kind, counted in the summary), or the error (one line)."""
    report: ScanReport | None = None
    detail: str = ""
    """For a skipped file the user named: the loader's sentence (``not an arm64 binary: X is for x86-64``)."""

    def to_json(self) -> dict[str, object]:
        if self.report is not None:
            return {"path": self.path, "status": self.kind, **self.report.to_json()}
        key = "error" if self.kind == ERROR else "reason"
        return {"path": self.path, "status": self.kind, key: self.reason,
                **({"detail": self.detail} if self.detail else {})}


def targets(paths: Iterable[str], skipped: list[Outcome]) -> Iterator[Target]:
    """Targets under paths, in the order given (folders walked in sorted order, links not followed).

    What is not a target is appended to skipped (kind SKIPPED, or ERROR when it could not be read).
    """
    seen: set[tuple[int, int]] = set()  # (device, inode) of every regular file and named folder met
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            skipped.append(Outcome(path, ERROR, f"no such file: {path}"))
            continue
        except OSError as err:
            skipped.append(Outcome(path, ERROR, f"cannot read {path}: {err.strerror or err}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            if (st.st_dev, st.st_ino) in seen:
                skipped.append(Outcome(path, SKIPPED, "same folder as another path (given twice)"))
                continue
            seen.add((st.st_dev, st.st_ino))
            yield from _walk(path, skipped, seen)
        elif not _again(path, st, seen, skipped):
            target = _classify(path, st.st_mode, named=True, skipped=skipped)
            if target is not None:
                yield target


def _again(path: str, st: os.stat_result, seen: set[tuple[int, int]], skipped: list[Outcome]) -> bool:
    """Whether this regular file was met before under another path (then it is counted, not scanned)."""
    if not stat.S_ISREG(st.st_mode):
        return False
    key = (st.st_dev, st.st_ino)
    if key in seen:
        skipped.append(Outcome(path, SKIPPED, "same file as another path (hard link, or given twice)"))
        return True
    seen.add(key)
    return False


def _walk(root: str, skipped: list[Outcome], seen: set[tuple[int, int]]) -> Iterator[Target]:
    def fail(err: OSError) -> None:
        skipped.append(Outcome(err.filename or root, ERROR, f"cannot read {err.filename}: {err.strerror}"))

    for folder, dirs, files in os.walk(root, onerror=fail, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError as err:
                skipped.append(Outcome(path, ERROR, f"cannot read {path}: {err.strerror or err}"))
                continue
            if stat.S_ISLNK(st.st_mode):  # inside the tree its target is scanned anyway; outside, not ours
                skipped.append(Outcome(path, SKIPPED, "symlink (not followed)"))
                continue
            if _again(path, st, seen, skipped):
                continue
            target = _classify(path, st.st_mode, named=False, skipped=skipped)
            if target is not None:
                yield target


def _classify(path: str, mode: int, named: bool, skipped: list[Outcome]) -> Target | None:
    """A target, or None with an outcome appended. Reads at most 512 bytes, never blocks."""
    if not stat.S_ISREG(mode):
        if named:  # the loader says what it is, in the words `explainer scan FILE` always used
            return Target(path, named=True)
        skipped.append(Outcome(path, SKIPPED, "special file"))
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            head = os.read(fd, 512)
        finally:
            os.close(fd)
    except OSError as err:
        skipped.append(Outcome(path, ERROR, f"cannot read {path}: {err.strerror or err}"))
        return None
    if _tar_header(head):
        return Target(path, image=True, named=named)
    why = _not_arm64(head)
    if why and not named:
        skipped.append(Outcome(path, SKIPPED, why))
        return None
    return Target(path, named=named)


def _tar_header(head: bytes) -> bool:
    """The first bytes are a tar header (ustar magic at 257), plain or inside gzip (``docker save |
    gzip``): a gzip stream's first 512 bytes are inflated from what was read."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
        except zlib.error:
            return False
    return len(head) >= 262 and head[257:262] == b"ustar"


def _not_arm64(head: bytes) -> str:
    """Why a file's first bytes say it is no arm64 executable ("" when they could be one)."""
    if head[:4] == b"\x7fELF":
        machine = int.from_bytes(head[0x12:0x14], "little") if len(head) >= 0x14 else -1
        return "" if machine == EM_AARCH64 else "other architecture"
    if head[:4] == b"\xcf\xfa\xed\xfe":
        cpu = int.from_bytes(head[4:8], "little") if len(head) >= 8 else -1
        return "" if cpu == CPU_TYPE_ARM64 else "other architecture"
    if head[:4] == b"\xca\xfe\xba\xbe":
        return ""  # a universal binary, or a Java class file: the loader tells them apart
    return "not an executable"


#: BinaryError messages that mean "not a Go arm64 binary" rather than "broken".
_NOT_GO = ("not a Go binary", "not an arm64 binary", "not an executable")
#: ... counted under the names the first look at a file (``_not_arm64``) uses.
_COUNTED_AS = {"not an arm64 binary": "other architecture"}


def scan_target(target: Target) -> list[Outcome]:
    """Scan one target (in a worker process): one outcome, or one per executable of an image."""
    from .loader import load
    from .scanner import scan

    if target.image:
        return _scan_image(target)
    try:
        return [Outcome(target.path, SCANNED, report=scan(load(target.path)))]
    except BinaryError as err:
        return [_failed(target.path, str(err), target.named)]


def _failed(path: str, message: str, named: bool) -> Outcome:
    """A file the loader refused: skipped when it is no Go arm64 binary, else an error."""
    kind = next((prefix for prefix in _NOT_GO if message.startswith(prefix)), None)
    if kind is None:
        return Outcome(path, ERROR, message)
    return Outcome(path, SKIPPED, _COUNTED_AS.get(kind, kind), detail=message if named else "")


def _scan_image(target: Target) -> list[Outcome]:
    from .images import executables, images, is_image
    from .loader import parse
    from .scanner import scan

    out: list[Outcome] = []
    try:
        with tarfile.open(target.path) as tar:
            if not is_image(tar):
                return [Outcome(target.path, SKIPPED, "tar file, not an image",
                                detail=f"not an image: {target.path} is a tar file without manifest.json "
                                       "or index.json" if target.named else "")]
            found = images(tar, target.path)
            for image in found:
                prefix = f"{target.path}:" if len(found) == 1 else f"{target.path}:{image.name}:"
                for path, data in executables(tar, image, target.path, MAX_BINARY):
                    where = prefix + path
                    if not data:
                        out.append(Outcome(where, ERROR, f"too large: {where} is over {MAX_BINARY:,} bytes"))
                        continue
                    try:
                        out.append(Outcome(where, SCANNED, report=scan(parse(data, where))))
                    except BinaryError as err:
                        out.append(_failed(where, str(err), named=False))
    except BinaryError as err:
        out.append(Outcome(target.path, ERROR, str(err)))
    except (tarfile.TarError, OSError, EOFError) as err:
        out.append(Outcome(target.path, ERROR, f"unreadable image {target.path}: {err}"))
    return out


@dataclass
class Summary:
    """Counts over every outcome of a run."""

    scanned: int = 0
    by_release: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[Outcome] = field(default_factory=list)
    exposed_binaries: list[str] = field(default_factory=list)
    exposed_functions: Counter[str] = field(default_factory=Counter)
    """By status: leaf-split, nonleaf-split."""
    exposed_by_status: dict[str, list[str]] = field(default_factory=dict)
    """Status → the binaries with such a finding."""
    bytes_scanned: int = 0
    not_exposed: Counter[str] = field(default_factory=Counter)
    """Findings where isAsyncSafePoint will not stop a goroutine, by its reason in the report's words
    (``assembly``, ...)."""
    not_exposed_reasons: Counter[str] = field(default_factory=Counter)
    """The same, by isAsyncSafePoint's rule as JSON names it (``assembly-function``, ...)."""
    binaries_not_exposed: int = 0
    """Binaries with at least one finding that is not exposed."""
    named_skipped: list[Outcome] = field(default_factory=list)
    """Files the user named that are no Go arm64 binary (each with its sentence)."""

    def add(self, outcome: Outcome) -> None:
        if outcome.kind == SKIPPED:
            self.skipped[outcome.reason] += 1
            if outcome.detail:
                self.named_skipped.append(outcome)
        elif outcome.kind == ERROR:
            self.errors.append(outcome)
        elif outcome.report is not None:
            report = outcome.report
            self.scanned += 1
            self.by_release[f"go{report.go}" if report.go else "release unknown"] += 1
            exposed = [f for f in report.findings if f.preemptible]
            if exposed:
                self.exposed_binaries.append(outcome.path)
            if any(not f.preemptible for f in report.findings):
                self.binaries_not_exposed += 1
            for f in report.findings:
                if not f.preemptible:
                    self.not_exposed[f.why] += 1
                    self.not_exposed_reasons[f.reason.value] += 1
            for f in exposed:
                self.exposed_functions[f.status] += 1
                binaries = self.exposed_by_status.setdefault(f.status, [])
                if outcome.path not in binaries:
                    binaries.append(outcome.path)

    def to_json(self) -> dict[str, object]:
        return {"scanned": self.scanned, "by_release": dict(sorted(self.by_release.items())),
                "skipped": dict(sorted(self.skipped.items())), "errors": len(self.errors),
                "exposed_binaries": len(self.exposed_binaries),
                "exposed_functions": dict(sorted(self.exposed_functions.items())),
                "not_exposed": dict(sorted(self.not_exposed_reasons.items()))}
