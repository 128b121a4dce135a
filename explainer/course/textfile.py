"""Reading a text file someone wrote (a lesson, a talk, the learner's progress): bounded, never blocking.

``Path.read_text`` reads whatever the path names to its end: ``/dev/zero`` never ends, a FIFO blocks
until a writer comes, an 8 GiB file is read whole. These files are small (a lesson is a few KB), so
anything but a regular file is refused, and so is one over a cap, before a byte is read. The file is
opened without blocking and checked with ``fstat`` on the open descriptor, so nothing can swap it
between the check and the read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: The largest lesson, talk or progress file read (the largest shipped one is under 20 KB).
MAX_TEXT = 1 << 20

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotReadable(OSError):
    """A path that is no regular file of a readable size; ``str()`` is the reason, in words."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot read"


def read_text(path: Path, limit: int = MAX_TEXT) -> str:
    """The UTF-8 text of the regular file ``path``, newlines as ``Path.read_text`` gives them.

    Raises:
        FileNotFoundError: no such file.
        NotReadable: a directory, FIFO, device or socket, or larger than ``limit`` bytes.
        OSError: cannot be opened or read (permissions, I/O).
        UnicodeDecodeError: not UTF-8.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotReadable(f"{path} is a directory") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
            raise NotReadable(f"{path} is {kind}, not a regular file")
        if st.st_size > limit:
            raise NotReadable(f"{path} is {st.st_size:,} bytes; files up to {limit:,} are read")
        chunks = []
        size = 0
        while size <= limit:  # the file may have grown since fstat
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotReadable(f"{path} is larger than {limit:,} bytes, the most read")
    finally:
        os.close(fd)
    # Universal newlines, as Path.read_text gives them: "\r\n" and a lone "\r" end a line.
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
