"""Keep freed tensor memory in the process instead of returning it to the OS.

Every tensor operation allocates a fresh output and frees it soon after.
glibc's ``malloc`` serves a large request (from 128 KiB, adjusted as the
program runs) with a fresh ``mmap`` and returns it to the OS on ``free``;
the next allocation of the same size then page-faults every 4 KiB page back
in, zero-filled by the kernel. On large-array workloads that costs 2-7x in
time measured here (``bench/bench_ops.py`` prints the effect).

Three ``mallopt`` settings stop the round trip:

- ``M_MMAP_THRESHOLD`` = 32 MiB (glibc's maximum): requests below it come
  from the heap, which is reused; setting it also stops glibc's own
  adjusting of the threshold.
- ``M_TRIM_THRESHOLD`` = 512 MiB: free memory at the top of the heap is
  kept up to this size instead of being trimmed after each ``free``.
- ``M_TOP_PAD`` = 64 MiB: grow the heap in large steps, fewer system calls.

The price is memory: up to ``M_TRIM_THRESHOLD`` of freed memory stays with
the process. Set ``MINITORCH_NO_MALLOPT=1`` before importing minitorch to
leave glibc's defaults alone. On other C libraries (macOS, Windows, musl)
this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from typing import Dict, Optional

__all__ = ["tune_malloc"]

# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

SETTINGS: Dict[str, int] = {
    "M_MMAP_THRESHOLD": 32 * 1024 * 1024,
    "M_TRIM_THRESHOLD": 512 * 1024 * 1024,
    "M_TOP_PAD": 64 * 1024 * 1024,
}
_PARAMS = {"M_MMAP_THRESHOLD": M_MMAP_THRESHOLD, "M_TRIM_THRESHOLD": M_TRIM_THRESHOLD, "M_TOP_PAD": M_TOP_PAD}
OPT_OUT_ENV = "MINITORCH_NO_MALLOPT"

_applied: Optional[Dict[str, bool]] = None


def _glibc() -> Optional[ctypes.CDLL]:
    """The process's glibc, or None on any other C library."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        return libc
    except (OSError, AttributeError):
        return None


def tune_malloc(force: bool = False) -> Dict[str, bool]:
    """Apply :data:`SETTINGS` with ``mallopt`` once per process.

    Args:
        force: apply again even if already applied (used by the benchmark).

    Returns:
        ``{setting name: accepted}``; empty when opted out with
        ``MINITORCH_NO_MALLOPT=1`` or not running on glibc.
    """
    global _applied
    if _applied is not None and not force:
        return _applied
    _applied = {}
    if os.environ.get(OPT_OUT_ENV, "") not in ("", "0"):
        return _applied
    libc = _glibc()
    if libc is None:
        return _applied
    for name, value in SETTINGS.items():
        _applied[name] = bool(libc.mallopt(_PARAMS[name], value))
    return _applied
