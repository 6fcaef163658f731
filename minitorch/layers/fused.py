"""Fused Functions: a whole layer as one node of the graph.

``x @ W.T + b`` built from primitives is three graph nodes (a transpose
view, a matrix product, a broadcast add), and the backward pass of the add
sums the gradient over the batch through ``Tensor.expand``. Each node costs
Python bookkeeping (a history, a context, fresh tensors), about as much as
the arithmetic itself when the matrices are small: a 32-image batch of an
MNIST MLP spends more time in bookkeeping than in multiplying.

A *fused* Function does the whole layer in one ``forward`` and one
``backward``, written with numpy on the tensors' storage (the same arrays
every backend keeps in host memory; numpy hands matrix products to BLAS,
as ``FastOps`` does). Each Function here has a composed twin made of
primitives, and the tests check that both give the same numbers and
gradients (``tests/test_layers.py``).

- :func:`linear`: ``x @ W.T + b`` (PyTorch's weight layout ``(out, in)``),
  optionally with its ``relu`` in the same node (Keras' ``Dense(activation="relu")``).
- :func:`batch_norm`: normalise with batch or running statistics.
- :func:`layer_norm`: normalise each example over its last dimensions.
- :func:`embedding`: look up rows of a table by index.
- :func:`gelu`: the Gaussian error linear unit, with the exact ``erf``.
- :func:`dropout`: ``nn.dropout``'s mask product, whose backward skips the mask's gradient.

A function a tracer (``minitorch.trace``) should see as its composed ops
checks ``recording.watcher()`` and runs them when one is watching.
"""

from __future__ import annotations

import random
import threading
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .. import fast_ops, recording
from ..autodiff import Context
from ..kernels import channel_kernels, parallel
from ..recording import recorded_as
from ..tensor import Tensor
from ..tensor_data import TensorData
from ..tensor_functions import Function

# ## Moving between tensors and numpy arrays without copying


def as_array(t: Tensor) -> np.ndarray:
    """The numbers of ``t`` as a numpy array of its shape: a view of the storage when contiguous."""
    if t.is_contiguous():
        return t._tensor._storage[: t.size].reshape(t.shape)
    return t.to_numpy()


def from_array(a: np.ndarray, like: Tensor) -> Tensor:
    """A constant tensor over the numbers of ``a`` (shared if contiguous), on ``like``'s backend."""
    a = np.ascontiguousarray(a)
    return Tensor(TensorData(a.reshape(-1), a.shape), backend=like.backend)


def class_indices(target: Any, n: Optional[int] = None) -> np.ndarray:
    """Class labels as an int64 numpy array (from a tensor, an array or a list).

    Raises:
        ValueError: a label is not a whole number, or there are not ``n`` of them.
    """
    labels = np.asarray(target.to_numpy() if isinstance(target, Tensor) else target)
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ValueError("class labels must be whole numbers (class indices)")
    labels = labels.astype(np.int64).reshape(-1)
    if n is not None and len(labels) != n:
        raise ValueError(f"expected {n} labels, got {len(labels)}")
    return labels


# ## Linear


class Linear(Function):
    """``x @ weight.T + bias`` over the last dim of ``x`` (any leading dims), then ``relu`` if asked.

    With ``relu`` the activation costs no graph node of its own: the forward
    clips the product in place, and the backward zeroes the incoming gradient
    where the output was not positive (``relu``'s derivative) before the
    products.
    """

    @staticmethod
    def forward(
        ctx: Context, x: Tensor, weight: Tensor, bias: Optional[Tensor], x_grad: bool, relu: bool = False
    ) -> Tensor:
        w = as_array(weight)
        x2 = as_array(x).reshape(-1, w.shape[1])
        out = parallel.matmul(x2, w.T)
        if bias is not None:
            out += as_array(bias)
        if relu:
            np.maximum(out, 0, out=out)
        ctx.save_for_backward(x, weight, bias is not None, x_grad, out if relu else None)
        return from_array(out.reshape(*x.shape[:-1], w.shape[0]), x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Any, ...]:
        x, weight, has_bias, x_grad, relu_out = ctx.saved_values
        w = as_array(weight)
        g = as_array(grad_output).reshape(-1, w.shape[0])
        if relu_out is not None:
            g = np.where(relu_out > 0, g, 0).astype(g.dtype, copy=False)
        x2 = as_array(x).reshape(-1, w.shape[1])
        dx = from_array(parallel.matmul(g, w).reshape(x.shape), x) if x_grad else None
        dw = from_array(parallel.matmul(g.T, x2).astype(w.dtype, copy=False), weight)
        db = from_array(g.sum(axis=0).astype(w.dtype, copy=False), weight) if has_bias else None
        return dx, dw, db


