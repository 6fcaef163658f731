"""What loaders return: plain numpy arrays and Python lists, nothing framework-specific.

Each type is a ``NamedTuple``, so it unpacks like a tuple
(``x_train, y_train, x_test, y_test, classes = datasets.load("mnist")``) and
reads like an object (``data.x_train``).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["ImageArrays", "ImageFiles", "TextSplits", "WordVectors"]


class ImageArrays(NamedTuple):
    """Images as arrays: ``x`` is ``(N, H, W)`` or ``(N, H, W, C)`` uint8, ``y`` is ``(N,)`` int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]


class ImageFiles(NamedTuple):
    """An image folder tree as file lists.

    Attributes:
        train, valid: lists of ``(path, label)``; ``label`` indexes ``classes``.
            ``valid`` is the held-out split (``val/`` or ``test/`` on disk).
        classes: human-readable class names, in label order.
        folders: the class folder names on disk (e.g. ImageNet wnids), in
            label order.
    """

    train: list[tuple[Path, int]]
    valid: list[tuple[Path, int]]
    classes: list[str]
    folders: list[str]


class TextSplits(NamedTuple):
    """A labelled text set.

    Attributes:
        train, valid: lists of ``(text, label)``; ``label`` indexes ``classes``.
        test: unlabelled texts (empty when the set has none).
        classes: class names in label order.
    """

    train: list[tuple[str, int]]
    valid: list[tuple[str, int]]
    test: list[str]
    classes: list[str]


class WordVectors(NamedTuple):
    """Word embeddings: ``vectors[i]`` is the vector of ``words[i]``.

    ``index`` maps a word to its row, so ``vectors[index["king"]]`` works.
    """

    words: list[str]
    vectors: np.ndarray
    index: dict[str, int]
