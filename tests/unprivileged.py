"""Run a check as an unprivileged user: root ignores ``chmod 000``, so permission tests would pass vacuously.

As root (CI, most containers), the check runs in a forked child that drops to ``nobody`` (uid and gid
65534, no supplementary groups) before calling it; the interpreter and every module the check needs are
already loaded, so the child needs no access to the root-only folders the interpreter lives in. As any
other user, the check simply runs. Either way the kernel, not the test, decides what may be read.
"""

from __future__ import annotations

import encodings.utf_8_sig  # noqa: F401  (loaded now: the child cannot reach the standard library's folder)
import os
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
NOBODY = 65534


def as_unprivileged(check: Callable[..., T], *args: Any) -> T:
    """``check(*args)`` run by a user without root's privileges; returns what it returned (or raises)."""
    if os.geteuid() != 0:
        return check(*args)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, send the result back, exit without pytest's cleanup
        status = 0
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            assert os.geteuid() == NOBODY
            try:
                payload = pickle.dumps(("ok", check(*args)))
            except BaseException as err:  # noqa: BLE001  (sent to the parent, which re-raises it)
                payload = pickle.dumps(("raised", repr(err)))
            with os.fdopen(write, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            status = 1
        os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data, "the unprivileged child failed"
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise AssertionError(f"as an unprivileged user: {value}")
    return value  # type: ignore[no-any-return]


def give_to_nobody(*paths: os.PathLike[str] | str) -> None:
    """Make ``paths`` (folders the test made) belong to the unprivileged user, when the test runs as root."""
    if os.geteuid() == 0:
        for p in paths:
            os.chown(p, NOBODY, NOBODY)
