"""Module 4: the functions of a neural network beyond the elementwise ones.

- Pooling: the course's ``avgpool2d``/``maxpool2d`` over non-overlapping
  tiles (built from ``tile``, a reshaping trick), and PyTorch's general
  ``max_pool2d``/``avg_pool2d`` (stride, padding), adaptive pooling to any
  output size and global pooling, which run compiled kernels (``pooling.py``).
- ``max`` (with its gradient) and ``argmax`` along a dimension.
- ``softmax`` and ``logsoftmax``, computed stably: subtracting the maximum
  first keeps ``exp`` from overflowing, and changes nothing else, because
  ``softmax(x - c) = softmax(x)`` for any constant ``c``.
- ``dropout``, which a ``Dropout`` layer switches off in evaluation mode.

Everything works on the input's backend and dtype, and every function is
differentiable through the autograd graph.
"""

from __future__ import annotations

import functools
import random
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np

from . import operators
from .autodiff import Context
from .fast_conv import from_array
from .pooling import IntOrPair, Pool2dFun, adaptive_spec, window_spec
from .recording import recorded_as
from .tensor import Tensor
from .tensor_functions import Function
from .tensor_ops import TensorBackend

# ## Task 4.3: tiles and average pooling


def tile(input: Tensor, kernel: Tuple[int, int]) -> Tuple[Tensor, int, int]:
    """Cut each image into non-overlapping ``kh x kw`` tiles, one tile per output position.

    Args:
        input: ``(B, C, H, W)``.
        kernel: ``(kh, kw)``, which must divide ``(H, W)``.

    Returns:
        ``(tiled, H / kh, W / kw)``; ``tiled`` has shape ``(B, C, H / kh,
        W / kw, kh * kw)``: the last dim lists each tile's entries.

    Raises:
        ValueError: for a non 4-D input or a kernel that does not divide the image.
    """
    if input.dims != 4:
        raise ValueError(f"tile needs a (B, C, H, W) input, got shape {input.shape}")
    batch, channel, height, width = input.shape
    kh, kw = kernel
    if kh < 1 or kw < 1 or height % kh or width % kw:
        raise ValueError(
            f"tile: kernel {tuple(kernel)} must divide the image size {(height, width)} of input "
            f"{input.shape}; use max_pool2d/avg_pool2d for windows that do not"
        )
    # BEGIN SOLUTION task4_3
    new_height, new_width = height // kh, width // kw
    # Split H into (tile row, row within tile) and W likewise, then bring the
    # two "within tile" dims together at the end and merge them.
    split = input.contiguous().view(batch, channel, new_height, kh, new_width, kw)
    tiled = split.permute(0, 1, 2, 4, 3, 5).contiguous().view(
        batch, channel, new_height, new_width, kh * kw
    )
    return tiled, new_height, new_width
    # END SOLUTION


def avgpool2d(input: Tensor, kernel: Tuple[int, int]) -> Tensor:
    """Average over non-overlapping ``kernel`` tiles: ``(B, C, H, W) -> (B, C, H/kh, W/kw)``.

    Args:
        input: ``(B, C, H, W)``.
        kernel: ``(kh, kw)``, which must divide ``(H, W)`` (``tile`` checks
            and raises ``ValueError`` otherwise).

    Returns:
        ``(B, C, H / kh, W / kw)``: entry ``[b, c, i, j]`` is the mean of
        ``input[b, c, i*kh:(i+1)*kh, j*kw:(j+1)*kw]``; ``input``'s dtype.
        Differentiable (built from tensor operations).
    """
    batch, channel = input.shape[:2]
    # BEGIN SOLUTION task4_3
    tiled, new_height, new_width = tile(input, kernel)
    return tiled.mean(4).view(batch, channel, new_height, new_width)
    # END SOLUTION


# ## Task 4.4: max, argmax, softmax, dropout


