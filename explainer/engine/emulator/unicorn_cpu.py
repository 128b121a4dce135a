"""The one binding to the emulated CPU: unicorn's arm64, with the few operations the engine uses.

``arm64.cpu`` names the libraries' constants; this class is the only code that calls unicorn, so the
machine, the sweep and the tests speak of registers by number, memory by address and hooks by
callback, never of ``Uc`` objects. Errors stay unicorn's ``UcError`` (``arm64.cpu.UcError``): the
machine turns them into events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..arm64 import cpu

#: Register numbers beyond X0..X30.
SP, PC, NZCV = 31, 32, 33
_IDS = (*cpu.UC_X, cpu.UC_SP, cpu.UC_PC, cpu.UC_NZCV)
_PROT = {"r": cpu.UC_PROT_READ, "rx": cpu.UC_PROT_READ_EXEC, "rw": cpu.UC_PROT_READ_WRITE,
         "rwx": cpu.UC_PROT_ALL}


class Cpu:
    """One arm64 CPU with nothing mapped."""

    def __init__(self) -> None:
        self._uc = cpu.new_emulator()
        self._read_regs = cpu.RegisterReader(_IDS[:32])

    # --- memory ---

    def map(self, addr: int, size: int, prot: str) -> None:
        """Map ``size`` bytes at ``addr`` (page-aligned): ``rx`` for code, ``rw`` for data, ``r`` for
        read-only data (a binary's rodata), ``rwx`` where a page holds both."""
        self._uc.mem_map(addr, size, _PROT[prot])

    def read(self, addr: int, size: int) -> bytes:
        """Raw memory. Raises UcError where it is unmapped."""
        return bytes(self._uc.mem_read(addr, size))

    def write(self, addr: int, data: bytes) -> None:
        """Write raw memory."""
        self._uc.mem_write(addr, data)

    # --- registers: X0..X30 by number, then SP, PC, NZCV ---

    def reg(self, n: int) -> int:
        """Register ``n``: 0-30 for X0..X30, or SP, PC, NZCV."""
        return int(self._uc.reg_read(_IDS[n]))

    def regs(self) -> tuple[int, ...]:
        """X0..X30 then SP, in one call (a lab step reads them all: one at a time they cost a third of it)."""
        return self._read_regs(self._uc)

    def set_reg(self, n: int, value: int) -> None:
        """Set register ``n`` (as :meth:`reg` numbers them)."""
        self._uc.reg_write(_IDS[n], value)

    # --- running ---

    def run(self, begin: int, until: int, count: int) -> None:
        """Run from ``begin`` until ``until`` (not executed) or ``count`` instructions. Raises UcError."""
        self._uc.emu_start(begin, until, count=count)

    def stop_at(self, pcs: Sequence[int]) -> None:
        """From now on a run also stops before any of ``pcs`` (unicorn's exits; :meth:`run`'s ``until``
        is then ignored), until :meth:`stop_at_until`."""
        self._uc.ctl_exits_enabled(True)
        self._uc.ctl_set_exits(list(pcs))

    def stop_at_until(self) -> None:
        """A run stops at its ``until`` again (undoes :meth:`stop_at`)."""
        self._uc.ctl_exits_enabled(False)

    def stop(self) -> None:
        """Stop a run from inside a hook."""
        self._uc.emu_stop()

    def on_code(self, callback: Callable[[int], None], first: int, last: int) -> Any:
        """Call ``callback(pc)`` before each instruction in ``[first, last]``; returns the hook's handle."""
        return self._uc.hook_add(cpu.UC_HOOK_CODE, lambda _uc, pc, _size, _user: callback(pc),
                                 begin=first, end=last)

    def on_block(self, callback: Callable[[int, int], None]) -> Any:
        """Call ``callback(address, size)`` before each translated block runs; returns the handle."""
        return self._uc.hook_add(cpu.UC_HOOK_BLOCK, lambda _uc, addr, size, _user: callback(addr, size))

    def on_invalid(self, callback: Callable[[int, int, int], None]) -> Any:
        """Call ``callback(kind, address, size)`` on an access to unmapped or protected memory, before
        the access faults (``kind``: one of ``arm64.cpu.MEM_READ``/``MEM_WRITE``/``MEM_FETCH``)."""
        def hook(_uc: Any, kind: int, address: int, size: int, _value: int, _user: Any) -> bool:
            callback(kind, address, size)
            return False  # the access faults: unicorn stops with its error
        return self._uc.hook_add(cpu.UC_HOOK_MEM_INVALID, hook)

    def unhook(self, handle: Any) -> None:
        """Remove a hook added by :meth:`on_code` or :meth:`on_block`."""
        self._uc.hook_del(handle)

    def forget_code(self, first: int, end: int) -> None:
        """Drop translated blocks in ``[first, end)``: hooks see only code translated after they exist."""
        self._uc.ctl_remove_cache(first, end)

    def release(self) -> None:
        """Give the memory back now (unmap everything): the ``Uc`` object is freed only when the garbage
        collector breaks its cycles, and a 2 GiB frame's stack would be held twice meanwhile."""
        for begin, end, _perms in list(self._uc.mem_regions()):
            self._uc.mem_unmap(begin, end - begin + 1)

    def forget_all_code(self) -> None:
        """Drop every translated block (a block hook must see code translated before it existed)."""
        self._uc.ctl_flush_tb()

    def save(self) -> Any:
        """The registers, to :meth:`restore` later."""
        return self._uc.context_save()

    def restore(self, context: Any) -> None:
        """Registers as :meth:`save` found them."""
        self._uc.context_restore(context)
