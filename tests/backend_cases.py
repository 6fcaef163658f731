"""Shared cases for the backend tests: random arrays in random memory layouts, and numpy references.

A case is an array plus a dimension order: ``laid_out`` stores the array
with its dims in that order and permutes the view back, so most tensors
the tests see are non-contiguous.
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple

import numpy as np
from hypothesis import strategies as st

from minitorch import operators
from minitorch.backends import FastTensorBackend
from minitorch.tensor import Tensor
from minitorch.tensor_ops import TensorBackend

DTYPES = [np.float64, np.float32]
TOLERANCE = {np.float64: 1e-9, np.float32: 1e-4}


def laid_out(array: np.ndarray, order: Sequence[int], backend: TensorBackend = FastTensorBackend) -> Tensor:
    """A tensor equal to ``array`` whose storage holds its dims in ``order``.

    Unless ``order`` is the identity, the result is a non-contiguous view.
    """
    stored = np.ascontiguousarray(np.transpose(array, order))
    tensor = Tensor.from_numpy(stored, backend=backend)
    return tensor.permute(*[int(i) for i in np.argsort(order)])


@st.composite
def arrays(draw: st.DrawFn, shape: Tuple[int, ...] | None = None, max_dims: int = 4) -> Tuple[np.ndarray, Tuple[int, ...]]:
    """A random float64 array (values in [-3, 3)) and a dimension order to store it in."""
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_dims)))
    seed = draw(st.integers(0, 2**32 - 1))
    array = np.random.default_rng(seed).uniform(-3, 3, size=shape)
    order = tuple(draw(st.permutations(range(len(shape)))))
    return array, order


@st.composite
def broadcast_pairs(draw: st.DrawFn) -> Tuple[Tuple[np.ndarray, Tuple[int, ...]], Tuple[np.ndarray, Tuple[int, ...]]]:
    """Two arrays whose shapes broadcast: the second drops leading dims and sets some sizes to 1."""
    big = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    drop = draw(st.integers(0, len(big) - 1))
    small = tuple(1 if draw(st.booleans()) else s for s in big[drop:])
    first, second = draw(arrays(shape=big)), draw(arrays(shape=small))
    return (first, second) if draw(st.booleans()) else (second, first)


def check(got: Tensor, expected: np.ndarray, dtype: type) -> None:
    """``got`` has ``expected``'s shape, the right dtype, and its values."""
    assert got.dtype == np.dtype(dtype), f"dtype {got.dtype}, expected {np.dtype(dtype)}"
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


# name -> (backend op, numpy version, input shift into the function's domain)
UNARY: Dict[str, Tuple[str, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "neg": ("neg_map", np.negative, lambda x: x),
    "sigmoid": ("sigmoid_map", lambda x: 1 / (1 + np.exp(-x)), lambda x: x),
    "relu": ("relu_map", lambda x: np.maximum(x, 0), lambda x: x + 0.0123),
    "log": ("log_map", lambda x: np.log(x + operators.EPS), lambda x: np.abs(x) + 0.5),
    "exp": ("exp_map", np.exp, lambda x: x),
    "inv": ("inv_map", np.reciprocal, lambda x: np.abs(x) + 0.5),
    "id": ("id_map", lambda x: x, lambda x: x),
}

BINARY: Dict[str, Tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "add": ("add_zip", np.add),
    "mul": ("mul_zip", np.multiply),
    "lt": ("lt_zip", lambda x, y: (x < y).astype(float)),
    "eq": ("eq_zip", lambda x, y: (x == y).astype(float)),
    "is_close": ("is_close_zip", lambda x, y: (np.abs(x - y) < 1e-2).astype(float)),
    "relu_back": ("relu_back_zip", lambda x, d: np.where(x > 0, d, 0.0)),
    "log_back": ("log_back_zip", lambda x, d: d / (np.abs(x) + 0.5 + operators.EPS)),
    "inv_back": ("inv_back_zip", lambda x, d: -d / (np.abs(x) + 0.5) ** 2),
}


@st.composite
def matmul_cases(draw: st.DrawFn, max_size: int = 40) -> Tuple:
    """``a (..., n, k)`` and ``b (..., k, m)`` with random layouts and broadcasting batch dims."""
    n, k, m = (draw(st.integers(1, max_size)) for _ in range(3))
    batch_a, batch_b = draw(st.sampled_from([((), ()), ((3,), ()), ((), (2,)), ((2, 1), (3,)), ((1,), (2, 2))]))
    a = draw(arrays(shape=(*batch_a, n, k)))
    b = draw(arrays(shape=(*batch_b, k, m)))
    return a, b
