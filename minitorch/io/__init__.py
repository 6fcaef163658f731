"""Getting bytes in and out: downloads, archives, weight files.

- :mod:`minitorch.io.hub`: cached, checksummed, resumable downloads
  (``download``, ``cache_dir``, ``ChecksumError``, ``DownloadError``).
- :mod:`minitorch.io.archive`: safe tar/zip extraction (``extract``,
  ``UnsafeArchiveError``).

Importing ``minitorch.io`` is cheap: the submodules (and ``requests``, which
the hub needs) load only when one of their names is first used, so
``import minitorch`` never pays for networking code it does not use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "download": "hub",
    "cache_dir": "hub",
    "check_file": "hub",
    "ChecksumError": "hub",
    "DownloadError": "hub",
    "extract": "archive",
    "extract_member": "archive",
    "UnsafeArchiveError": "archive",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