@functools.lru_cache(maxsize=None)
def _max_reducer(backend: TensorBackend) -> Callable[[Tensor, int], Tensor]:
    # -inf starts the fold: max(-inf, x) = x for every x.
    return backend.ops.reduce(operators.max, -float("inf"))


def max_reduce(input: Tensor, dim: int) -> Tensor:
    """The maximum along ``dim`` (kept with size 1), with no gradient: a backend reduction."""
    return _max_reducer(input.backend)(input, dim)


class Max(Function):
    """The maximum along one dim (kept with size 1)."""

    @staticmethod
    def forward(ctx: Context, input: Tensor, dim: int) -> Tensor:
        """The maximum of ``input`` along ``dim``, keeping that dim with size 1.

        Use ``max_reduce`` above (a backend reduction). Save what ``backward``
        needs to find where the maxima were: the input, this output and ``dim``.

        Args:
            ctx: the call's context (``ctx.save_for_backward``).
            input: a tensor of any shape.
            dim: a non-negative ``int`` in ``[0, input.dims)`` (``nn.max`` has
                already converted and checked it).

        Returns:
            A tensor of ``input.shape`` with ``dim`` set to 1, of ``input``'s dtype;
            e.g. ``(2, 3, 4)`` over dim 1 gives ``(2, 1, 4)``.
        """
        # BEGIN SOLUTION task4_4
        out = max_reduce(input, dim)
        ctx.save_for_backward(input, out, dim)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of the maximum: it flows only to the entries that are the maximum.

        Away from ties, d max / d x_j is 1 for the largest entry along ``dim`` and 0
        for the others. When ``k`` entries tie for the maximum, each gets ``1/k`` of
        the gradient, so the shares still add up to ``grad_output`` (as
        ``torch.amax``): for ``[[1, 5, 5]]`` over dim 1 the gradient is
        ``[[0, 0.5, 0.5]]``.

        Args:
            ctx: the context ``forward`` filled (the input, the maxima and ``dim``).
            grad_output: the gradient of the maxima, of the output's shape
                (``dim`` has size 1).

        Returns:
            A tensor of the input's shape (broadcasting ``grad_output`` along ``dim``).
        """
        # BEGIN SOLUTION task4_4
        input, out, dim = ctx.saved_values
        f = grad_output.f
        # The gradient goes to the maximum; entries that tie share it equally
        # (so the gradients still add up to grad_output, as for torch.amax).
        hits = f.eq_zip(input, out)
        share = f.mul_zip(grad_output, f.inv_map(f.add_reduce(hits, dim)))
        return f.mul_zip(hits, share)
        # END SOLUTION


def _dim_arg(input: Tensor, dim: Union[int, Tensor]) -> int:
    """``dim`` as a non-negative int (the course passes it as a one-entry tensor too)."""
    if isinstance(dim, Tensor):
        dim = int(dim.item())
    return input._dim(int(dim))


def _nonempty(input: Tensor, dim: int, name: str) -> int:
    """``dim``, after checking that it has entries: an empty one has no maximum (PyTorch raises too)."""
    if input.shape[dim] == 0:
        raise ValueError(f"{name}() over dim {dim} of size 0 (input shape {input.shape}): an empty dim has no maximum")
    return dim


def max(input: Tensor, dim: Optional[Union[int, Tensor]] = None) -> Tensor:
    """The maximum of ``input`` along ``dim`` (kept with size 1), or of all of it (shape ``(1,)``).

    Gradients flow to the maximal entry (shared equally between ties). NaN
    entries make the maximum NaN, as ``numpy.max``.

    Raises:
        ValueError: if ``dim`` (or the whole tensor) is empty.
    """
    if dim is None:
        flat = input.contiguous().view(input.size)
        return Max.apply(flat, _nonempty(flat, 0, "max"))
    return Max.apply(input, _nonempty(input, _dim_arg(input, dim), "max"))


def argmax(input: Tensor, dim: Union[int, Tensor]) -> Tensor:
    """A one-hot tensor of ``input``'s shape: 1.0 where an entry is the maximum along ``dim``.

    Ties all get 1.0. The result is a constant (no gradient flows through it).

    Args:
        input: a tensor.
        dim: the dim to compare along (an int, negative counts from the end,
            or a one-entry tensor; ``_dim_arg`` converts it).

    Returns:
        A float tensor of 1.0/0.0 of ``input``'s shape; e.g. ``[[1, 5, 5]]``
        along dim 1 gives ``[[0, 1, 1]]``.
    """
    dim = _nonempty(input, _dim_arg(input, dim), "argmax")
    # BEGIN SOLUTION task4_4
    return input.f.eq_zip(input, max_reduce(input, dim))
    # END SOLUTION


@recorded_as("Softmax")
def softmax(input: Tensor, dim: Union[int, Tensor]) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``: positive entries that sum to 1.

    Computed as ``exp(x - max) / sum(exp(x - max))``, which never overflows:
    ``[1000, 0, -1000]`` gives ``[1, 0, 0]``, not NaN. The max is a constant
    shift (``softmax(x - c) == softmax(x)``), so it needs no gradient.

    Args:
        input: a tensor, float32 or float64.
        dim: the dim to normalise along (int or one-entry tensor).

    Returns:
        A tensor of ``input``'s shape and dtype whose entries along ``dim``
        are positive and sum to 1. Differentiable.
    """
    dim = _dim_arg(input, dim)
    # BEGIN SOLUTION task4_4
    # The max is a constant here: softmax(x - c) = softmax(x), whatever c.
    shifted = input - max_reduce(input.detach(), dim)
    e = shifted.exp()
    return e / e.sum(dim)
    # END SOLUTION


