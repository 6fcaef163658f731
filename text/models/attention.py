"""Multi-head scaled dot-product attention, the Transformer's way of mixing tokens.

Every token asks a *query*, and every token offers a *key* and a *value*
(three linear maps of the same vectors, made by the caller). For one head::

    scores = q @ k^T / sqrt(d)         (T, T): how well query i matches key j
    probs  = softmax(scores + mask)    each row sums to 1 over the keys
    out    = probs @ v                 token i's output: a weighted mix of the values

Dividing by ``sqrt(d)`` keeps the scores' spread independent of the head
size ``d``, so the softmax does not saturate. ``heads`` such attentions of
size ``d = H / heads`` run side by side on slices of the vectors, each free
to look for something different; their outputs are put back side by side.

Padding is kept out by *adding* a mask to the scores before the softmax: 0
for real tokens, a huge negative number for padding, whose ``exp`` is then
exactly 0 (:func:`additive_mask`).

Two implementations with one contract:

- :func:`scaled_dot_product_attention` composes tensor operations (views,
  ``@``, ``nn.softmax``, ``nn.dropout``): read it first; it also returns the
  weights, for heat maps.
- :func:`fused_attention` runs :class:`FusedAttention`, one graph node
  written with numpy, which is 2-3x faster forward and backward (about a
  dozen fewer nodes and passes per layer). Tests check both agree.
"""

from __future__ import annotations

import math
import random
from typing import Optional, Tuple

import numpy as np

from minitorch import nn
from minitorch.autodiff import Context
from minitorch.layers.fused import as_array, from_array
from minitorch.learner.predictions import softmax_array
from minitorch.recording import recorded_as
from minitorch.tensor import Tensor
from minitorch.tensor_functions import Function


def additive_mask(attention_mask: np.ndarray, like: Tensor) -> Optional[Tensor]:
    """A ``(B, T)`` 1/0 padding mask as a ``(B, 1, 1, T)`` offset for the scores.

    Args:
        attention_mask: 1 for real tokens, 0 for padding.
        like: a tensor whose dtype and backend the offset takes.

    Returns:
        0 for tokens and the dtype's most negative number for padding (not
        ``-inf``, so every row stays finite; its ``exp`` is exactly 0), or
        None when nothing is padded.
    """
    mask = np.asarray(attention_mask)
    if mask.all():
        return None
    dtype = like.dtype
    offset = (1 - mask).astype(dtype) * np.finfo(dtype).min
    return from_array(offset[:, None, None, :], like)


def check_qkv(q: Tensor, k: Tensor, v: Tensor, heads: int) -> None:
    """Raise ``ValueError`` unless ``q, k, v`` share one ``(B, T, H)`` shape and ``heads | H``."""
    if q.dims != 3 or q.shape != k.shape or q.shape != v.shape:
        raise ValueError(
            f"attention needs q, k, v of one shape (B, T, H), got {q.shape}, {k.shape}, {v.shape}"
        )
    if q.shape[2] % heads:
        raise ValueError(f"hidden size {q.shape[2]} is not divisible by heads={heads}")


# ## Composed from tensor operations


