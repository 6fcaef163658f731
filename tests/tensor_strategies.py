"""Hypothesis strategies for the Module 2 tensor tests.

Every generated tensor gets a random memory layout: its data is stored
contiguously in a random dimension order and then permuted back, so most
examples are non-contiguous views. Shapes stay small (at most 4 dims of
size 1-3) because the reference backend is plain Python.
"""

from typing import List, Optional, Sequence, Tuple

import numpy as np
from hypothesis import settings
from hypothesis.strategies import (
    DrawFn,
    SearchStrategy,
    booleans,
    composite,
    floats,
    integers,
    lists,
    permutations,
)

from minitorch.tensor import Tensor
from minitorch.tensor_data import TensorData
from minitorch.tensor_ops import SimpleBackend, TensorBackend

settings.register_profile("ci", deadline=None)
settings.load_profile("ci")

small_ints = integers(min_value=1, max_value=3)
small_floats = floats(min_value=-100, max_value=100, allow_nan=False)
any_floats = floats()


@composite
def shapes(draw: DrawFn, max_dims: int = 4) -> Tuple[int, ...]:
    """A shape of 1 to ``max_dims`` dims, each of size 1-3."""
    return tuple(draw(lists(small_ints, min_size=1, max_size=max_dims)))


@composite
def tensor_data(
    draw: DrawFn,
    numbers: SearchStrategy[float] = any_floats,
    shape: Optional[Sequence[int]] = None,
) -> TensorData:
    """A ``TensorData`` of ``shape`` whose strides come from a random dimension order."""
    if shape is None:
        shape = draw(shapes())
    shape = tuple(shape)
    size = int(np.prod(shape))
    data = draw(lists(numbers, min_size=size, max_size=size))
    order: List[int] = draw(permutations(range(len(shape))))
    stored = TensorData(data, tuple(shape[i] for i in order))
    # Undo the permutation so the shape is the one asked for, but the strides are not.
    result = stored.permute(*[order.index(i) for i in range(len(shape))])
    assert result.shape == shape
    return result


@composite
def indices(draw: DrawFn, layout: Tensor) -> Tuple[int, ...]:
    """A valid index into ``layout`` (a tensor or a ``TensorData``)."""
    return tuple(draw(integers(min_value=0, max_value=s - 1)) for s in layout.shape)


@composite
def tensors(
    draw: DrawFn,
    numbers: SearchStrategy[float] = small_floats,
    backend: Optional[TensorBackend] = None,
    shape: Optional[Sequence[int]] = None,
) -> Tensor:
    """A float64 tensor with a random shape (or ``shape``) and random layout."""
    backend = SimpleBackend if backend is None else backend
    return Tensor(draw(tensor_data(numbers, shape=shape)), backend=backend)


@composite
def shaped_tensors(
    draw: DrawFn,
    n: int,
    numbers: SearchStrategy[float] = small_floats,
    backend: Optional[TensorBackend] = None,
) -> List[Tensor]:
    """``n`` tensors of one shape, each with its own layout."""
    shape = draw(shapes())
    return [draw(tensors(numbers, backend, shape)) for _ in range(n)]


@composite
def broadcast_shapes(draw: DrawFn) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """Two different shapes that broadcast together.

    The second is the first with some leading dims dropped and some sizes
    set to 1; the pair comes back in a random order.
    """
    big = draw(shapes())
    drop = draw(integers(min_value=0, max_value=len(big) - 1))
    small = tuple(1 if draw(booleans()) else s for s in big[drop:])
    if draw(booleans()):
        big, small = small, big
    return big, small


@composite
def broadcast_tensors(
    draw: DrawFn, numbers: SearchStrategy[float] = small_floats
) -> Tuple[Tensor, Tensor]:
    """Two tensors of broadcast-compatible shapes, each with a random layout."""
    shape_a, shape_b = draw(broadcast_shapes())
    return draw(tensors(numbers, shape=shape_a)), draw(tensors(numbers, shape=shape_b))


@composite
def matmul_tensors(
    draw: DrawFn, numbers: SearchStrategy[float] = small_floats
) -> Tuple[Tensor, Tensor]:
    """``a`` of shape ``(..., n, m)`` and ``b`` of shape ``(..., m, p)``, batch dims broadcasting."""
    n, m, p = (draw(small_ints) for _ in range(3))
    batch_a, batch_b = draw(broadcast_shapes()) if draw(booleans()) else ((), ())
    batch_a, batch_b = batch_a[-1:], batch_b[-1:]  # at most one batch dim keeps them small
    a = draw(tensors(numbers, shape=(*batch_a, n, m)))
    b = draw(tensors(numbers, shape=(*batch_b, m, p)))
    return a, b


def assert_close_tensor(a: Tensor, b: Tensor) -> None:
    """Fail, showing both tensors, unless they match within the course's tolerance."""
    if a.is_close(b).all().item() != 1.0:
        raise AssertionError(
            f"Tensors are not close\n x.shape={a.shape}\n x={a}\n y.shape={b.shape}\n y={b}"
        )


def assert_matches_numpy(t: Tensor, expected: np.ndarray, rtol: float = 1e-7) -> None:
    """``t`` has ``expected``'s shape and values (NaN/inf compare equal to themselves)."""
    got = t.to_numpy()
    assert got.shape == np.shape(expected), f"shape {got.shape} != numpy's {np.shape(expected)}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-12, equal_nan=True)


__all__ = [
    "shapes",
    "tensor_data",
    "indices",
    "tensors",
    "shaped_tensors",
    "broadcast_shapes",
    "broadcast_tensors",
    "matmul_tensors",
    "assert_close_tensor",
    "assert_matches_numpy",
    "small_floats",
    "small_ints",
]
