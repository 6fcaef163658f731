"""Module 3: the GPU backend, ``CudaOps``, written with numba.cuda.

A GPU runs thousands of threads at once. They come in *blocks* (up to 1024
threads that share a fast scratchpad, *shared memory*, and can wait for
each other with ``cuda.syncthreads()``); the blocks form a *grid*. A kernel
is the function every thread runs; ``cuda.grid(1)`` tells a thread its
number, and that number says which entry it works on:

- map and zip: one thread per output entry;
- reduce: one block per output entry; its threads each fold a strided
  share of the reduced dimension, then combine their results in shared
  memory in a tree (halving the active threads each step), so any length
  of the reduced dimension works, not only one that fits in a block;
- matrix multiply: one thread per output entry, with the blocks loading
  ``TILE x TILE`` squares of both operands into shared memory so that each
  number read from the GPU's main memory is used ``TILE`` times.

Tensors live in host (CPU) memory; each operation copies its operands to
the GPU and the result back. The kernels reuse the op codes, scalar
operators and index helpers of ``fast_ops``: numba compiles those same
functions for the GPU when a kernel calls them.

Without a GPU the module still imports. Tests run the kernels on numba's
CUDA *simulator* (``NUMBA_ENABLE_CUDASIM=1``, set before numba.cuda is
first imported), which runs every thread as Python: slow, so block sizes
are small there.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numba
import numpy as np
from numba import cuda
from numba.core import config

from . import fast_ops
from .fast_ops import BINARY_CODES, UNARY_CODES, batch_positions, bind_op, shape_size
from .tensor_data import IndexingError, Shape, Storage, Strides
from .tensor_ops import MapKernel, ReduceKernel, SimpleOps, TensorOps, ZipKernel

__all__ = [
    "device",
    "map_kernel",
    "zip_kernel",
    "reduce_kernel",
    "matmul_kernel",
    "launch_map",
    "launch_zip",
    "launch_reduce",
    "matrix_multiply",
    "CudaOps",
]

SIMULATOR = bool(config.ENABLE_CUDASIM)

# Index scratch arrays live in each thread's registers/local memory, whose
# size must be known when the kernel compiles.
MAX_DIMS = 16
# Threads per block. A GPU wants a few hundred; the simulator runs each
# thread as a Python thread, so it gets few.
THREADS = 8 if SIMULATOR else 256
REDUCE_THREADS = 8 if SIMULATOR else 256  # a power of two, for the tree
MAX_GRID_Z = 65535  # CUDA's limit on the grid's third dimension: one matrix of the batch each
# Matmul blocks are TILE x TILE threads (at most 32: 1024 threads per block).
# MINITORCH_CUDA_TILE overrides it, for measuring (bench/gpu_check.py).
TILE = int(os.environ.get("MINITORCH_CUDA_TILE", 4 if SIMULATOR else 16))


def device(helper: Any) -> Any:
    """A compiled helper of ``fast_ops`` as a CUDA device function.

    The same Python function is compiled again, for the GPU; the scalar
    operators it calls follow it there. In the simulator it runs as Python.
    """
    return cuda.jit(device=True)(helper.py_func)


to_index = device(fast_ops.to_index)
broadcast_index = device(fast_ops.broadcast_index)
index_to_position = device(fast_ops.index_to_position)
apply_unary = device(fast_ops.apply_unary)
apply_binary = device(fast_ops.apply_binary)
size_of = device(fast_ops.shape_size)


# ## Task 3.3: map, zip and reduce on the GPU


@cuda.jit
def map_kernel(
    op: int,
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    in_storage: Storage,
    in_shape: Shape,
    in_strides: Strides,
) -> None:
    """One thread per output entry: ``out[i] = fn(in[broadcast(i)])``.

    Launched with ``ceil(size / THREADS)`` blocks of ``THREADS`` threads, so
    thread ``i = cuda.grid(1)`` handles output ordinal ``i``, and threads with
    ``i >= size`` (the last block's spares) must write nothing. Index scratch
    space cannot be allocated with numpy on a GPU: use
    ``cuda.local.array(MAX_DIMS, numba.int64)`` and pass its first
    ``len(shape)`` entries to ``index_to_position``. The helpers ``to_index``,
    ``broadcast_index``, ``index_to_position``, ``size_of`` and ``apply_unary``
    above are the ``fast_ops`` ones compiled for the GPU.

    Args:
        op: the operator's code (``fast_ops.UNARY_CODES``); ``apply_unary(op, x)``
            applies it.
        out: the output's storage (on the GPU); write entry ``i`` only.
        out_shape: the output's shape (an int64 array).
        out_strides: the output's strides.
        in_storage: the input's storage.
        in_shape: the input's shape; broadcasts to ``out_shape``.
        in_strides: the input's strides.
    """
    # BEGIN SOLUTION task3_3
    out_index = cuda.local.array(MAX_DIMS, numba.int64)
    in_index = cuda.local.array(MAX_DIMS, numba.int64)
    i = cuda.grid(1)
    if i < size_of(out_shape):
        to_index(i, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        x = in_storage[index_to_position(in_index[: len(in_shape)], in_strides)]
        out[index_to_position(out_index[: len(out_shape)], out_strides)] = apply_unary(op, x)
    # END SOLUTION


@cuda.jit
def zip_kernel(
    op: int,
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    b_storage: Storage,
    b_shape: Shape,
    b_strides: Strides,
) -> None:
    """One thread per output entry: ``out[i] = fn(a[broadcast(i)], b[broadcast(i)])``.

    Launched like :func:`map_kernel` (threads with ``i >= size`` write
    nothing; index scratch space from ``cuda.local.array``). Both inputs are
    read through ``broadcast_index`` and their own strides.

    Args:
        op: the operator's code (``fast_ops.BINARY_CODES``);
            ``apply_binary(op, x, y)`` applies it.
        out: the output's storage (on the GPU); write entry ``i`` only.
        out_shape: the output's shape (an int64 array).
        out_strides: the output's strides.
        a_storage: the first input's storage.
        a_shape: its shape; broadcasts to ``out_shape``.
        a_strides: its strides.
        b_storage: the second input's storage.
        b_shape: its shape; broadcasts to ``out_shape``.
        b_strides: its strides.
    """
    # BEGIN SOLUTION task3_3
    out_index = cuda.local.array(MAX_DIMS, numba.int64)
    a_index = cuda.local.array(MAX_DIMS, numba.int64)
    b_index = cuda.local.array(MAX_DIMS, numba.int64)
    i = cuda.grid(1)
    if i < size_of(out_shape):
        to_index(i, out_shape, out_index)
        broadcast_index(out_index, out_shape, a_shape, a_index)
        broadcast_index(out_index, out_shape, b_shape, b_index)
        x = a_storage[index_to_position(a_index[: len(a_shape)], a_strides)]
        y = b_storage[index_to_position(b_index[: len(b_shape)], b_strides)]
        out[index_to_position(out_index[: len(out_shape)], out_strides)] = apply_binary(op, x, y)
    # END SOLUTION


@cuda.jit
def reduce_kernel(
    op: int,
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    reduce_dim: int,
) -> None:
    """One block of ``REDUCE_THREADS`` threads per output entry.

    ``out`` arrives filled with the start value, which must be an identity
    of ``fn`` (0 for add, 1 for mul, a very negative number for max): every
    thread starts its share from it.

    Launched with one block per output entry (block ``cuda.blockIdx.x`` is
    output ordinal ``blockIdx.x``) and ``REDUCE_THREADS`` threads per block
    (a power of two). The reduced dimension may be longer than a block, so
    thread ``t`` first folds entries ``t, t + REDUCE_THREADS, ...``; then the
    block combines its threads' partial results in a
    ``cuda.shared.array(REDUCE_THREADS, numba.float64)`` pairwise, halving
    the active threads each round, with ``cuda.syncthreads()`` reached by
    *every* thread between rounds; thread 0 writes the result. The order of
    combining may differ from a left-to-right fold, so ``fn`` must be
    associative (add, mul, max).

    Args:
        op: the operator's code (``fast_ops.BINARY_CODES``).
        out: the output's storage; ``out_shape`` is ``a_shape`` with
            ``reduce_dim`` set to 1.
        out_shape: the output's shape.
        out_strides: the output's strides.
        a_storage: the input's storage.
        a_shape: the input's shape.
        a_strides: the input's strides.
        reduce_dim: the dimension to fold.
    """
    # BEGIN SOLUTION task3_3
    partial = cuda.shared.array(REDUCE_THREADS, numba.float64)
    out_index = cuda.local.array(MAX_DIMS, numba.int64)
    t = cuda.threadIdx.x
    dims = len(out_shape)
    to_index(cuda.blockIdx.x, out_shape, out_index)
    o = index_to_position(out_index[:dims], out_strides)
    # out_index is 0 along reduce_dim: it is also the index of a's first entry.
    first = index_to_position(out_index[:dims], a_strides)
    step = a_strides[reduce_dim]
    # 1. Each thread folds entries t, t + REDUCE_THREADS, t + 2 * REDUCE_THREADS, ...
    acc = out[o]
    for r in range(t, a_shape[reduce_dim], REDUCE_THREADS):
        acc = apply_binary(op, acc, a_storage[first + r * step])
    partial[t] = acc
    cuda.syncthreads()
    # 2. Tree: the first half of the threads combine with the second half, and so on.
    half = REDUCE_THREADS // 2
    while half > 0:
        if t < half:
            partial[t] = apply_binary(op, partial[t], partial[t + half])
        cuda.syncthreads()  # outside the if: every thread of the block must reach it
        half //= 2
    if t == 0:
        out[o] = partial[0]
    # END SOLUTION


# ## Task 3.4: matrix multiply with shared-memory tiles


@cuda.jit
def matmul_kernel(
    out: Storage,
    out_starts: np.ndarray,
    out_row_stride: int,
    out_col_stride: int,
    a: Storage,
    a_starts: np.ndarray,
    a_row_stride: int,
    a_col_stride: int,
    b: Storage,
    b_starts: np.ndarray,
    b_row_stride: int,
    b_col_stride: int,
    n: int,
    m: int,
    k: int,
) -> None:
    """``out[p] = a[p] @ b[p]`` for matrix ``p = blockIdx.z`` of the batch.

    A block of ``TILE x TILE`` threads computes the ``TILE x TILE`` square of
    the output at ``(blockIdx.y, blockIdx.x)``. For each step along ``k`` its
    threads first copy one square of ``a`` and one of ``b`` into shared
    memory (one number each), wait, then each multiplies a row of the first
    by a column of the second. ``*_starts[p]`` is where matrix ``p`` begins in
    its storage; the strides say how to step along rows and columns.

    Every thread must reach each ``cuda.syncthreads()``, including threads
    whose output entry lies outside the ``n x m`` matrix (they load zeros
    into the tiles and skip only the final write). Sums run in ``out``'s
    dtype (float32 or float64).

    Args:
        out: the output's storage, ``n x m`` matrices.
        out_starts: the storage position of each output matrix.
        out_row_stride: the step between rows of an output matrix.
        out_col_stride: the step between its columns.
        a: the left operand's storage, ``n x k`` matrices.
        a_starts: where each left matrix begins (batch-broadcast already applied).
        a_row_stride: its row step.
        a_col_stride: its column step.
        b: the right operand's storage, ``k x m`` matrices.
        b_starts: where each right matrix begins.
        b_row_stride: its row step.
        b_col_stride: its column step.
        n: rows of each output matrix.
        m: columns of each output matrix.
        k: the shared dimension.
    """
    # BEGIN SOLUTION task3_4
    # The tiles and the running sum use the output's dtype: float32 products
    # stay float32 (a GPU does them several times faster than float64).
    a_tile = cuda.shared.array((TILE, TILE), out.dtype)
    b_tile = cuda.shared.array((TILE, TILE), out.dtype)
    zero = out.dtype.type(0)
    p = cuda.blockIdx.z
    ty, tx = cuda.threadIdx.y, cuda.threadIdx.x
    i = cuda.blockIdx.y * TILE + ty  # this thread's output row
    j = cuda.blockIdx.x * TILE + tx  # and column
    acc = zero
    for k_start in range(0, k, TILE):
        # Neighbouring threads (tx) read neighbouring columns: coalesced loads.
        a_tile[ty, tx] = zero
        if i < n and k_start + tx < k:
            a_tile[ty, tx] = a[a_starts[p] + i * a_row_stride + (k_start + tx) * a_col_stride]
        b_tile[ty, tx] = zero
        if j < m and k_start + ty < k:
            b_tile[ty, tx] = b[b_starts[p] + (k_start + ty) * b_row_stride + j * b_col_stride]
        cuda.syncthreads()
        for q in range(TILE):
            acc += a_tile[ty, q] * b_tile[q, tx]
        cuda.syncthreads()  # before the next step overwrites the tiles
    if i < n and j < m:
        out[out_starts[p] + i * out_row_stride + j * out_col_stride] = acc
    # END SOLUTION


# ## Launching: copy to the GPU, run, copy back


def _check_dims(*shapes: Shape) -> None:
    for shape in shapes:
        if len(shape) > MAX_DIMS:
            raise IndexingError(f"CudaOps supports at most {MAX_DIMS} dims, got shape {tuple(shape)}")


def _blocks(size: int, threads: int) -> int:
    return (size + threads - 1) // threads


def launch_map(op: int, out: Storage, out_shape: Shape, out_strides: Strides, *source: Any) -> None:
    """Run :func:`map_kernel` on the GPU and copy the result into ``out``."""
    _check_dims(out_shape, source[1])
    size = int(shape_size(out_shape))
    if size == 0:
        return
    device_out = cuda.to_device(out)
    arrays = [cuda.to_device(np.ascontiguousarray(x)) for x in (out_shape, out_strides, *source)]
    map_kernel[_blocks(size, THREADS), THREADS](op, device_out, *arrays)
    device_out.copy_to_host(out)


def launch_zip(op: int, out: Storage, out_shape: Shape, out_strides: Strides, *sources: Any) -> None:
    """Run :func:`zip_kernel` on the GPU and copy the result into ``out``."""
    _check_dims(out_shape, sources[1], sources[4])
    size = int(shape_size(out_shape))
    if size == 0:
        return
    device_out = cuda.to_device(out)
    arrays = [cuda.to_device(np.ascontiguousarray(x)) for x in (out_shape, out_strides, *sources)]
    zip_kernel[_blocks(size, THREADS), THREADS](op, device_out, *arrays)
    device_out.copy_to_host(out)


def launch_reduce(
    op: int,
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    reduce_dim: int,
) -> None:
    """Run :func:`reduce_kernel` (one block per output entry) and copy the result back."""
    _check_dims(out_shape, a_shape)
    size = int(shape_size(out_shape))
    if size == 0:
        return
    device_out = cuda.to_device(out)
    arrays = [cuda.to_device(np.ascontiguousarray(x)) for x in (out_shape, out_strides, a_storage, a_shape, a_strides)]
    reduce_kernel[size, REDUCE_THREADS](op, device_out, *arrays, int(reduce_dim))
    device_out.copy_to_host(out)


def matrix_multiply(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    b_storage: Storage,
    b_shape: Shape,
    b_strides: Strides,
) -> None:
    """Batched matrix product on the GPU (the contract of ``fast_ops.tensor_matrix_multiply``)."""
    dims = len(out_shape)
    n, m, k = int(out_shape[-2]), int(out_shape[-1]), int(a_shape[-1])
    batches = int(shape_size(out_shape[: dims - 2]))
    if batches * n * m == 0:
        return
    if batches > MAX_GRID_Z:
        raise ValueError(f"CudaOps multiplies at most {MAX_GRID_Z} matrices at once, got {batches}")
    starts = [
        cuda.to_device(batch_positions(out_shape, shape, strides))
        for shape, strides in ((out_shape, out_strides), (a_shape, a_strides), (b_shape, b_strides))
    ]
    device_out = cuda.to_device(out)
    grid = (_blocks(m, TILE), _blocks(n, TILE), batches)
    matmul_kernel[grid, (TILE, TILE)](
        device_out, starts[0], int(out_strides[-2]), int(out_strides[-1]),
        cuda.to_device(a_storage), starts[1], int(a_strides[-2]), int(a_strides[-1]),
        cuda.to_device(b_storage), starts[2], int(b_strides[-2]), int(b_strides[-1]),
        n, m, k,
    )  # fmt: skip
    device_out.copy_to_host(out)


class CudaOps(TensorOps):
    """The GPU backend: each operation runs as a numba.cuda kernel.

    Operators without an op code fall back to the pure-Python ``SimpleOps``
    kernels (with a warning), like ``FastOps``.
    """

    cuda = True

    @staticmethod
    def map_kernel(fn: Callable[[float], float]) -> MapKernel:
        """The GPU map kernel for ``fn``."""
        return bind_op("map", fn, UNARY_CODES, launch_map, SimpleOps.map_kernel)

    @staticmethod
    def zip_kernel(fn: Callable[[float, float], float]) -> ZipKernel:
        """The GPU zip kernel for ``fn``."""
        return bind_op("zip", fn, BINARY_CODES, launch_zip, SimpleOps.zip_kernel)

    @staticmethod
    def reduce_kernel(fn: Callable[[float, float], float]) -> ReduceKernel:
        """The GPU reduce kernel for ``fn`` (its start value must be an identity of ``fn``)."""
        return bind_op("reduce", fn, BINARY_CODES, launch_reduce, SimpleOps.reduce_kernel)

    matmul_kernel = staticmethod(matrix_multiply)
