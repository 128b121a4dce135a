"""The real tools the ``inject`` tests need: skipped without them, failed without them in CI.

CI sets ``EXPLAINER_REQUIRE_REAL=1`` after installing qemu-user and gdb-multiarch, so a test that
would need them can never pass there by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def real_tools() -> None:
    missing = [name for name in ("qemu-aarch64", "gdb-multiarch") if shutil.which(name) is None]
    if missing:
        why = f"{' and '.join(missing)} not on PATH (apt-get install qemu-user gdb-multiarch)"
        if os.environ.get("EXPLAINER_REQUIRE_REAL"):
            pytest.fail(why)
        pytest.skip(why)
