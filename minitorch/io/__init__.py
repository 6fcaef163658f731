"""Getting bytes in and out: downloads, archives, weight files.

- :mod:`minitorch.io.hub`: cached, checksummed, resumable downloads
  (``download``, ``cache_dir``, ``ChecksumError``, ``DownloadError``).
- :mod:`minitorch.io.archive`: safe tar/zip extraction (``extract``,
  ``UnsafeArchiveError``, ``ArchiveError``).
- :mod:`minitorch.io.checkpoint`, :mod:`~minitorch.io.torch_format`,
  :mod:`~minitorch.io.safetensors`: weight files without PyTorch
  (``load_checkpoint``, ``load_torch``, ``load_safetensors``,
  ``save_safetensors``, ``CheckpointError``, ``UnsafeCheckpointError``);
  :mod:`~minitorch.io.state_dict`: ``rename_keys``, ``transpose_keys``,
  ``compare_state_dicts``.

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
    "ArchiveError": "archive",
    "load_checkpoint": "checkpoint",
    "detect_format": "checkpoint",
    "find_state_dict": "checkpoint",
    "load_npz": "checkpoint",
    "load_torch": "torch_format",
    "load_safetensors": "safetensors",
    "load_safetensors_metadata": "safetensors",
    "read_safetensors_header": "safetensors",
    "save_safetensors": "safetensors",
    "CheckpointError": "errors",
    "UnsafeCheckpointError": "errors",
    "rename_keys": "state_dict",
    "strip_prefix": "state_dict",
    "transpose_keys": "state_dict",
    "compare_state_dicts": "state_dict",
    "StateDictReport": "state_dict",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
