"""The IDX format of MNIST and Fashion-MNIST.

An IDX file is a tiny header followed by raw big-endian numbers::

    bytes 0-1   0x00 0x00
    byte  2     element type (0x08 = uint8, 0x0D = float32, ...)
    byte  3     number of dimensions, d
    then        d sizes, each a big-endian uint32
    then        the data, row-major

The published files are gzipped; :func:`read_idx` reads either form.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .types import ImageArrays

__all__ = ["read_idx", "load_idx_set"]

# element-type byte -> numpy dtype (big-endian, as the format specifies)
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into an array of native byte order.

    Args:
        path: a ``.gz`` or raw IDX file.

    Returns:
        The array, shaped as the header says.

    Raises:
        ValueError: the header is malformed or the data is the wrong size.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rb") if gzipped else open(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (header {raw[:4].hex()})")
    dtype, ndim = IDX_DTYPES[raw[2]], raw[3]
    start = 4 + 4 * ndim
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - start != expected:
        raise ValueError(
            f"{path}: header says shape {shape} ({expected} bytes) but {len(raw) - start} "
            "bytes follow; the file is truncated or damaged"
        )
    data = np.frombuffer(raw, dtype, offset=start).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=False)


def load_idx_set(
    root: str | Path,
    classes: list[str],
    prefixes: tuple[str, str] = ("train", "t10k"),
) -> ImageArrays:
    """Load the four files of an MNIST-style data set.

    Args:
        root: the folder holding ``train-images-idx3-ubyte.gz``,
            ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
            ``t10k-labels-idx1-ubyte.gz`` (gzipped or not).
        classes: class names, in label order.
        prefixes: file-name prefixes of the training and test files.

    Returns:
        :class:`ImageArrays` with ``x`` of shape ``(N, 28, 28)`` uint8 and
        ``y`` of shape ``(N,)`` int64. A split whose files are absent (not
        fetched: ``load(..., splits="test")``) comes back as empty arrays.
    """
    root = Path(root)

    def find(stem: str) -> Path | None:
        for name in (stem + ".gz", stem):
            if (root / name).exists():
                return root / name
        return None

    arrays: list[np.ndarray | None] = []
    for prefix in prefixes:
        images_path = find(f"{prefix}-images-idx3-ubyte")
        labels_path = find(f"{prefix}-labels-idx1-ubyte")
        if images_path is None and labels_path is None:
            arrays += [None, None]  # a split not fetched (load(..., splits=...)): left empty
            continue
        if images_path is None or labels_path is None:
            raise FileNotFoundError(f"{root}: {prefix} images and labels must come together")
        images, labels = read_idx(images_path), read_idx(labels_path).astype(np.int64)
        if len(images) != len(labels):
            raise ValueError(f"{root}: {len(images)} {prefix} images but {len(labels)} labels")
        arrays += [images, labels]
    present = [a for a in arrays[::2] if a is not None]
    if not present:
        raise FileNotFoundError(f"{root} has no {prefixes[0]}-images-idx3-ubyte.gz files")
    empty = {0: np.zeros((0, *present[0].shape[1:]), present[0].dtype), 1: np.zeros(0, np.int64)}
    filled = [empty[i % 2] if a is None else a for i, a in enumerate(arrays)]
    return ImageArrays(*filled, classes=list(classes))
