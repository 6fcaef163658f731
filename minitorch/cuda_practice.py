"""Module 3 warm-ups for the GPU: one block sums 32 numbers, one block multiplies two small matrices.

The MiniTorch course practises shared memory on these two before the real
kernels of Tasks 3.3 and 3.4, and its tests call them as
``minitorch.sum_practice(a)`` and ``minitorch.mm_practice(a, b)``:

- ``sum_practice``: each block of ``BLOCK`` (32) threads loads its 32 entries
  of ``a`` into shared memory and adds them up in a tree (16 pairs, then 8,
  4, 2, 1); ``out[block]`` is its sum. Entries past the end count as 0.
- ``mm_practice``: one ``BLOCK x BLOCK`` block multiplies two ``size x size``
  row-major matrices (``size <= 32``): each thread copies one entry of ``a``
  and one of ``b`` into shared memory, all wait, then each computes one dot
  product from shared memory and writes it once.

They run wherever ``CudaOps`` runs: on a GPU, or on numba's CUDA simulator
(``minitorch/kernels/cuda_choice.py``).
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from .tensor import Tensor
from .tensor_data import TensorData

__all__ = ["BLOCK", "sum_practice", "mm_practice"]

BLOCK = 32  # the course's block size; fixed, because the tests count on it


@cuda.jit
def _sum_practice(out: np.ndarray, a: np.ndarray, size: int) -> None:
    """``out[b] = sum(a[32 b : 32 b + 32])`` for block ``b`` (see the module docstring)."""
    # BEGIN SOLUTION task3_3
    cache = cuda.shared.array(BLOCK, np.float64)
    i = cuda.blockIdx.x * BLOCK + cuda.threadIdx.x
    t = cuda.threadIdx.x
    cache[t] = a[i] if i < size else 0.0
    cuda.syncthreads()
    step = BLOCK // 2
    while step > 0:
        if t < step:
            cache[t] += cache[t + step]
        cuda.syncthreads()
        step //= 2
    if t == 0 and cuda.blockIdx.x < out.size:
        out[cuda.blockIdx.x] = cache[0]
    # END SOLUTION


def sum_practice(a: Tensor) -> TensorData:
    """Sum each run of 32 entries of ``a`` with one block each.

    Args:
        a: any tensor; its storage is read in order (``a.size`` entries).

    Returns:
        ``TensorData`` of shape ``(2,)``: entry ``b`` holds the sum of block ``b``
        (blocks past the second are computed but not kept, as in the course).
    """
    values = np.ascontiguousarray(a._tensor._storage[: a.size], dtype=np.float64)
    out = np.zeros(2)
    blocks = values.size // BLOCK + 1
    device_out = cuda.to_device(out)
    _sum_practice[blocks, BLOCK](device_out, cuda.to_device(values), values.size)
    return TensorData(device_out.copy_to_host(), (2,))


@cuda.jit
def _mm_practice(out: np.ndarray, a: np.ndarray, b: np.ndarray, size: int) -> None:
    """``out = a @ b`` for ``size x size`` row-major matrices, one block (see the module docstring)."""
    # BEGIN SOLUTION task3_4
    a_shared = cuda.shared.array((BLOCK, BLOCK), np.float64)
    b_shared = cuda.shared.array((BLOCK, BLOCK), np.float64)
    i, j = cuda.threadIdx.y, cuda.threadIdx.x
    inside = i < size and j < size
    if inside:
        a_shared[i, j] = a[i * size + j]
        b_shared[i, j] = b[i * size + j]
    cuda.syncthreads()
    if inside:
        acc = 0.0
        for k in range(size):
            acc += a_shared[i, k] * b_shared[k, j]
        out[i * size + j] = acc
    # END SOLUTION


def mm_practice(a: Tensor, b: Tensor) -> TensorData:
    """Multiply two square matrices of at most 32 x 32 with one block.

    Args:
        a, b: ``(size, size)`` tensors, ``size <= 32``.

    Returns:
        ``TensorData`` of shape ``(size, size)`` holding ``a @ b``.

    Raises:
        ValueError: naming the shapes, if they are not equal squares of at most 32.
    """
    size = a.shape[0]
    if a.shape != (size, size) or b.shape != (size, size) or size > BLOCK:
        raise ValueError(f"mm_practice takes two equal square matrices of at most {BLOCK} x "
                         f"{BLOCK}, got {a.shape} and {b.shape}")
    left = np.ascontiguousarray(a.contiguous()._tensor._storage[: a.size], dtype=np.float64)
    right = np.ascontiguousarray(b.contiguous()._tensor._storage[: b.size], dtype=np.float64)
    device_out = cuda.to_device(np.zeros(size * size))
    _mm_practice[1, (BLOCK, BLOCK)](device_out, cuda.to_device(left), cuda.to_device(right), size)
    return TensorData(device_out.copy_to_host(), (size, size))
