"""Metrics on uneven batches, against direct computation."""

import numpy as np
import pytest

import minitorch
from minitorch.learner.metrics import (
    AvgMetric,
    F1Score,
    Precision,
    Recall,
    accuracy,
    as_metric,
    error_rate,
    top_k_accuracy,
)


def test_accuracy_and_error_rate() -> None:
    preds = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    targ = np.array([1, 0, 0, 0])
    assert accuracy(preds, targ) == 0.75
    assert error_rate(preds, targ) == 0.25
    assert accuracy(minitorch.tensor(preds), targ) == 0.75


def test_top_k() -> None:
    preds = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])
    assert top_k_accuracy(preds, [1, 2], k=1) == 0.0
    assert top_k_accuracy(preds, [1, 2], k=2) == 0.5
    assert top_k_accuracy(preds, [1, 2], k=3) == 1.0


def test_avg_metric_weights_uneven_batches() -> None:
    rng = np.random.default_rng(0)
    preds = rng.normal(size=(70, 4))
    targ = rng.integers(0, 4, size=70)
    m = AvgMetric(accuracy)
    for i in range(0, 70, 32):  # batches of 32, 32, 6
        m.accumulate(preds[i : i + 32], targ[i : i + 32])
    assert m.value == pytest.approx(accuracy(preds, targ))
    assert m.name == "accuracy"
    m.reset()
    assert m.value is None


def test_macro_precision_recall_f1_against_hand_computation() -> None:
    targ = np.array([0, 0, 1, 1, 2, 2, 2])
    pred_cls = np.array([0, 1, 1, 1, 2, 0, 2])
    preds = np.eye(3)[pred_cls]
    # precision per class: 1/2, 2/3, 2/2 ; recall: 1/2, 2/2, 2/3
    p = [0.5, 2 / 3, 1.0]
    r = [0.5, 1.0, 2 / 3]
    f1 = [2 * a * b / (a + b) for a, b in zip(p, r)]
    for cls, expected in ((Precision, np.mean(p)), (Recall, np.mean(r)), (F1Score, np.mean(f1))):
        m = cls()
        m.accumulate(preds[:3], targ[:3])
        m.accumulate(preds[3:], targ[3:])
        assert m.value == pytest.approx(expected), cls.__name__


def test_errors_name_the_shapes() -> None:
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        accuracy(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="shape"):
        accuracy(np.zeros(3), [0, 1, 1])
    with pytest.raises(TypeError):
        as_metric(3)
    assert isinstance(as_metric(F1Score), F1Score)
