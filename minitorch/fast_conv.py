"""Module 4: convolution, ``conv1d`` and ``conv2d``, forward and backward.

A convolution slides a small weight tensor along the input: output channel
``co`` at output position ``o`` is the sum over input channels ``ci`` (of
``co``'s group) and kernel taps ``k`` of ``weight[co, ci, k] *
input[ci, o * stride - pad + k * dilation]``, with zeros outside the input.

The graded kernels below (``tensor_conv1d``, ``tensor_conv2d``) compute
exactly that, one output entry per parallel iteration. They are the
reference, and the path taken for small problems. Real sizes go through
``conv_kernels.py`` (im2col + BLAS matrix products, and direct depthwise
kernels), which computes the same numbers 30-40x faster than these loops;
the backward pass always does, since its two gradients are matrix products
of the same ``cols`` matrix (see that file). ``MINITORCH_CONV=direct|gemm|auto``
(default ``auto``, or set ``fast_conv.CONV_IMPL``) forces a path.

Padding. ``padding=None`` (the default) keeps the MiniTorch course's
convolution: the output has the input's size and the kernel hangs over the
right (and bottom) edge, reading zeros there, i.e. PyTorch with ``K - 1``
zeros on the right only. An int or tuple gives PyTorch's symmetric zero
padding; ``"same"`` (stride 1) and ``"valid"`` work as in PyTorch, and a
per-side tuple expresses TensorFlow's "SAME" padding, whose odd pixel goes
at the bottom/right: ``(left, right)`` for conv1d, ``(top, bottom, left,
right)`` for conv2d.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np
from numba import prange

from . import fast_ops
from .autodiff import Context
from .kernels import conv_blocked, conv_kernels
from .kernels.jit import kernel
from .tensor import Tensor
from .tensor_data import Shape, Storage, Strides, TensorData
from .tensor_functions import Function

IntOrPair = Union[int, Tuple[int, ...]]
Padding = Union[None, int, str, Tuple[int, ...]]

# "auto": the graded direct kernel for small problems, im2col/depthwise beyond.
CONV_IMPL = os.environ.get("MINITORCH_CONV", "auto")
# Multiply-adds up to which "auto" runs the direct kernel: there it costs about
# what im2col's copies and calls do (the course's tests are all below it).
DIRECT_MAX_WORK = 20_000
# Keep the forward's im2col matrix for the backward when it is at most this big.
SAVE_COLS_BYTES = 64 * 2**20


# ## Task 4.1 and 4.2: the convolution loops


@kernel(parallel=True)
def tensor_conv1d(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    input: Storage,
    input_shape: Shape,
    input_strides: Strides,
    weight: Storage,
    weight_shape: Shape,
    weight_strides: Strides,
    stride: int,
    pad_left: int,
    dilation: int,
    groups: int,
) -> None:
    """``out[b, co, o] = sum_{ci, k} weight[co, ci, k] * input[b, g + ci, o*stride - pad_left + k*dilation]``.

    ``g = (co // (Cout / groups)) * (Cin / groups)`` is the first input
    channel of ``co``'s group; positions outside ``[0, W)`` read 0.

    ``out``'s shape is already sized by the caller; overwrite every entry
    (do not accumulate into it). All three tensors may have any strides, so
    compute every position from them. Parallelise over output entries with
    ``prange``; each sum runs in float64 and is stored in ``out``'s dtype.

    Args:
        out, out_shape, out_strides: ``(B, Cout, OW)``, written.
        input, input_shape, input_strides: ``(B, Cin, W)``.
        weight, weight_shape, weight_strides: ``(Cout, Cin / groups, K)``.
        stride, pad_left, dilation, groups: the convolution's settings.
    """
    # BEGIN SOLUTION task4_1
    batch, out_channels, out_width = out_shape[0], out_shape[1], out_shape[2]
    width = input_shape[2]
    group_channels, kernel_width = weight_shape[1], weight_shape[2]
    out_per_group = out_channels // groups
    for i in prange(batch * out_channels * out_width):
        b = i // (out_channels * out_width)
        co = (i // out_width) % out_channels
        o = i % out_width
        first = (co // out_per_group) * group_channels
        acc = 0.0
        for ci in range(group_channels):
            for k in range(kernel_width):
                x = o * stride - pad_left + k * dilation
                if 0 <= x < width:
                    acc += (
                        input[b * input_strides[0] + (first + ci) * input_strides[1] + x * input_strides[2]]
                        * weight[co * weight_strides[0] + ci * weight_strides[1] + k * weight_strides[2]]
                    )
        out[b * out_strides[0] + co * out_strides[1] + o * out_strides[2]] = acc
    # END SOLUTION


@kernel(parallel=True)
def tensor_conv2d(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    input: Storage,
    input_shape: Shape,
    input_strides: Strides,
    weight: Storage,
    weight_shape: Shape,
    weight_strides: Strides,
    stride_h: int,
    stride_w: int,
    pad_top: int,
    pad_left: int,
    dilation_h: int,
    dilation_w: int,
    groups: int,
) -> None:
    """The 2-D convolution, one output entry ``out[b, co, oh, ow]`` per iteration.

    ``out[b, co, oh, ow] = sum_{ci, kh, kw} weight[co, ci, kh, kw] *
    input[b, g + ci, oh*stride_h - pad_top + kh*dilation_h, ow*stride_w -
    pad_left + kw*dilation_w]`` with ``g`` the first input channel of
    ``co``'s group, and 0 for positions outside the input.

    As for :func:`tensor_conv1d`: ``out`` is already sized; overwrite every
    entry; read all three tensors through their strides; parallelise over
    output entries with ``prange``.

    Args:
        out, out_shape, out_strides: ``(B, Cout, OH, OW)``, written.
        input, input_shape, input_strides: ``(B, Cin, H, W)``.
        weight, weight_shape, weight_strides: ``(Cout, Cin / groups, KH, KW)``.
        stride_h ... groups: the convolution's settings.
    """
    # BEGIN SOLUTION task4_2
    batch, out_channels, out_h, out_w = out_shape[0], out_shape[1], out_shape[2], out_shape[3]
    height, width = input_shape[2], input_shape[3]
    group_channels, kernel_h, kernel_w = weight_shape[1], weight_shape[2], weight_shape[3]
    s0, s1, s2, s3 = input_strides[0], input_strides[1], input_strides[2], input_strides[3]
    w0, w1, w2, w3 = weight_strides[0], weight_strides[1], weight_strides[2], weight_strides[3]
    out_per_group = out_channels // groups
    for i in prange(batch * out_channels * out_h * out_w):
        b = i // (out_channels * out_h * out_w)
        co = (i // (out_h * out_w)) % out_channels
        oh = (i // out_w) % out_h
        ow = i % out_w
        first = (co // out_per_group) * group_channels
        acc = 0.0
        for ci in range(group_channels):
            for kh in range(kernel_h):
                y = oh * stride_h - pad_top + kh * dilation_h
                if y < 0 or y >= height:
                    continue
                for kw in range(kernel_w):
                    x = ow * stride_w - pad_left + kw * dilation_w
                    if 0 <= x < width:
                        acc += (
                            input[b * s0 + (first + ci) * s1 + y * s2 + x * s3]
                            * weight[co * w0 + ci * w1 + kh * w2 + kw * w3]
                        )
        position = b * out_strides[0] + co * out_strides[1] + oh * out_strides[2] + ow * out_strides[3]
        out[position] = acc
    # END SOLUTION


# ## Checking the arguments


def _pair(value: IntOrPair, dims: int, name: str) -> Tuple[int, ...]:
    """``value`` as ``dims`` positive ints (an int is repeated)."""
    values = (value,) * dims if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != dims or any(not isinstance(v, (int, np.integer)) or v < 1 for v in values):
        raise ValueError(f"{name} must be a positive int or {dims} of them, got {value!r}")
    return tuple(int(v) for v in values)


def _padding(padding: Padding, dims: int, kernel: Tuple[int, ...], stride: Tuple[int, ...],
             dilation: Tuple[int, ...]) -> Tuple[int, ...]:
    """Zeros before and after the input along each spatial dim: ``(before, after) * dims``."""
    span = [d * (k - 1) for k, d in zip(kernel, dilation)]  # the kernel's reach minus one
    if padding is None:  # the course's convolution: output size = input size, overhang after
        return tuple(p for s in span for p in (0, s))
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * dims)
        if padding != "same":
            raise ValueError(f"padding must be None, an int, a tuple, 'same' or 'valid', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1, got stride {stride}; give explicit "
                             "per-side padding for strided 'same' (TensorFlow) convolutions")
        return tuple(p for s in span for p in (s // 2, s - s // 2))
    if isinstance(padding, (int, np.integer)):
        sides = (int(padding),) * (2 * dims)
    else:
        values = tuple(int(p) for p in padding)
        if len(values) == dims:  # symmetric, PyTorch's (ph, pw)
            sides = tuple(p for v in values for p in (v, v))
        elif len(values) == 2 * dims:  # per side: (left, right) or (top, bottom, left, right)
            sides = values
        else:
            raise ValueError(f"padding {padding!r}: give {dims} values (symmetric) or "
                             f"{2 * dims} (before/after per dim)")
    if any(p < 0 for p in sides):
        raise ValueError(f"padding must not be negative, got {padding!r}")
    return sides


@dataclass(frozen=True)
class ConvSpec:
    """A checked convolution, always stated in 2-D (a 1-D one has height 1).

    Attributes:
        stride, dilation: ``(h, w)``.
        padding: ``(top, bottom, left, right)``.
        groups: channel groups.
        out_hw: the output's ``(OH, OW)``.
        dims: 1 or 2, the user's view.
    """

    stride: Tuple[int, int]
    padding: Tuple[int, int, int, int]
    dilation: Tuple[int, int]
    groups: int
    out_hw: Tuple[int, int]
    dims: int

    @property
    def geometry(self) -> conv_kernels.Geometry:
        return self.stride, self.padding, self.dilation


def conv_spec(input_shape: Tuple[int, ...], weight_shape: Tuple[int, ...], bias: Optional[Tensor],
              stride: IntOrPair, padding: Padding, dilation: IntOrPair, groups: int,
              dims: int) -> ConvSpec:
    """Check a convolution's shapes and settings and work out its output size.

    Raises:
        ValueError: naming the shapes, for wrong ranks, channels that do not
            fit the groups, a bias of the wrong size, or an empty output.
    """
    name = f"conv{dims}d"
    if len(input_shape) != dims + 2 or len(weight_shape) != dims + 2:
        layout = "(B, C, W)" if dims == 1 else "(B, C, H, W)"
        raise ValueError(f"{name} needs an input {layout} and a weight with as many dims, got "
                         f"input {input_shape} and weight {weight_shape}")
    channels, out_channels, group_channels = input_shape[1], weight_shape[0], weight_shape[1]
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    if channels % groups or out_channels % groups or group_channels * groups != channels:
        raise ValueError(
            f"{name}: input {input_shape} has {channels} channels and weight {weight_shape} "
            f"{out_channels} filters of {group_channels} channels; with groups={groups} both "
            f"channel counts must divide by groups and weight.shape[1] must be {channels // groups}"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"{name}: bias has shape {bias.shape}, expected ({out_channels},)")
    kernel_size = tuple(int(k) for k in weight_shape[2:])
    strides, dilations = _pair(stride, dims, "stride"), _pair(dilation, dims, "dilation")
    sides = _padding(padding, dims, kernel_size, strides, dilations)
    out = []
    for d in range(dims):
        padded = input_shape[2 + d] + sides[2 * d] + sides[2 * d + 1]
        reach = dilations[d] * (kernel_size[d] - 1) + 1
        if padded < reach or kernel_size[d] < 1:
            raise ValueError(f"{name}: the kernel {weight_shape} (reach {reach} with dilation "
                             f"{dilations[d]}) does not fit the padded input {input_shape}")
        out.append((padded - reach) // strides[d] + 1)
    if dims == 1:
        return ConvSpec((1, strides[0]), (0, 0, *sides), (1, dilations[0]), int(groups),
                        (1, out[0]), 1)
    return ConvSpec(strides, sides, dilations, int(groups), (out[0], out[1]), 2)  # type: ignore[arg-type]


# ## From tensors to arrays and back


def to_array(t: Tensor, dtype: np.dtype) -> np.ndarray:
    """A C-contiguous numpy array of ``t``'s numbers (``t``'s own storage when it can be)."""
    storage = t._tensor._storage
    # Safe: TensorData checked that every index stays inside storage. Not read-only:
    # numba compiles a second copy of each kernel for read-only arrays.
    view = np.lib.stride_tricks.as_strided(
        storage, t.shape, tuple(s * storage.itemsize for s in t._tensor.strides)
    )
    return np.ascontiguousarray(view, dtype=dtype)


def from_array(array: np.ndarray, like: Tensor) -> Tensor:
    """A tensor on ``like``'s backend over a C-contiguous ``array`` (shared)."""
    array = np.ascontiguousarray(array)
    return Tensor(TensorData(array.reshape(-1), array.shape), backend=like.backend)


