"""minitorch.kernels.parallel: the thread pool and the BLAS products that share it."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.kernels import parallel


@pytest.mark.parametrize("shape", [(3, 4, 5), (700, 300, 200), (1, 2000, 600)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_matches_numpy_for_small_large_and_transposed(shape, dtype) -> None:
    rng = np.random.default_rng(0)
    m, k, n = shape
    a = rng.normal(size=(m, k)).astype(dtype)
    b = rng.normal(size=(n, k)).astype(dtype).T  # a transposed view, as Linear passes W.T
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=tol, atol=tol * k)
    assert parallel.matmul(a, b).dtype == dtype


def test_batched_matmul_shares_images_and_broadcasts_the_left_operand() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 8, 30))
    b = rng.normal(size=(9, 2, 30, 500))
    out = np.empty((9, 2, 8, 500))
    np.testing.assert_allclose(parallel.batched_matmul(a, b, out), a @ b, rtol=1e-12)


def test_parallel_tasks_runs_every_task_once() -> None:
    seen = np.zeros(1000, dtype=np.int64)

    def kernel(counts: np.ndarray, first: int, last: int) -> None:
        counts[first:last] += 1

    parallel.parallel_tasks(kernel, 1000, 1 << 20, seen)
    assert (seen == 1).all()


def test_small_products_run_blas_on_one_thread_and_restore_its_setting(monkeypatch) -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> list:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    seen = []
    real_matmul = np.matmul

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return real_matmul(*args, **kwargs)

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        monkeypatch.setattr(parallel.np, "matmul", spy)
        a = np.ones((32, 100))  # 102,400 multiply-adds: enough for OpenBLAS to start its threads
        np.testing.assert_allclose(parallel.matmul(a, a.T), np.full((32, 32), 100.0))
        monkeypatch.undo()
        assert seen and all(threads == [1] * len(before) for threads in seen)
        assert blas_threads() == before  # the caller's setting is back
