"""GloVe's text format: one word per line, followed by its vector.

``the 0.418 0.24968 -0.41242 ...`` : the word, a space, then ``dim`` numbers
separated by spaces. Lines are ordered by word frequency, so the first N lines
are the N most frequent words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .types import WordVectors

__all__ = ["load_glove"]


def load_glove(path: str | Path, max_words: int | None = None) -> WordVectors:
    """Read GloVe vectors into a float32 matrix.

    Args:
        path: a GloVe ``.txt`` file, or a folder holding exactly one.
        max_words: read only the first (most frequent) words.

    Returns:
        :class:`WordVectors`: ``words`` (list), ``vectors`` of shape
        ``(len(words), dim)`` float32, and ``index`` (word -> row).

    Raises:
        ValueError: a line has a different dimension than the first.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.txt"))
        if len(found) != 1:
            raise FileNotFoundError(f"expected one GloVe .txt file in {path}, found {found}")
        path = found[0]
    words: list[str] = []
    numbers: list[str] = []
    dim = None
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if max_words is not None and len(words) >= max_words:
                break
            fields = line.rstrip("\n").rstrip(" ").split(" ")
            if dim is None:
                dim = len(fields) - 1
            if len(fields) <= dim:
                raise ValueError(f"{path}:{number}: expected a word and {dim} numbers")
            # split from the right: the word itself may (rarely) contain a space
            word, values = " ".join(fields[:-dim]), fields[-dim:]
            words.append(word)
            numbers += values
    # one conversion for all numbers is ~20x faster than one np.array per line
    vectors = np.array(numbers, dtype=np.float32).reshape(len(words), dim or 0)
    return WordVectors(words=words, vectors=vectors, index={w: i for i, w in enumerate(words)})
