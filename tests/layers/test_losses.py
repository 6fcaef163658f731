"""Losses: fused cross-entropy, NLL, MSE and binary cross-entropy against numpy, with their gradients."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.backends import FastTensorBackend
from minitorch.grad_check import grad_check
from minitorch.layers import losses
from tests.layers.test_layers import check_all_grads, rand, t


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_cross_entropy_matches_numpy() -> None:
    z, y = rand(5, 4), np.array([0, 3, 1, 1, 2])
    expected = -log_softmax(z)[np.arange(5), y]
    np.testing.assert_allclose(losses.cross_entropy(t(z), y).item(), expected.mean(), rtol=1e-12)
    np.testing.assert_allclose(losses.cross_entropy(t(z), y, reduction="sum").item(), expected.sum(), rtol=1e-12)
    np.testing.assert_allclose(losses.cross_entropy(t(z), list(y), reduction="none").to_numpy(), expected,
                               rtol=1e-12)
    # labels as a float tensor work too (minitorch tensors hold floats)
    labels = minitorch.tensor(y.astype(float))
    np.testing.assert_allclose(losses.cross_entropy(t(z), labels).item(), expected.mean(), rtol=1e-12)


def test_cross_entropy_label_smoothing_ignore_index_and_probabilities() -> None:
    z, y = rand(4, 3), np.array([2, 0, 1, 2])
    q = np.full((4, 3), 0.1 / 3)
    q[np.arange(4), y] += 0.9
    expected = -(q * log_softmax(z)).sum(1).mean()
    np.testing.assert_allclose(losses.cross_entropy(t(z), y, label_smoothing=0.1).item(), expected, rtol=1e-12)
    np.testing.assert_allclose(losses.cross_entropy(t(z), q).item(), expected, rtol=1e-12)  # probability targets
    masked = np.array([2, -100, 1, -100])
    kept = -log_softmax(z)[[0, 2], [2, 1]]
    np.testing.assert_allclose(losses.cross_entropy(t(z), masked).item(), kept.mean(), rtol=1e-12)


def test_cross_entropy_ignore_index_may_be_a_class() -> None:
    z, y = rand(5, 4), np.array([0, 3, 1, 1, 2])
    kept = y != 1
    expected = -log_softmax(z)[np.arange(5), y][kept]
    np.testing.assert_allclose(losses.cross_entropy(t(z), y, ignore_index=1).item(), expected.mean(), rtol=1e-12)
    with pytest.raises(ValueError, match="labels must lie in"):
        losses.cross_entropy(t(z), np.array([0, 3, 1, -100, 4]))  # 4 is no class; -100 is ignored


def test_cross_entropy_backward() -> None:
    y = np.array([1, 0, 2])
    check_all_grads(lambda z: losses.cross_entropy(z, y), rand(3, 3))
    check_all_grads(lambda z: losses.cross_entropy(z, y, label_smoothing=0.2, reduction="none") * t(rand(3)),
                    rand(3, 3))
    check_all_grads(lambda z: losses.cross_entropy(z, np.array([1, -100, 2]), reduction="sum"), rand(3, 3))
    grad_check(lambda z: losses.cross_entropy(z, y), t(rand(3, 3)))


def test_cross_entropy_is_stable_and_equals_the_composed_form() -> None:
    z = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    loss = losses.cross_entropy(t(z), [2, 1]).item()
    np.testing.assert_allclose(loss, (2000.0 + np.log(3)) / 2, rtol=1e-12)
    x = rand(4, 5)
    y = np.array([4, 0, 1, 2])
    composed = losses.nll_loss(nn.logsoftmax(t(x), 1), y).item()
    np.testing.assert_allclose(losses.cross_entropy(t(x), y).item(), composed, atol=1e-5)  # course log has eps 1e-6


def test_cross_entropy_rejects_bad_labels_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        losses.cross_entropy(t(rand(2, 3)), [0, 3])
    with pytest.raises(ValueError, match="batch, classes"):
        losses.cross_entropy(t(rand(2, 3, 4)), [0, 1])
    with pytest.raises(ValueError):
        losses.cross_entropy(t(rand(2, 3)), [0, 1, 2])
    with pytest.raises(ValueError):
        losses.cross_entropy(t(rand(2, 3)), [0.5, 1])


def test_nll_mse_and_bce_match_numpy() -> None:
    lp, y = log_softmax(rand(4, 3)), np.array([0, 2, 2, 1])
    np.testing.assert_allclose(losses.nll_loss(t(lp), y).item(), -lp[np.arange(4), y].mean(), rtol=1e-12)
    check_all_grads(lambda v: losses.nll_loss(v, y), lp)
    a, b = rand(3, 2), rand(3, 2, seed=9)
    np.testing.assert_allclose(losses.mse_loss(t(a), b).item(), ((a - b) ** 2).mean(), rtol=1e-12)
    np.testing.assert_allclose(losses.mse_loss(t(a), t(b), reduction="sum").item(), ((a - b) ** 2).sum(),
                               rtol=1e-12)
    check_all_grads(lambda v: losses.mse_loss(v, b), a)
    x, target = rand(6) * 5, np.array([0, 1, 1, 0, 1, 0.0])
    p = 1 / (1 + np.exp(-x))
    expected = -(target * np.log(p) + (1 - target) * np.log(1 - p)).mean()
    # exp/log of the course carry an epsilon of 1e-6
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits(t(x), target).item(), expected, atol=1e-5)
    check_all_grads(lambda v: losses.binary_cross_entropy_with_logits(v, target), x + 0.1, rtol=1e-3)


def test_loss_modules_and_float32() -> None:
    z = minitorch.tensor(rand(3, 4), backend=FastTensorBackend, dtype="float32", requires_grad=True)
    loss = losses.CrossEntropyLoss(label_smoothing=0.1)(z, [1, 2, 3])
    assert loss.dtype == np.float32
    loss.backward()
    assert z.grad is not None and z.grad.dtype == np.float32
    assert losses.MSELoss()(t(rand(2)), rand(2)).shape == (1,)
    assert losses.NLLLoss(reduction="none")(t(log_softmax(rand(2, 3))), [0, 1]).shape == (2,)
    assert losses.BCEWithLogitsLoss()(t(rand(2)), [0.0, 1.0]).shape == (1,)
    with pytest.raises(ValueError, match="reduction"):
        losses.cross_entropy(t(rand(2, 3)), [0, 1], reduction="avg")


def test_cross_entropy_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    z, y = rand(6, 5), np.array([0, 4, 2, 2, 1, -100])
    zt = torch.from_numpy(z).requires_grad_(True)
    ref = torch.nn.functional.cross_entropy(zt, torch.from_numpy(y), label_smoothing=0.15)
    ref.backward()
    mine = t(z, requires_grad=True)
    loss = losses.cross_entropy(mine, y, label_smoothing=0.15)
    loss.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(mine.grad.to_numpy(), zt.grad.numpy(), rtol=1e-10, atol=1e-14)
