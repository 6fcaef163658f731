"""Module 3 tests: the compiled CPU backend (``FastOps``) against numpy and ``SimpleOps``.

Inputs are non-contiguous views (stored in a random dimension order, then
permuted back) in float64 and float32, with broadcasting. Hypothesis keeps
the examples few: the point is the layouts, and each new dtype or layout
combination costs a compile the first time.
"""

from __future__ import annotations

import warnings
from typing import Callable, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minitorch import fast_ops, operators
from minitorch.backends import FastTensorBackend
from minitorch.fast_ops import FastOps
from minitorch.tensor import Tensor
from minitorch.tensor_ops import SimpleBackend
from tests.backend_cases import (
    BINARY,
    DTYPES,
    TOLERANCE,
    UNARY,
    arrays,
    broadcast_pairs,
    check,
    laid_out,
    matmul_cases,
)

# ## Task 3.1: map, zip, reduce


@pytest.mark.task3_1
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(UNARY))
@given(case=arrays())
@settings(max_examples=8, deadline=None)
def test_map(name: str, dtype: type, case: Tuple[np.ndarray, Tuple[int, ...]]) -> None:
    op, np_fn, domain = UNARY[name]
    array, order = case
    x = domain(array).astype(dtype)
    got = getattr(FastTensorBackend, op)(laid_out(x, order))
    check(got, np_fn(x.astype(np.float64)), dtype)
    # The same through the reference backend.
    reference = getattr(SimpleBackend, op)(laid_out(x, order, SimpleBackend))
    check(got, reference.to_numpy(), dtype)


@pytest.mark.task3_1
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BINARY))
@given(pair=broadcast_pairs())
@settings(max_examples=8, deadline=None)
def test_zip_broadcast(name: str, dtype: type, pair: Tuple) -> None:
    op, np_fn = BINARY[name]
    (a, a_order), (b, b_order) = pair
    if name.endswith("_back"):  # the first argument must lie in the function's domain
        a = np.abs(a) + 0.5 if name != "relu_back" else a + 0.0123
    if name in ("eq", "is_close"):  # make some entries equal
        b = np.where(np.random.default_rng(0).random(b.shape) < 0.5, 0.0, b)
        a = np.where(np.random.default_rng(1).random(a.shape) < 0.5, 0.0, a)
    a, b = a.astype(dtype), b.astype(dtype)
    got = getattr(FastTensorBackend, op)(laid_out(a, a_order), laid_out(b, b_order))
    expected = np_fn(a.astype(np.float64), b.astype(np.float64))
    if name == "log_back":
        expected = b / (a.astype(np.float64) + operators.EPS)
    if name == "inv_back":
        expected = -b / a.astype(np.float64) ** 2
    check(got, expected, dtype)
    reference = getattr(SimpleBackend, op)(laid_out(a, a_order, SimpleBackend), laid_out(b, b_order, SimpleBackend))
    check(got, reference.to_numpy(), dtype)


@pytest.mark.task3_1
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn, start, np_fn", [(operators.add, 0.0, np.sum), (operators.mul, 1.0, np.prod), (operators.max, -1e9, np.max)])
@given(case=arrays(), data=st.data())
@settings(max_examples=10, deadline=None)
def test_reduce(fn: Callable, start: float, np_fn: Callable, dtype: type, case: Tuple, data: st.DataObject) -> None:
    array, order = case
    dim = data.draw(st.integers(0, array.ndim - 1))
    x = array.astype(dtype)
    got = FastOps.reduce(fn, start)(laid_out(x, order), dim)
    check(got, np_fn(x.astype(np.float64), axis=dim, keepdims=True), dtype)