def linear(x: Tensor, weight: Tensor, bias: Optional[Tensor] = None, relu: bool = False) -> Tensor:
    """The affine map of a fully connected layer, as one fused graph node.

    Args:
        x: ``(..., in_features)``.
        weight: ``(out_features, in_features)`` (PyTorch's layout).
        bias: ``(out_features,)`` or None.
        relu: apply ``relu`` to the result in the same node (a Dense layer's
            activation without a node, a kernel launch and a tensor of its own).

    Returns:
        ``(..., out_features)``.

    Raises:
        ValueError: naming the shapes, if they do not fit.
    """
    if weight.dims != 2 or x.dims < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight {weight.shape}; "
            f"the input's last dim must be in_features={weight.shape[-1]}"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias has shape {bias.shape}, expected ({weight.shape[0]},)")
    if not fast_ops.USE_BLAS:  # course_kernels(): the student's matmul and zip do the work
        rows = x.contiguous().view(-1, weight.shape[1]) @ weight.permute(1, 0)
        out = rows if bias is None else rows + bias
        out = out.view(*x.shape[:-1], weight.shape[0])
        return out.relu() if relu else out
    if relu:
        return Linear.apply(x, weight, bias, x.requires_grad(), True)
    return Linear.apply(x, weight, bias, x.requires_grad())


# ## Normalisation


