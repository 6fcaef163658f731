"""Running work on all cores: one thread pool, and numpy's BLAS kept out of its way.

Most of minitorch's heavy kernels (convolutions, batch norm, activations)
are numba functions compiled with ``nogil=True`` that do a slice
``first <= task < last`` of a list of equal, independent tasks.
:func:`parallel_tasks` runs slices of that list side by side on a thread
pool with one thread per core, which does what numba's ``prange`` would,
but compiles 2-3x faster: measured, ``parallel=True`` added 1-3 s of compile
per kernel and dtype, which a cold cache pays in every fresh checkout and
CI run.

Matrix products go to numpy, i.e. to the BLAS library it ships (OpenBLAS),
which starts threads of its own and keeps them spinning for a while after
each call. Next to our pool that puts four busy threads on two cores, and
everything slows down several times over (measured 3-7x on EfficientNet's
forward pass, and more when other processes share the machine). So the
products here run with BLAS on one thread, the rows or images shared out
among our pool's threads instead (:func:`matmul`, :func:`batched_matmul`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

import numba
import numpy as np

# Below this many numbers touched, threads cost more than they save.
PARALLEL_MIN_WORK = 1 << 16
# Products too small for our pool (an MLP's 32 x 784 x 128) run with BLAS on
# the calling thread alone. OpenBLAS's own two threads finish one in 80 us
# instead of 125 on an idle machine, but beside other busy processes each
# product waits for a descheduled BLAS thread: the Keras MNIST step took 20 ms
# instead of 6.6 (median, same process, load ~4). False restores BLAS's threads.
SMALL_BLAS_ONE_THREAD = True
_pool: Optional[ThreadPoolExecutor] = None
_pool_threads = 0


def parallel_tasks(task_kernel: Callable[..., None], tasks: int, work: int, *args: Any) -> None:
    """Run ``task_kernel(*args, first, last)`` over tasks ``0 <= task < tasks`` on all threads.

    The tasks are cut into a few slices per thread (so that a thread held
    up by another process does not hold up the whole call), and the kernel,
    compiled with ``nogil=True``, runs them side by side.

    Args:
        task_kernel: a kernel whose last two arguments are ``first, last``.
        tasks: how many tasks.
        work: roughly how many numbers the call touches (small calls run
            in this thread).
        args: the kernel's other arguments.
    """
    global _pool, _pool_threads
    threads = numba.get_num_threads()
    if threads == 1 or tasks == 1 or work < PARALLEL_MIN_WORK:
        task_kernel(*args, 0, tasks)
        return
    if _pool is None or _pool_threads != threads:
        _pool, _pool_threads = ThreadPoolExecutor(threads, "minitorch"), threads
    slices = min(tasks, 4 * threads)
    bounds = [tasks * i // slices for i in range(slices + 1)]
    futures = [_pool.submit(task_kernel, *args, lo, hi) for lo, hi in zip(bounds, bounds[1:])]
    for future in futures:
        future.result()


class _OneBlasThread:
    """A context in which numpy's BLAS runs on the calling thread only (see ``single_threaded_blas``)."""

    libs: Optional[list] = None  # threadpoolctl's controllers of the BLAS libraries numpy loaded

    def __enter__(self) -> None:
        if _OneBlasThread.libs is None:
            from threadpoolctl import ThreadpoolController

            _OneBlasThread.libs = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
        self.saved = [lib.get_num_threads() for lib in _OneBlasThread.libs]
        for lib in _OneBlasThread.libs:
            lib.set_num_threads(1)

    def __exit__(self, *exc: Any) -> None:
        for lib, n in zip(_OneBlasThread.libs or [], self.saved):
            lib.set_num_threads(n)


def single_threaded_blas() -> Any:
    """A context in which numpy's BLAS runs on the calling thread only.

    The convolutions run their matrix products on the thread pool, one image
    per task; a BLAS that also starts its own threads would put four busy
    threads on two cores (measured: 3-7x slower). ``threadpoolctl`` finds the
    BLAS numpy loaded (once); entering and leaving set its thread count
    directly, about 4 us in all (``threadpoolctl.threadpool_limits`` takes 18).
    """
    return _OneBlasThread()


def _matmul_tasks(a: np.ndarray, b: np.ndarray, out: np.ndarray, first: int, last: int) -> None:
    """``out[i] = a[i] @ b[i]`` (or ``a @ b[i]`` when ``a`` has one dim less) for ``first <= i < last``."""
    lhs = a[first:last] if a.ndim == b.ndim else a
    np.matmul(lhs, b[first:last], out=out[first:last])


def batched_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b, out=out)`` with the leading (image) axis shared out among the threads.

    Args:
        a: ``(B, ..., M, K)``, or ``(..., M, K)`` used for every image.
        b: ``(B, ..., K, N)``.
        out: ``(B, ..., M, N)``, written.
    """
    with single_threaded_blas():
        parallel_tasks(_matmul_tasks, b.shape[0], out.size * max(a.shape[-1], 1), a, b, out)
    return out


def _matmul_rows(a: np.ndarray, b: np.ndarray, out: np.ndarray, first: int, last: int) -> None:
    """``out[first:last] = a[first:last] @ b`` (a block of rows)."""
    np.matmul(a[first:last], b, out=out[first:last])


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-D arrays, the rows of ``a`` shared out among the threads.

    Products under ``64 * PARALLEL_MIN_WORK`` multiply-adds run in the
    calling thread, with BLAS on one thread too (see ``SMALL_BLAS_ONE_THREAD``).
    """
    rows, inner = a.shape
    cols = b.shape[1]
    out = np.empty((rows, cols), dtype=np.result_type(a, b))
    if rows * inner * cols < 64 * PARALLEL_MIN_WORK or rows < 2:
        # Under PARALLEL_MIN_WORK multiply-adds OpenBLAS stays on one thread by itself.
        if not SMALL_BLAS_ONE_THREAD or rows * inner * cols < PARALLEL_MIN_WORK:
            np.matmul(a, b, out=out)
            return out
        with single_threaded_blas():
            np.matmul(a, b, out=out)
        return out
    tasks = min(rows, 4 * numba.get_num_threads())
    with single_threaded_blas():
        parallel_tasks(_row_blocks, tasks, rows * cols * inner, a, b, out, tasks)
    return out


def _row_blocks(a: np.ndarray, b: np.ndarray, out: np.ndarray, tasks: int, first: int, last: int) -> None:
    """Tasks ``first..last`` of ``tasks`` equal blocks of rows."""
    rows = a.shape[0]
    lo, hi = rows * first // tasks, rows * last // tasks
    _matmul_rows(a, b, out, lo, hi)


__all__ = ["PARALLEL_MIN_WORK", "parallel_tasks", "single_threaded_blas", "batched_matmul", "matmul"]
