"""From a model's raw outputs to predictions: activations, decoding, gathering.

A classifier outputs raw scores (logits) because the loss wants them:
``cross_entropy`` applies log-softmax itself, stably. To *show* predictions
we apply the matching activation (softmax: probabilities) and decode them
(argmax: a class index). Which ones depends on the loss, as in fast.ai,
where each loss carries its ``activation`` and ``decodes``:

=================================== ============ ============
loss                                activation   decodes
=================================== ============ ============
cross_entropy / CrossEntropyLoss    softmax      argmax
nll_loss / NLLLoss                  exp          argmax
binary_cross_entropy_with_logits    sigmoid      > 0.5
anything else (mse_loss ...)        identity     identity
=================================== ============ ============

A custom loss can say what it wants with ``activation``/``decodes``
attributes (functions on numpy arrays).

``GatherPredsCallback`` collects outputs, targets (and, on request, inputs
and per-example losses) over a pass; ``Learner.get_preds`` uses it. A
loader may visit the examples out of data-set order (shuffled, or sorted by
length as text loaders do); one that says which order through
``order(epoch)`` (``minitorch.learner.data.DataLoader`` and its subclasses do) gets
its rows put back in data-set order, as fast.ai's ``get_preds(reorder=True)``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from .callback.core import Callback

__all__ = [
    "softmax_array",
    "sigmoid_array",
    "loss_activation",
    "decodes_for",
    "per_item_loss",
    "visit_order",
    "data_set_order",
    "GatherPredsCallback",
]

Array = np.ndarray


def softmax_array(z: Array, out: Optional[Array] = None) -> Array:
    """Softmax along the last axis, stably (subtracting the maximum first).

    Args:
        z: scores, any shape.
        out: where to write the result (may be ``z`` itself: attention
            weights are large, so the fused attention kernel reuses its scores).

    Returns:
        Probabilities of ``z``'s shape that sum to 1 along the last axis (``out`` if given).
    """
    if out is None and not np.issubdtype(np.asarray(z).dtype, np.inexact):
        z = np.asarray(z, dtype=np.float64)  # integer scores: exp needs a float array to write into
    e = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)  # softmax(z - c) = softmax(z)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def sigmoid_array(z: Array) -> Array:
    """The logistic function, without overflow for large ``|z|``."""
    return np.exp(-np.logaddexp(0.0, -z))


def _identity(z: Array) -> Array:
    return z


def _argmax(p: Array) -> Array:
    return p.argmax(axis=-1)


def _threshold(p: Array) -> Array:
    return (p > 0.5).astype(np.int64)


_BY_NAME = {
    "cross_entropy": (softmax_array, _argmax),
    "CrossEntropyLoss": (softmax_array, _argmax),
    "nll_loss": (np.exp, _argmax),
    "NLLLoss": (np.exp, _argmax),
    "binary_cross_entropy_with_logits": (sigmoid_array, _threshold),
    "BCEWithLogitsLoss": (sigmoid_array, _threshold),
}


def _loss_name(loss_func: Any) -> str:
    func = getattr(loss_func, "func", loss_func)  # functools.partial
    return getattr(func, "__name__", type(func).__name__)


def loss_activation(loss_func: Any) -> Callable[[Array], Array]:
    """The function that turns raw outputs into predictions for this loss (numpy -> numpy)."""
    act = getattr(loss_func, "activation", None)
    if act is not None:
        return act
    return _BY_NAME.get(_loss_name(loss_func), (_identity, _identity))[0]


def decodes_for(loss_func: Any) -> Callable[[Array], Array]:
    """The function that turns predictions into decoded targets (class indices) for this loss."""
    dec = getattr(loss_func, "decodes", None)
    if dec is not None:
        return dec
    return _BY_NAME.get(_loss_name(loss_func), (_identity, _identity))[1]


def per_item_loss(loss_func: Any, pred: Any, *yb: Any) -> Array:
    """The loss of every example of a batch, as a numpy array of shape ``(batch,)``.

    Uses ``reduction="none"`` when the loss accepts it (every loss in
    ``losses.py`` does); otherwise scores the examples one at a time.
    """
    accepts = "reduction" in _parameters(loss_func)
    if accepts:
        return np.asarray(loss_func(pred, *yb, reduction="none"), dtype=np.float64).reshape(-1)
    if hasattr(loss_func, "reduction"):  # a loss module: switch its reduction for a moment
        old, loss_func.reduction = loss_func.reduction, "none"
        try:
            return np.asarray(loss_func(pred, *yb), dtype=np.float64).reshape(-1)
        finally:
            loss_func.reduction = old
    n = len(yb[0])
    return np.array([float(np.asarray(loss_func(pred[i : i + 1], *(y[i : i + 1] for y in yb))).reshape(-1)[0])
                     for i in range(n)])


def visit_order(dl: Any) -> Optional[Array]:
    """The example indices ``dl``'s next pass will visit, in order, or None if it cannot tell.

    Call it before iterating: a ``DataLoader`` counts its passes (``epoch``)
    and may visit a different order in each.
    """
    order = getattr(dl, "order", None)
    if not callable(order):
        return None
    return np.asarray(order(getattr(dl, "epoch", None)), dtype=np.int64)


def data_set_order(visited: Array, n_rows: int) -> Array:
    """The permutation putting ``n_rows`` rows gathered in ``visited`` order back in data-set order.

    ``rows[data_set_order(visited, len(rows))]`` has the rows sorted by
    example index: row ``i`` is example ``i`` after a whole pass, and the
    visited examples in index order after a pass that dropped some
    (``drop_last``).

    Raises:
        ValueError: more rows than visited examples (the loader's ``order`` is not what it iterated).
    """
    if n_rows > len(visited):
        raise ValueError(f"get_preds gathered {n_rows} rows but the loader's order has only "
                         f"{len(visited)} examples; pass reorder=False")
    return np.argsort(visited[:n_rows], kind="stable")


def _parameters(f: Any) -> Tuple[str, ...]:
    try:
        return tuple(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return ()


class GatherPredsCallback(Callback):
    """Collect the model's outputs, the targets, and optionally inputs and losses, batch by batch.

    Args:
        with_input: keep the inputs too.
        with_loss: compute each example's loss.
        reorder: return rows in data-set order when the loader tells its
            visiting order (see :func:`visit_order`); else in loader order.
    """

    order = 0

    def __init__(self, with_input: bool = False, with_loss: bool = False, reorder: bool = True) -> None:
        self.with_input, self.with_loss, self.reorder = with_input, with_loss, reorder

    def before_validate(self) -> None:
        self.visited = visit_order(self.learn.dl) if self.reorder else None
        self.inputs: List[Array] = []
        self.preds: List[Array] = []
        self.targets: List[Array] = []
        self.losses: List[Array] = []

    def after_batch(self) -> None:
        learn = self.learn
        self.preds.append(np.asarray(learn.pred))
        if self.with_input:
            self.inputs.append(np.asarray(learn.xb[0]))
        if len(learn.yb):
            self.targets.append(np.asarray(learn.yb[0]))
            if self.with_loss:
                self.losses.append(per_item_loss(learn.loss_func, learn.pred, *learn.yb))

    def result(self) -> Tuple[Optional[Array], Array, Optional[Array], Optional[Array]]:
        """``(inputs, raw outputs, targets, losses)``, each concatenated over the batches."""

        def cat(parts: List[Array]) -> Optional[Array]:
            if not parts:
                return None
            widest = np.max([p.shape for p in parts], axis=0)
            # Batches padded to their own longest row (text) are padded with zeros to the widest.
            padded = [np.pad(p, [(0, 0)] + [(0, int(w) - n) for w, n in zip(widest[1:], p.shape[1:])])
                      if p.shape[1:] != tuple(widest[1:]) else p for p in parts]
            return np.concatenate(padded)

        preds = cat(self.preds)
        if preds is None:
            raise ValueError("get_preds: the DataLoader gave no batches")
        arrays = (cat(self.inputs), preds, cat(self.targets), cat(self.losses))
        if self.visited is None:
            return arrays
        perm = data_set_order(self.visited, len(preds))
        inputs, preds, targets, losses = (None if a is None else a[perm] for a in arrays)
        return inputs, preds, targets, losses
