"""Module 0: toy 2-D classification sets for the first lessons.

Each generator returns a ``Graph``: ``N`` points in the unit square with a
0/1 label, drawn with Python's ``random`` (call ``random.seed`` first for a
repeatable set). They are small on purpose: a scalar network trains on them
in seconds, and a decision boundary is easy to draw.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

__all__ = ["Graph", "datasets"]


def make_pts(N: int) -> List[Tuple[float, float]]:
    """``N`` points drawn uniformly from the unit square."""
    return [(random.random(), random.random()) for _ in range(N)]


@dataclass
class Graph:
    """A labelled point set.

    Attributes:
        N: the number of points.
        X: the points, ``[(x_1, x_2), ...]``.
        y: their labels, 0 or 1.
    """

    N: int
    X: List[Tuple[float, float]]
    y: List[int]


def simple(N: int) -> Graph:
    """Label 1 left of the vertical line x_1 = 0.5."""
    X = make_pts(N)
    return Graph(N, X, [1 if x_1 < 0.5 else 0 for x_1, _ in X])


def diag(N: int) -> Graph:
    """Label 1 below the diagonal x_1 + x_2 = 0.5."""
    X = make_pts(N)
    return Graph(N, X, [1 if x_1 + x_2 < 0.5 else 0 for x_1, x_2 in X])


def split(N: int) -> Graph:
    """Label 1 in the two vertical bands x_1 < 0.2 and x_1 > 0.8."""
    X = make_pts(N)
    return Graph(N, X, [1 if x_1 < 0.2 or x_1 > 0.8 else 0 for x_1, _ in X])


def xor(N: int) -> Graph:
    """Label 1 in the top-left and bottom-right quadrants."""
    X = make_pts(N)
    y = [1 if (x_1 < 0.5 and x_2 > 0.5) or (x_1 > 0.5 and x_2 < 0.5) else 0 for x_1, x_2 in X]
    return Graph(N, X, y)


def circle(N: int) -> Graph:
    """Label 1 outside a circle of radius sqrt(0.1) around the centre."""
    X = make_pts(N)
    y = [1 if (x_1 - 0.5) ** 2 + (x_2 - 0.5) ** 2 > 0.1 else 0 for x_1, x_2 in X]
    return Graph(N, X, y)


def spiral(N: int) -> Graph:
    """Two interleaved spirals, N // 2 points each."""

    def x(t: float) -> float:
        return t * math.cos(t) / 20.0

    def y(t: float) -> float:
        return t * math.sin(t) / 20.0

    half = N // 2
    ts = [5.0 + 5.0 * (i / half) for i in range(half)]
    X = [(x(t) + 0.5, y(t) + 0.5) for t in ts]
    X += [(y(-t) + 0.5, x(-t) + 0.5) for t in ts]
    labels = [0] * half + [1] * half
    return Graph(len(X), X, labels)


datasets: Dict[str, Callable[[int], Graph]] = {
    "Simple": simple,
    "Diag": diag,
    "Split": split,
    "Xor": xor,
    "Circle": circle,
    "Spiral": spiral,
}
