"""Inference fusion (``layers/inference.py``) and the no-gradient max pool.

The fused path must give the composed layers' numbers, and be taken only
where nothing can tell: evaluation mode, no gradient recorded, nobody tracing.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.graph import FoldedBatchNorm, trace
from minitorch.layers import modules as layers
from minitorch.layers.fused import as_array, clamp
from minitorch.layers.inference import bn_affine, conv_bn, fusable
from minitorch.module import Module
from minitorch.tensor import Tensor
from minitorch.tensor_data import TensorData

INF = float("inf")


def _tensor(a: np.ndarray) -> Tensor:
    return Tensor(TensorData(np.ascontiguousarray(a).reshape(-1), a.shape), backend=minitorch.FastTensorBackend)


def _bn(channels: int, seed: int) -> layers.BatchNorm2d:
    """An eval-mode BatchNorm with statistics and affine parameters far from the identity."""
    rng = np.random.default_rng(seed)
    bn = layers.BatchNorm2d(channels)
    as_array(bn.running_mean)[...] = rng.normal(0, 1, channels)
    as_array(bn.running_var)[...] = rng.uniform(0.2, 3, channels)
    as_array(bn.weight.value)[...] = rng.normal(1, 0.5, channels)
    as_array(bn.bias.value)[...] = rng.normal(0, 1, channels)
    bn.eval()
    return bn


class Block(Module):
    """``clip(bn(conv(x)) + residual)`` composed from layers, with the fused path beside it."""

    def __init__(self, conv: layers.Conv2d, bn: Optional[Module], clip: Optional[Tuple[float, float]],
                 residual: bool) -> None:
        super().__init__()
        self.conv, self.bn, self.clip, self.residual = conv, bn, clip, residual

    def forward(self, x: Tensor) -> Tensor:
        r = x if self.residual else None
        if fusable(self, x):
            return conv_bn(x, self.conv, self.bn, self.clip, r)
        out = self.conv(x) if self.bn is None else self.bn(self.conv(x))
        out = out if r is None else out + r
        return out if self.clip is None else clamp(out, *self.clip)


CASES = [  # conv settings, BatchNorm kind, clip, residual
    (dict(kernel_size=3, padding=1), "bn", (0.0, INF), True),  # ResNet's BasicBlock tail
    (dict(kernel_size=1), "bn", (0.0, 6.0), False),  # Lite0's expansion
    (dict(kernel_size=1, bias=True), None, None, True),  # a plain conv with bias and a sum
    (dict(kernel_size=3, stride=2, padding=1), "folded", (0.0, INF), False),
    (dict(kernel_size=3, padding=1, groups=8), "bn", (0.0, 6.0), False),  # depthwise, epilogue in its store
    (dict(kernel_size=5, stride=2, padding=2, groups=8), "folded", (0.0, 6.0), False),
    (dict(kernel_size=3, padding=1, groups=8), "bn", (0.0, 6.0), True),  # depthwise, then one more pass
    (dict(kernel_size=3, padding=1, groups=2), "bn", None, False),  # grouped: im2col, then one pass
    (dict(kernel_size=3, padding=1), "batch-stats", (0.0, INF), True),  # no fixed map: composed
]


@pytest.mark.parametrize("conv_kw,bn_kind,clip,residual", CASES)
def test_fused_path_equals_the_composed_layers(conv_kw: dict, bn_kind: Optional[str],
                                               clip: Optional[tuple], residual: bool) -> None:
    kw = dict(bias=False, dtype="float64")
    kw.update(conv_kw)
    conv = layers.Conv2d(8, 8, **kw)
    bn: Optional[Module] = None
    if bn_kind == "bn":
        bn = _bn(8, 0)
    elif bn_kind == "folded":
        bn = FoldedBatchNorm()
    elif bn_kind == "batch-stats":
        bn = layers.BatchNorm2d(8, track_running_stats=False)
    block = Block(conv, bn, clip, residual)
    block.eval()
    x = _tensor(np.random.default_rng(1).standard_normal((3, 8, 10, 10)))
    want = block(x)  # parameters need gradients: the composed layers
    assert not fusable(block, x)
    with minitorch.no_grad():
        assert fusable(block, x)
        got = block(x)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-10, atol=1e-10)


def test_fusable_only_where_nothing_can_tell() -> None:
    block = Block(layers.Conv2d(2, 2, 3, padding=1), _bn(2, 0), None, False)
    x = _tensor(np.zeros((1, 2, 5, 5)))
    with minitorch.no_grad():
        block.eval()
        assert fusable(block, x)
        block.train()
        assert not fusable(block, x)  # batch statistics, running-statistics updates
    block.eval()
    for p in block.parameters():
        p.value.requires_grad_(False)
    assert fusable(block, x)  # a frozen block with a constant input records nothing either
    x.requires_grad_(True)
    assert not fusable(block, x)


def test_a_trace_sees_the_composed_layers() -> None:
    block = Block(layers.Conv2d(2, 2, 3, padding=1), _bn(2, 0), (0.0, INF), True)
    block.eval()
    x = _tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)))
    with minitorch.no_grad():
        graph = trace(block, x)
    ops = [node.op for node in graph.nodes]
    assert "Conv2dFun" in ops and "BatchNorm" in ops


def test_eval_affine_is_the_batchnorm_map() -> None:
    bn = _bn(5, 3)
    x = np.random.default_rng(2).standard_normal((2, 5, 3, 3))
    scale, shift = bn_affine(bn)
    want = bn(_tensor(x)).to_numpy()
    np.testing.assert_allclose(x * scale[:, None, None] + shift[:, None, None], want, rtol=1e-12, atol=1e-12)
    bn.train()
    assert bn.eval_affine() is None  # training: batch statistics, no fixed map
    assert bn_affine(layers.ReLU()) is None  # any other module: not fusable
    assert bn_affine(None) == (1.0, 0.0)


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode", [(3, 2, 1, False), (2, 2, 0, True),
                                                              ((2, 3), (1, 2), (1, 1), False)])
def test_max_pool_without_gradient_equals_the_argmax_kernel(kernel: object, stride: object,
                                                             padding: object, ceil_mode: bool) -> None:
    """The no-gradient max pool (no argmax) agrees with the training kernel, NaN and -inf included."""
    a = np.random.default_rng(0).standard_normal((2, 3, 9, 11))
    a[0, 0, 1, 1] = np.nan
    a[1, 1, :4, :4] = -np.inf
    x = _tensor(a)
    x.requires_grad_(True)
    want = nn.max_pool2d(x, kernel, stride, padding, ceil_mode).to_numpy()
    with minitorch.no_grad():
        got = nn.max_pool2d(x, kernel, stride, padding, ceil_mode).to_numpy()
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got).any() and np.isneginf(got).any()


class DoubledConv(layers.Conv2d):
    """A convolution whose own forward must not be bypassed by the fused path."""

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x) * 2.0


def test_sequential_fuses_conv_batchnorm_relu_runs() -> None:
    """A Sequential CNN in eval under no_grad: each Conv2d with the BatchNorm and ReLU/ReLU6
    after it in one pass; other layers, a BatchNorm left in training mode and a
    convolution subclass with its own forward run as they are."""
    kw = dict(dtype="float64")
    late_bn = _bn(6, 4)
    model = layers.Sequential(
        layers.Conv2d(3, 8, 3, padding=1, **kw), _bn(8, 1), layers.ReLU(), layers.MaxPool2d(2),
        layers.Conv2d(8, 8, 3, padding=1, bias=True, **kw), layers.ReLU6(),
        DoubledConv(8, 6, 1, **kw), _bn(6, 2), layers.ReLU(),
        layers.Conv2d(6, 6, 3, padding=1, **kw), late_bn,
        layers.Sequential(layers.Conv2d(6, 4, 1, **kw), FoldedBatchNorm()),
        layers.Flatten(), layers.Linear(4 * 5 * 5, 3, **kw),
    )
    model.eval()
    x = _tensor(np.random.default_rng(0).standard_normal((2, 3, 10, 10)))
    want = model(x).to_numpy()
    with minitorch.no_grad():
        got = model(x).to_numpy()
        late_bn.train()  # batch statistics: not a fixed map, runs as a layer (and updates its stats)
        with_train_bn = model(x).to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    late_bn.eval()
    assert not np.allclose(with_train_bn, want)
