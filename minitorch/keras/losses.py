"""Keras' loss names, and how each is computed stably from the model's output.

Keras models usually end in ``softmax`` (or ``sigmoid``) and are compiled
with a cross-entropy on those probabilities. Computing ``log`` of a
probability that has rounded to 0 gives ``-inf``, so Keras notices the
final activation and computes the loss from the scores before it (the
*logits*). This module does the same: :class:`LossSpec.fuses` says when the
model should hand over logits, and :func:`compute` then uses the fused
``minitorch.layers.losses.cross_entropy`` (or the log-sum-exp form of binary
cross-entropy). ``from_logits=True`` means the model already outputs logits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from ..layers import losses as L
from ..layers.fused import from_array
from ..tensor import Tensor

__all__ = [
    "LossSpec",
    "SparseCategoricalCrossentropy",
    "CategoricalCrossentropy",
    "BinaryCrossentropy",
    "MeanSquaredError",
    "get",
    "compute",
    "accuracy",
]

EPSILON = 1e-7  # Keras clips probabilities to [eps, 1 - eps] before a log

ALIASES = {
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
}
FUSED_ACTIVATION = {
    "sparse_categorical_crossentropy": "softmax",
    "categorical_crossentropy": "softmax",
    "binary_crossentropy": "sigmoid",
}


@dataclass
class LossSpec:
    """A Keras loss: its canonical name and whether the model outputs logits."""

    name: str
    from_logits: bool = False

    def fuses(self, final_activation: Any) -> bool:
        """True if the model should skip ``final_activation`` and give this loss logits."""
        return not self.from_logits and FUSED_ACTIVATION.get(self.name) == final_activation


def SparseCategoricalCrossentropy(from_logits: bool = False) -> LossSpec:  # noqa: N802 - Keras' name
    """Cross-entropy against integer class labels."""
    return LossSpec("sparse_categorical_crossentropy", from_logits)


def CategoricalCrossentropy(from_logits: bool = False) -> LossSpec:  # noqa: N802
    """Cross-entropy against one-hot (or probability) targets."""
    return LossSpec("categorical_crossentropy", from_logits)


def BinaryCrossentropy(from_logits: bool = False) -> LossSpec:  # noqa: N802
    """Cross-entropy of independent yes/no outputs against 0/1 targets."""
    return LossSpec("binary_crossentropy", from_logits)


def MeanSquaredError() -> LossSpec:  # noqa: N802
    """The mean of the squared differences."""
    return LossSpec("mean_squared_error")


def get(identifier: Union[str, LossSpec]) -> LossSpec:
    """A :class:`LossSpec` from a Keras loss name or object."""
    if isinstance(identifier, LossSpec):
        return identifier
    if not isinstance(identifier, str) or identifier not in ALIASES:
        raise ValueError(f"unknown loss {identifier!r}; use one of {sorted(ALIASES)}")
    return LossSpec(ALIASES[identifier])


def _log_clipped(p: Tensor) -> Tensor:
    """``log(p)`` with ``p`` kept inside ``[eps, 1 - eps]``, as Keras does for probabilities."""
    a = np.clip(p.to_numpy(), EPSILON, 1.0 - EPSILON)
    # Clipping has zero gradient outside the range: pass the gradient where p was inside.
    inside = from_array(((p.to_numpy() >= EPSILON) & (p.to_numpy() <= 1 - EPSILON)).astype(a.dtype), p)
    return (p * inside + from_array(a, p) * (1.0 - inside)).log()


def compute(spec: LossSpec, out: Tensor, y: np.ndarray, logits: bool) -> Tensor:
    """The mean loss of a batch.

    Args:
        spec: which loss.
        out: the model's output for the batch: logits if ``logits`` (or
            ``spec.from_logits``), probabilities/values otherwise.
        y: the targets (class indices, one-hot rows, 0/1 values or numbers).
        logits: the model skipped its final activation (see :meth:`LossSpec.fuses`).
    """
    from_logits = logits or spec.from_logits
    if spec.name in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        target = y if spec.name == "categorical_crossentropy" else y.reshape(-1)
        if from_logits:
            return L.cross_entropy(out, target)
        if spec.name == "categorical_crossentropy":
            t = from_array(np.asarray(y, dtype=out.dtype), out)
            return -(t * _log_clipped(out)).sum() / out.shape[0]
        return L.nll_loss(_log_clipped(out), target)
    if spec.name == "binary_crossentropy":
        target = np.asarray(y, dtype=out.dtype).reshape(out.shape)
        if from_logits:
            return L.binary_cross_entropy_with_logits(out, target)
        t = from_array(target, out)
        return -(t * _log_clipped(out) + (1.0 - t) * _log_clipped(1.0 - out)).mean()
    return L.mse_loss(out, np.asarray(y, dtype=out.dtype).reshape(out.shape))


def accuracy(spec: LossSpec, out: np.ndarray, y: np.ndarray, logits: bool) -> float:
    """The fraction of correct predictions in a batch, judged as Keras' ``"accuracy"`` is for this loss."""
    if spec.name == "binary_crossentropy" or out.shape[-1] == 1:
        threshold = 0.0 if (logits or spec.from_logits) else 0.5
        return float(np.mean((out.reshape(-1) > threshold) == (np.asarray(y).reshape(-1) > 0.5)))
    if spec.name == "categorical_crossentropy":
        y = np.asarray(y).argmax(axis=-1)
    return float(np.mean(out.argmax(axis=-1) == np.asarray(y).reshape(-1)))
