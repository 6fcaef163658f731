"""CIFAR-10's "python version": pickled batches of 10,000 images each.

``cifar-10-batches-py/`` holds ``data_batch_1`` ... ``data_batch_5``,
``test_batch`` and ``batches.meta``. Each batch is a pickled dict (written by
Python 2, so its keys are byte strings) with

- ``data``: a ``(10000, 3072)`` uint8 array, each row one 32x32 image stored
  channel by channel (1024 red, 1024 green, 1024 blue values);
- ``labels``: a list of 10,000 ints in 0..9.

Pickle can run arbitrary code while loading, and this one comes from the
internet, so we unpickle with an allow-list: only the few numpy functions an
array needs may be looked up; anything else raises :class:`UnsafePickleError`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from .types import ImageArrays

__all__ = ["UnsafePickleError", "read_batch", "load_cifar_batches"]

CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip

_ALLOWED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # how protocol-2 pickles spell a bytes object
}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asked for a global that is not on the allow-list."""


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise UnsafePickleError(
                f"refusing to load global {module}.{name}: a CIFAR batch only needs numpy "
                "arrays, lists and strings"
            )
        if module.startswith("numpy.") and module.endswith(("multiarray", "numeric")):
            # numpy 2 moved numpy.core to numpy._core; resolve either spelling to what exists
            core = getattr(np, "_core", None) or np.core
            return getattr(getattr(core, module.rsplit(".", 1)[1]), name)
        return super().find_class(module, name)


def read_batch(path: str | Path) -> dict[str, Any]:
    """Unpickle one CIFAR batch safely; byte-string keys and values become ``str``."""
    with open(path, "rb") as fh:
        # latin1 is numpy's documented way to read Python 2 pickles of arrays
        batch = _RestrictedUnpickler(fh, encoding="latin1").load()
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict, got {type(batch).__name__}")

    def text(value: Any) -> Any:
        return value.decode("latin1") if isinstance(value, bytes) else value

    def texts(value: Any) -> Any:
        return [text(v) for v in value] if isinstance(value, list) else text(value)

    return {text(k): texts(v) for k, v in batch.items()}


def _images(batch: dict[str, Any], path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray(batch["data"], dtype=np.uint8)
    labels = np.asarray(batch.get("labels", batch.get("fine_labels")), dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
        raise ValueError(
            f"{path}: data {data.shape} and {len(labels)} labels are not a CIFAR batch"
        )
    # rows are channel-major (3, 32, 32); images are conventionally (32, 32, 3)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def load_cifar_batches(
    root: str | Path,
    train: tuple[str, ...] = tuple(f"data_batch_{i}" for i in range(1, 6)),
    test: tuple[str, ...] = ("test_batch",),
) -> ImageArrays:
    """Load CIFAR-10 from its pickled batches.

    Args:
        root: the ``cifar-10-batches-py`` folder (or the folder above it).
        train, test: batch file names for each split.

    Returns:
        :class:`ImageArrays` with ``x`` of shape ``(N, 32, 32, 3)`` uint8 and
        class names from ``batches.meta`` (CIFAR-10's own list if absent).
    """
    root = Path(root)
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    splits = []
    for names in (train, test):
        parts = [_images(read_batch(root / n), root / n) for n in names]
        splits += [np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])]
    meta = root / "batches.meta"
    classes = read_batch(meta)["label_names"] if meta.exists() else CIFAR10_CLASSES
    return ImageArrays(*splits, classes=list(classes))
