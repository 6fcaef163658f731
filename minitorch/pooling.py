"""Module 4: general 2-D pooling, the kernels behind ``max_pool2d``, ``avg_pool2d`` and friends.

The course's ``avgpool2d``/``maxpool2d`` (in ``nn.py``) cut the image into
non-overlapping tiles. Real networks also pool with overlapping windows
(ResNet's 3x3 max pool with stride 2 and padding 1), into a fixed output
size whatever the input (adaptive pooling), or over the whole image
(global pooling). All of them are one computation: output ``(oh, ow)``
reduces the input rectangle ``rows_lo[oh] <= ih < rows_hi[oh]``,
``cols_lo[ow] <= iw < cols_hi[ow]``. So the Python side works out those
bounds for each kind of pooling, with PyTorch's rules, and one kernel (and
one for the backward) does every kind.

An average divides by ``divisor_rows[oh] * divisor_cols[ow]``: the window's
size counting padding (PyTorch's ``count_include_pad=True``) or the number
of input entries in it. A max remembers where its maximum was, and the
backward sends the gradient there.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from .autodiff import Context
from .fast_conv import from_array, to_array
from .kernels.jit import inline, kernel
from .kernels.parallel import parallel_tasks
from .tensor import Tensor
from .tensor_functions import Function

IntOrPair = Union[int, Tuple[int, int]]
# rows_lo, rows_hi, divisor_rows, cols_lo, cols_hi, divisor_cols
Windows = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@kernel(nogil=True)
def pool2d_forward(
    out: np.ndarray,
    argmax: np.ndarray,
    x: np.ndarray,
    rows_lo: np.ndarray,
    rows_hi: np.ndarray,
    divisor_rows: np.ndarray,
    cols_lo: np.ndarray,
    cols_hi: np.ndarray,
    divisor_cols: np.ndarray,
    is_max: bool,
    first: int,
    last: int,
) -> None:
    """Max or average of each window, one (image, channel) plane per task (``first`` to ``last - 1``).

    Args:
        out: ``(B, C, OH, OW)``, written.
        argmax: ``(B, C, OH, OW)`` int64, written with ``ih * W + iw`` of each
            maximum (max only).
        x: ``(B, C, H, W)``.
        rows_lo, rows_hi, divisor_rows: per output row, its input rows and divisor.
        cols_lo, cols_hi, divisor_cols: the same per output column.
        is_max: max pooling if True, else average pooling.
    """
    channels, width = x.shape[1], x.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        for oh in range(out_h):
            for ow in range(out_w):
                if is_max:
                    best = -np.inf
                    where = -1
                    for ih in range(rows_lo[oh], rows_hi[oh]):
                        for iw in range(cols_lo[ow], cols_hi[ow]):
                            v = x[b, c, ih, iw]
                            # The first entry always counts, so a window of -inf or NaN has a maximum.
                            if where < 0 or v > best or np.isnan(v):
                                best = v
                                where = ih * width + iw
                    out[b, c, oh, ow] = best
                    argmax[b, c, oh, ow] = where
                else:
                    acc = 0.0
                    for ih in range(rows_lo[oh], rows_hi[oh]):
                        for iw in range(cols_lo[ow], cols_hi[ow]):
                            acc += x[b, c, ih, iw]
                    out[b, c, oh, ow] = acc / (divisor_rows[oh] * divisor_cols[ow])


@inline
def _bigger(best: float, v: float) -> float:
    """``max(best, v)`` where a NaN wins (as in :func:`pool2d_forward`), written as a select."""
    return v if (v > best or v != v) else best


@kernel(nogil=True)
def max_pool2d_values(
    out: np.ndarray,
    x: np.ndarray,
    rows_lo: np.ndarray,
    rows_hi: np.ndarray,
    cols_lo: np.ndarray,
    cols_hi: np.ndarray,
    first: int,
    last: int,
) -> None:
    """The maxima of :func:`pool2d_forward` alone, for a forward pass that records no gradient.

    Without the argmax the loops are plain comparisons the compiler turns
    into selects. Each output row first takes the maximum down the window's
    input rows, along whole contiguous rows (which vectorises), then across
    each window's columns of that (a third of the comparisons for a 3x3 window).
    """
    channels, width = x.shape[1], x.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    down = np.empty(width, x.dtype)
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        for oh in range(out_h):
            top = x[b, c, rows_lo[oh]]
            for iw in range(width):
                down[iw] = top[iw]
            for ih in range(rows_lo[oh] + 1, rows_hi[oh]):
                src = x[b, c, ih]
                for iw in range(width):
                    down[iw] = _bigger(down[iw], src[iw])
            dst = out[b, c, oh]
            for ow in range(out_w):
                best = down[cols_lo[ow]]
                for iw in range(cols_lo[ow] + 1, cols_hi[ow]):
                    best = _bigger(best, down[iw])
                dst[ow] = best


@kernel(nogil=True)
def pool2d_backward(
    grad_x: np.ndarray,
    grad_out: np.ndarray,
    argmax: np.ndarray,
    rows_lo: np.ndarray,
    rows_hi: np.ndarray,
    divisor_rows: np.ndarray,
    cols_lo: np.ndarray,
    cols_hi: np.ndarray,
    divisor_cols: np.ndarray,
    is_max: bool,
    first: int,
    last: int,
) -> None:
    """The gradient of :func:`pool2d_forward`: each output's gradient back over its window.

    Windows may overlap; each task owns one whole plane, so the sums need no locks.

    Args:
        grad_x: ``(B, C, H, W)``, overwritten.
        grad_out: ``(B, C, OH, OW)``.
        argmax: the forward's ``argmax`` (max only).
        the rest: as for :func:`pool2d_forward`.
    """
    channels, height, width = grad_x.shape[1], grad_x.shape[2], grad_x.shape[3]
    out_h, out_w = grad_out.shape[2], grad_out.shape[3]
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        for ih in range(height):
            for iw in range(width):
                grad_x[b, c, ih, iw] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                g = grad_out[b, c, oh, ow]
                if is_max:
                    where = argmax[b, c, oh, ow]
                    grad_x[b, c, where // width, where % width] += g
                else:
                    share = g / (divisor_rows[oh] * divisor_cols[ow])
                    for ih in range(rows_lo[oh], rows_hi[oh]):
                        for iw in range(cols_lo[ow], cols_hi[ow]):
                            grad_x[b, c, ih, iw] += share


# ## Windows: where each output reads, for each kind of pooling


def _pair(value: Optional[IntOrPair], name: str, allow_none: bool = False) -> Tuple[int, int]:
    if isinstance(value, (int, np.integer)) or value is None:
        value = (value, value)  # type: ignore[assignment]
    pair = tuple(value)  # type: ignore[arg-type]
    if len(pair) != 2 or any(
        not ((v is None and allow_none) or (isinstance(v, (int, np.integer)) and v >= 0)) for v in pair
    ):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair  # type: ignore[return-value]


def sliding_windows(size: int, kernel: int, stride: int, padding: int, ceil_mode: bool,
                    count_include_pad: bool) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of ``kernel`` entries every ``stride``, with ``padding`` each side (PyTorch's rule).

    Returns:
        ``(lo, hi, divisor)`` per output position: the input range and the
        average's divisor.
    """
    span = size + 2 * padding - kernel
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window must start inside the input or its left padding
    start = np.arange(out, dtype=np.int64) * stride - padding
    stop = start + kernel
    lo, hi = np.maximum(start, 0), np.minimum(stop, size)
    divisor = np.minimum(stop, size + padding) - start if count_include_pad else hi - lo
    return lo, hi, divisor.astype(np.int64)


