"""Loss functions: one number that says how wrong the predictions are.

- :func:`cross_entropy` takes raw scores (logits) and class indices (or
  class probabilities). It is *fused*: ``log_softmax`` and the negative
  log-likelihood in one graph node, computed with the log-sum-exp trick so
  that large logits neither overflow ``exp`` nor lose precision, and with
  the famously simple gradient ``(softmax(logits) - target) / N``.
  Label smoothing mixes the target with the uniform distribution.
- :func:`nll_loss` takes log-probabilities (the output of ``logsoftmax``);
  :func:`mse_loss` and :func:`binary_cross_entropy_with_logits` are
  composed from primitive tensor operations, so autograd derives their
  gradients.

Each has a ``Module`` twin (``CrossEntropyLoss``, ...) for code that wants
a loss object, as in PyTorch. Class labels may be a tensor, a numpy
integer array or a list.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autodiff import Context
from ..module import Module
from ..tensor import Tensor
from ..tensor_functions import Function
from .fused import as_array, class_indices, from_array

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def log_softmax_array(z: np.ndarray) -> np.ndarray:
    """``log(softmax(z))`` along the last axis, stably: ``z - max - log(sum(exp(z - max)))``."""
    # The ufuncs' own reductions: ``z.max()`` adds a Python wrapper (2 us) around the same call.
    shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))


class CrossEntropy(Function):
    """Fused log-softmax + negative log-likelihood over the last dim of ``(N, C)`` logits.

    The target is ``q``, a probability row per example (one-hot mixed with
    ``smoothing / C``, or zero for an ignored example); the loss of row ``i``
    is ``-sum_j q_ij * logp_ij`` and its gradient ``softmax_i * sum_j q_ij - q_i``.
    For class indices ``q`` is never built: its one entry per row is read and
    subtracted where it sits.
    """

    @staticmethod
    def forward(
        ctx: Context, logits: Tensor, target: np.ndarray, smoothing: float, reduction: str, ignore: np.ndarray
    ) -> Tensor:
        z = as_array(logits)
        logp = log_softmax_array(z)
        n, c = z.shape
        if target.ndim == 2:  # class probabilities
            q = target.astype(z.dtype, copy=False)
            if smoothing:
                q = q * (1.0 - smoothing) + smoothing / c
            q[ignore] = 0.0
            losses = -(q * logp).sum(axis=1)
        else:
            q = None
            losses = -(1.0 - smoothing) * logp[np.arange(n), target]
            if smoothing:
                losses -= smoothing / c * logp.sum(axis=1)
            losses[ignore] = 0.0
        count = max(int(n - ignore.sum()), 1) if reduction == "mean" else 1
        ctx.save_for_backward(logp, target, q, smoothing, ignore, count, reduction)
        if reduction == "none":
            return from_array(losses.astype(z.dtype, copy=False), logits)
        total = losses.sum() / count
        return from_array(np.array([total], dtype=z.dtype), logits)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        logp, target, q, smoothing, ignore, count, reduction = ctx.saved_values
        g = as_array(grad_output)
        if q is not None:
            grad = np.exp(logp) * q.sum(axis=1, keepdims=True) - q
        else:  # the rows of q sum to 1, or to 0 where ignored
            grad = np.exp(logp)
            grad[np.arange(len(target)), target] -= 1.0 - smoothing
            if smoothing:
                grad -= smoothing / logp.shape[1]
            grad[ignore] = 0.0
        if reduction == "none":
            grad *= g.reshape(-1, 1)
        else:
            grad *= g.reshape(-1)[0] / count
        return from_array(grad, grad_output)


def _logits_2d(logits: Tensor, name: str) -> Tensor:
    if logits.dims != 2:
        raise ValueError(
            f"{name} expects (batch, classes) scores, got shape {logits.shape}; "
            "reshape with .view(-1, classes) first"
        )
    return logits


def cross_entropy(
    logits: Tensor,
    target: Any,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    ignore_index: int = -100,
) -> Tensor:
    """The cross-entropy between ``softmax(logits)`` and the targets, from raw scores.

    Args:
        logits: ``(N, C)`` unnormalised scores.
        target: ``(N,)`` class indices, or ``(N, C)`` class probabilities
            (a tensor, numpy array or list).
        label_smoothing: in ``[0, 1)``; the target becomes
            ``(1 - label_smoothing) * one_hot + label_smoothing / C``.
        reduction: ``"mean"`` (over the examples not ignored), ``"sum"`` or
            ``"none"`` (one loss per example, shape ``(N,)``).
        ignore_index: examples with this label contribute nothing.

    Returns:
        A 1-entry tensor (``mean``/``sum``) or ``(N,)``.

    Raises:
        ValueError: for labels outside ``[0, C)`` or mismatched shapes.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must lie in [0, 1), got {label_smoothing}")
    n, c = _logits_2d(logits, "cross_entropy").shape
    raw = target.to_numpy() if isinstance(target, Tensor) else np.asarray(target)
    if raw.ndim == 2:
        probs = raw.astype(np.float64)
        if probs.shape != (n, c):
            raise ValueError(f"probability targets of shape {probs.shape} do not fit logits {(n, c)}")
        return CrossEntropy.apply(logits, probs, label_smoothing, reduction, np.zeros(n, dtype=bool))
    labels = class_indices(raw, n)
    ignore = labels == ignore_index
    outside = (labels < 0) | (labels >= c)
    if outside.any():  # ignored examples (label -100) or an error
        bad = outside & ~ignore
        if bad.any():
            raise ValueError(
                f"cross_entropy: labels must lie in [0, {c}) for {c} classes, got {labels[bad][:5].tolist()}"
            )
        labels = np.where(ignore, 0, labels)
    return CrossEntropy.apply(logits, labels, label_smoothing, reduction, ignore)


