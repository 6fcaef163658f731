"""The per-channel kernels (batch norm, clamp) and the fused functions built on them."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
from minitorch.backends import layer_backend
from minitorch.kernels import channel_kernels as ck
from minitorch.layers import fused
from minitorch.learner.data import to_tensor


def t(a: np.ndarray) -> minitorch.Tensor:
    return to_tensor(a, a.dtype, layer_backend())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_stats_match_numpy_even_with_a_large_mean(dtype) -> None:
    rng = np.random.default_rng(0)
    x = (1000.0 + rng.normal(size=(4, 3, 50))).astype(dtype)
    mean, var = ck.channel_stats(x)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=(0, 2)), rtol=1e-6)
    np.testing.assert_allclose(var, x.astype(np.float64).var(axis=(0, 2)), rtol=1e-3)


def test_scale_shift_clips() -> None:
    x = np.linspace(-3, 3, 24).reshape(2, 3, 4)
    out = ck.scale_shift(x, np.array([1.0, 2.0, -1.0]), np.array([0.0, 1.0, 0.5]), lo=0.0, hi=2.0)
    expected = np.clip(x * np.array([1.0, 2.0, -1.0])[None, :, None] + np.array([0.0, 1.0, 0.5])[None, :, None], 0, 2)
    np.testing.assert_allclose(out, expected)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_the_definition_and_its_gradients(training: bool) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 3.0, size=(3, 4, 5, 2))
    w, b = rng.normal(size=4), rng.normal(size=4)
    rm, rv = rng.normal(size=4), rng.uniform(0.5, 2, size=4)
    out = fused.batch_norm(t(x), t(rm.copy()), t(rv.copy()), t(w), t(b), training=training, eps=1e-3)
    mean = x.mean(axis=(0, 2, 3)) if training else rm
    var = x.var(axis=(0, 2, 3)) if training else rv
    shape = (1, 4, 1, 1)
    ref = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-3) * w.reshape(shape) + b.reshape(shape)
    np.testing.assert_allclose(out.to_numpy(), ref, rtol=1e-10, atol=1e-10)

    # A fixed random weighting makes the summed output's gradient non-trivial.
    weights = rng.normal(size=x.shape)

    def g(xt, wt, bt):
        return fused.batch_norm(xt, t(rm.copy()), t(rv.copy()), wt, bt, training=training, eps=1e-3) * t(weights)

    minitorch.grad_check(g, t(x), t(w), t(b), checks=6)


def test_clamp_values_and_gradient() -> None:
    x = np.array([-1.0, 0.5, 5.9, 6.5, 3.0])
    xt = t(x)
    xt.requires_grad_(True)
    out = fused.clamp(xt, 0.0, 6.0)
    np.testing.assert_allclose(out.to_numpy(), np.clip(x, 0, 6))
    (out * t(np.arange(1.0, 6.0))).sum().backward()
    np.testing.assert_allclose(xt.grad.to_numpy(), [0.0, 2.0, 3.0, 0.0, 5.0])
    assert minitorch.ReLU6()(t(np.array([7.0, -2.0, 1.0]))).to_numpy().tolist() == [6.0, 0.0, 1.0]


def test_clamp_large_float32_array_uses_every_block() -> None:
    x = np.random.default_rng(2).normal(0, 5, size=(3, 70_001)).astype(np.float32)
    np.testing.assert_array_equal(ck.clamp_forward(x, 0.0, 6.0), np.clip(x, 0, 6))
    g = np.ones_like(x)
    np.testing.assert_array_equal(ck.clamp_backward(g, x, 0.0, 6.0), ((x > 0) & (x < 6)).astype(np.float32))


def test_cat_forward_backward_and_errors() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(4.0).reshape(2, 2)
    minitorch.grad_check(lambda x, y: minitorch.cat([x, y], dim=1) * t(np.arange(10.0).reshape(2, 5)), t(a), t(b))
    np.testing.assert_array_equal(minitorch.cat([t(a), t(b)], 1).to_numpy(), np.concatenate([a, b], 1))
    with pytest.raises(ValueError, match="differ outside"):
        minitorch.cat([t(a), t(b)], dim=0)
    with pytest.raises(ValueError, match="at least one"):
        minitorch.cat([], dim=0)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_with_a_fused_clip_equals_relu6_after_it(training: bool) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 4.0, size=(3, 4, 5, 3))
    w, b = rng.normal(size=4), rng.normal(1.0, 2.0, size=4)
    weights = rng.normal(size=x.shape)

    def stats() -> tuple:
        return t(np.zeros(4)), t(np.ones(4) * 2.0)

    def fused_version(xt, wt, bt):
        return fused.batch_norm(xt, *stats(), wt, bt, training=training, eps=1e-3, clip=(0.0, 6.0)) * t(weights)

    def composed_version(xt, wt, bt):
        return minitorch.ReLU6()(fused.batch_norm(xt, *stats(), wt, bt, training=training, eps=1e-3)) * t(weights)

    np.testing.assert_allclose(fused_version(t(x), t(w), t(b)).to_numpy(),
                               composed_version(t(x), t(w), t(b)).to_numpy(), rtol=1e-12, atol=1e-12)
    grads = []
    for f in (fused_version, composed_version):
        inputs = [t(x), t(w), t(b)]
        for v in inputs:
            v.requires_grad_(True)
        f(*inputs).sum().backward()
        grads.append([v.grad.to_numpy() for v in inputs])
    for got, expected in zip(*grads):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    minitorch.grad_check(fused_version, t(x), t(w), t(b), checks=6)
