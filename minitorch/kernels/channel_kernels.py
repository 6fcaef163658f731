"""Module 4: per-channel kernels for batch norm, and activation kernels (clamp, GELU).

A convolutional network spends surprisingly little of its time in the
convolutions once those are fast: every convolution is followed by a batch
norm and an activation, each of which reads and writes the whole feature
map. Written with numpy, batch norm alone takes five or six passes over
memory (subtract the mean, scale, shift, each into a fresh array) and the
statistics another two in float64. These kernels make each of those one
pass over a ``(B, C, S)`` view of the activations (``S = H * W``):

- :func:`channel_stats`: per-channel mean and variance, accumulated in float64;
- :func:`scale_shift`: ``y = x * scale[c] + shift[c]`` (batch norm folded into
  one multiply-add), optionally clipped to ``[lo, hi]``;
- :func:`batch_norm_backward`: the gradients of batch norm, recomputing
  ``xhat`` from ``x`` instead of storing it (one activation-sized array
  less in memory per layer), and, when the activation was fused in, masking
  the gradient where it clipped;
- :func:`clamp_forward` / :func:`clamp_backward`: ``min(max(x, lo), hi)``
  (ReLU6 is ``clamp(x, 0, 6)``) and its gradient;
- :func:`gelu_forward` / :func:`gelu_backward`: the exact (erf) GELU of
  transformers, whose ``erf`` makes it compute-bound enough to want threads.

Each kernel works on contiguous arrays, one (image, channel) plane or one
channel per task, and runs on all threads through
:func:`minitorch.kernels.conv_kernels.parallel_tasks` (``nogil`` kernels on a
thread pool), compiled once per machine (``cache=True``).
"""

from __future__ import annotations

import math
from typing import Tuple

import numpy as np

from .jit import inline, kernel
from .parallel import parallel_tasks


@inline
def _unclipped(v: float, lo: float, hi: float) -> bool:
    """Whether ``clip(v, lo, hi)`` let ``v`` through, so its gradient passes.

    Written as "not clipped" rather than ``lo < v < hi`` so that a NaN, which
    the clip passes through, passes its gradient too (as in PyTorch) instead
    of being silently dropped from the sums.
    """
    return not (v <= lo or v >= hi)


@kernel(nogil=True, fastmath=True)
def _stats_kernel(x: np.ndarray, sums: np.ndarray, squares: np.ndarray, first: int, last: int) -> None:
    """Channel ``c``: ``sums[c] = sum(x[:, c])``, ``squares[c] = sum((x[:, c] - shift)^2)``.

    The squares are taken around the channel's first value (``shift``), which
    keeps the one-pass variance accurate when the mean is large.
    """
    for c in range(first, last):
        shift = x[0, c, 0]
        total = 0.0
        total_sq = 0.0
        for b in range(x.shape[0]):
            plane = x[b, c]
            for i in range(plane.shape[0]):
                d = plane[i] - shift
                total += d
                total_sq += d * d
        sums[c] = total + shift * x.shape[0] * x.shape[2]
        squares[c] = total_sq - total * total / (x.shape[0] * x.shape[2])


