"""Metrics: numbers that say how good predictions are (not what training minimises).

Two kinds, as in fast.ai:

- batch functions ``metric(preds, targets) -> float`` (``accuracy``,
  ``error_rate``, ``top_k_accuracy``). The Learner wraps them in ``AvgMetric``,
  which weights each batch by its size, so a small last batch counts for
  exactly its share.
- ``Metric`` objects that accumulate over a whole epoch before computing a
  value, needed when the metric is not an average of per-batch values
  (``Precision``, ``Recall``, ``F1Score``: macro-averaged over classes).

``preds`` are scores of shape ``(batch, classes)`` (logits or probabilities,
a ``Tensor`` or an array); ``targets`` are class indices of shape ``(batch,)``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

__all__ = [
    "AvgMetric",
    "F1Score",
    "Metric",
    "Precision",
    "Recall",
    "accuracy",
    "error_rate",
    "top_k_accuracy",
]


def _scores(preds: Any) -> np.ndarray:
    scores = np.asarray(preds)
    if scores.ndim != 2:
        raise ValueError(f"metrics need scores of shape (batch, classes), got shape {scores.shape}")
    return scores


def _targets(targets: Any, n: int) -> np.ndarray:
    targ = np.asarray(targets).reshape(-1)
    if len(targ) != n:
        raise ValueError(f"got {n} predictions but {len(targ)} targets")
    return targ.astype(np.int64)


def accuracy(preds: Any, targets: Any) -> float:
    """The fraction of examples whose highest score is the target class."""
    scores = _scores(preds)
    return float(np.mean(scores.argmax(axis=1) == _targets(targets, len(scores))))


def error_rate(preds: Any, targets: Any) -> float:
    """``1 - accuracy``."""
    return 1.0 - accuracy(preds, targets)


def top_k_accuracy(preds: Any, targets: Any, k: int = 5) -> float:
    """The fraction of examples whose target is among the ``k`` highest scores."""
    scores = _scores(preds)
    targ = _targets(targets, len(scores))
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float(np.mean((top == targ[:, None]).any(axis=1)))


class Metric:
    """A metric that sees every batch of an epoch before giving its value.

    The Learner calls ``reset()`` before validation, ``accumulate(preds,
    targets)`` after each batch and reads ``value`` at the end.
    """

    name: str = "metric"

    def reset(self) -> None:
        """Forget everything seen so far (called before each validation)."""
        raise NotImplementedError(f"{type(self).__name__} must define reset()")

    def accumulate(self, preds: Any, targets: Any) -> None:
        """Take in one batch of predictions and targets."""
        raise NotImplementedError(f"{type(self).__name__} must define accumulate()")

    @property
    def value(self) -> Optional[float]:
        """The metric over everything accumulated (None before any batch)."""
        raise NotImplementedError(f"{type(self).__name__} must define value")


class AvgMetric(Metric):
    """Average a batch function over an epoch, weighting each batch by its size.

    Args:
        func: a batch function such as ``accuracy``.
    """

    def __init__(self, func: Callable[[Any, Any], float]) -> None:
        self.func = func
        self.name = getattr(func, "__name__", type(func).__name__)
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0

    def accumulate(self, preds: Any, targets: Any) -> None:
        n = len(np.asarray(targets).reshape(-1))
        self.total += self.func(preds, targets) * n
        self.count += n

    @property
    def value(self) -> Optional[float]:
        return self.total / self.count if self.count else None


class ConfusionMetric(Metric):
    """Count (target, prediction) pairs over an epoch; subclasses read the counts."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.pairs: list[np.ndarray] = []
        self.n_classes = 0

    def accumulate(self, preds: Any, targets: Any) -> None:
        scores = _scores(preds)
        targ = _targets(targets, len(scores))
        self.n_classes = max(self.n_classes, scores.shape[1], int(targ.max(initial=-1)) + 1)
        self.pairs.append(np.stack([targ, scores.argmax(axis=1)]))

    def confusion(self) -> np.ndarray:
        """Matrix ``m[t, p]``: examples of class ``t`` predicted as ``p``."""
        m = np.zeros((self.n_classes, self.n_classes), dtype=np.int64)
        for pair in self.pairs:
            np.add.at(m, (pair[0], pair[1]), 1)
        return m

    def per_class(self) -> tuple:
        """True positives, predicted counts and actual counts for every class."""
        m = self.confusion()
        return np.diag(m).astype(np.float64), m.sum(axis=0), m.sum(axis=1)


def _macro(numerator: np.ndarray, denominator: np.ndarray, present: np.ndarray) -> Optional[float]:
    # Classes absent from both targets and predictions do not count (as scikit-learn's
    # labels=present); a zero denominator otherwise scores 0 for that class.
    if not present.any():
        return None
    ratio = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
    return float(ratio[present].mean())


class Precision(ConfusionMetric):
    """Macro precision: for each class, correct predictions / predictions of it; then the mean."""

    name = "precision_score"

    @property
    def value(self) -> Optional[float]:
        tp, predicted, actual = self.per_class()
        return _macro(tp, predicted.astype(np.float64), (predicted + actual) > 0)


class Recall(ConfusionMetric):
    """Macro recall: for each class, correct predictions / examples of it; then the mean."""

    name = "recall_score"

    @property
    def value(self) -> Optional[float]:
        tp, predicted, actual = self.per_class()
        return _macro(tp, actual.astype(np.float64), (predicted + actual) > 0)


class F1Score(ConfusionMetric):
    """Macro F1: the harmonic mean of precision and recall per class, then the mean."""

    name = "f1_score"

    @property
    def value(self) -> Optional[float]:
        tp, predicted, actual = self.per_class()
        return _macro(2 * tp, (predicted + actual).astype(np.float64), (predicted + actual) > 0)


def as_metric(metric: Any) -> Metric:
    """A ``Metric`` object for ``metric`` (a batch function, a Metric class or instance)."""
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, type) and issubclass(metric, Metric):
        return metric()
    if callable(metric):
        return AvgMetric(metric)
    raise TypeError(f"a metric must be a function or a Metric, got {metric!r}")