def adaptive_windows(size: int, out: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``out`` windows covering ``size`` entries: ``floor(i*size/out) <= j < ceil((i+1)*size/out)``."""
    i = np.arange(out, dtype=np.int64)
    lo = (i * size) // out
    hi = -((-(i + 1) * size) // out)
    return lo, hi, hi - lo


def _check_input(input: Tensor, name: str) -> None:
    if input.dims != 4:
        raise ValueError(f"{name} needs a (B, C, H, W) input, got shape {input.shape}")


def window_spec(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair], padding: IntOrPair,
                ceil_mode: bool, count_include_pad: bool, name: str) -> Windows:
    """The windows of a sliding pool over ``input``, after checking the arguments."""
    _check_input(input, name)
    kernel = _pair(kernel_size, "kernel_size")
    steps = kernel if stride is None else _pair(stride, "stride")
    pads = _pair(padding, "padding")
    if min(kernel) < 1 or min(steps) < 1:
        raise ValueError(f"{name}: kernel_size and stride must be positive, got {kernel}, {steps}")
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{name}: padding {pads} must be at most half the kernel size {kernel}")
    height, width = input.shape[2:]
    if height + 2 * pads[0] < kernel[0] or width + 2 * pads[1] < kernel[1]:
        raise ValueError(f"{name}: kernel {kernel} is larger than the padded input {input.shape}")
    rows = sliding_windows(height, kernel[0], steps[0], pads[0], ceil_mode, count_include_pad)
    cols = sliding_windows(width, kernel[1], steps[1], pads[1], ceil_mode, count_include_pad)
    return (*rows, *cols)


def adaptive_spec(input: Tensor, output_size: Union[int, Sequence[Optional[int]]], name: str) -> Windows:
    """The windows of an adaptive pool of ``input`` to ``output_size`` (None keeps that size)."""
    _check_input(input, name)
    out_h, out_w = _pair(output_size, "output_size", allow_none=True)  # type: ignore[arg-type]
    height, width = input.shape[2:]
    out_h = height if out_h is None else out_h
    out_w = width if out_w is None else out_w
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{name}: output_size must be positive, got {output_size!r}")
    return (*adaptive_windows(height, out_h), *adaptive_windows(width, out_w))


# ## The autograd Function


class Pool2dFun(Function):
    """Pooling over precomputed windows: ``Pool2dFun.apply(input, windows, is_max)``."""

    @staticmethod
    def forward(ctx: Context, input: Tensor, windows: Windows, is_max: bool) -> Tensor:
        x = to_array(input, input.dtype)
        batch, channels = x.shape[:2]
        out = np.empty((batch, channels, len(windows[0]), len(windows[3])), dtype=x.dtype)
        if is_max and ctx.no_grad:  # no backward will need the argmax
            rows_lo, rows_hi, _, cols_lo, cols_hi, _ = windows
            parallel_tasks(max_pool2d_values, batch * channels, x.size, out, x, rows_lo, rows_hi,
                           cols_lo, cols_hi)
            return from_array(out, input)
        argmax = np.empty(out.shape if is_max else (1, 1, 1, 1), dtype=np.int64)
        parallel_tasks(pool2d_forward, batch * channels, x.size, out, argmax, x, *windows, is_max)
        ctx.save_for_backward(input.shape, windows, is_max, argmax)
        return from_array(out, input)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        shape, windows, is_max, argmax = ctx.saved_values
        grad_x = np.empty(shape, dtype=grad_output.dtype)
        parallel_tasks(pool2d_backward, shape[0] * shape[1], grad_x.size, grad_x,
                       to_array(grad_output, grad_output.dtype), argmax, *windows, is_max)
        return from_array(grad_x, grad_output)


__all__ = ["Pool2dFun", "pool2d_forward", "max_pool2d_values", "pool2d_backward", "sliding_windows", "adaptive_windows",
           "window_spec", "adaptive_spec"]