def channel_stats(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of each channel of a contiguous ``(B, C, S)`` array (float64)."""
    channels = x.shape[1]
    sums = np.empty(channels, np.float64)
    squares = np.empty(channels, np.float64)
    parallel_tasks(_stats_kernel, channels, x.size, x, sums, squares)
    count = x.shape[0] * x.shape[2]
    return sums / count, np.maximum(squares / count, 0.0)


@kernel(nogil=True, fastmath=True)
def _scale_shift_kernel(out: np.ndarray, x: np.ndarray, scale: np.ndarray, shift: np.ndarray,
                        bounds: np.ndarray, first: int, last: int) -> None:
    """Plane ``task = b * C + c``: ``out = clip(x * scale[c] + shift[c], lo, hi)``, ``bounds = [lo, hi]``."""
    channels = x.shape[1]
    lo, hi = bounds[0], bounds[1]
    for task in range(first, last):
        b, c = task // channels, task % channels
        a, s = scale[c], shift[c]
        src, dst = x[b, c], out[b, c]
        for i in range(src.shape[0]):
            dst[i] = min(max(src[i] * a + s, lo), hi)


def scale_shift(x: np.ndarray, scale: np.ndarray, shift: np.ndarray,
                lo: float = -np.inf, hi: float = np.inf) -> np.ndarray:
    """``clip(x * scale[c] + shift[c], lo, hi)`` over a contiguous ``(B, C, S)`` array."""
    out = np.empty_like(x)
    scale, shift = scale.astype(x.dtype), shift.astype(x.dtype)
    bounds = np.array([lo, hi], dtype=x.dtype)
    parallel_tasks(_scale_shift_kernel, x.shape[0] * x.shape[1], 2 * x.size, out, x, scale, shift,
                   bounds)
    return out


@kernel(nogil=True, fastmath=True)
def _bn_grad_sums_kernel(g: np.ndarray, x: np.ndarray, y: np.ndarray, bounds: np.ndarray,
                         mean: np.ndarray, invstd: np.ndarray, sum_g: np.ndarray, sum_gx: np.ndarray,
                         first: int, last: int) -> None:
    """Channel ``c``: ``sum_g[c] = sum(g')``, ``sum_gx[c] = sum(g' * xhat)``, ``g' = g`` where ``lo < y < hi``."""
    lo, hi = bounds[0], bounds[1]
    for c in range(first, last):
        m, s = mean[c], invstd[c]
        total = 0.0
        total_x = 0.0
        for b in range(g.shape[0]):
            gp, xp, yp = g[b, c], x[b, c], y[b, c]
            for i in range(gp.shape[0]):
                if _unclipped(yp[i], lo, hi):
                    total += gp[i]
                    total_x += gp[i] * (xp[i] - m) * s
        sum_g[c] = total
        sum_gx[c] = total_x


@kernel(nogil=True, fastmath=True)
def _bn_grad_input_kernel(dx: np.ndarray, g: np.ndarray, x: np.ndarray, y: np.ndarray,
                          bounds: np.ndarray, mean: np.ndarray, invstd: np.ndarray, weight: np.ndarray,
                          mean_g: np.ndarray, mean_gx: np.ndarray, first: int, last: int) -> None:
    """Plane ``(b, c)``: ``dx = w * invstd * (g' - mean_g - xhat * mean_gx)``, ``g'`` as above."""
    channels = x.shape[1]
    lo, hi = bounds[0], bounds[1]
    zero = bounds[0] - bounds[0]
    for task in range(first, last):
        b, c = task // channels, task % channels
        m, s = mean[c], invstd[c]
        k = weight[c] * s
        a, q = mean_g[c], mean_gx[c]
        gp, xp, yp, dp = g[b, c], x[b, c], y[b, c], dx[b, c]
        for i in range(gp.shape[0]):
            gi = gp[i] if _unclipped(yp[i], lo, hi) else zero
            dp[i] = k * (gi - a - (xp[i] - m) * s * q)


def batch_norm_backward(g: np.ndarray, x: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
                        weight: np.ndarray, batch_stats: bool, y: np.ndarray | None = None,
                        lo: float = -np.inf, hi: float = np.inf) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``y = clip((x - mean) * invstd * weight + bias, lo, hi)`` over ``(B, C, S)`` arrays.

    Args:
        g: the gradient of ``y``.
        x: the input (``xhat`` is recomputed from it).
        mean, invstd: the per-channel statistics the forward used.
        weight: the per-channel scale (ones when the layer has none).
        batch_stats: whether ``mean``/``invstd`` came from this batch (then
            they depend on ``x`` too, and their part of the gradient is subtracted).
        y, lo, hi: the clipped output and the clip range, when an activation
            was fused in (``g`` passes only where ``lo < y < hi``); None: no clipping.

    Returns:
        ``(dx, dweight, dbias)``; ``dweight = sum(g * xhat)``, ``dbias = sum(g)`` per channel.
    """
    channels = x.shape[1]
    sum_g = np.empty(channels, np.float64)
    sum_gx = np.empty(channels, np.float64)
    mean, invstd = mean.astype(x.dtype), invstd.astype(x.dtype)
    g = np.ascontiguousarray(g, dtype=x.dtype)
    y = x if y is None else y  # unclipped: any values lie inside (-inf, inf)
    bounds = np.array([lo, hi], dtype=x.dtype)
    parallel_tasks(_bn_grad_sums_kernel, channels, 2 * x.size, g, x, y, bounds, mean, invstd, sum_g, sum_gx)
    count = x.shape[0] * x.shape[2]
    if batch_stats:
        mean_g, mean_gx = sum_g / count, sum_gx / count
    else:
        mean_g, mean_gx = np.zeros(channels), np.zeros(channels)
    dx = np.empty_like(x)
    parallel_tasks(_bn_grad_input_kernel, x.shape[0] * channels, 3 * x.size, dx, g, x, y, bounds, mean,
                   invstd, weight.astype(x.dtype), mean_g.astype(x.dtype), mean_gx.astype(x.dtype))
    return dx, sum_gx, sum_g


@kernel(nogil=True, fastmath=True)
def _clamp_forward_kernel(out: np.ndarray, x: np.ndarray, bounds: np.ndarray,
                          block: int, first: int, last: int) -> None:
    """Block ``task``: ``out = min(max(x, lo), hi)`` over ``block`` numbers; ``bounds = [lo, hi]``."""
    lo, hi = bounds[0], bounds[1]
    for task in range(first, last):
        src = x[task * block : (task + 1) * block]
        dst = out[task * block : (task + 1) * block]
        for i in range(src.shape[0]):
            dst[i] = min(max(src[i], lo), hi)


@kernel(nogil=True, fastmath=True)
def _clamp_backward_kernel(dx: np.ndarray, g: np.ndarray, x: np.ndarray, bounds: np.ndarray,
                           block: int, first: int, last: int) -> None:
    """Block ``task``: ``dx = g`` where the clamp let ``x`` through (``lo < x < hi``, or NaN), else 0."""
    lo, hi = bounds[0], bounds[1]
    zero = bounds[0] - bounds[0]
    for task in range(first, last):
        src = x[task * block : (task + 1) * block]
        grad = g[task * block : (task + 1) * block]
        dst = dx[task * block : (task + 1) * block]
        for i in range(src.shape[0]):
            dst[i] = grad[i] if _unclipped(src[i], lo, hi) else zero


BLOCK = 1 << 16


def clamp_forward(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``min(max(x, lo), hi)`` of a contiguous array, any shape."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    bounds = np.array([lo, hi], dtype=x.dtype)
    parallel_tasks(_clamp_forward_kernel, -(-flat.size // BLOCK), 2 * flat.size, out, flat, bounds, BLOCK)
    return out.reshape(x.shape)


def clamp_backward(g: np.ndarray, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The gradient of :func:`clamp_forward`: ``g`` where ``x`` was inside ``(lo, hi)``, else 0."""
    flat_g = np.ascontiguousarray(g, dtype=x.dtype).reshape(-1)
    flat_x = x.reshape(-1)
    dx = np.empty_like(flat_x)
    bounds = np.array([lo, hi], dtype=x.dtype)
    parallel_tasks(_clamp_backward_kernel, -(-flat_x.size // BLOCK), 3 * flat_x.size, dx, flat_g,
                   flat_x, bounds, BLOCK)
    return dx.reshape(x.shape)


@kernel(nogil=True, fastmath=True)
def _gelu_forward_kernel(out: np.ndarray, x: np.ndarray, block: int, first: int, last: int) -> None:
    """Block ``task``: ``out = x * Phi(x)`` with ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``."""
    for task in range(first, last):
        src = x[task * block : (task + 1) * block]
        dst = out[task * block : (task + 1) * block]
        for i in range(src.shape[0]):
            v = src[i]
            dst[i] = 0.5 * v * (1.0 + math.erf(v * 0.7071067811865476))


@kernel(nogil=True, fastmath=True)
def _gelu_backward_kernel(dx: np.ndarray, g: np.ndarray, x: np.ndarray, block: int, first: int,
                          last: int) -> None:
    """Block ``task``: ``dx = g * (Phi(x) + x * phi(x))``, ``phi`` the standard normal density."""
    for task in range(first, last):
        src = x[task * block : (task + 1) * block]
        grad = g[task * block : (task + 1) * block]
        dst = dx[task * block : (task + 1) * block]
        for i in range(src.shape[0]):
            v = src[i]
            cdf = 0.5 * (1.0 + math.erf(v * 0.7071067811865476))
            dst[i] = grad[i] * (cdf + v * math.exp(-0.5 * v * v) * 0.3989422804014327)


def gelu_forward(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU of a contiguous array, any shape, on all threads."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    parallel_tasks(_gelu_forward_kernel, -(-flat.size // BLOCK), 8 * flat.size, out, flat, BLOCK)
    return out.reshape(x.shape)


def gelu_backward(g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The gradient of :func:`gelu_forward` times ``g``."""
    flat_g = np.ascontiguousarray(g, dtype=x.dtype).reshape(-1)
    flat_x = x.reshape(-1)
    dx = np.empty_like(flat_x)
    parallel_tasks(_gelu_backward_kernel, -(-flat_x.size // BLOCK), 8 * flat_x.size, dx, flat_g, flat_x, BLOCK)
    return dx.reshape(x.shape)


__all__ = ["gelu_forward", "gelu_backward", "channel_stats", "scale_shift", "batch_norm_backward", "clamp_forward", "clamp_backward"]
