"""Two jobs every labelled data set shares: holding out a validation set, and naming the classes.

Images and texts follow the same rules, fast.ai's:

- :func:`random_split` is ``RandomSplitter(valid_pct=0.2, seed=None)``: a
  random ``int(valid_pct * n)`` items go to validation; ``valid_pct=0``
  holds out nothing.
- :func:`label_vocab` is a category's vocabulary: the distinct labels,
  sorted. Labels of different types (``"cat"`` and ``3``) have no order, so
  they are an error that says so, as in fast.ai.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np


def random_split(
    n: int, valid_pct: float = 0.2, seed: Optional[int] = None
) -> Tuple[np.ndarray, np.ndarray]:
    """Split ``range(n)`` at random into training and validation indices (both sorted).

    Args:
        n: the number of items.
        valid_pct: the fraction that goes to validation (``int(valid_pct * n)``
            items), in ``[0, 1)``.
        seed: makes the split repeatable.

    Returns:
        ``(train_indices, valid_indices)``, int arrays that together hold each of ``range(n)`` once.

    Raises:
        ValueError: ``valid_pct`` is outside ``[0, 1)``.
    """
    if not 0 <= valid_pct < 1:
        raise ValueError(f"valid_pct must be in [0, 1), got {valid_pct}: 0.2 holds out a fifth")
    order = np.random.default_rng(seed).permutation(n)
    cut = int(valid_pct * n)
    return np.sort(order[cut:]), np.sort(order[:cut])


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (so ``np.int64(1)`` and ``1`` are one class)."""
    return value.item() if isinstance(value, np.generic) else value


def label_vocab(labels: Sequence[Any]) -> List[Any]:
    """The distinct labels, sorted: the class names in label order.

    Args:
        labels: one label per item (strings, ints, bools ...; numpy scalars
            count as the Python values they hold).

    Returns:
        A new sorted list of the distinct labels.

    Raises:
        ValueError: the labels mix types that cannot be ordered (``"cat"`` and ``3``).
    """
    distinct = {plain(y) for y in labels}
    try:
        return sorted(distinct)
    except TypeError as err:
        kinds = sorted({type(y).__name__ for y in distinct})
        raise ValueError(
            f"labels mix types ({', '.join(kinds)}): make them all strings or all ints"
        ) from err


__all__ = ["label_vocab", "plain", "random_split"]