def _one_hot(labels: np.ndarray, c: int, like: Tensor) -> Tensor:
    out = np.zeros((len(labels), c), dtype=like.dtype)
    out[np.arange(len(labels)), labels] = 1.0
    return from_array(out, like)


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def nll_loss(log_probs: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of the target classes, from log-probabilities.

    ``cross_entropy(z, y) == nll_loss(logsoftmax(z, 1), y)``; the fused form is
    faster and more accurate.

    Args:
        log_probs: ``(N, C)`` log-probabilities.
        target: ``(N,)`` class indices.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
    """
    _check_reduction(reduction)
    n, c = _logits_2d(log_probs, "nll_loss").shape
    labels = class_indices(target, n)
    if labels.size and (labels.min() < 0 or labels.max() >= c):
        raise ValueError(f"nll_loss: labels must lie in [0, {c})")
    picked = -(log_probs * _one_hot(labels, c, log_probs)).sum(1).view(n)
    return _reduce(picked, reduction)


def _as_target(target: Any, like: Tensor) -> Tensor:
    if isinstance(target, Tensor):
        return target
    return from_array(np.asarray(target, dtype=like.dtype), like)


def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """The mean squared error ``mean((pred - target) ** 2)``.

    Args:
        pred: predictions of any shape.
        target: the same shape (tensor, array or list).
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` (elementwise).
    """
    _check_reduction(reduction)
    t = _as_target(target, pred)
    if t.shape != pred.shape:
        raise ValueError(f"mse_loss: prediction shape {pred.shape} and target shape {t.shape} differ")
    d = pred - t
    return _reduce(d * d, reduction)


def binary_cross_entropy_with_logits(logit: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of ``sigmoid(logit)`` against 0/1 targets, computed stably.

    ``-[y log s + (1 - y) log(1 - s)]`` with ``s = sigmoid(x)`` equals
    ``max(x, 0) - x * y + log(1 + exp(-|x|))``, which never takes the log of 0.

    Args:
        logit: raw scores of any shape.
        target: 0/1 (or probability) targets of the same shape.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
    """
    _check_reduction(reduction)
    y = _as_target(target, logit)
    if y.shape != logit.shape:
        raise ValueError(f"binary cross-entropy: logit shape {logit.shape} and target shape {y.shape} differ")
    abs_x = logit.relu() + (-logit).relu()
    losses = logit.relu() - logit * y + ((-abs_x).exp() + 1.0).log()
    return _reduce(losses, reduction)


# ## Loss modules


class CrossEntropyLoss(Module):
    """:func:`cross_entropy` as a module: ``CrossEntropyLoss(label_smoothing=0.1)(logits, y)``."""

    def __init__(self, label_smoothing: float = 0.0, reduction: str = "mean", ignore_index: int = -100) -> None:
        super().__init__()
        self.label_smoothing, self.reduction, self.ignore_index = label_smoothing, reduction, ignore_index

    def forward(self, logits: Tensor, target: Any) -> Tensor:
        return cross_entropy(logits, target, self.label_smoothing, self.reduction, self.ignore_index)


class NLLLoss(Module):
    """:func:`nll_loss` as a module."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, log_probs: Tensor, target: Any) -> Tensor:
        return nll_loss(log_probs, target, self.reduction)


class MSELoss(Module):
    """:func:`mse_loss` as a module."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, pred: Tensor, target: Any) -> Tensor:
        return mse_loss(pred, target, self.reduction)


class BCEWithLogitsLoss(Module):
    """:func:`binary_cross_entropy_with_logits` as a module."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, logit: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(logit, target, self.reduction)


__all__ = [
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "MSELoss",
    "NLLLoss",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "mse_loss",
    "nll_loss",
]
