"""Module 4: the fast convolution kernels behind ``conv1d``/``conv2d``.

The graded kernels of ``fast_conv.py`` compute each output with the loops
of the definition: easy to read, and 30-40x slower than PyTorch on real
sizes, because every input number is fetched once per kernel tap with
index arithmetic that blocks vectorisation. Two layouts of the same
arithmetic make it fast:

1. *im2col + GEMM* (dense and grouped convolutions). Copy every receptive
   field of the input into a column of a matrix ``cols`` of shape
   ``(Cin/groups * KH * KW, OH * OW)`` per image and group; the convolution
   is then one matrix product ``weight (Cout/groups, Cin/groups*KH*KW) @
   cols`` per image and group, which numpy hands to the processor's BLAS.
   The backward pass is two more products and ``col2im``, the adjoint of
   ``im2col``, which adds each column back onto the input positions it was
   copied from. A 1x1 convolution with stride 1 needs no copy at all: the
   input *is* ``cols``.
2. *Direct depthwise kernels* (``groups == Cin``, MobileNet/EfficientNet).
   Each output plane reads one input plane, so ``cols`` would be KH*KW
   times larger than the work is worth. These kernels walk one (image,
   channel) plane per parallel task and run the innermost loop along an
   output row, where input and output are contiguous: it vectorises.

Every kernel takes C-contiguous numpy arrays in NCHW layout (1-D
convolutions arrive as images of height 1) and is compiled once per machine
(``cache=True`` through ``minitorch.kernels.jit.kernel``).

*Parallelism without prange.* Each kernel's work is a list of equal,
independent tasks (one per image-channel plane); a kernel does the tasks
``first <= task < last`` and releases the GIL (``nogil=True``), and
:func:`minitorch.kernels.parallel.parallel_tasks` runs slices of the list on a
thread pool, one thread per numba thread; the GEMMs run one image per task
with numpy's BLAS on one thread (:func:`minitorch.kernels.parallel.batched_matmul`).
That does what ``prange`` would do here, and
compiles 2-3x faster: measured, ``parallel=True`` added 1-3 s of compile
per kernel and dtype (the depthwise backward: 1.7 s sequential, 4.3 s with
prange), which a cold cache pays in every fresh checkout and CI run.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .jit import inline, kernel
from .parallel import batched_matmul, parallel_tasks

__all__ = [
    "ceil_div",
    "valid_range",
    "axpy",
    "fill",
    "copy",
    "dot",
    "gather_row",
    "im2col",
    "col2im",
    "is_plain_1x1",
    "padded_layout",
    "phase_run",
    "load_phases",
    "store_phases",
    "shifted_clip",
    "depthwise",
    "depthwise_forward",
    "depthwise_backward",
    "conv_forward",
    "conv_backward",
]

# (stride_h, stride_w), (top, bottom, left, right), (dilation_h, dilation_w)
Geometry = Tuple[Tuple[int, int], Tuple[int, int, int, int], Tuple[int, int]]

@inline
def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for integers, ``b > 0`` (``//`` floors, also for negative ``a``)."""
    return -((-a) // b)


@inline
def valid_range(offset: int, stride: int, size: int, out_size: int) -> Tuple[int, int]:
    """The outputs ``o`` whose input position ``o * stride + offset`` lies in ``[0, size)``.

    Returns ``(lo, hi)``: those ``o`` are exactly ``lo <= o < hi`` (clipped to
    ``[0, out_size)``; ``lo >= hi`` when there are none).
    """
    lo = max(0, ceil_div(-offset, stride))
    hi = min(out_size, ceil_div(size - offset, stride))
    return lo, max(lo, hi)


# ## Vector helpers: the innermost loops
#
# numba vectorises ``y[i] += a * x[i]`` only when it can see that the index
# is a bare loop counter (an offset index may be negative, and negative
# indices wrap around, a test per entry) and the arrays are contiguous. So
# the kernels slice first and call these on the slices; a slice with a step
# (stride 2) is another array type, and gets its own, scalar, copy. Plain
# loops also compile several times faster than numba's slice assignment.


@inline
def axpy(y: np.ndarray, x: np.ndarray, a: float) -> None:
    """``y += a * x`` for 1-D arrays of the same length."""
    for i in range(y.shape[0]):
        y[i] += a * x[i]


@inline
def fill(y: np.ndarray, value: float) -> None:
    """``y[:] = value`` for a 1-D array (numba compiles slice assignment slowly: a loop is cheap)."""
    for i in range(y.shape[0]):
        y[i] = value


@inline
def copy(y: np.ndarray, x: np.ndarray) -> None:
    """``y[:] = x`` for 1-D arrays of the same length."""
    for i in range(y.shape[0]):
        y[i] = x[i]


@inline
def shifted_clip(y: np.ndarray, x: np.ndarray, shift: float, lo: float, hi: float) -> None:
    """``y[:] = clip(x + shift, lo, hi)`` for 1-D arrays of the same length (a NaN passes)."""
    for i in range(y.shape[0]):
        y[i] = min(max(x[i] + shift, lo), hi)


@inline
def dot(x: np.ndarray, y: np.ndarray) -> float:
    """``sum(x * y)`` for 1-D arrays of the same length."""
    acc = x.dtype.type(0)
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    return acc


# ## im2col and its adjoint


@inline
def gather_row(dst: np.ndarray, plane: np.ndarray, ih: int, height: int, lo: int, hi: int,
               offset_w: int, stride_w: int) -> None:
    """One output row's entries for one kernel tap: ``dst[ow] = plane[ih, ow * stride_w + offset_w]``.

    Only ``lo <= ow < hi`` (:func:`valid_range`) read the input; the other
    entries, and the whole row when ``ih`` lies outside ``[0, height)``, are
    the padding's zeros.
    """
    if ih < 0 or ih >= height:
        fill(dst, 0)
        return
    fill(dst[:lo], 0)
    if hi > lo:
        iw_lo = lo * stride_w + offset_w
        iw_end = iw_lo + (hi - lo - 1) * stride_w + 1
        if stride_w == 1:
            copy(dst[lo:hi], plane[ih, iw_lo:iw_end])
        else:
            copy(dst[lo:hi], plane[ih, iw_lo:iw_end:stride_w])
    fill(dst[hi:], 0)


@kernel(nogil=True)
def im2col(
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
    first: int,
    last: int,
) -> None:
    """``cols[b, (c, kh, kw), (oh, ow)] = x[b, c, oh*sh - top + kh*dh, ow*sw - left + kw*dw]``.

    Positions outside the input (the padding) give 0. Task ``b * C + c``
    fills the rows of plane ``(b, c)``; this call does tasks ``first`` to ``last - 1``.

    Args:
        cols: ``(B, C * KH * KW, OH * OW)`` output.
        x: ``(B, C, H, W)`` input.
    """
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    out_h = cols.shape[2] // out_w
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                row = cols[b, (c * kernel_h + kh) * kernel_w + kw]
                offset_w = kw * dilation_w - pad_left
                lo, hi = valid_range(offset_w, stride_w, width, out_w)
                for oh in range(out_h):
                    ih = oh * stride_h - pad_top + kh * dilation_h
                    gather_row(row[oh * out_w : (oh + 1) * out_w], x[b, c], ih, height, lo, hi,
                               offset_w, stride_w)


@kernel(nogil=True)
def col2im(
    x: np.ndarray,
    cols: np.ndarray,
    kernel_h: int,
    kernel_w: int,
    out_w: int,
    stride_h: int,
    stride_w: int,
    pad_top: int,
    pad_left: int,
    dilation_h: int,
    dilation_w: int,
    first: int,
    last: int,
) -> None:
    """The adjoint of :func:`im2col`: ``x`` = the sum of each column entry at its source.

    Task ``b * C + c`` owns input plane ``(b, c)``, so no two tasks write
    the same numbers.

    Args:
        x: ``(B, C, H, W)`` output, overwritten.
        cols: ``(B, C * KH * KW, OH * OW)``.
    """
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    out_h = cols.shape[2] // out_w
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        for ih in range(height):
            fill(x[b, c, ih], 0)
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                row = cols[b, (c * kernel_h + kh) * kernel_w + kw]
                offset_w = kw * dilation_w - pad_left
                lo, hi = valid_range(offset_w, stride_w, width, out_w)
                for oh in range(out_h):
                    ih = oh * stride_h - pad_top + kh * dilation_h
                    if ih < 0 or ih >= height or hi <= lo:
                        continue
                    iw_lo = lo * stride_w + offset_w
                    iw_end = iw_lo + (hi - lo - 1) * stride_w + 1
                    source = row[oh * out_w + lo : oh * out_w + hi]
                    if stride_w == 1:
                        axpy(x[b, c, ih, iw_lo:iw_end], source, 1.0)
                    else:
                        axpy(x[b, c, ih, iw_lo:iw_end:stride_w], source, 1.0)


# ## Depthwise convolution: one input plane per output plane
#
# Walking a 56-wide row tap by tap costs a loop set-up per 56 multiply-adds.
# Instead, each task copies its input plane into a zero-padded scratch
# plane of row pitch ``P`` (a multiple of the column stride ``s``). Output
# ``q = oh * Q + ow`` of a "wide" output plane of pitch ``Q = stride_h * P / s``
# then reads padded position ``s * q + offset``, ``offset = kh * dilation_h *
# P + kw * dilation_w``, for every ``(oh, ow)``: each tap is ONE long loop
# over the plane, with no bounds to test. The wide plane's columns ``ow >=
# OW`` are junk (forward) or zeros (backward) and are never copied out.
#
# A stride would make those reads strided, which neither vectorises nor
# compiles quickly; so the padded plane is stored as ``s`` *phases*, phase
# ``r`` holding positions ``r, r + s, r + 2s, ...``. Position ``s * q +
# offset`` is entry ``q + offset // s`` of phase ``offset % s``: contiguous
# again. With stride 1 there is one phase, the padded plane itself.


@inline
def padded_layout(height: int, width: int, out_h: int, out_w: int, kernel_h: int, kernel_w: int,
                  stride_h: int, stride_w: int, pad_top: int, pad_left: int, dilation_h: int,
                  dilation_w: int) -> Tuple[int, int, int]:
    """``(P, Q, phase_size)``: the padded pitch, the wide pitch and the length of each phase."""
    need = max(pad_left + width, (out_w - 1) * stride_w + (kernel_w - 1) * dilation_w + 1)
    pitch = ceil_div(need, stride_w) * stride_w
    wide_pitch = stride_h * pitch // stride_w
    reach = stride_w * (out_h * wide_pitch - 1) + (kernel_h - 1) * dilation_h * pitch + (kernel_w - 1) * dilation_w + 1
    return pitch, wide_pitch, ceil_div(max(reach, (pad_top + height) * pitch), stride_w)


@inline
def phase_run(start: int, width: int, stride: int, r: int) -> Tuple[int, int, int]:
    """The row entries ``iw`` whose padded position ``start + iw`` falls in phase ``r``.

    Returns:
        ``(first, count, at)``: they are ``first, first + stride, ...`` (``count``
        of them, maybe 0), stored from entry ``at`` of phase ``r`` on, one after another.
    """
    first = (r - start % stride + stride) % stride
    count = max(0, ceil_div(width - first, stride))
    return first, count, (start + first) // stride


@inline
def load_phases(phases: np.ndarray, plane: np.ndarray, pitch: int, pad_top: int, pad_left: int) -> None:
    """Zero-pad ``plane`` (H, W) into ``phases`` (s, n): position ``p`` goes to ``[p % s, p // s]``."""
    stride = phases.shape[0]
    for r in range(stride):
        fill(phases[r], 0)
    height, width = plane.shape
    for ih in range(height):
        start = (pad_top + ih) * pitch + pad_left
        if stride == 1:
            copy(phases[0, start : start + width], plane[ih])
        else:
            for r in range(stride):
                first, count, at = phase_run(start, width, stride, r)
                copy(phases[r, at : at + count], plane[ih, first : first + (count - 1) * stride + 1 : stride])


@inline
def store_phases(plane: np.ndarray, phases: np.ndarray, pitch: int, pad_top: int, pad_left: int) -> None:
    """The inverse of :func:`load_phases`: copy the unpadded part of ``phases`` into ``plane``."""
    stride = phases.shape[0]
    height, width = plane.shape
    for ih in range(height):
        start = (pad_top + ih) * pitch + pad_left
        if stride == 1:
            copy(plane[ih], phases[0, start : start + width])
        else:
            for r in range(stride):
                first, count, at = phase_run(start, width, stride, r)
                copy(plane[ih, first : first + (count - 1) * stride + 1 : stride], phases[r, at : at + count])


@kernel(nogil=True, fastmath=True)
def depthwise_forward(
    out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    shift: np.ndarray,
    bounds: np.ndarray,
    epilogue: bool,
    stride_h: int,
    stride_w: int,
    pad_top: int,
    pad_left: int,
    dilation_h: int,
    dilation_w: int,
    first: int,
    last: int,
) -> None:
    """``out[b, co] = sum_{kh, kw} weight[co, 0, kh, kw] * x[b, co // m, ...]``, ``m = Cout / Cin``.

    Task ``b * Cin + c`` reads input plane ``(b, c)`` and writes the ``m``
    output planes made from it. With ``epilogue``, each output is stored as
    ``clip(sum + shift[co], lo, hi)`` (an eval BatchNorm's shift and a ReLU6,
    its scale already in ``weight``: ``layers.inference``), in the same pass.

    Args:
        out: ``(B, Cout, OH, OW)``, overwritten.
        x: ``(B, Cin, H, W)``.
        weight: ``(Cout, 1, KH, KW)``.
        shift: ``(Cout,)``; bounds: ``[lo, hi]`` (read only with ``epilogue``).
    """
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    multiplier = out_channels // channels
    kernel_h, kernel_w = weight.shape[2], weight.shape[3]
    pitch, wide_pitch, phase_size = padded_layout(height, width, out_h, out_w, kernel_h, kernel_w,
                                                  stride_h, stride_w, pad_top, pad_left,
                                                  dilation_h, dilation_w)
    wide_size = out_h * wide_pitch
    phases = np.empty((stride_w, phase_size), x.dtype)
    wide = np.empty(wide_size, x.dtype)
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        load_phases(phases, x[b, c], pitch, pad_top, pad_left)
        for co in range(c * multiplier, (c + 1) * multiplier):
            fill(wide, 0)
            for kh in range(kernel_h):
                for kw in range(kernel_w):
                    offset = kh * dilation_h * pitch + kw * dilation_w
                    start = offset // stride_w
                    axpy(wide, phases[offset % stride_w, start : start + wide_size],
                         weight[co, 0, kh, kw])
            for oh in range(out_h):
                row = wide[oh * wide_pitch : oh * wide_pitch + out_w]
                if epilogue:
                    shifted_clip(out[b, co, oh], row, shift[co], bounds[0], bounds[1])
                else:
                    copy(out[b, co, oh], row)


@kernel(nogil=True, fastmath=True)
def depthwise_backward(
    grad_x: np.ndarray,
    grad_weight_parts: np.ndarray,
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride_h: int,
    stride_w: int,
    pad_top: int,
    pad_left: int,
    dilation_h: int,
    dilation_w: int,
    first: int,
    last: int,
) -> None:
    """Both gradients of :func:`depthwise_forward`, one input plane per task.

    The input gradient scatters ``w * grad_out`` back through each tap into
    padded scratch phases; the task owns its input plane, so no two tasks
    write the same numbers. The weight gradient is a dot product per tap;
    each image's is kept apart (``grad_weight_parts[b]``) and the caller
    sums them over the batch.

    Both are always computed: a depthwise layer is never a network's first,
    so its input needs a gradient whenever its weight does, and switches
    inside the loops would make the compiler build a copy of them for each
    combination (three times the compile time, measured).

    Args:
        grad_x: ``(B, Cin, H, W)``, overwritten.
        grad_weight_parts: ``(B, Cout, KH, KW)``, overwritten.
        grad_out: ``(B, Cout, OH, OW)``.
        x, weight: the forward's inputs.
    """
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    out_channels, out_h, out_w = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    multiplier = out_channels // channels
    kernel_h, kernel_w = weight.shape[2], weight.shape[3]
    pitch, wide_pitch, phase_size = padded_layout(height, width, out_h, out_w, kernel_h, kernel_w,
                                                  stride_h, stride_w, pad_top, pad_left,
                                                  dilation_h, dilation_w)
    wide_size = out_h * wide_pitch
    phases = np.empty((stride_w, phase_size), x.dtype)
    grad_phases = np.empty((stride_w, phase_size), x.dtype)
    wide = np.zeros(wide_size, x.dtype)  # its junk columns stay 0
    for task in range(first, last):
        b = task // channels
        c = task - b * channels
        load_phases(phases, x[b, c], pitch, pad_top, pad_left)
        for r in range(stride_w):
            fill(grad_phases[r], 0)
        for co in range(c * multiplier, (c + 1) * multiplier):
            for oh in range(out_h):
                copy(wide[oh * wide_pitch : oh * wide_pitch + out_w], grad_out[b, co, oh])
            for kh in range(kernel_h):
                for kw in range(kernel_w):
                    offset = kh * dilation_h * pitch + kw * dilation_w
                    phase, start = offset % stride_w, offset // stride_w
                    axpy(grad_phases[phase, start : start + wide_size], wide, weight[co, 0, kh, kw])
                    grad_weight_parts[b, co, kh, kw] = dot(wide, phases[phase, start : start + wide_size])
        store_phases(grad_x[b, c], grad_phases, pitch, pad_top, pad_left)


# ## The convolution as matrix products


def is_plain_1x1(kernel_hw: Tuple[int, int], geometry: Geometry) -> bool:
    """True for a 1x1 kernel with stride 1 and no padding: then ``cols`` is the input itself."""
    stride, padding, _ = geometry
    return tuple(kernel_hw) == (1, 1) and tuple(stride) == (1, 1) and not any(padding)


def _cols(x: np.ndarray, kernel_hw: Tuple[int, int], out_hw: Tuple[int, int], geometry: Geometry) -> np.ndarray:
    """``im2col`` of ``x``: ``(B, C * KH * KW, OH * OW)`` (a view of ``x`` for a plain 1x1)."""
    (sh, sw), (top, _, left, _), (dh, dw) = geometry
    batch, channels = x.shape[:2]
    kh, kw = kernel_hw
    if is_plain_1x1(kernel_hw, geometry):
        return x.reshape(batch, channels, -1)
    cols = np.empty((batch, channels * kh * kw, out_hw[0] * out_hw[1]), dtype=x.dtype)
    parallel_tasks(im2col, batch * channels, cols.size, cols, x, kh, kw, out_hw[1], sh, sw, top,
                   left, dh, dw)
    return cols


def depthwise(x: np.ndarray, weight: np.ndarray, out_hw: Tuple[int, int], geometry: Geometry,
              shift: Optional[np.ndarray] = None, clip: Optional[Tuple[float, float]] = None) -> np.ndarray:
    """The depthwise convolution (``groups == Cin``), optionally ``clip(conv + shift, lo, hi)``.

    Args:
        x: ``(B, Cin, H, W)``; weight: ``(Cout, 1, KH, KW)``, both C-contiguous, one dtype.
        out_hw, geometry: the output's size; stride, padding, dilation.
        shift: ``(Cout,)`` added to each output channel, or None.
        clip: ``(lo, hi)``, or None.

    Returns:
        ``(B, Cout, OH, OW)``.
    """
    batch, channels = x.shape[:2]
    (sh, sw), (top, _, left, _), (dh, dw) = geometry
    out = np.empty((batch, weight.shape[0], *out_hw), dtype=x.dtype)
    epilogue = shift is not None or clip is not None
    shift = np.zeros(weight.shape[0], x.dtype) if shift is None else np.ascontiguousarray(shift, x.dtype)
    bounds = np.array(clip if clip is not None else (-np.inf, np.inf), x.dtype)
    parallel_tasks(depthwise_forward, batch * channels, out.size + x.size, out, x, weight, shift,
                   bounds, epilogue, sh, sw, top, left, dh, dw)
    return out


def conv_forward(
    x: np.ndarray, weight: np.ndarray, groups: int, out_hw: Tuple[int, int], geometry: Geometry
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """The convolution of ``x`` (B, Cin, H, W) with ``weight`` (Cout, Cin/groups, KH, KW).

    Returns:
        ``(out, cols)``: the ``(B, Cout, OH, OW)`` output and the ``im2col``
        matrix it used (None for the depthwise kernel), for the backward.
    """
    batch, channels = x.shape[:2]
    out_channels, group_channels, kh, kw = weight.shape
    if group_channels == 1 and groups == channels and groups > 1:
        return depthwise(x, weight, out_hw, geometry), None
    out = np.empty((batch, out_channels, *out_hw), dtype=x.dtype)
    cols = _cols(x, (kh, kw), out_hw, geometry)
    # (G, Cout/G, Cin/G*KH*KW) @ (B, G, Cin/G*KH*KW, L) -> (B, G, Cout/G, L): NCHW already.
    batched_matmul(
        weight.reshape(groups, out_channels // groups, -1),
        cols.reshape(batch, groups, -1, cols.shape[2]),
        out.reshape(batch, groups, out_channels // groups, -1),
    )
    return out, cols


def conv_backward(
    grad_out: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    cols: Optional[np.ndarray],
    groups: int,
    geometry: Geometry,
    want_x: bool = True,
    want_weight: bool = True,
) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """The gradients of :func:`conv_forward` with respect to ``x`` and ``weight``.

    Args:
        grad_out: ``(B, Cout, OH, OW)``, C-contiguous.
        x, weight: the forward's inputs.
        cols: the forward's ``im2col`` matrix, or None to recompute it.
        want_x, want_weight: which gradients to compute (the other is None).
    """
    batch, channels = x.shape[:2]
    out_channels, group_channels, kh, kw = weight.shape
    (sh, sw), (top, _, left, _), (dh, dw) = geometry
    out_hw = grad_out.shape[2:]
    if group_channels == 1 and groups == channels and groups > 1:
        grad_x = np.empty_like(x)
        parts = np.empty((batch, out_channels, kh, kw), x.dtype)
        parallel_tasks(depthwise_backward, batch * channels, 2 * x.size + grad_out.size, grad_x,
                       parts, grad_out, x, weight, sh, sw, top, left, dh, dw)
        return (grad_x if want_x else None), (parts.sum(0)[:, None] if want_weight else None)
    go = grad_out.reshape(batch, groups, out_channels // groups, -1)
    grad_weight = grad_x = None
    if want_weight:
        if cols is None:
            cols = _cols(x, (kh, kw), out_hw, geometry)
        cols_g = cols.reshape(batch, groups, -1, cols.shape[2])
        # sum_b go[b, g] @ cols[b, g].T (np.einsum would copy both operands first).
        parts = np.empty((batch, groups, out_channels // groups, cols_g.shape[2]), x.dtype)
        batched_matmul(go, cols_g.transpose(0, 1, 3, 2), parts)
        grad_weight = parts.sum(axis=0).reshape(weight.shape)
    if want_x:
        w = weight.reshape(groups, out_channels // groups, -1)
        grad_cols = np.empty((batch, groups, w.shape[2], go.shape[3]), x.dtype)
        batched_matmul(w.transpose(0, 2, 1), go, grad_cols)  # (B, G, Cin/G*KH*KW, L)
        grad_cols = grad_cols.reshape(batch, channels * kh * kw, -1)
        if is_plain_1x1((kh, kw), geometry):
            grad_x = grad_cols.reshape(x.shape)
        else:
            grad_x = np.empty_like(x)
            parallel_tasks(col2im, batch * channels, grad_cols.size, grad_x, grad_cols, kh, kw,
                           out_hw[1], sh, sw, top, left, dh, dw)
    return grad_x, grad_weight