def _use_direct(input_shape: Tuple[int, ...], weight_shape: Tuple[int, ...], spec: ConvSpec) -> bool:
    if not fast_ops.USE_BLAS:  # course_kernels(): always the graded kernels
        return True
    if CONV_IMPL not in ("auto", "direct", "gemm"):
        raise ValueError(f"MINITORCH_CONV / CONV_IMPL must be auto, direct or gemm, got {CONV_IMPL!r}")
    if CONV_IMPL != "auto":
        return CONV_IMPL == "direct"
    work = input_shape[0] * int(np.prod(weight_shape)) * spec.out_hw[0] * spec.out_hw[1]
    return work <= DIRECT_MAX_WORK


def run_conv_kernel(x: np.ndarray, w: np.ndarray, stride: Tuple[int, int], pad: Tuple[int, int],
                    dilation: Tuple[int, int], groups: int, out_hw: Tuple[int, int],
                    dims: int) -> np.ndarray:
    """Run the graded kernel (``tensor_conv1d`` or ``tensor_conv2d``) on float64 arrays.

    Args:
        x: ``(B, Cin, H, W)`` (for ``dims == 1``, H is 1).
        w: ``(Cout, Cin / groups, KH, KW)`` (for ``dims == 1``, KH is 1).
        stride, pad, dilation: ``(h, w)`` pairs; ``pad`` counts the zeros
            before the first row/column (it may be negative: the window then
            starts inside the input).
        groups: channel groups.
        out_hw: the output's ``(OH, OW)``.
        dims: 1 or 2, the kernel to run.

    Returns:
        ``(B, Cout, OH, OW)`` float64.
    """
    def tensor_of(a: np.ndarray) -> Tensor:
        a = np.ascontiguousarray(a, dtype=np.float64)
        return Tensor(TensorData(a.reshape(-1), a.shape))

    batch, out_channels = x.shape[0], w.shape[0]
    if dims == 1:
        out = tensor_of(np.zeros((batch, out_channels, out_hw[1])))
        tensor_conv1d(*out.tuple(), *tensor_of(x[:, :, 0]).tuple(), *tensor_of(w[:, :, 0]).tuple(),
                      stride[1], pad[1], dilation[1], groups)
    else:
        out = tensor_of(np.zeros((batch, out_channels, *out_hw)))
        tensor_conv2d(*out.tuple(), *tensor_of(x).tuple(), *tensor_of(w).tuple(), *stride,
                      pad[0], pad[1], *dilation, groups)
    return out._tensor._storage.reshape(batch, out_channels, *out_hw)