def _channel_axes(x: np.ndarray) -> Tuple[int, ...]:
    """The axes batch norm averages over: all but the channel axis 1."""
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """A ``(C,)`` vector shaped to broadcast along axis 1 of an ``ndim``-dim array."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNorm(Function):
    """``(x - mean) * invstd * weight + bias`` per channel (axis 1), by the kernels of ``channel_kernels``.

    The forward folds the four steps into one multiply-add per number
    (``x * scale + shift``); the backward recomputes ``xhat`` from ``x``
    rather than keeping a normalised copy of every activation.
    """

    @staticmethod
    def forward(
        ctx: Context,
        x: Tensor,
        weight: Optional[Tensor],
        bias: Optional[Tensor],
        mean: np.ndarray,
        invstd: np.ndarray,
        batch_stats: bool,
        clip: Optional[Tuple[float, float]],
    ) -> Tensor:
        a = _planes(x)
        w = as_array(weight).astype(np.float64) if weight is not None else np.ones_like(invstd)
        scale = invstd * w
        shift = -mean * scale
        if bias is not None:
            shift = shift + as_array(bias)
        lo, hi = clip if clip is not None else (-np.inf, np.inf)
        y = channel_kernels.scale_shift(a, scale, shift, lo, hi)
        ctx.save_for_backward(a, mean, invstd, weight, bias is not None, batch_stats,
                              y if clip is not None else None, lo, hi)
        return from_array(y.reshape(x.shape), x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Any, ...]:
        a, mean, invstd, weight, has_bias, batch_stats, y, lo, hi = ctx.saved_values
        g = _planes(grad_output)
        w = as_array(weight) if weight is not None else np.ones(a.shape[1], a.dtype)
        dx, dw, db = channel_kernels.batch_norm_backward(g, a, mean, invstd, w, batch_stats, y, lo, hi)
        dtype = a.dtype
        return (
            from_array(dx.reshape(grad_output.shape), grad_output),
            from_array(dw.astype(dtype), grad_output) if weight is not None else None,
            from_array(db.astype(dtype), grad_output) if has_bias else None,
        )


def _planes(t: Tensor) -> np.ndarray:
    """``t`` as a contiguous ``(N, C, S)`` array (``S`` = the product of the dims after C)."""
    a = np.ascontiguousarray(as_array(t))
    # The plane size spelled out, not -1: numpy cannot infer it for an empty batch.
    return a.reshape(a.shape[0], a.shape[1], int(np.prod(a.shape[2:], dtype=np.int64)))


@recorded_as("BatchNorm")
def batch_norm(
    x: Tensor,
    running_mean: Optional[Tensor],
    running_var: Optional[Tensor],
    weight: Optional[Tensor] = None,
    bias: Optional[Tensor] = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    clip: Optional[Tuple[float, float]] = None,
) -> Tensor:
    """Batch normalisation over axis 1 (channels), as ``torch.nn.functional.batch_norm``.

    In training (or without running statistics) each channel is normalised
    with the mean and (biased) variance of this batch, and the running
    statistics, if given, move towards them in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the variance
    with the unbiased ``n / (n - 1)`` correction). In evaluation the running
    statistics are used instead, so one example's output does not depend on
    the others in its batch.

    Args:
        x: ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``.
        running_mean, running_var: ``(C,)`` buffers (updated in place), or None.
        weight, bias: the ``(C,)`` affine parameters, or None.
        training: use (and update with) the batch statistics.
        momentum: the running statistics' update rate.
        eps: added to the variance for stability.
        clip: ``(lo, hi)`` to fuse ``clamp(out, lo, hi)`` into the same pass
            (``(0, 6)`` is a following ReLU6: one read and write of the
            activations instead of two, forward and backward).

    Returns:
        A tensor of ``x``'s shape.
    """
    if x.dims < 2:
        raise ValueError(f"batch_norm needs (N, C, ...) input, got shape {x.shape}")
    batch_stats = training or running_mean is None or running_var is None
    if batch_stats:
        a = _planes(x)
        count = a.shape[0] * a.shape[2]
        if count < 2 and (training or count == 0):
            # As PyTorch: one value has no variance, and an empty batch has no statistics at all.
            raise ValueError(
                f"batch norm with batch statistics needs more than one value per channel, "
                f"got input of shape {x.shape}"
            )
        mean, var = channel_kernels.channel_stats(a)
        if training and running_mean is not None and running_var is not None:
            rm, rv = as_array(running_mean), as_array(running_var)
            rm *= 1.0 - momentum
            rm += momentum * mean
            rv *= 1.0 - momentum
            rv += momentum * var * count / max(count - 1, 1)
    else:
        mean = as_array(running_mean).astype(np.float64)
        var = as_array(running_var).astype(np.float64)
    return BatchNorm.apply(x, weight, bias, mean, 1.0 / np.sqrt(var + eps), batch_stats, clip)


class LayerNorm(Function):
    """Normalise each row over its last ``k`` dims, then scale and shift elementwise."""

    @staticmethod
    def forward(
        ctx: Context, x: Tensor, weight: Optional[Tensor], bias: Optional[Tensor], k: int, eps: float
    ) -> Tensor:
        a = as_array(x)
        rows = a.reshape(-1, int(np.prod(a.shape[a.ndim - k :])))
        mean = rows.mean(axis=1, keepdims=True)
        invstd = 1.0 / np.sqrt(rows.var(axis=1, keepdims=True) + eps)
        xhat = ((rows - mean) * invstd).reshape(a.shape)
        out = xhat
        if weight is not None:
            out = out * as_array(weight)
        if bias is not None:
            out = out + as_array(bias)
        ctx.save_for_backward(xhat, invstd, weight, bias is not None, k)
        return from_array(out.astype(a.dtype, copy=False), x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Any, ...]:
        xhat, invstd, weight, has_bias, k = ctx.saved_values
        g = as_array(grad_output)
        lead = tuple(range(g.ndim - k))
        dxhat = g * as_array(weight) if weight is not None else g
        n = int(np.prod(g.shape[g.ndim - k :]))
        d2, x2 = dxhat.reshape(-1, n), xhat.reshape(-1, n)
        dx = invstd / n * (n * d2 - d2.sum(axis=1, keepdims=True) - x2 * (d2 * x2).sum(axis=1, keepdims=True))
        dtype = xhat.dtype
        return (
            from_array(dx.reshape(g.shape).astype(dtype, copy=False), grad_output),
            from_array((g * xhat).sum(axis=lead).astype(dtype), grad_output) if weight is not None else None,
            from_array(g.sum(axis=lead).astype(dtype), grad_output) if has_bias else None,
        )


def layer_norm(
    x: Tensor,
    normalized_shape: Sequence[int],
    weight: Optional[Tensor] = None,
    bias: Optional[Tensor] = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation, as ``torch.nn.functional.layer_norm``.

    Args:
        x: any shape ending in ``normalized_shape``.
        normalized_shape: the trailing dims each example is normalised over.
        weight, bias: affine parameters of shape ``normalized_shape``, or None.
        eps: added to the variance for stability.
    """
    shape = tuple(normalized_shape)
    if tuple(x.shape[x.dims - len(shape) :]) != shape:
        raise ValueError(f"layer_norm over {shape}: input of shape {x.shape} does not end with it")
    return LayerNorm.apply(x, weight, bias, len(shape), eps)


