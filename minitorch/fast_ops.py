"""Module 3: the fast CPU backend, ``FastOps``.

``SimpleOps`` walks every entry in Python, about a microsecond each. Here
the same loops are compiled to machine code by numba and spread over all
cores: the outer loop of each kernel is a ``prange``, so numba hands out
its iterations to threads. Three ideas make the kernels fast:

1. *Compile once per machine.* Every kernel is a module-level function
   compiled with an on-disk cache (``minitorch.kernels.jit.kernel``). A kernel
   built per operator as a closure (``tensor_map(fn)`` returning a new
   compiled function) costs 1.5 s of compiling in every process and cannot
   be cached, so the operator is an argument instead: an *op code*, one
   small integer, and ``apply_unary``/``apply_binary`` pick the scalar
   function with a chain of ``if``\\ s that the compiler hoists out of the loop.
2. *Do as little index arithmetic as the layout allows.* When the output
   and inputs are contiguous with the same shape, entry ``i`` of each lives
   at position ``i`` of its storage: one flat loop, no ``to_index``.
   Otherwise the index helpers run once per row (a run along the last
   dimension), and along the row each position just moves by its stride
   (0 for a broadcast input): 4-7x faster than once per entry.
3. *Matrix multiply as a blocked, register-tiled kernel* (the steps are
   measured one by one in ``lessons/03_fast_kernels.ipynb``): pack the
   operands contiguously, compute 4 x 4 blocks of the output with 16 running
   sums held in registers, and walk the shared dimension in cache-sized chunks.

The index helpers (``to_index``, ``broadcast_index``, ``index_to_position``)
and the scalar operators are the very functions of Modules 0 and 2,
compiled for use inside kernels.
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from typing import Any, Callable, Dict, Iterator, Tuple

import numba
import numpy as np
from numba import prange

from . import operators, tensor_data
from .kernels.jit import helper, inline, kernel
from .kernels.malloc_tuning import tune_malloc
from .tensor_data import Shape, Storage, Strides
from .tensor_ops import MapKernel, ReduceKernel, SimpleOps, TensorOps, ZipKernel

__all__ = ["FastOps"]

# Large tensors are allocated and freed on every operation; keep glibc from
# handing their memory back to the OS each time (see malloc_tuning).
tune_malloc()

# After each parallel kernel numba's OpenMP workers spin-wait by default,
# taking the cores that BLAS and the next kernel need: an MNIST MLP epoch took
# 15.0 s that way and 2.5 s with passive waiting (2 cores). A user's own
# setting wins; it must be set before numba starts its threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Kernels compile in the operators (Module 0) and index helpers (Module 2):
# editing those files must invalidate the cached machine code.
_WATCH = (operators, tensor_data)

# ## The helpers, compiled for use inside kernels

to_index = inline(tensor_data.to_index)
index_to_position = inline(tensor_data.index_to_position)
broadcast_index = inline(tensor_data.broadcast_index)

# ## Op codes: which scalar function a kernel applies
#
# A kernel takes the code, not the function, so that one compiled (and
# cached) kernel serves every operator.

UNARY = (operators.id, operators.neg, operators.sigmoid, operators.relu, operators.log, operators.exp, operators.inv)
ID, NEG, SIGMOID, RELU, LOG, EXP, INV = range(len(UNARY))
BINARY = (
    operators.add, operators.mul, operators.lt, operators.eq, operators.is_close,
    operators.max, operators.relu_back, operators.log_back, operators.inv_back,
)  # fmt: skip
ADD, MUL, LT, EQ, IS_CLOSE, MAX, RELU_BACK, LOG_BACK, INV_BACK = range(len(BINARY))

UNARY_CODES: Dict[Callable[..., float], int] = {fn: code for code, fn in enumerate(UNARY)}
BINARY_CODES: Dict[Callable[..., float], int] = {fn: code for code, fn in enumerate(BINARY)}

# The operators compiled for kernels, in code order (numba needs each as a module global).
_id, _neg, _sigmoid, _relu, _log, _exp, _inv = (inline(fn) for fn in UNARY)
_add, _mul, _lt, _eq, _is_close, _max, _relu_back, _log_back, _inv_back = (inline(fn) for fn in BINARY)


@helper
def apply_unary(op: int, x: float) -> float:
    """``fn(x)`` for the unary operator with code ``op``."""
    if op == NEG:
        return _neg(x)
    if op == SIGMOID:
        return _sigmoid(x)
    if op == RELU:
        return _relu(x)
    if op == LOG:
        return _log(x)
    if op == EXP:
        return _exp(x)
    if op == INV:
        return _inv(x)
    return _id(x)


@helper
def apply_binary(op: int, x: float, y: float) -> float:
    """``fn(x, y)`` for the binary operator with code ``op``."""
    if op == ADD:
        return _add(x, y)
    if op == MUL:
        return _mul(x, y)
    if op == LT:
        return _lt(x, y)
    if op == EQ:
        return _eq(x, y)
    if op == IS_CLOSE:
        return _is_close(x, y)
    if op == MAX:
        return _max(x, y)
    if op == RELU_BACK:
        return _relu_back(x, y)
    if op == LOG_BACK:
        return _log_back(x, y)
    return _inv_back(x, y)


@inline
def shape_size(shape: Shape) -> int:
    """The number of entries of a tensor of this shape."""
    size = 1
    for s in shape:
        size *= s
    return size


@inline
def same_contiguous_layout(shape: Shape, strides: Strides, other_shape: Shape, other_strides: Strides) -> bool:
    """True if both tensors have this shape and are contiguous (row-major).

    Then entry number ``i`` of each sits at position ``i`` of its storage.
    Dimensions of size 1 are skipped: their stride is never used.
    """
    if len(shape) != len(other_shape):
        return False
    expected = 1
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] != other_shape[d]:
            return False
        if shape[d] != 1 and (strides[d] != expected or other_strides[d] != expected):
            return False
        expected *= shape[d]
    return True


@inline
def last_dim(shape: Shape, strides: Strides) -> Tuple[int, int]:
    """``(size, stride)`` of the last dimension; its stride is 0 when it is broadcast (size 1)."""
    if len(shape) == 0:
        return 1, 0
    size = shape[len(shape) - 1]
    return size, (strides[len(shape) - 1] if size != 1 else 0)


# ## Task 3.1: parallel map, zip and reduce


@kernel(watch=_WATCH, parallel=True)
def tensor_map(
    op: int,
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    in_storage: Storage,
    in_shape: Shape,
    in_strides: Strides,
) -> None:
    """``out[i] = fn(in[broadcast(i)])`` for every index ``i`` of ``out``, in parallel.

    The same result as ``tensor_ops.tensor_map``'s kernel (Task 2.3), but
    ``fn`` arrives as an op code: ``apply_unary(op, x)`` computes it.
    Compiled by numba (nopython): only numbers and numpy arrays. Loop over
    output ordinals with ``prange`` so the work is split across threads, and
    allocate index buffers (``np.empty(len(shape), np.int64)``) inside that
    loop: one per thread, shared by nobody. ``out`` may be any strided view
    (even a transposed one) and of another float dtype than the inputs
    (float32 in, float64 out); write each entry through its own position.

    Args:
        op: the unary op code (``NEG``, ``EXP``, ...).
        out, out_shape, out_strides: the output tensor.
        in_storage, in_shape, in_strides: the input; its shape broadcasts to ``out_shape``.
    """
    # BEGIN SOLUTION task3_1
    size = shape_size(out_shape)
    if same_contiguous_layout(out_shape, out_strides, in_shape, in_strides):
        for i in prange(size):
            out[i] = apply_unary(op, in_storage[i])
        return
    # General path: one row (run along the last dim) of out per iteration. The
    # index arithmetic happens once per row; along it, positions move by a stride.
    width, out_step = last_dim(out_shape, out_strides)
    in_step = last_dim(in_shape, in_strides)[1]
    for row in prange(size // width if width > 0 else 0):
        # np.empty inside prange is hoisted out of the loop by numba: one per thread.
        out_index = np.empty(len(out_shape), np.int64)
        in_index = np.empty(len(in_shape), np.int64)
        to_index(row * width, out_shape, out_index)
        broadcast_index(out_index, out_shape, in_shape, in_index)
        o = index_to_position(out_index, out_strides)
        x = index_to_position(in_index, in_strides)
        for j in range(width):
            out[o + j * out_step] = apply_unary(op, in_storage[x + j * in_step])
    # END SOLUTION


@kernel(watch=_WATCH, parallel=True)
def tensor_zip(
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
    """``out[i] = fn(a[broadcast(i)], b[broadcast(i)])`` for every index ``i`` of ``out``.

    The same result as ``tensor_ops.tensor_zip``'s kernel (Task 2.3), but
    ``fn`` arrives as an op code: ``apply_binary(op, x, y)`` computes it.
    Compiled by numba (nopython): only numbers and numpy arrays. Loop over
    output ordinals with ``prange`` so the work is split across threads, and
    allocate index buffers (``np.empty(len(shape), np.int64)``) inside that
    loop: one per thread, shared by nobody. ``out`` may be any strided view
    (even a transposed one) and of another float dtype than the inputs
    (float32 in, float64 out); write each entry through its own position.

    Args:
        op: the binary op code (``ADD``, ``MUL``, ...).
        out, out_shape, out_strides: the output tensor.
        a_storage, a_shape, a_strides: the first input (broadcasts to ``out_shape``).
        b_storage, b_shape, b_strides: the second input (broadcasts to ``out_shape``).
    """
    # BEGIN SOLUTION task3_1
    size = shape_size(out_shape)
    if same_contiguous_layout(out_shape, out_strides, a_shape, a_strides) and same_contiguous_layout(
        out_shape, out_strides, b_shape, b_strides
    ):
        for i in prange(size):
            out[i] = apply_binary(op, a_storage[i], b_storage[i])
        return
    width, out_step = last_dim(out_shape, out_strides)
    a_step = last_dim(a_shape, a_strides)[1]
    b_step = last_dim(b_shape, b_strides)[1]
    for row in prange(size // width if width > 0 else 0):
        out_index = np.empty(len(out_shape), np.int64)
        a_index = np.empty(len(a_shape), np.int64)
        b_index = np.empty(len(b_shape), np.int64)
        to_index(row * width, out_shape, out_index)
        broadcast_index(out_index, out_shape, a_shape, a_index)
        broadcast_index(out_index, out_shape, b_shape, b_index)
        o = index_to_position(out_index, out_strides)
        x = index_to_position(a_index, a_strides)
        y = index_to_position(b_index, b_strides)
        for j in range(width):
            out[o + j * out_step] = apply_binary(op, a_storage[x + j * a_step], b_storage[y + j * b_step])
    # END SOLUTION


@kernel(watch=_WATCH, parallel=True)
def tensor_reduce(
    op: int,
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    reduce_dim: int,
) -> None:
    """Fold dimension ``reduce_dim`` of ``a`` with ``fn``, one output entry per iteration.

    ``out`` has ``a``'s shape with ``reduce_dim`` set to 1 and arrives filled
    with the start value (0 for a sum, 1 for a product). Each output entry
    is ``acc = fn(acc, a[..., j, ...])`` for ``j`` in order along
    ``reduce_dim``, starting from its current value, with
    ``apply_binary(op, acc, x)``. Run the output entries in parallel
    (``prange``), each with its own index buffer; the fold itself is serial.

    Args:
        op: the binary op code combining the running value with the next entry.
        out, out_shape, out_strides: the output tensor.
        a_storage, a_shape, a_strides: the input tensor.
        reduce_dim: the dimension to fold away.
    """
    # BEGIN SOLUTION task3_1
    size = shape_size(out_shape)
    length = a_shape[reduce_dim]
    step = a_strides[reduce_dim]
    for i in prange(size):
        out_index = np.empty(len(out_shape), np.int64)
        to_index(i, out_shape, out_index)
        o = index_to_position(out_index, out_strides)
        # out_index is 0 along reduce_dim, so it is also the index of a's first entry.
        position = index_to_position(out_index, a_strides)
        acc = out[o]
        for _ in range(length):
            acc = apply_binary(op, acc, a_storage[position])
            position += step
        out[o] = acc
    # END SOLUTION


# ## Task 3.2: matrix multiply
#
# The naive triple loop reads a column of ``b`` with a stride: one cache line
# per multiply-add, about 1 GFLOP/s. The steps that make it fast (measured one
# by one in lessons/03_fast_kernels.ipynb):
# 1. pack both operands contiguously, ``b`` transposed, so the inner loop over
#    ``k`` reads both with stride 1 and becomes SIMD multiply-adds (``fastmath``
#    lets it reorder the sum); packing also absorbs any strides, broadcast batch
#    dims and mixed dtypes, and pads rows to a multiple of ``BLOCK`` with zeros;
# 2. register blocking: a 4 x 4 block of the output at once, 16 running sums,
#    so each loaded number is used 4 times;
# 3. cache blocking: ``k`` in chunks of ``K_CHUNK``, rows in tiles of ``ROW_TILE``;
# 4. ``prange`` over (batch, row tile): each thread owns whole output tiles.

BLOCK = 4  # the register block is BLOCK x BLOCK (written out as 16 sums below)
# Measured on one Zen 4 core, float64: K_CHUNK 512 beats 256 by 10-15% (each block
# ends with 16 horizontal sums of SIMD registers); ROW_TILE 16 and 32 tie.
K_CHUNK = 512  # 4 rows of k values of b: 16 KiB (f64), reused from L1 by a whole row tile
ROW_TILE = 16  # rows of a (64 KiB per chunk, f64) kept in L2 while b's rows stream past
COPY_TILE = 16  # square tiles of the packing copies


@inline
def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is ``>= n``."""
    return (n + multiple - 1) // multiple * multiple


