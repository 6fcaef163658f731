"""Module 3 tests: the CUDA backend (``CudaOps``) against numpy.

On a machine without an NVIDIA GPU these run on numba's CUDA simulator
(``tests/conftest.py`` switches it on before numba.cuda is imported). The
simulator runs every GPU thread as a Python thread, so the shapes are small
and the examples few; the block sizes are small there too
(``cuda_ops.THREADS``, ``REDUCE_THREADS``, ``TILE``), so the shapes still
span several blocks, ragged edges and reductions longer than a block.
"""

from __future__ import annotations

from typing import Callable, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import cuda

from minitorch import operators
from minitorch.tensor_ops import TensorBackend
from tests.backend_cases import (
    BINARY,
    DTYPES,
    UNARY,
    arrays,
    broadcast_pairs,
    check,
    laid_out,
    matmul_cases,
)

pytestmark = pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU or NUMBA_ENABLE_CUDASIM=1")

from minitorch.cuda_ops import REDUCE_THREADS, TILE, CudaOps  # noqa: E402 - after the skip check

GPU = TensorBackend(CudaOps)


# ## Task 3.3: map, zip, reduce


@pytest.mark.task3_3
@pytest.mark.parametrize("name", list(UNARY))
@given(case=arrays(max_dims=3))
@settings(max_examples=3, deadline=None)
def test_cuda_map(name: str, case: Tuple) -> None:
    op, np_fn, domain = UNARY[name]
    array, order = case
    x = domain(array)
    check(getattr(GPU, op)(laid_out(x, order, GPU)), np_fn(x), np.float64)


@pytest.mark.task3_3
@pytest.mark.parametrize("name", ["add", "mul", "lt", "relu_back"])
@given(pair=broadcast_pairs())
@settings(max_examples=3, deadline=None)
def test_cuda_zip_broadcast(name: str, pair: Tuple) -> None:
    op, np_fn = BINARY[name]
    (a, a_order), (b, b_order) = pair
    if name == "relu_back":
        a = a + 0.0123
    check(getattr(GPU, op)(laid_out(a, a_order, GPU), laid_out(b, b_order, GPU)), np_fn(a, b), np.float64)


@pytest.mark.task3_3
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_ops_float32(dtype: type) -> None:
    x = np.linspace(-2, 2, 12).reshape(3, 4).astype(dtype)
    t = laid_out(x, (1, 0), GPU)
    check(GPU.sigmoid_map(t), 1 / (1 + np.exp(-x.astype(np.float64))), dtype)
    check(GPU.mul_zip(t, t), x.astype(np.float64) ** 2, dtype)
    check(GPU.add_reduce(t, 1), x.astype(np.float64).sum(1, keepdims=True), dtype)


@pytest.mark.task3_3
@pytest.mark.parametrize(
    "fn, start, np_fn", [(operators.add, 0.0, np.sum), (operators.mul, 1.0, np.prod), (operators.max, -1e9, np.max)]
)
@given(case=arrays(max_dims=3), data=st.data())
@settings(max_examples=3, deadline=None)
def test_cuda_reduce(fn: Callable, start: float, np_fn: Callable, case: Tuple, data: st.DataObject) -> None:
    array, order = case
    dim = data.draw(st.integers(0, array.ndim - 1))
    got = CudaOps.reduce(fn, start)(laid_out(array, order, GPU), dim)
    check(got, np_fn(array, axis=dim, keepdims=True), np.float64)


@pytest.mark.task3_3
@pytest.mark.parametrize("length", [REDUCE_THREADS - 1, REDUCE_THREADS, 3 * REDUCE_THREADS + 5])
def test_cuda_reduce_longer_than_a_block(length: int) -> None:
    """Each thread folds several entries when the reduced dim is longer than the block."""
    x = np.random.default_rng(length).uniform(-1, 1, size=(2, length))
    t = laid_out(x, (1, 0), GPU)
    check(GPU.add_reduce(t, 1), x.sum(1, keepdims=True), np.float64)
    check(CudaOps.reduce(operators.max, -1e9)(t, 1), x.max(1, keepdims=True), np.float64)


# ## Task 3.4: matrix multiply


@pytest.mark.task3_4
@given(case=matmul_cases(max_size=2 * TILE + 1))
@settings(max_examples=6, deadline=None)
def test_cuda_matmul(case: Tuple) -> None:
    (a, a_order), (b, b_order) = case
    got = GPU.matrix_multiply(laid_out(a, a_order, GPU), laid_out(b, b_order, GPU))
    check(got, a @ b, np.float64)


@pytest.mark.task3_4
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_matmul_ragged_tiles(dtype: type) -> None:
    """Sizes that are not multiples of TILE in any dimension, a transposed operand, a batch."""
    rng = np.random.default_rng(7)
    n, k, m = TILE + 1, 2 * TILE + 3, TILE - 1
    a = rng.uniform(-1, 1, (2, n, k)).astype(dtype)
    b = rng.uniform(-1, 1, (k, m)).astype(dtype)
    got = GPU.matrix_multiply(laid_out(a, (0, 2, 1), GPU), laid_out(b, (1, 0), GPU))
    check(got, a.astype(np.float64) @ b.astype(np.float64), dtype)


# ## The course's warm-ups: one block sums 32 numbers, one block multiplies small matrices


@pytest.mark.task3_3
@pytest.mark.parametrize("size", [1, 20, 32, 48, 64])
def test_sum_practice(size: int) -> None:
    import minitorch

    values = np.random.default_rng(size).normal(size=size)
    out = minitorch.sum_practice(minitorch.tensor(values.tolist()))
    assert out.shape == (2,), f"sum_practice returns the two block sums, got shape {out.shape}"
    expected = [values[:32].sum(), values[32:64].sum()]
    np.testing.assert_allclose(out._storage, expected, err_msg="block b holds sum(a[32b:32b+32])")


@pytest.mark.task3_4
@pytest.mark.parametrize("size", [1, 2, 5, 16])
def test_mm_practice(size: int) -> None:
    import minitorch

    rng = np.random.default_rng(size)
    a, b = rng.normal(size=(size, size)), rng.normal(size=(size, size))
    out = minitorch.mm_practice(minitorch.tensor(a.tolist()), minitorch.tensor(b.tolist()))
    assert out.shape == (size, size), f"expected shape {(size, size)}, got {out.shape}"
    np.testing.assert_allclose(np.asarray(out._storage).reshape(size, size), a @ b,
                               err_msg="mm_practice(a, b) must equal a @ b")


def test_mm_practice_refuses_big_or_unequal_matrices() -> None:
    import minitorch

    with pytest.raises(ValueError, match="at most 32"):
        minitorch.mm_practice(minitorch.zeros((33, 33)), minitorch.zeros((33, 33)))
    with pytest.raises(ValueError, match=r"\(2, 2\) and \(3, 3\)"):
        minitorch.mm_practice(minitorch.zeros((2, 2)), minitorch.zeros((3, 3)))
