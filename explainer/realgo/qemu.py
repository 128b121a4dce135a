"""Find qemu-aarch64 and make it run the guest one instruction per translated block.

Why one instruction per block: qemu-user translates a run of guest instructions into one host block and
delivers a pending signal only between blocks. The whole split epilogue (``ADD $lo, RSP, RSP ; ADD
$(hi<<12), RSP, RSP ; RET``) sits in one block, so the runtime's SIGURG can never land between the two
ADDs and the race never opens (../shared/reference: 0 crashes in 16 runs of 240 s without it). With one
instruction per block a signal can land between any two instructions, as on real hardware. (The bug
itself was found in a production core dump loaded into Delve, a goroutine's PC between the two ADDs;
breaking there in a debugger and sending SIGURG was later noted in golang/go#73259, comment of
2025-07-21, as the way to reproduce it reliably.)

The switch changed name in qemu 8.1: before it, the environment variable ``QEMU_SINGLESTEP=1`` (the
``-singlestep`` option); from 8.1 on, the option ``-one-insn-per-tb``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .toolchains import MissingTool

#: Debian's and Ubuntu's package for qemu-aarch64.
INSTALL_QEMU = "sudo apt-get install qemu-user"

#: The names qemu-aarch64 goes by (qemu-user, then qemu-user-static).
QEMU_NAMES = ("qemu-aarch64", "qemu-aarch64-static")

_VERSION_RE = re.compile(r"version (\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int]:
    """``(7, 2, 22)`` from ``qemu-aarch64 --version``'s first line.

    Raises:
        ValueError: no ``version X.Y[.Z]`` in the text.
    """
    m = _VERSION_RE.search(text)
    if not m:
        raise ValueError(f"no qemu version in {text.strip()[:80]!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


@dataclass(frozen=True)
class SingleStep:
    """How to ask a given qemu for one guest instruction per translated block."""

    args: tuple[str, ...] = ()
    """Options before the guest program."""
    env: dict[str, str] = field(default_factory=dict)
    """Environment variables for qemu."""

    def describe(self) -> str:
        parts = [*self.args, *(f"{k}={v}" for k, v in self.env.items())]
        return " ".join(parts)


def single_step(version: tuple[int, int, int]) -> SingleStep:
    """``-one-insn-per-tb`` on qemu 8.1 and later, ``QEMU_SINGLESTEP=1`` before."""
    if version[:2] >= (8, 1):
        return SingleStep(args=("-one-insn-per-tb",))
    return SingleStep(env={"QEMU_SINGLESTEP": "1"})


@dataclass(frozen=True)
class Qemu:
    """A qemu-aarch64 on this machine."""

    path: Path
    version: tuple[int, int, int]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def single_step(self) -> SingleStep:
        return single_step(self.version)


def find_qemu() -> Qemu:
    """The first qemu-aarch64 on PATH, with its version.

    Raises:
        MissingTool: none on PATH, or it does not say its version (the message names the install command).
    """
    for name in QEMU_NAMES:
        path = shutil.which(name)
        if path is None:
            continue
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
            return Qemu(Path(path), parse_version(out))
        except (OSError, subprocess.TimeoutExpired, ValueError) as e:
            raise MissingTool(f"{path} does not work ({e}); install qemu with: {INSTALL_QEMU}") from None
    raise MissingTool(f"qemu-aarch64 is not on PATH; install it with: {INSTALL_QEMU}")