@recorded_as("LogSoftmax")
def logsoftmax(input: Tensor, dim: Union[int, Tensor]) -> Tensor:
    """``log(softmax(x))`` along ``dim``, as ``(x - m) - log(sum(exp(x - m)))`` with ``m`` the max.

    Stable where ``softmax(x).log()`` is not: it stays finite for entries
    whose softmax underflows to 0 (``[1000, 0, -1000]`` gives
    ``[0, -1000, -2000]``).

    Args:
        input: a tensor, float32 or float64.
        dim: the dim to normalise along (int or one-entry tensor).

    Returns:
        A tensor of ``input``'s shape and dtype; ``exp`` of it sums to 1
        along ``dim``. Differentiable.
    """
    dim = _dim_arg(input, dim)
    # BEGIN SOLUTION task4_4
    shifted = input - max_reduce(input.detach(), dim)
    return shifted - shifted.exp().sum(dim).log()
    # END SOLUTION


def dropout(input: Tensor, rate: float, ignore: bool = False) -> Tensor:
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    The scaling keeps every entry's expected value, so a network trained with
    dropout needs no change when it is switched off.

    Args:
        input: any tensor.
        rate: the probability of dropping an entry, in ``[0, 1]``.
        ignore: return ``input`` unchanged (evaluation mode: the ``Dropout``
            layer passes ``ignore=not self.training``).

    The mask comes from numpy seeded by Python's ``random``: ``random.seed``
    makes it reproducible.

    Returns:
        A tensor of ``input``'s shape and dtype: ``input`` itself when
        ``ignore`` or ``rate == 0``, all zeros when ``rate == 1`` (no division
        by zero), else ``input`` times a constant mask of 0 and
        ``1 / (1 - rate)`` entries, so the gradient is that mask.

    Raises:
        ValueError: if ``rate`` is outside ``[0, 1]`` (checked above).
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"dropout rate must be between 0 and 1, got {rate}")
    # BEGIN SOLUTION task4_4
    if ignore or rate == 0.0:
        return input
    if rate == 1.0:
        return input * 0.0
    rng = np.random.default_rng(random.getrandbits(64))
    keep = rng.random(input.shape) >= rate
    mask = keep.astype(input.dtype) / input.dtype.type(1.0 - rate)
    return input * from_array(mask, input)
    # END SOLUTION


