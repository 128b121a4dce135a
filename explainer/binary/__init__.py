"""Read real Go arm64 binaries (ELF and Mach-O) and find their split stack-pointer adjustments.

Headless, like the engine: no UI import. Importing this package is cheap; capstone
and capstone are imported when a binary is first opened or scanned, so the CLI starts fast.

    binary = load("server")                 # GoBinary: format, go_version, stripped, functions
    f = binary.func_named("main.big_stack") # GoFunc: entry, end, pcsp(), pcdata(0), frame_size, leaf
    report = scan(binary)                   # ScanReport: findings, exposed, to_json()
"""

from .errors import BinaryError
from .loader import load, parse
from .model import GoBinary, GoFunc
from .report import Finding, ScanReport
from .safepoint import async_safe_point
from .scanner import scan

__all__ = ["BinaryError", "Finding", "GoBinary", "GoFunc", "ScanReport", "async_safe_point", "load", "parse",
           "scan"]
