"""An unexpected error: its traceback goes to a file, the person gets one line saying where.

Bad input is an ``ExplainerError`` and is said in one sentence (exit 2). Anything else is a bug in
the app; a Python traceback is no help in front of a learner or a room, but it is what a bug report
needs. So the CLI and the Textual apps write it to ``errors/`` in the state folder
(``$EXPLAINER_STATE_DIR`` or the platform's), print one line naming the file, and exit with
:data:`EXIT_BUG` (``EX_SOFTWARE`` in sysexits.h), distinct from 1 (the runtime crashed) and 2 (bad
input).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

#: The exit status after an unexpected error.
EXIT_BUG = 70


def errors_dir() -> Path:
    """``errors/`` in the state folder (where progress is kept)."""
    from .course.progress import APP_NAME, STATE_DIR_ENV

    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override) / "errors"
    import platformdirs

    return platformdirs.user_state_path(APP_NAME) / "errors"


def record(error: BaseException) -> Path | None:
    """Write ``error``'s traceback (and the command line) to a new file; None if nothing can be written."""
    text = (f"explainer {' '.join(sys.argv[1:])}\n{time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n\n"
            + "".join(traceback.format_exception(error)))
    for folder in (errors_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=folder, prefix=f"explainer-{time.strftime('%Y%m%dT%H%M%S')}-",
                                        suffix=".log")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            return Path(name)
        except OSError:
            continue
    return None


def sentence(error: BaseException, where: Path | None) -> str:
    """The one line a person sees: what went wrong, and where the details are."""
    what = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    tail = f"; details in {where}" if where else "; the details could not be written anywhere"
    return f"explainer: unexpected error ({what}){tail}. Please report it with that file."