@inline
def add_to_row(c: np.ndarray, p: int, i: int, j: int, x0: float, x1: float, x2: float, x3: float) -> None:
    """``c[p, i, j:j+4] += (x0, x1, x2, x3)``, without building an array."""
    c[p, i, j] += x0
    c[p, i, j + 1] += x1
    c[p, i, j + 2] += x2
    c[p, i, j + 3] += x3


@kernel(watch=_WATCH)
def batch_positions(out_shape: Shape, shape: Shape, strides: Strides) -> np.ndarray:
    """Where each matrix of a batched operand starts in its storage.

    Args:
        out_shape: the output's shape; its leading dims (all but the last 2)
            are the batch dims.
        shape, strides: the operand, whose batch dims broadcast to the output's.

    Returns:
        One storage position per output matrix (batch ordinal).
    """
    dims = len(out_shape)
    batches = shape_size(out_shape[: dims - 2])
    positions = np.empty(batches, np.int64)
    out_index = np.zeros(dims, np.int64)
    index = np.empty(len(shape), np.int64)
    for b in range(batches):
        # Walk the batch ordinal over the batch dims; the last 2 dims stay at 0.
        to_index(b, out_shape[: dims - 2], out_index[: dims - 2])
        broadcast_index(out_index, out_shape, shape, index)
        index[len(shape) - 2] = 0
        index[len(shape) - 1] = 0
        positions[b] = index_to_position(index, strides)
    return positions