@pytest.mark.task3_1
@pytest.mark.parametrize("dtype", DTYPES)
def test_large_tensors_use_all_threads(dtype: type) -> None:
    """Big enough that every thread gets work, contiguous and transposed, with a broadcast."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(300, 257)).astype(dtype)
    row = rng.uniform(-1, 1, size=(257,)).astype(dtype)
    contiguous, transposed = laid_out(x, (0, 1)), laid_out(x, (1, 0))
    assert contiguous.is_contiguous() and not transposed.is_contiguous(), "test setup: one layout should be contiguous and the other transposed"
    for t in (contiguous, transposed):
        check(FastTensorBackend.exp_map(t), np.exp(x.astype(np.float64)), dtype)
        check(FastTensorBackend.mul_zip(t, laid_out(row, (0,))), x.astype(np.float64) * row, dtype)
        for dim in (0, 1):
            check(FastTensorBackend.add_reduce(t, dim), x.astype(np.float64).sum(dim, keepdims=True), dtype)


@pytest.mark.task3_1
def test_map_into_broadcast_out() -> None:
    """``map(a, out)`` writes ``a`` broadcast into ``out``, which may be a non-contiguous view."""
    a = laid_out(np.arange(3.0).reshape(3, 1), (1, 0))
    out = laid_out(np.zeros((4, 3, 5)), (2, 0, 1))
    FastTensorBackend.neg_map(a, out)
    np.testing.assert_array_equal(out.to_numpy(), np.broadcast_to(-np.arange(3.0).reshape(3, 1), (4, 3, 5)))


@pytest.mark.task3_1
def test_mixed_dtypes_promote() -> None:
    a = laid_out(np.full((2, 3), 1.5, np.float32), (1, 0))
    b = laid_out(np.full((3,), 0.25), (0,))
    out = FastTensorBackend.add_zip(a, b)
    assert out.dtype == np.float64, f"float32 + float64 should promote to float64, got {out.dtype}"
    np.testing.assert_array_equal(out.to_numpy(), np.full((2, 3), 1.75))


@pytest.mark.task3_1
def test_edge_values_follow_numpy() -> None:
    """Division by zero gives inf, as in numpy (the kernels use numpy's error model)."""
    t = Tensor.from_numpy(np.array([0.0, 2.0, -1e3, 1e3]), backend=FastTensorBackend)
    np.testing.assert_array_equal(FastTensorBackend.inv_map(t).to_numpy(), [np.inf, 0.5, -1e-3, 1e-3])
    np.testing.assert_allclose(FastTensorBackend.sigmoid_map(t).to_numpy(), [0.5, 1 / (1 + np.exp(-2)), 0.0, 1.0])


def test_function_without_op_code_falls_back() -> None:
    def square(x: float) -> float:
        return x * x

    t = Tensor.from_numpy(np.array([1.0, -2.0, 3.0]), backend=FastTensorBackend)
    with pytest.warns(UserWarning, match="no compiled map"):
        out = FastOps.map(square)(t)
    np.testing.assert_array_equal(out.to_numpy(), [1.0, 4.0, 9.0])


def test_kernels_are_cached_on_disk() -> None:
    """Every kernel is compiled with an on-disk cache (so a warm process does not recompile)."""
    for kernel in (fast_ops.tensor_map, fast_ops.tensor_zip, fast_ops.tensor_reduce,
                   fast_ops.tensor_matrix_multiply, fast_ops.gemm_packed, fast_ops.copy_matrices):
        assert type(kernel._cache).__name__ != "NullCache", kernel


# ## Task 3.2: matrix multiply


@pytest.fixture
def numba_matmul(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route FastOps' matrix products to the numba kernel, not to numpy's BLAS."""
    monkeypatch.setattr(fast_ops, "USE_BLAS", False)


@pytest.mark.task3_2
@pytest.mark.usefixtures("numba_matmul")
@pytest.mark.parametrize("dtype", DTYPES)
@given(case=matmul_cases())
@settings(max_examples=25, deadline=None)
def test_matmul_kernel(dtype: type, case: Tuple) -> None:
    (a, a_order), (b, b_order) = case
    a, b = a.astype(dtype), b.astype(dtype)
    got = FastTensorBackend.matrix_multiply(laid_out(a, a_order), laid_out(b, b_order))
    check(got, a.astype(np.float64) @ b.astype(np.float64), dtype)


@pytest.mark.task3_2
@pytest.mark.usefixtures("numba_matmul")
@given(case=matmul_cases(max_size=5))
@settings(max_examples=10, deadline=None)
def test_matmul_kernel_matches_simple_ops(case: Tuple) -> None:
    (a, a_order), (b, b_order) = case
    got = FastTensorBackend.matrix_multiply(laid_out(a, a_order), laid_out(b, b_order))
    reference = SimpleBackend.matrix_multiply(laid_out(a, a_order, SimpleBackend), laid_out(b, b_order, SimpleBackend))
    check(got, reference.to_numpy(), np.float64)


@pytest.mark.task3_2
@pytest.mark.usefixtures("numba_matmul")
@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_kernel_large(dtype: type) -> None:
    """Sizes past every blocking constant: k over two K_CHUNKs, rows over several tiles, ragged edges."""
    rng = np.random.default_rng(5)
    n, k, m = 2 * fast_ops.ROW_TILE + 3, 2 * fast_ops.K_CHUNK + 7, 45
    a, b = rng.uniform(-1, 1, (n, k)).astype(dtype), rng.uniform(-1, 1, (k, m)).astype(dtype)
    got = FastTensorBackend.matrix_multiply(laid_out(a, (1, 0)), laid_out(b, (0, 1)))
    check(got, a.astype(np.float64) @ b.astype(np.float64), dtype)


@pytest.mark.task3_2
@pytest.mark.usefixtures("numba_matmul")
def test_matmul_kernel_mixed_dtypes_and_empty() -> None:
    a = laid_out(np.ones((2, 3), np.float32), (1, 0))
    b = laid_out(np.full((3, 4), 0.5), (0, 1))
    out = FastTensorBackend.matrix_multiply(a, b)
    assert out.dtype == np.float64, f"float32 @ float64 should promote to float64, got {out.dtype}"
    np.testing.assert_array_equal(out.to_numpy(), np.full((2, 4), 1.5))
    empty = FastTensorBackend.matrix_multiply(laid_out(np.ones((2, 0)), (0, 1)), laid_out(np.ones((0, 3)), (0, 1)))
    np.testing.assert_array_equal(empty.to_numpy(), np.zeros((2, 3)))


@pytest.mark.task3_2
@pytest.mark.parametrize("dtype", DTYPES)
@given(case=matmul_cases())
@settings(max_examples=10, deadline=None)
def test_blas_route_agrees_with_numba_kernel(dtype: type, case: Tuple) -> None:
    (a, a_order), (b, b_order) = case
    ta, tb = laid_out(a.astype(dtype), a_order), laid_out(b.astype(dtype), b_order)
    outs = []
    for use_blas in (True, False):
        fast_ops.USE_BLAS, saved = use_blas, fast_ops.USE_BLAS
        try:
            outs.append(FastTensorBackend.matrix_multiply(ta, tb).to_numpy())
        finally:
            fast_ops.USE_BLAS = saved
    np.testing.assert_allclose(outs[0], outs[1], rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_no_warnings_from_compiled_path() -> None:
    """The backend's named operations all have op codes: no fallback warning."""
    t = Tensor.from_numpy(np.ones((2, 2)), backend=FastTensorBackend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FastTensorBackend.log_map(FastTensorBackend.add_zip(t, t))