def _direct(input: Tensor, weight: Tensor, spec: ConvSpec, dtype: np.dtype) -> np.ndarray:
    """Run the graded kernel forward; the result as an array of the output's shape.

    It computes in float64, whatever ``dtype``: one compiled version instead
    of three (float32, float64, mixed) saves seconds of compiling on a cold cache.
    """
    x, w = _as_images(input, weight, np.float64)
    out = run_conv_kernel(x, w, spec.stride, (spec.padding[0], spec.padding[2]), spec.dilation,
                          spec.groups, spec.out_hw, spec.dims)
    return out.astype(dtype, copy=False)


def direct_backward(go: np.ndarray, x: np.ndarray, w: np.ndarray, spec: ConvSpec, want_x: bool,
                    want_weight: bool) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """The gradients of a convolution, computed by the graded kernel itself (``groups == 1``).

    Both are convolutions again:

    - ``grad_x`` correlates ``grad_output`` (with ``stride - 1`` zeros put
      between its entries) with the kernel flipped in space and with its two
      channel axes swapped, padded so every input position gets its sum;
    - ``grad_w[o, c]`` correlates input channel ``c`` with output channel
      ``o`` of ``grad_output`` over the batch: batch and channels swap roles,
      and stride and dilation swap too.

    Args:
        go: ``(B, Cout, OH, OW)``, the gradient of the output.
        x: ``(B, Cin, H, W)``, the forward's input; w: ``(Cout, Cin, KH, KW)``.
        spec: the forward's settings.
        want_x, want_weight: which gradients to compute.

    Returns:
        ``(grad_x, grad_w)`` float64 arrays shaped like ``x`` and ``w`` (or None).
    """
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    top, left = spec.padding[0], spec.padding[2]
    kh, kw = w.shape[2], w.shape[3]
    grad_x = grad_w = None
    if want_x:
        spread = np.zeros((*go.shape[:2], (go.shape[2] - 1) * sh + 1, (go.shape[3] - 1) * sw + 1))
        spread[:, :, ::sh, ::sw] = go
        flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
        grad_x = run_conv_kernel(spread, flipped, (1, 1), ((kh - 1) * dh - top, (kw - 1) * dw - left),
                                 (dh, dw), 1, (x.shape[2], x.shape[3]), spec.dims)
    if want_weight:
        per_channel = run_conv_kernel(x.transpose(1, 0, 2, 3), go.transpose(1, 0, 2, 3), (dh, dw),
                                      (top, left), (sh, sw), 1, (kh, kw), spec.dims)
        grad_w = per_channel.transpose(1, 0, 2, 3)
    return grad_x, grad_w