def maxpool2d(input: Tensor, kernel: Tuple[int, int]) -> Tensor:
    """Maximum over non-overlapping ``kernel`` tiles: ``(B, C, H, W) -> (B, C, H/kh, W/kw)``.

    Args:
        input: ``(B, C, H, W)``.
        kernel: ``(kh, kw)``, which must divide ``(H, W)`` (see ``tile``).

    Returns:
        ``(B, C, H / kh, W / kw)``: entry ``[b, c, i, j]`` is the maximum of
        ``input[b, c, i*kh:(i+1)*kh, j*kw:(j+1)*kw]``. Gradients flow as for
        ``max`` (to the maxima, shared between ties).
    """
    batch, channel = input.shape[:2]
    # BEGIN SOLUTION task4_4
    tiled, new_height, new_width = tile(input, kernel)
    return max(tiled, 4).view(batch, channel, new_height, new_width)
    # END SOLUTION


# ## General pooling (PyTorch's semantics), on compiled kernels


@recorded_as("MaxPool2d")
def max_pool2d(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, ceil_mode: bool = False) -> Tensor:
    """Maximum over ``kernel_size`` windows every ``stride`` (default: the kernel size).

    Args:
        input: ``(B, C, H, W)``.
        kernel_size, stride, padding: an int or ``(h, w)``; padding (at most
            half the kernel) never wins a maximum.
        ceil_mode: round the output size up (a last, partial window).

    Returns:
        ``(B, C, OH, OW)``, ``OH = (H + 2 * padding - kernel) // stride + 1``.
    """
    windows = window_spec(input, kernel_size, stride, padding, ceil_mode, True, "max_pool2d")
    return Pool2dFun.apply(input, windows, True)


@recorded_as("AvgPool2d")
def avg_pool2d(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Average over ``kernel_size`` windows every ``stride`` (default: the kernel size).

    Arguments as for :func:`max_pool2d`; ``count_include_pad`` divides by the
    whole window, padding included (PyTorch's default), rather than by the
    number of input entries in it.
    """
    windows = window_spec(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          "avg_pool2d")
    return Pool2dFun.apply(input, windows, False)


@recorded_as("AdaptiveAvgPool2d")
def adaptive_avg_pool2d(input: Tensor, output_size: Union[int, Sequence[Optional[int]]]) -> Tensor:
    """Average into exactly ``output_size`` (an int or ``(h, w)``; None keeps that size).

    Output ``i`` averages input rows ``floor(i * H / OH)`` to ``ceil((i + 1) * H / OH)``
    (PyTorch's bins), and likewise for columns.
    """
    return Pool2dFun.apply(input, adaptive_spec(input, output_size, "adaptive_avg_pool2d"), False)


@recorded_as("AdaptiveMaxPool2d")
def adaptive_max_pool2d(input: Tensor, output_size: Union[int, Sequence[Optional[int]]]) -> Tensor:
    """Maximum into exactly ``output_size``, over :func:`adaptive_avg_pool2d`'s bins."""
    return Pool2dFun.apply(input, adaptive_spec(input, output_size, "adaptive_max_pool2d"), True)


def global_avg_pool2d(input: Tensor) -> Tensor:
    """The average of each channel: ``(B, C, H, W) -> (B, C, 1, 1)``."""
    return adaptive_avg_pool2d(input, 1)


def global_max_pool2d(input: Tensor) -> Tensor:
    """The maximum of each channel: ``(B, C, H, W) -> (B, C, 1, 1)``."""
    return adaptive_max_pool2d(input, 1)


__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "argmax",
    "avg_pool2d",
    "avgpool2d",
    "dropout",
    "global_avg_pool2d",
    "global_max_pool2d",
    "logsoftmax",
    "max",
    "max_pool2d",
    "maxpool2d",
    "softmax",
    "tile",
]