@kernel(watch=_WATCH, parallel=True)
def copy_matrices(
    dst: Storage,
    dst_starts: np.ndarray,
    dst_row_stride: int,
    dst_col_stride: int,
    src: Storage,
    src_starts: np.ndarray,
    src_row_stride: int,
    src_col_stride: int,
    rows: int,
    cols: int,
) -> None:
    """Copy a batch of ``rows x cols`` matrices between two strided layouts.

    ``dst[dst_starts[b] + r * dst_row_stride + c * dst_col_stride] =
    src[src_starts[b] + r * src_row_stride + c * src_col_stride]``. It packs
    the operands of the matrix multiply (and transposes ``b`` by swapping
    its strides) and unpacks the result into the output.

    A transposing copy reads or writes with a large stride, one cache line
    per number. Copying ``COPY_TILE x COPY_TILE`` squares at a time keeps
    the lines of both sides in L1 while they are used.

    Args:
        dst: the destination storage (flat).
        dst_starts: where matrix ``b`` of the batch begins in ``dst``.
        dst_row_stride: step between rows in ``dst``.
        dst_col_stride: step between columns in ``dst``.
        src: the source storage (flat).
        src_starts: where matrix ``b`` begins in ``src``.
        src_row_stride: step between rows in ``src``.
        src_col_stride: step between columns in ``src``.
        rows: rows per matrix.
        cols: columns per matrix.
    """
    # BEGIN SOLUTION task3_2
    row_tiles = (rows + COPY_TILE - 1) // COPY_TILE
    for t in prange(len(dst_starts) * row_tiles):
        b = t // row_tiles
        r_start = (t - b * row_tiles) * COPY_TILE
        r_stop = min(rows, r_start + COPY_TILE)
        for c_start in range(0, cols, COPY_TILE):
            c_stop = min(cols, c_start + COPY_TILE)
            for r in range(r_start, r_stop):
                d = dst_starts[b] + r * dst_row_stride
                s = src_starts[b] + r * src_row_stride
                for c in range(c_start, c_stop):
                    dst[d + c * dst_col_stride] = src[s + c * src_col_stride]
    # END SOLUTION