def split_heads(x: Tensor, heads: int) -> Tensor:
    """``(B, T, H)`` -> ``(B, heads, T, H / heads)``: a view, no copy."""
    B, T, H = x.shape
    return x.view(B, T, heads, H // heads).permute(0, 2, 1, 3)


def merge_heads(x: Tensor) -> Tensor:
    """``(B, heads, T, d)`` -> ``(B, T, heads * d)``: the heads' outputs side by side."""
    B, heads, T, d = x.shape
    return x.permute(0, 2, 1, 3).contiguous().view(B, T, heads * d)


def scaled_dot_product_attention(
    q: Tensor, k: Tensor, v: Tensor, heads: int, mask: Optional[Tensor] = None,
    dropout_p: float = 0.0,
) -> Tuple[Tensor, Tensor]:
    """Multi-head attention ``softmax(q k^T / sqrt(d) + mask) v``, composed from tensor operations.

    Args:
        q, k, v: ``(B, T, H)`` queries, keys and values (all heads side by side).
        heads: how many heads to split ``H`` into.
        mask: ``(B, 1, 1, T)`` added to every score (:func:`additive_mask`), or None.
        dropout_p: the probability of dropping an attention weight (0 in evaluation).

    Returns:
        ``(context, probs)``: ``(B, T, H)`` and the weights ``(B, heads, T, T)``
        (each row sums to 1; before dropout).
    """
    check_qkv(q, k, v, heads)
    qh, kh, vh = split_heads(q, heads), split_heads(k, heads), split_heads(v, heads)
    scores = (qh @ kh.permute(0, 1, 3, 2)) * (1.0 / math.sqrt(qh.shape[-1]))
    if mask is not None:
        scores = scores + mask
    probs = nn.softmax(scores, 3)
    weights = nn.dropout(probs, dropout_p) if dropout_p > 0.0 else probs
    return merge_heads(weights @ vh), probs


# ## Fused: one graph node


def _heads(a: np.ndarray, heads: int) -> np.ndarray:
    """numpy ``(B, T, H)`` -> ``(B, heads, T, d)`` view (:func:`split_heads` for arrays)."""
    B, T, H = a.shape
    return a.reshape(B, T, heads, H // heads).transpose(0, 2, 1, 3)


def _merged(a: np.ndarray, like: Tensor) -> Tensor:
    """numpy ``(B, heads, T, d)`` -> ``(B, T, H)`` tensor (:func:`merge_heads` for arrays)."""
    B, heads, T, d = a.shape
    return from_array(a.transpose(0, 2, 1, 3).reshape(B, T, heads * d), like)


def _t(a: np.ndarray) -> np.ndarray:
    """Swap the last two axes (a view): the batched transpose."""
    return a.swapaxes(-1, -2)


class FusedAttention(Function):
    """:func:`scaled_dot_product_attention`'s context as one graph node, written with numpy.

    Forward, per head: ``S = Q K^T / sqrt(d) + mask``, ``P = softmax(S)``,
    ``W = P * keep`` (dropout), ``O = W V``. Backward, from ``dO``:
    ``dV = W^T dO``, ``dW = dO V^T``, ``dP = dW * keep``, the softmax's
    ``dS = P * (dP - rowsum(dP * P))``, then ``dQ = dS K / sqrt(d)`` and
    ``dK = dS^T Q / sqrt(d)``. The mask and dropout's ``keep`` are constants.
    """

    @staticmethod
    def forward(
        ctx: Context, q: Tensor, k: Tensor, v: Tensor, heads: int,
        mask: Optional[np.ndarray], keep: Optional[np.ndarray],
    ) -> Tensor:
        Q, K, V = (_heads(as_array(t), heads) for t in (q, k, v))
        scale = Q.dtype.type(1.0 / math.sqrt(Q.shape[-1]))
        P = np.matmul(Q, _t(K))
        P *= scale
        if mask is not None:
            P += mask
        softmax_array(P, out=P)  # in place: P is (batch, heads, T, T)
        W = P if keep is None else P * keep
        ctx.save_for_backward(Q, K, V, P, W, keep, scale)
        return _merged(np.matmul(W, V), q)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        Q, K, V, P, W, keep, scale = ctx.saved_values
        dO = _heads(as_array(grad_output), Q.shape[1])
        dV = np.matmul(_t(W), dO)
        dP = np.matmul(dO, _t(V))
        if keep is not None:
            dP *= keep
        dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))
        dS *= scale
        dQ, dK = np.matmul(dS, K), np.matmul(_t(dS), Q)
        return _merged(dQ, grad_output), _merged(dK, grad_output), _merged(dV, grad_output)


def dropout_keep(shape: Tuple[int, ...], p: float, dtype: np.dtype) -> np.ndarray:
    """A dropout mask: 0 with probability ``p``, else ``1 / (1 - p)`` (``random.seed`` seeds it)."""
    rng = np.random.default_rng(random.getrandbits(64))
    keep = (rng.random(shape, dtype=np.float32) >= p).astype(dtype)
    keep /= dtype.type(1.0 - p)
    return keep


@recorded_as("Attention")
def fused_attention(
    q: Tensor, k: Tensor, v: Tensor, heads: int, mask: Optional[Tensor] = None,
    dropout_p: float = 0.0,
) -> Tensor:
    """The context of :func:`scaled_dot_product_attention` (same arguments), in one node.

    Returns:
        ``(B, T, H)``.
    """
    check_qkv(q, k, v, heads)
    B, T, H = q.shape
    keep = dropout_keep((B, heads, T, T), dropout_p, q.dtype) if dropout_p > 0.0 else None
    return FusedAttention.apply(q, k, v, heads, None if mask is None else as_array(mask), keep)


__all__ = [
    "additive_mask", "check_qkv", "split_heads", "merge_heads", "scaled_dot_product_attention",
    "FusedAttention", "dropout_keep", "fused_attention",
]