# ## The autograd Functions


class _ConvFun(Function):
    """Shared by :class:`Conv1dFun` and :class:`Conv2dFun`; ``DIMS`` tells them apart."""

    DIMS = 2

    @classmethod
    def apply(cls, input: Tensor, weight: Tensor, bias: Optional[Tensor] = None,  # type: ignore[override]
              stride: IntOrPair = 1, padding: Padding = None, dilation: IntOrPair = 1,
              groups: int = 1) -> Tensor:
        """Check the arguments, then record the convolution (see :func:`conv2d`)."""
        spec = conv_spec(tuple(input.shape), tuple(weight.shape), bias, stride, padding,
                         dilation, groups, cls.DIMS)
        # Which gradients backward must produce: a first layer's input needs none.
        wanted = (input.requires_grad(), weight.requires_grad(),
                  bias is not None and bias.requires_grad())
        return super().apply(input, weight, bias, spec, wanted)

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor, bias: Optional[Tensor],
                spec: ConvSpec, wanted: Tuple[bool, bool, bool]) -> Tensor:
        dtype = np.promote_types(input.dtype, weight.dtype)
        x = w = cols = None
        direct = _use_direct(tuple(input.shape), tuple(weight.shape), spec)
        b = None if bias is None else to_array(bias, dtype)
        if direct:
            out = _direct(input, weight, spec, dtype)
        else:
            x, w = _as_images(input, weight, dtype)
            plain = conv_kernels.is_plain_1x1(w.shape[2:], spec.geometry)  # no im2col at all
            if spec.groups == 1 and not plain and (ctx.no_grad or not wanted[1]):
                # No weight gradient: nothing needs the im2col matrix, so build it block by block.
                out = conv_blocked.conv_forward_blocked(x, w, spec.out_hw, spec.geometry, shift=b)
                b = None
            else:
                out, cols = conv_kernels.conv_forward(x, w, spec.groups, spec.out_hw, spec.geometry)
            if not wanted[1] or (cols is not None and cols.nbytes > SAVE_COLS_BYTES):
                cols = None  # not needed, or cheaper to recompute than to keep
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        ctx.save_for_backward(input, weight, x, w, cols, spec, wanted, dtype, direct)
        return from_array(out.reshape(out.shape[:2] + out.shape[4 - spec.dims:]), input)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Optional[Tensor], ...]:
        input, weight, x, w, cols, spec, wanted, dtype, direct = ctx.saved_values
        go = to_array(grad_output, dtype).reshape(input.shape[0], weight.shape[0], *spec.out_hw)
        grad_x = grad_w = grad_b = None
        if direct and spec.groups == 1 and (wanted[0] or wanted[1]):
            # The graded kernel computes the gradients too (grouped ones go to im2col).
            x64, w64 = _as_images(input, weight, np.float64)
            grad_x, grad_w = direct_backward(go.astype(np.float64), x64, w64, spec,
                                             wanted[0], wanted[1])
            grad_x = None if grad_x is None else grad_x.astype(dtype, copy=False)
            grad_w = None if grad_w is None else grad_w.astype(dtype, copy=False)
        elif wanted[0] or wanted[1]:
            if x is None:
                x, w = _as_images(input, weight, dtype)
            grad_x, grad_w = conv_kernels.conv_backward(go, x, w, cols, spec.groups, spec.geometry,
                                                        want_x=wanted[0], want_weight=wanted[1])
        if wanted[2]:
            grad_b = from_array(go.sum(axis=(0, 2, 3)), input)
        return (
            None if grad_x is None else from_array(grad_x.reshape(input.shape), input),
            None if grad_w is None else from_array(grad_w.reshape(weight.shape), input),
            grad_b,
        )