@kernel(watch=_WATCH, parallel=True, fastmath=True)
def gemm_packed(c: np.ndarray, a: np.ndarray, bt: np.ndarray) -> None:
    """``c[p] = a[p] @ bt[p].T`` for each matrix ``p`` of the packed batch.

    Args:
        c: ``(batches, n, m)`` output, both sizes multiples of ``BLOCK``.
        a: ``(batches, n, k)``, rows padded to a multiple of ``BLOCK``.
        bt: ``(batches, m, k)``, the second operand transposed and padded.

    ``c`` arrives filled with zeros and receives the products (added to it).
    Padding rows are zeros, so computing whole ``BLOCK x BLOCK`` blocks is
    safe; the caller copies only the first ``n x m`` entries out.
    """
    # BEGIN SOLUTION task3_2
    batches, n, k = a.shape
    m = bt.shape[1]
    tiles = (n + ROW_TILE - 1) // ROW_TILE
    zero = c.dtype.type(0)
    for task in prange(batches * tiles):
        p = task // tiles
        i_start = (task - p * tiles) * ROW_TILE
        i_stop = min(n, i_start + ROW_TILE)
        for chunk in range((k + K_CHUNK - 1) // K_CHUNK):
            k_start = chunk * K_CHUNK
            k_len = min(k - k_start, K_CHUNK)
            for j in range(0, m, BLOCK):
                for i in range(i_start, i_stop, BLOCK):
                    # The 4 x 4 block c[i:i+4, j:j+4], held in 16 registers.
                    c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = zero
                    c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = zero
                    # Counting q from 0 (not k_start) lets the compiler prove the
                    # index is never negative, and vectorize the loop.
                    for q in range(k_len):
                        x = k_start + q
                        a0, a1, a2, a3 = a[p, i, x], a[p, i + 1, x], a[p, i + 2, x], a[p, i + 3, x]
                        b0, b1, b2, b3 = bt[p, j, x], bt[p, j + 1, x], bt[p, j + 2, x], bt[p, j + 3, x]
                        c00, c01, c02, c03 = c00 + a0 * b0, c01 + a0 * b1, c02 + a0 * b2, c03 + a0 * b3
                        c10, c11, c12, c13 = c10 + a1 * b0, c11 + a1 * b1, c12 + a1 * b2, c13 + a1 * b3
                        c20, c21, c22, c23 = c20 + a2 * b0, c21 + a2 * b1, c22 + a2 * b2, c23 + a2 * b3
                        c30, c31, c32, c33 = c30 + a3 * b0, c31 + a3 * b1, c32 + a3 * b2, c33 + a3 * b3
                    add_to_row(c, p, i, j, c00, c01, c02, c03)
                    add_to_row(c, p, i + 1, j, c10, c11, c12, c13)
                    add_to_row(c, p, i + 2, j, c20, c21, c22, c23)
                    add_to_row(c, p, i + 3, j, c30, c31, c32, c33)
    # END SOLUTION


@kernel(watch=_WATCH)
def tensor_matrix_multiply(
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
    """Batched ``out[..., i, j] = sum_k a[..., i, k] * b[..., k, j]``, compiled and parallel.

    Args:
        out, out_shape, out_strides: the output ``(*batch, n, m)``.
        a_storage, a_shape, a_strides: ``(*batch_a, n, k)``, batch dims broadcast.
        b_storage, b_shape, b_strides: ``(*batch_b, k, m)``, batch dims broadcast.

    ``Tensor.__matmul__`` has checked the shapes (``a``'s last dim equals
    ``b``'s second to last) and sized ``out``; any operand may be
    non-contiguous or of another float dtype than ``out``, and any size may
    be 0. Sums are computed in ``out``'s dtype. The steps in the comment
    above (pack with :func:`copy_matrices`, multiply with
    :func:`gemm_packed`, unpack into ``out``) are the intended route; the
    result must match ``SimpleOps.matrix_multiply`` to float tolerance.
    """
    # BEGIN SOLUTION task3_2
    dims = len(out_shape)
    n, m = out_shape[dims - 2], out_shape[dims - 1]
    k = a_shape[len(a_shape) - 1]
    batches = shape_size(out_shape[: dims - 2])
    n_pad, m_pad = round_up(n, BLOCK), round_up(m, BLOCK)
    # Packed, zero-padded operands in the output's dtype: a as (n_pad, k), b as (m_pad, k).
    a_packed = np.zeros(batches * n_pad * k, out.dtype)
    bt_packed = np.zeros(batches * m_pad * k, out.dtype)
    c = np.zeros(batches * n_pad * m_pad, out.dtype)
    a_rows, b_rows = a_strides[len(a_shape) - 2], b_strides[len(b_shape) - 2]
    a_cols, b_cols = a_strides[len(a_shape) - 1], b_strides[len(b_shape) - 1]
    copy_matrices(a_packed, np.arange(batches) * (n_pad * k), k, 1,
                  a_storage, batch_positions(out_shape, a_shape, a_strides), a_rows, a_cols, n, k)
    # b transposed: row j of bt is column j of b (swap b's two strides).
    copy_matrices(bt_packed, np.arange(batches) * (m_pad * k), k, 1,
                  b_storage, batch_positions(out_shape, b_shape, b_strides), b_cols, b_rows, m, k)
    gemm_packed(c.reshape((batches, n_pad, m_pad)), a_packed.reshape((batches, n_pad, k)),
                bt_packed.reshape((batches, m_pad, k)))
    copy_matrices(out, batch_positions(out_shape, out_shape, out_strides),
                  out_strides[dims - 2], out_strides[dims - 1],
                  c, np.arange(batches) * (n_pad * m_pad), m_pad, 1, n, m)
    # END SOLUTION


# ## The BLAS route, and the course's kernels
#
# numpy's matrix product calls OpenBLAS, hand-written assembly for each
# processor. For large products it is the fastest honest path, so by default
# the toolkit sends matrix products there (and convolutions to im2col + BLAS,
# ``conv_kernels.py``): that is the step a production framework takes after
# the kernels of this course. The course's training (Tasks 3.5 and 4.5, the
# lessons' training cells) runs inside ``course_kernels()`` instead, where
# every matrix product, linear layer and convolution uses the kernels you
# wrote. ``MINITORCH_BLAS=0`` does the same for a whole process. The tests
# check that both routes give the same numbers.

USE_BLAS = os.environ.get("MINITORCH_BLAS", "1") != "0"


@contextlib.contextmanager
def course_kernels(enabled: bool = True) -> Iterator[None]:
    """Run the code inside on the course's own kernels: no BLAS, no im2col.

    Inside it, ``FastOps`` matrix products use :func:`tensor_matrix_multiply`
    (Task 3.2), linear layers are ``x @ weight.T + bias`` on the tensor ops,
    and convolutions run :func:`~minitorch.fast_conv.tensor_conv1d` /
    ``tensor_conv2d`` (Tasks 4.1, 4.2) forward and backward. Also usable as a
    decorator: ``@course_kernels()``.

    Args:
        enabled: False leaves the routes as they are (so callers can offer a switch).
    """
    global USE_BLAS
    saved = USE_BLAS
    USE_BLAS = USE_BLAS and not enabled
    try:
        yield
    finally:
        USE_BLAS = saved


def strided_view(storage: Storage, shape: Shape, strides: Strides) -> np.ndarray:
    """A numpy view of ``storage`` with this shape and strides (counted in entries).

    The caller's ``TensorData`` has checked that every index stays inside
    ``storage``, which is what makes ``as_strided`` safe here.
    """
    itemsize = storage.itemsize
    return np.lib.stride_tricks.as_strided(
        storage, shape=tuple(shape), strides=tuple(int(s) * itemsize for s in strides)
    )


def blas_matrix_multiply(
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
    """The same contract as :func:`tensor_matrix_multiply`, computed by ``np.matmul``."""
    np.matmul(
        strided_view(a_storage, a_shape, a_strides),
        strided_view(b_storage, b_shape, b_strides),
        out=strided_view(out, out_shape, out_strides),
    )


def matrix_multiply(*args: Any) -> None:
    """The backend's matrix-multiply kernel: BLAS when enabled, else the numba kernel."""
    if USE_BLAS:
        blas_matrix_multiply(*args)
    else:
        out, a_shape = args[0], args[4]
        run_sized(tensor_matrix_multiply, len(out) * int(a_shape[-1]), *args)


# ## Launching: all threads for big work, one thread for small work
#
# Waking the other threads costs microseconds when they are idle, and up to a
# scheduler time slice when the machine is busy (``pytest -n 2``): measured
# median 7 us, 90th percentile 8 ms for a 12-entry map. Small work runs on the
# calling thread alone.

PARALLEL_MIN_WORK = 32768  # entries (multiply-adds for matmul) worth waking threads for


def run_sized(compiled: Callable[..., None], work: int, *args: Any) -> None:
    """Run ``compiled(*args)`` on all numba threads, or on one if ``work`` is small."""
    if work >= PARALLEL_MIN_WORK:
        compiled(*args)
        return
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        compiled(*args)
    finally:
        numba.set_num_threads(threads)


def _map(code: int, out: Storage, *args: Any) -> None:
    run_sized(tensor_map, len(out), code, out, *args)


def _zip(code: int, out: Storage, *args: Any) -> None:
    run_sized(tensor_zip, len(out), code, out, *args)


def _reduce(code: int, out: Storage, out_shape: Shape, out_strides: Strides, a_storage: Storage, *args: Any) -> None:
    run_sized(tensor_reduce, len(a_storage), code, out, out_shape, out_strides, a_storage, *args)


# ## The backend


@functools.lru_cache(maxsize=None)
def _warn_reference(kind: str, fn: Callable[..., float]) -> None:
    name = getattr(fn, "__qualname__", repr(fn))
    warnings.warn(
        f"no compiled {kind} for {name}; running the pure-Python reference kernel. "
        f"Give it an op code in minitorch/fast_ops.py to make it fast.",
        stacklevel=4,
    )


def bind_op(kind: str, fn: Callable[..., float], codes: Dict[Callable[..., float], int],
            launch: Callable[..., None], reference: Callable[[Callable[..., float]], Any]) -> Any:
    """``launch`` with ``fn``'s op code bound, or the reference kernel (and a warning) if it has none."""
    if fn not in codes:
        _warn_reference(kind, fn)
        return reference(fn)
    return functools.partial(launch, codes[fn])


class FastOps(TensorOps):
    """The compiled, parallel CPU backend.

    Each ``*_kernel(fn)`` looks up ``fn``'s op code and returns the shared
    compiled kernel with that code bound. A function without an op code
    still works, through the pure-Python ``SimpleOps`` kernel (with a warning).
    """

    @staticmethod
    def map_kernel(fn: Callable[[float], float]) -> MapKernel:
        """The compiled map kernel for ``fn`` (an operator of ``minitorch.operators``)."""
        return bind_op("map", fn, UNARY_CODES, _map, SimpleOps.map_kernel)

    @staticmethod
    def zip_kernel(fn: Callable[[float, float], float]) -> ZipKernel:
        """The compiled zip kernel for ``fn``."""
        return bind_op("zip", fn, BINARY_CODES, _zip, SimpleOps.zip_kernel)

    @staticmethod
    def reduce_kernel(fn: Callable[[float, float], float]) -> ReduceKernel:
        """The compiled reduce kernel for ``fn``."""
        return bind_op("reduce", fn, BINARY_CODES, _reduce, SimpleOps.reduce_kernel)

    matmul_kernel = staticmethod(matrix_multiply)
