"""A forward-only dense convolution: im2col and GEMM block by block, with a fused epilogue.

The training path (:func:`minitorch.kernels.conv_kernels.conv_forward`)
builds the whole ``im2col`` matrix, ``(B, Cin * KH * KW, OH * OW)``, because
the backward pass multiplies by it again. For a 3x3 convolution that matrix
is nine times the input: 231 MB for ResNet-18's first stage at batch 32. When
no weight gradient is wanted (inference, a frozen body) nothing needs to
keep it, and building it whole costs twice: every page of a fresh 231 MB
buffer is faulted in by the kernel, and the GEMM then reads the matrix back
from main memory.

Here the output's columns ``(b, oh, ow)`` are cut into *blocks* of a few
hundred columns, each one task: copy the block's receptive fields into a
small ``cols`` buffer (``Cin*KH*KW x n``, about a megabyte: it stays in the
core's cache), multiply it by the weight with BLAS on that thread, and write
the product into the output through the *epilogue*
``clip(acc * scale[c] + shift[c] (+ residual), lo, hi)``: a bias, an
eval-mode BatchNorm, a ReLU or ReLU6 and a residual sum cost no pass of
their own over memory. A block is a band of whole output rows of one image
(large images) or several whole images (7x7 maps, where one image's 49
columns are too few for an efficient product). When there are fewer blocks
than threads (batch 1, small maps), the output channels are split as well.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import numba
import numpy as np

from . import conv_kernels
from .conv_kernels import Geometry, gather_row, is_plain_1x1, valid_range
from .jit import kernel
from .parallel import parallel_tasks, single_threaded_blas

__all__ = ["im2col_block", "store_block", "conv_forward_blocked", "block_plan"]

# A block's cols buffer: about this many bytes (fits a core's L2/L3 share),
# and between these many columns (fewer make BLAS inefficient, measured
# 60-85 GFLOP/s single-threaded from 128 columns on an AVX2 EPYC).
COLS_BYTES = 1 << 21
MIN_COLS, MAX_COLS = 128, 1024


# gather_row and valid_range are compiled in from conv_kernels: its edits must recompile this.
@kernel(watch=(conv_kernels,), nogil=True)
def im2col_block(
    cols: np.ndarray,
    x: np.ndarray,
    kernel_h: int,
    kernel_w: int,
    out_w: int,
    stride_h: int,
    stride_w: int,
    pad_top: int,
    pad_left: int,
    dilation_h: int,
    dilation_w: int,
    b0: int,
    b1: int,
    oh0: int,
    oh1: int,
) -> None:
    """The columns of output rows ``oh0 <= oh < oh1`` of images ``b0 <= b < b1``.

    ``cols[(c, kh, kw), ((b - b0) * (oh1 - oh0) + oh - oh0) * OW + ow] =
    x[b, c, oh*sh - top + kh*dh, ow*sw - left + kw*dw]`` (0 in the padding).

    Args:
        cols: ``(C * KH * KW, (b1 - b0) * (oh1 - oh0) * OW)``, written.
        x: ``(B, C, H, W)``.
    """
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    rows = oh1 - oh0
    for c in range(channels):
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                row = cols[(c * kernel_h + kh) * kernel_w + kw]
                offset_w = kw * dilation_w - pad_left
                lo, hi = valid_range(offset_w, stride_w, width, out_w)
                for b in range(b0, b1):
                    for oh in range(oh0, oh1):
                        start = ((b - b0) * rows + oh - oh0) * out_w
                        ih = oh * stride_h - pad_top + kh * dilation_h
                        gather_row(row[start : start + out_w], x[b, c], ih, height, lo, hi,
                                   offset_w, stride_w)


@kernel(nogil=True, fastmath=True)
def store_block(
    out: np.ndarray,
    acc: np.ndarray,
    residual: np.ndarray,
    scale: np.ndarray,
    shift: np.ndarray,
    bounds: np.ndarray,
    b0: int,
    m0: int,
    l0: int,
    n: int,
) -> None:
    """``out[b, m, l] = clip(acc * scale[m] + shift[m] (+ residual[b, m, l]), lo, hi)`` over one block.

    Args:
        out: ``(B, M, L)``, the block's part written.
        acc: ``(rows, images * n)``: output channels ``m0 ...`` of images
            ``b0 ...`` at positions ``l0 <= l < l0 + n``, image after image.
        residual: like ``out``, or an empty ``(0, 0, 0)`` array for none.
        scale, shift: ``(M,)``; bounds: ``[lo, hi]``.
    """
    images = acc.shape[1] // n
    lo, hi = bounds[0], bounds[1]
    has_residual = residual.shape[0] > 0
    for i in range(images):
        b = b0 + i
        for r in range(acc.shape[0]):
            m = m0 + r
            a, s = scale[m], shift[m]
            src = acc[r, i * n : (i + 1) * n]
            dst = out[b, m, l0 : l0 + n]
            if has_residual:
                res = residual[b, m, l0 : l0 + n]
                for j in range(n):
                    dst[j] = min(max(src[j] * a + s + res[j], lo), hi)
            else:
                for j in range(n):
                    dst[j] = min(max(src[j] * a + s, lo), hi)


def block_plan(batch: int, out_hw: Tuple[int, int], depth: int, out_channels: int,
               itemsize: int, threads: int) -> Tuple[int, int, int]:
    """How to cut the output into tasks: ``(images per block, rows per block, channel parts)``.

    Either ``images == 1`` and a block is a band of ``rows`` output rows of
    one image, or ``rows == OH`` and a block is ``images`` whole images.
    ``parts > 1`` splits the output channels when there are too few blocks
    to keep ``threads`` threads busy.
    """
    out_h, out_w = out_hw
    plane = out_h * out_w
    target = max(MIN_COLS, min(MAX_COLS, COLS_BYTES // max(depth * itemsize, 1)))
    if plane >= target:
        images, rows = 1, max(1, min(out_h, target // out_w))
    else:
        images, rows = max(1, min(batch, target // plane)), out_h
    blocks = -(-batch // images) * -(-out_h // rows)
    parts = 1
    if blocks < 2 * threads:
        parts = max(1, min(-(-2 * threads // blocks), out_channels // 32))
    return images, rows, parts


def _block_bounds(block: int, batch: int, out_h: int, plan: Tuple[int, int, int]) -> Tuple[int, int, int, int]:
    """Block ``block``'s images ``b0 <= b < b1`` and output rows ``oh0 <= oh < oh1``."""
    images, rows, _ = plan
    group, band = divmod(block, -(-out_h // rows))
    return group * images, min(batch, (group + 1) * images), band * rows, min(out_h, (band + 1) * rows)


def _block_cols(x: np.ndarray, depth: int, kernel_hw: Tuple[int, int], out_w: int, geometry: Geometry,
                bounds: Tuple[int, int, int, int], scratch: Optional[np.ndarray]) -> np.ndarray:
    """The ``(depth, n)`` columns of one block: a view of ``x`` for a plain 1x1 convolution of one
    image, else ``im2col_block`` into ``scratch`` (reused when it has the right size)."""
    b0, b1, oh0, oh1 = bounds
    if b1 - b0 == 1 and is_plain_1x1(kernel_hw, geometry):
        return x[b0].reshape(depth, -1)[:, oh0 * out_w : oh1 * out_w]
    n = (b1 - b0) * (oh1 - oh0) * out_w
    cols = scratch if scratch is not None and scratch.shape == (depth, n) else np.empty((depth, n), x.dtype)
    (sh, sw), (top, _, left, _), (dh, dw) = geometry
    im2col_block(cols, x, kernel_hw[0], kernel_hw[1], out_w, sh, sw, top, left, dh, dw, b0, b1, oh0, oh1)
    return cols


def _block_tasks(out: np.ndarray, x: np.ndarray, w2: np.ndarray, residual: np.ndarray,
                 scale: np.ndarray, shift: np.ndarray, bounds: np.ndarray, kernel_hw: Tuple[int, int],
                 out_hw: Tuple[int, int], geometry: Geometry, plan: Tuple[int, int, int],
                 shared: Optional[List[np.ndarray]], first: int, last: int) -> None:
    """Tasks ``first <= t < last``: one block's columns times one part of the weight, stored
    through the epilogue. ``shared`` holds each block's columns when the weight is split in
    parts (so that they are built once), else None (each task builds its own)."""
    batch, out_channels = out.shape[0], out.shape[1]
    parts = plan[2]
    scratch = None
    for t in range(first, last):
        block, part = divmod(t, parts)
        b0, b1, oh0, oh1 = where = _block_bounds(block, batch, out_hw[0], plan)
        if shared is not None:
            cols = shared[block]
        else:
            cols = scratch = _block_cols(x, w2.shape[1], kernel_hw, out_hw[1], geometry, where, scratch)
        m0, m1 = out_channels * part // parts, out_channels * (part + 1) // parts
        acc = np.matmul(w2[m0:m1], cols)
        store_block(out, acc, residual, scale, shift, bounds, b0, m0, oh0 * out_hw[1],
                    (oh1 - oh0) * out_hw[1])


def conv_forward_blocked(
    x: np.ndarray,
    weight: np.ndarray,
    out_hw: Tuple[int, int],
    geometry: Geometry,
    scale: Optional[np.ndarray] = None,
    shift: Optional[np.ndarray] = None,
    clip: Tuple[float, float] = (-np.inf, np.inf),
    residual: Optional[np.ndarray] = None,
) -> np.ndarray:
    """``clip(conv(x, weight) * scale + shift + residual, lo, hi)`` for a dense (``groups == 1``) convolution.

    Args:
        x: ``(B, Cin, H, W)`` C-contiguous.
        weight: ``(Cout, Cin, KH, KW)`` C-contiguous, of ``x``'s dtype.
        out_hw: the output's ``(OH, OW)``; geometry: stride, padding, dilation.
        scale, shift: ``(Cout,)`` per-channel affine map of the sums (None:
            1 and 0); a bias is ``shift``, an eval BatchNorm both.
        clip: ``(lo, hi)`` bounds (``(0, inf)`` is a ReLU).
        residual: ``(B, Cout, OH, OW)`` C-contiguous, added before the clip, or None.

    Returns:
        ``(B, Cout, OH, OW)``.
    """
    batch = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    out = np.empty((batch, out_channels, out_hw[0] * out_hw[1]), x.dtype)
    w2 = weight.reshape(out_channels, -1)
    dtype = x.dtype
    scale = np.ones(out_channels, dtype) if scale is None else np.ascontiguousarray(scale, dtype)
    shift = np.zeros(out_channels, dtype) if shift is None else np.ascontiguousarray(shift, dtype)
    res = np.empty((0, 0, 0), dtype) if residual is None else residual.reshape(out.shape)
    bounds = np.array(clip, dtype)
    threads = numba.get_num_threads()
    plan = block_plan(batch, out_hw, w2.shape[1], out_channels, x.itemsize, threads)
    images, rows, parts = plan
    blocks = -(-batch // images) * -(-out_hw[0] // rows)
    shared = None
    if parts > 1:  # few, small blocks: build each once, here, for all the parts that read it
        shared = [_block_cols(x, w2.shape[1], (kh, kw), out_hw[1], geometry,
                              _block_bounds(block, batch, out_hw[0], plan), None)
                  for block in range(blocks)]
    with single_threaded_blas():
        parallel_tasks(_block_tasks, blocks * parts, out.size * w2.shape[1], out, x, w2, res, scale,
                       shift, bounds, (kh, kw), out_hw, geometry, plan, shared)
    return out.reshape(batch, out_channels, *out_hw)