def _as_images(input: Tensor, weight: Tensor, dtype: np.dtype) -> Tuple[np.ndarray, np.ndarray]:
    """Input and weight as contiguous 4-D arrays; a 1-D convolution's have height 1."""
    x = to_array(input, dtype)
    w = to_array(weight, dtype)
    if input.dims == 3:
        return x[:, :, None, :], w[:, :, None, :]
    return x, w


class Conv1dFun(_ConvFun):
    """1-D convolution as an autograd Function: ``Conv1dFun.apply(input, weight, ...)``."""

    DIMS = 1


class Conv2dFun(_ConvFun):
    """2-D convolution as an autograd Function: ``Conv2dFun.apply(input, weight, ...)``."""

    DIMS = 2


def conv1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrPair = 1,
           padding: Padding = None, dilation: IntOrPair = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as in PyTorch) of ``(B, Cin, W)`` signals.

    Args:
        input: ``(B, Cin, W)``.
        weight: ``(Cout, Cin / groups, K)``.
        bias: ``(Cout,)`` or None.
        stride, dilation: an int (or a 1-tuple).
        padding: None (the course's: output width ``W``, zeros past the right
            edge), an int or ``(p,)`` (p zeros each side), ``(left, right)``,
            ``"same"`` (stride 1) or ``"valid"``.
        groups: split the channels into this many independent groups
            (``groups == Cin``: depthwise).

    Returns:
        ``(B, Cout, OW)``, ``OW = (W + left + right - dilation * (K - 1) - 1) // stride + 1``.

    Raises:
        ValueError: naming the shapes when they do not fit.
    """
    return Conv1dFun.apply(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrPair = 1,
           padding: Padding = None, dilation: IntOrPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of ``(B, Cin, H, W)`` images.

    Args:
        input: ``(B, Cin, H, W)``.
        weight: ``(Cout, Cin / groups, KH, KW)``.
        bias: ``(Cout,)`` or None.
        stride, dilation: an int or ``(h, w)``.
        padding: None (the course's: output ``H x W``, zeros past the bottom
            and right edges), an int, ``(ph, pw)`` (symmetric),
            ``(top, bottom, left, right)``, ``"same"`` (stride 1) or ``"valid"``.
        groups: split the channels into this many independent groups
            (``groups == Cin``: depthwise, as in MobileNet and EfficientNet).

    Returns:
        ``(B, Cout, OH, OW)``, each size ``(size + before + after - dilation * (K - 1) - 1) // stride + 1``.

    Raises:
        ValueError: naming the shapes when they do not fit.
    """
    return Conv2dFun.apply(input, weight, bias, stride, padding, dilation, groups)


__all__ = ["Conv1dFun", "Conv2dFun", "conv1d", "conv2d"]