# ## Embedding


class Embedding(Function):
    """Row ``indices[...]`` of ``weight``; the backward adds gradients back onto those rows."""

    @staticmethod
    def forward(ctx: Context, weight: Tensor, indices: np.ndarray, padding_idx: Optional[int]) -> Tensor:
        ctx.save_for_backward(weight.shape, indices, padding_idx)
        return from_array(as_array(weight)[indices], weight)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        shape, indices, padding_idx = ctx.saved_values
        g = as_array(grad_output)
        dw = np.zeros(shape, dtype=g.dtype)
        # add.at, not dw[indices] += g: a row used twice must get both gradients.
        np.add.at(dw, indices.reshape(-1), g.reshape(-1, shape[1]))
        if padding_idx is not None:
            dw[padding_idx] = 0.0
        return from_array(dw, grad_output)


@recorded_as("Embedding")
def embedding(indices: Any, weight: Tensor, padding_idx: Optional[int] = None) -> Tensor:
    """Look up rows of an embedding table.

    Args:
        indices: integer indices of any shape (a tensor, numpy array or list).
        weight: the ``(num_embeddings, dim)`` table.
        padding_idx: a row that never receives a gradient.

    Returns:
        ``(*indices.shape, dim)``.

    Raises:
        IndexError: an index is outside ``[0, num_embeddings)``.
    """
    raw = indices.to_numpy() if isinstance(indices, Tensor) else np.asarray(indices)
    idx = raw.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0]):
        raise IndexError(
            f"embedding indices must lie in [0, {weight.shape[0]}), got min {idx.min()}, max {idx.max()}"
        )
    return Embedding.apply(weight, idx, padding_idx)


# ## GELU


class GELU(Function):
    """``x * Phi(x)``, where ``Phi`` is the standard normal CDF (exact, with ``erf``)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Tensor:
        a = np.ascontiguousarray(as_array(x))
        ctx.save_for_backward(a)
        return from_array(channel_kernels.gelu_forward(a), x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a,) = ctx.saved_values
        return from_array(channel_kernels.gelu_backward(as_array(grad_output), a), grad_output)


def gelu(x: Tensor) -> Tensor:
    """The Gaussian error linear unit (BERT, GPT), exact form as PyTorch's default."""
    return GELU.apply(x)


# ## Concatenation


