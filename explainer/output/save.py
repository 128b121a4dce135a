"""One way to write a file: whole or not at all, inside the folder asked for, never over a file unasked.

Every file the app writes (handouts, the lab's SVG and JSON exports, the learner's progress, the
presenter's cue file, rehearsal files) goes through :func:`save`:

- The bytes go to a temporary file in the same folder, are flushed to disk, and only then take the
  file's name with one ``rename``: a full disk or a crash leaves the old file whole, never a truncated
  one, and a reader never sees half a file.
- Everything happens relative to the folder's own descriptor, with ``O_NOFOLLOW`` on the temporary file,
  and the final rename replaces a directory entry: a symbolic link at the file's name is replaced
  itself, never written through, so nothing outside the folder changes.
- An existing name is replaced only when the caller says so (``replace=True``: the user was asked, or
  gave ``--force``; or the file is the app's own, like progress). Otherwise :class:`Exists` is raised;
  without ``replace`` the file is put in place with ``link``, which fails rather than replace a name that
  appeared meanwhile.
- Any failure is one :class:`SaveError` naming the file and why, at once.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from ..engine.errors import ExplainerError

#: errno values of a ``link`` that the file system does not support (vfat, some network mounts).
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


class SaveError(ExplainerError):
    """A file could not be saved; the message names it and says why, in one line."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"cannot save {path}: {why}")
        self.path = path
        self.why = why


class Exists(SaveError):
    """The name is taken and replacing it was not allowed: ask the user, or have them pass ``--force``."""

    def __init__(self, path: Path, symlink: bool) -> None:
        self.symlink = symlink
        """True when the name is a symbolic link (replacing it replaces the link, not what it points to)."""
        super().__init__(path, "a symbolic link of that name exists" if symlink else "it already exists")


def exists(path: Path) -> bool:
    """True when ``path`` names anything, a dangling symbolic link included (what :func:`save` refuses)."""
    return os.path.lexists(path)


def save(path: Path | str, data: str | bytes, *, replace: bool = False, make_folder: bool = False) -> Path:
    """Write ``data`` (str is written as UTF-8) to ``path`` atomically.

    Args:
        path: The file. Its folder may be reached through symbolic links (the user chose it); its own
            name is never followed.
        data: The whole contents.
        replace: Replace an existing file (the user agreed, or the file is the app's own).
        make_folder: Create the folder (and its parents) when missing.

    Returns:
        ``path``.

    Raises:
        Exists: the name is taken and ``replace`` is False.
        SaveError: anything else (no such folder, permission denied, disk full...).
    """
    path = Path(path)
    name = path.name
    if name in ("", ".", ".."):
        raise SaveError(path, "not a file name")
    blob = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent
    if make_folder:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SaveError(path, f"cannot make the folder {folder}: {_why(err)}") from None
    try:
        dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as err:
        raise SaveError(path, _folder_why(folder, err)) from None
    try:
        return _save_in(dfd, path, blob, replace)
    finally:
        os.close(dfd)


def _save_in(dfd: int, path: Path, blob: bytes, replace: bool) -> Path:
    name = path.name
    old = _lstat(dfd, name)
    if old is not None:
        if stat.S_ISDIR(old.st_mode):
            raise SaveError(path, "a folder of that name exists")
        if not replace:
            raise Exists(path, stat.S_ISLNK(old.st_mode))
    tmp, fd = _create_temporary(dfd, path)
    try:
        try:
            if old is not None and stat.S_ISREG(old.st_mode):
                os.fchmod(fd, stat.S_IMODE(old.st_mode))  # a replaced file keeps its permissions
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        else:
            _put_in_place(dfd, tmp, path)
        tmp = ""
        try:
            os.fsync(dfd)  # the rename itself survives a power cut
        except OSError:
            pass
    except SaveError:
        raise
    except OSError as err:
        raise SaveError(path, _why(err)) from None
    finally:
        if tmp:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except OSError:
                pass
    return path


def _put_in_place(dfd: int, tmp: str, path: Path) -> None:
    """Give ``tmp`` the name ``path.name`` unless that name is taken (then :class:`Exists`)."""
    try:
        os.link(tmp, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)
    except FileExistsError:
        old = _lstat(dfd, path.name)
        raise Exists(path, old is not None and stat.S_ISLNK(old.st_mode)) from None
    except OSError as err:
        if err.errno not in _NO_LINKS:
            raise
        if _lstat(dfd, path.name) is not None:  # no hard links here: check, then rename
            raise Exists(path, False) from None
        os.rename(tmp, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)
        return
    os.unlink(tmp, dir_fd=dfd)


def _create_temporary(dfd: int, path: Path) -> tuple[str, int]:
    """A new empty file beside ``path`` (``.<name>.<random>.tmp``), never opened through a link: its name
    and a descriptor open for writing."""
    for _ in range(100):
        tmp = f".{path.name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666,
                         dir_fd=dfd)
        except FileExistsError:
            continue
        except OSError as err:
            raise SaveError(path, _why(err)) from None
        return tmp, fd
    raise SaveError(path, "no free temporary name in its folder")


def _lstat(dfd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except OSError:  # missing, or unreadable (then creating the temporary file says why)
        return None


def _folder_why(folder: Path, err: OSError) -> str:
    if err.errno == errno.ENOENT:
        return f"no folder {folder}"
    if err.errno == errno.ENOTDIR:
        return f"{folder} is not a folder"
    return f"the folder {folder}: {_why(err)}"


def _why(err: OSError) -> str:
    return err.strerror or str(err) or err.__class__.__name__
