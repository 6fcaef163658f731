"""Module 0: the scalar math every later layer is built from.

Each function takes and returns plain Python floats. Comparisons return
1.0/0.0 (not bools) so that they can flow through arithmetic, the way the
tensor kernels of later modules treat them.

Real data holds NaNs and infinities, so the operators follow IEEE 754
arithmetic, as numpy and the compiled kernels of Module 3 do: a NaN in gives
a NaN out, ``inv(0.0)`` is ``inf``, ``exp(1000.0)`` is ``inf`` and
``log(-1.0)`` is ``nan``. Python's ``math`` raises instead
(``ValueError: math domain error``, ``OverflowError``,
``ZeroDivisionError``), so ``log``, ``exp``, ``inv`` and the backward
functions that divide check those few inputs first.
"""

from __future__ import annotations

import math
import sys
from typing import Callable, Iterable, List

# Keeps log() finite at 0; small enough not to disturb gradient checks.
EPS = 1e-6
# The largest x whose exp(x) is a finite float (about 709.78): exp overflows above it.
EXP_MAX = math.log(sys.float_info.max)


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
    """Return the larger of ``x`` and ``y`` (either one when they are equal).

    NaN wins: if ``x`` or ``y`` is NaN the result is NaN, as ``numpy.maximum``
    gives (``x > y`` is False whenever a NaN is involved, so test ``x`` for NaN).
    """
    # BEGIN SOLUTION task0_1
    return x if x > y or math.isnan(x) else y
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
    """Return 0.0 if ``x <= 0`` else ``x``: NaN stays NaN (every comparison with NaN is False)."""
    # BEGIN SOLUTION task0_1
    return 0.0 if x <= 0.0 else x
    # END SOLUTION


def log(x: float) -> float:
    """Natural logarithm of ``x + EPS``: finite at 0, ``-inf`` at ``-EPS``, NaN below (IEEE)."""
    # BEGIN SOLUTION task0_1
    if x + EPS > 0.0:
        return math.log(x + EPS)
    return -math.inf if x + EPS == 0.0 else math.nan
    # END SOLUTION


def exp(x: float) -> float:
    """Return :math:`e^x`; ``inf`` (not ``OverflowError``) for ``x > EXP_MAX``."""
    # BEGIN SOLUTION task0_1
    return math.inf if x > EXP_MAX else math.exp(x)
    # END SOLUTION


def log_back(x: float, d: float) -> float:
    r"""Backward of ``log``: :math:`d \cdot \frac{1}{x}`, with ``x + EPS`` as ``log`` uses.

    Args:
        x: the input ``log`` was called with.
        d: the derivative flowing back from ``log``'s output.

    Returns:
        ``d / (x + EPS)``; where ``x + EPS`` is 0, ``d`` times an infinity of
        that zero's sign (IEEE division, as ``inv`` does), never an error.
    """
    # BEGIN SOLUTION task0_1
    return d / (x + EPS) if x + EPS != 0.0 else d * math.copysign(math.inf, x + EPS)
    # END SOLUTION


def inv(x: float) -> float:
    """Return ``1 / x``; ``1 / 0.0`` is ``inf`` and ``1 / -0.0`` is ``-inf`` (IEEE), not an error."""
    # BEGIN SOLUTION task0_1
    return 1.0 / x if x != 0.0 else math.copysign(math.inf, x)
    # END SOLUTION


def inv_back(x: float, d: float) -> float:
    r"""Backward of ``inv``: :math:`d \cdot (-\frac{1}{x^2})`.

    Args:
        x: the input ``inv`` was called with.
        d: the derivative flowing back from ``inv``'s output.

    Returns:
        ``-d / x**2``; where ``x**2`` is 0, ``-d * inf`` (IEEE), never an error.
    """
    # BEGIN SOLUTION task0_1
    return -d / (x * x) if x * x != 0.0 else -d * math.inf
    # END SOLUTION


def relu_back(x: float, d: float) -> float:
    """Backward of ``relu``: ``d`` where ``x > 0``, else 0.0 (0.0 at ``x == 0`` too).

    Args:
        x: the input ``relu`` was called with.
        d: the derivative flowing back from ``relu``'s output.

    Returns:
        ``0.0`` if ``x <= 0`` else ``d``: at a NaN ``x`` the gradient passes, as in PyTorch.
    """
    # BEGIN SOLUTION task0_1
    return 0.0 if x <= 0.0 else d
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
    "reduce", "negList", "addLists", "sum", "prod", "EPS", "EXP_MAX",
]
