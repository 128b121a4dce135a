"""The one module that names the CPU libraries: unicorn, capstone and keystone.

Everything else in the engine asks this module for an assembler, a disassembler
or an emulator, so the libraries' constant names (capstone 6 renames
``CS_ARCH_ARM64`` to ``CS_ARCH_AARCH64``) live in one place, as Qiling does in
``qiling/arch/arm64.py``.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import capstone
import keystone
import unicorn
from capstone import arm64 as cs_arm64
from unicorn import arm64_const as uc_arm64

if TYPE_CHECKING:
    # unicorn's __init__ picks its py2 or py3 binding on sys.version_info.major, which mypy does not
    # evaluate: it would type Uc as the py2 class (no reg_read_batch, no ctl_flush_tb).
    from unicorn.unicorn_py3 import Uc
else:
    from unicorn import Uc

#: Capstone operand types for arm64, re-exported under stable names.
OP_REG = cs_arm64.ARM64_OP_REG
OP_IMM = cs_arm64.ARM64_OP_IMM
OP_MEM = cs_arm64.ARM64_OP_MEM
OP_SYS = getattr(cs_arm64, "ARM64_OP_SYS", -1)
OP_FP = cs_arm64.ARM64_OP_FP


def _capstone_names(prefix: str) -> dict[int, str]:
    """Capstone arm64 constants starting with prefix, by value, named in lower case."""
    return {
        value: name[len(prefix) :].lower()
        for name, value in vars(cs_arm64).items()
        if name.startswith(prefix) and not name.endswith("_INVALID")
    }


#: Capstone's arm64 condition codes ("hs", "lo", ...), shift kinds ("lsl", "asr",
#: ...) and extend kinds ("uxtw", ...).
CONDITIONS = _capstone_names("ARM64_CC_")
SHIFTS = _capstone_names("ARM64_SFT_")
EXTENDS = _capstone_names("ARM64_EXT_")

#: Unicorn register ids for X0..X30, in order.
UC_X = tuple(getattr(uc_arm64, f"UC_ARM64_REG_X{i}") for i in range(31))
UC_SP = uc_arm64.UC_ARM64_REG_SP
UC_PC = uc_arm64.UC_ARM64_REG_PC
UC_NZCV = uc_arm64.UC_ARM64_REG_NZCV

UC_HOOK_CODE = unicorn.UC_HOOK_CODE
UC_HOOK_BLOCK = unicorn.UC_HOOK_BLOCK
UC_HOOK_MEM_INVALID = unicorn.UC_HOOK_MEM_INVALID
UC_PROT_ALL = unicorn.UC_PROT_ALL
UC_PROT_READ_EXEC = unicorn.UC_PROT_READ | unicorn.UC_PROT_EXEC
UC_PROT_READ_WRITE = unicorn.UC_PROT_READ | unicorn.UC_PROT_WRITE
UcError = unicorn.UcError
#: What a UC_HOOK_MEM_INVALID hook is told (the access kind) and the errors unicorn raises (errno).
MEM_READ = (unicorn.UC_MEM_READ_UNMAPPED, unicorn.UC_MEM_READ_PROT)
MEM_WRITE = (unicorn.UC_MEM_WRITE_UNMAPPED, unicorn.UC_MEM_WRITE_PROT)
MEM_FETCH = (unicorn.UC_MEM_FETCH_UNMAPPED, unicorn.UC_MEM_FETCH_PROT)
MEM_UNMAPPED = (unicorn.UC_MEM_READ_UNMAPPED, unicorn.UC_MEM_WRITE_UNMAPPED, unicorn.UC_MEM_FETCH_UNMAPPED)
ERR_FETCH = (unicorn.UC_ERR_FETCH_UNMAPPED, unicorn.UC_ERR_FETCH_PROT)
ERR_TRAP = (unicorn.UC_ERR_EXCEPTION, unicorn.UC_ERR_INSN_INVALID)
UC_PROT_READ = unicorn.UC_PROT_READ
UC_PROT_WRITE = unicorn.UC_PROT_WRITE
UC_PROT_EXEC = unicorn.UC_PROT_EXEC
CsInsn = capstone.CsInsn
KsError = keystone.KsError


@lru_cache(maxsize=1)
def assembler() -> keystone.Ks:
    """Keystone for little-endian arm64 (branch targets are absolute addresses)."""
    return keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)


@lru_cache(maxsize=1)
def disassembler() -> capstone.Cs:
    """Capstone for little-endian arm64, with operand details switched on."""
    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    cs.detail = True
    return cs


def new_emulator() -> Uc:
    """A fresh unicorn arm64 CPU with nothing mapped."""
    return Uc(unicorn.UC_ARCH_ARM64, unicorn.UC_MODE_ARM)


class RegisterReader:
    """Reads a fixed list of 64-bit registers in one C call.

    ``Uc.reg_read_batch`` works out each register's type in Python, about 10 µs a register: a third
    of a lab step. This reader builds unicorn's ``uc_reg_read_batch`` arguments once. One per
    machine: the value buffer is its own.
    """

    def __init__(self, reg_ids: Sequence[int]) -> None:
        n = len(reg_ids)
        self._ids = (ctypes.c_int * n)(*reg_ids)
        self._values = (ctypes.c_uint64 * n)()
        base = ctypes.addressof(self._values)
        self._pointers = (ctypes.c_void_p * n)(*(base + 8 * i for i in range(n)))
        self._count = ctypes.c_int(n)
        self._reg_ids = tuple(reg_ids)

    def __call__(self, uc: Uc) -> tuple[int, ...]:
        """The registers' values, in the order given."""
        batch = getattr(uc, "_do_reg_read_batch", None)  # unicorn 2.1's binding; else the slow way
        if batch is None:
            return tuple(int(v) for v in uc.reg_read_batch(self._reg_ids))
        status = batch(self._ids, self._pointers, self._count)
        if status != unicorn.UC_ERR_OK:
            raise unicorn.UcError(status)
        return tuple(self._values)


def reg_name(reg_id: int) -> str:
    """Capstone's name for a register id (``x27``, ``sp``, ``xzr`` ...)."""
    return str(disassembler().reg_name(reg_id))
