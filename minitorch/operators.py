"""Module 0: the scalar math every later layer is built from.

Each function takes and returns plain Python floats. Comparisons return
1.0/0.0 (not bools) so that they can flow through arithmetic, the way the
tensor kernels of later modules treat them.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, List

# Keeps log() finite at 0; small enough not to disturb gradient checks.
EPS = 1e-6


# ## Task 0.1: basic operators


def mul(x: float, y: float) -> float:
    """Return ``x * y``."""
    # BEGIN SOLUTION task0_1
    return x * y
    # END SOLUTION


def id(x: float) -> float:
    """Return ``x`` unchanged (the identity)."""
    # BEGIN SOLUTION task0_1
    return x
    # END SOLUTION


def add(x: float, y: float) -> float:
    """Return ``x + y``."""
    # BEGIN SOLUTION task0_1
    return x + y
    # END SOLUTION


def neg(x: float) -> float:
    """Return ``-x`` as a float (``neg(neg(x)) == x``)."""
    # BEGIN SOLUTION task0_1
    return -float(x)
    # END SOLUTION


def lt(x: float, y: float) -> float:
    """Return 1.0 if ``x < y`` else 0.0."""
    # BEGIN SOLUTION task0_1
    return 1.0 if x < y else 0.0
    # END SOLUTION


def eq(x: float, y: float) -> float:
    """Return 1.0 if ``x == y`` else 0.0."""
    # BEGIN SOLUTION task0_1
    return 1.0 if x == y else 0.0
    # END SOLUTION


def max(x: float, y: float) -> float:
    """Return the larger of ``x`` and ``y`` (either one when they are equal)."""
    # BEGIN SOLUTION task0_1
    return x if x > y else y
    # END SOLUTION


def is_close(x: float, y: float) -> float:
    """Return 1.0 if ``|x - y| < 1e-2`` else 0.0 (the course's tolerance)."""
    # BEGIN SOLUTION task0_1
    return 1.0 if abs(x - y) < 1e-2 else 0.0
    # END SOLUTION


def sigmoid(x: float) -> float:
    r"""The logistic function :math:`\sigma(x) = \frac{1}{1 + e^{-x}}`.

    Computed as :math:`\frac{e^x}{1 + e^x}` when ``x < 0`` so that large
    negative inputs never overflow ``exp``.
    """
    # BEGIN SOLUTION task0_1
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
    # END SOLUTION


def relu(x: float) -> float:
    """Return ``x`` if ``x > 0`` else 0.0."""
    # BEGIN SOLUTION task0_1
    return x if x > 0 else 0.0
    # END SOLUTION


def log(x: float) -> float:
    """Natural logarithm, kept finite at 0 by adding ``EPS``."""
    # BEGIN SOLUTION task0_1
    return math.log(x + EPS)
    # END SOLUTION


def exp(x: float) -> float:
    """Return :math:`e^x`."""
    # BEGIN SOLUTION task0_1
    return math.exp(x)
    # END SOLUTION


def log_back(x: float, d: float) -> float:
    r"""Backward of ``log``: :math:`d \cdot \frac{1}{x}`, with ``x + EPS`` as ``log`` uses.

    Args:
        x: the input ``log`` was called with.
        d: the derivative flowing back from ``log``'s output.

    Returns:
        ``d / (x + EPS)``.
    """
    # BEGIN SOLUTION task0_1
    return d / (x + EPS)
    # END SOLUTION


def inv(x: float) -> float:
    """Return ``1 / x``."""
    # BEGIN SOLUTION task0_1
    return 1.0 / x
    # END SOLUTION


def inv_back(x: float, d: float) -> float:
    r"""Backward of ``inv``: :math:`d \cdot (-\frac{1}{x^2})`.

    Args:
        x: the input ``inv`` was called with (non-zero).
        d: the derivative flowing back from ``inv``'s output.

    Returns:
        ``-d / x**2``.
    """
    # BEGIN SOLUTION task0_1
    return -d / (x * x)
    # END SOLUTION


def relu_back(x: float, d: float) -> float:
    """Backward of ``relu``: ``d`` where ``x > 0``, else 0.0 (0.0 at ``x == 0`` too).

    Args:
        x: the input ``relu`` was called with.
        d: the derivative flowing back from ``relu``'s output.

    Returns:
        ``d`` if ``x > 0`` else ``0.0``.
    """
    # BEGIN SOLUTION task0_1
    return d if x > 0 else 0.0
    # END SOLUTION


# ## Task 0.3: higher-order functions


def map(fn: Callable[[float], float]) -> Callable[[Iterable[float]], Iterable[float]]:
    """Lift a one-argument function to work on lists.

    Args:
        fn: turns one value into another.

    Returns:
        A function that takes a list (any iterable) and returns a new list
        ``[fn(x1), fn(x2), ...]`` of the same length.
    """
    # BEGIN SOLUTION task0_3
    def apply(ls: Iterable[float]) -> Iterable[float]:
        return [fn(x) for x in ls]

    return apply
    # END SOLUTION


def zipWith(
    fn: Callable[[float, float], float],
) -> Callable[[Iterable[float], Iterable[float]], Iterable[float]]:
    """Lift a two-argument function to work element-wise on two lists.

    Args:
        fn: combines two values.

    Returns:
        A function taking two equally long lists and returning the list
        ``[fn(x1, y1), fn(x2, y2), ...]``. Called with lists of different
        lengths it raises ``ValueError`` saying they must be of equal length
        (Python's ``zip`` would silently drop the extra entries).
    """
    # BEGIN SOLUTION task0_3
    def apply(ls1: Iterable[float], ls2: Iterable[float]) -> Iterable[float]:
        a, b = list(ls1), list(ls2)
        if len(a) != len(b):
            raise ValueError(f"zipWith needs lists of equal length, got {len(a)} and {len(b)}")
        return [fn(x, y) for x, y in zip(a, b)]

    return apply
    # END SOLUTION


def reduce(
    fn: Callable[[float, float], float], start: float
) -> Callable[[Iterable[float]], float]:
    r"""Fold a list into one value with a two-argument function.

    Args:
        fn: combines the running value with the next element.
        start: the value returned for an empty list.

    Returns:
        A function computing :math:`fn(x_n, \dots fn(x_2, fn(x_1, start)))`
        (``start`` for an empty list), e.g. ``reduce(add, 0.0)([1, 2, 3]) == 6.0``.
    """
    # BEGIN SOLUTION task0_3
    def apply(ls: Iterable[float]) -> float:
        value = start
        for x in ls:
            value = fn(x, value)
        return value

    return apply
    # END SOLUTION


def negList(ls: Iterable[float]) -> Iterable[float]:
    """Negate every element of ``ls`` (using ``map`` and ``neg``).

    Returns:
        A new list ``[-x for x in ls]``, of the same length.
    """
    # BEGIN SOLUTION task0_3
    return map(neg)(ls)
    # END SOLUTION


def addLists(ls1: Iterable[float], ls2: Iterable[float]) -> Iterable[float]:
    """Add two lists element by element (using ``zipWith`` and ``add``).

    Returns:
        A new list ``[x + y ...]``; lists of different lengths raise ``ValueError``.
    """
    # BEGIN SOLUTION task0_3
    return zipWith(add)(ls1, ls2)
    # END SOLUTION


def sum(ls: Iterable[float]) -> float:
    """Sum a list (using ``reduce`` and ``add``).

    Returns:
        The sum as a float; ``0.0`` for an empty list.
    """
    # BEGIN SOLUTION task0_3
    return reduce(add, 0.0)(ls)
    # END SOLUTION


def prod(ls: Iterable[float]) -> float:
    """Multiply the elements of a list (using ``reduce`` and ``mul``).

    Returns:
        The product as a float; ``1.0`` for an empty list.
    """
    # BEGIN SOLUTION task0_3
    return reduce(mul, 1.0)(ls)
    # END SOLUTION


__all__: List[str] = [
    "mul", "id", "add", "neg", "lt", "eq", "max", "is_close", "sigmoid", "relu",
    "log", "exp", "inv", "log_back", "inv_back", "relu_back", "map", "zipWith",
    "reduce", "negList", "addLists", "sum", "prod", "EPS",
]