class Concat(Function):
    """Join tensors along one dimension; the gradient is cut back into the pieces."""

    @staticmethod
    def forward(ctx: Context, *args: Any) -> Tensor:
        *parts, dim = args
        arrays = [as_array(t) for t in parts]
        ctx.save_for_backward(dim, [a.shape[dim] for a in arrays])
        return from_array(np.concatenate(arrays, axis=dim), parts[0])

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Any, ...]:
        dim, sizes = ctx.saved_values
        pieces = np.split(as_array(grad_output), np.cumsum(sizes)[:-1], axis=dim)
        return tuple(from_array(p, grad_output) for p in pieces) + (None,)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate ``tensors`` along ``dim`` (as ``torch.cat``); all other dims must agree.

    Raises:
        ValueError: no tensors, or shapes that differ outside ``dim`` (named in the message).
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat needs at least one tensor")
    ndim = tensors[0].dims
    dim = dim % ndim
    for t in tensors:
        if t.dims != ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape)) if i != dim):
            raise ValueError(
                f"cat along dim {dim}: shapes {[t.shape for t in tensors]} differ outside that dim"
            )
    return Concat.apply(*tensors, dim)


# ## Dropout


class Dropout(Function):
    """``x * mask`` for a constant ``mask``: the one gradient is ``grad * mask``.

    ``nn.dropout`` multiplies by the mask with the course's ``Mul``, whose
    backward also computes the (unused) gradient of the constant mask.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, mask: np.ndarray) -> Tensor:
        ctx.save_for_backward(mask)
        return from_array(as_array(x) * mask, x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (mask,) = ctx.saved_values
        return from_array(as_array(grad_output) * mask, grad_output)


def dropout(x: Tensor, rate: float) -> Tensor:
    """``nn.dropout(x, rate)`` in training, as one graph node (a tracer sees ``nn.dropout``'s ``Mul``).

    The mask comes from a numpy generator seeded by Python's ``random`` (so
    ``random.seed`` repeats it), in ``x``'s dtype.

    Args:
        x: any tensor.
        rate: the probability of zeroing an entry, in ``[0, 1)``.

    Returns:
        A tensor of ``x``'s shape: kept entries scaled by ``1 / (1 - rate)``.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must lie in [0, 1), got {rate}")
    if rate == 0.0:
        return x
    dtype = x.dtype.type
    mask = (_seeded_generator().random(x.shape, dtype=np.float32) >= rate).astype(dtype)
    mask *= dtype(1.0 / (1.0 - rate))
    if recording.watcher() is not None:  # as nn.dropout: the course's Mul, a node a tracer knows
        return x * from_array(mask, x)
    return Dropout.apply(x, mask)


_generators = threading.local()


def _seeded_generator() -> np.random.Generator:
    """This thread's numpy generator, its state drawn afresh from Python's ``random``.

    Setting a PCG64 state costs 2 us where ``np.random.default_rng(seed)``
    costs 25 (it hashes the seed): a third of a small layer's dropout.
    """
    gen = getattr(_generators, "gen", None)
    if gen is None:
        gen = _generators.gen = np.random.Generator(np.random.PCG64())
    gen.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": random.getrandbits(128), "inc": random.getrandbits(128) | 1},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return gen


# ## Clipped activations


class Clamp(Function):
    """``min(max(x, lo), hi)``; the gradient passes where ``lo < x < hi``."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, lo: float, hi: float) -> Tensor:
        a = np.ascontiguousarray(as_array(x))
        ctx.save_for_backward(a, lo, hi)
        return from_array(channel_kernels.clamp_forward(a, lo, hi), x)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Any, None, None]:
        a, lo, hi = ctx.saved_values
        return from_array(channel_kernels.clamp_backward(as_array(grad_output), a, lo, hi), grad_output), None, None


def clamp(x: Tensor, lo: float, hi: float) -> Tensor:
    """``x`` clipped to ``[lo, hi]`` in one pass (``relu6(x) = clamp(x, 0, 6)``)."""
    return Clamp.apply(x, float(lo), float(hi))


__all__ = ["cat", "clamp"]
