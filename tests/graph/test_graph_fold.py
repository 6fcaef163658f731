"""minitorch.fold_batchnorm: BatchNorms after convolutions moved into the convolutions' weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch.graph import FoldedBatchNorm, trace
from minitorch.layers import modules as layers
from minitorch.layers.fused import as_array
from minitorch.module import Module


def _t(*shape: int, seed: int = 0) -> minitorch.Tensor:
    return minitorch.Tensor.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _randomise_bn(model: Module, seed: int = 0) -> None:
    """Running statistics and affine parameters far from the identity, so folding has work to do."""
    rng = np.random.default_rng(seed)
    for _, m in model.named_modules():
        if isinstance(m, layers._BatchNorm) and m.running_var is not None:
            c = m.num_features
            as_array(m.running_mean)[...] = rng.normal(0, 0.5, c)
            as_array(m.running_var)[...] = rng.uniform(0.3, 3.0, c)
            as_array(m.weight.value)[...] = rng.uniform(0.5, 1.5, c)
            as_array(m.bias.value)[...] = rng.normal(0, 0.5, c)


def _conv_bn(cin: int, cout: int, bias: bool) -> layers.Sequential:
    model = layers.Sequential(layers.Conv2d(cin, cout, 3, padding=1, bias=bias, dtype="float32"),
                              layers.BatchNorm2d(cout, dtype="float32"), layers.ReLU())
    _randomise_bn(model)
    return model


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.booleans())
def test_folded_conv_bn_gives_the_same_outputs(cin: int, cout: int, bias: bool) -> None:
    model = _conv_bn(cin, cout, bias)
    x = _t(2, cin, 5, 5, seed=cin)
    before = as_array(model[1].running_var).copy()
    folded = minitorch.fold_batchnorm(model)
    model.eval()
    np.testing.assert_allclose(folded(x).to_numpy(), model(x).to_numpy(), atol=1e-5, rtol=1e-5)
    assert isinstance(folded[1], FoldedBatchNorm) and [type(m).__name__ for m in folded] == [
        "Conv2d", "FoldedBatchNorm", "ReLU"]
    assert folded[0].bias is not None  # a bias-free conv gets the BatchNorm's shift as its bias
    assert np.array_equal(as_array(model[1].running_var), before)  # the original is untouched
    assert "BatchNorm" not in trace(folded, x).op_counts()


def test_fused_relu6_clip_survives_as_a_clamp() -> None:
    from vision.models.efficientnet_lite import ConvBN

    block = ConvBN(3, 4, 3, stride=2, dtype="float32")
    _randomise_bn(block)
    block.eval()
    x = _t(2, 3, 8, 8) * 4.0
    folded = minitorch.fold_batchnorm(block)
    np.testing.assert_allclose(folded(x).to_numpy(), block(x).to_numpy(), atol=1e-5)
    assert [n.op for n in trace(folded, x).nodes] == ["Conv2dFun", "Clamp"]
    assert folded(x).to_numpy().max() <= 6.0


class _Shared(Module):
    """A conv whose output feeds the BatchNorm *and* a residual add: not foldable."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = layers.Conv2d(2, 2, 1, dtype="float32")
        self.bn = layers.BatchNorm2d(2, dtype="float32")

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        y = self.conv(x)
        return self.bn(y) + y


def test_only_batchnorms_fed_by_a_convolution_alone_are_folded() -> None:
    shared = _Shared()
    _randomise_bn(shared)
    folded = minitorch.fold_batchnorm(shared)
    assert isinstance(folded.bn, layers.BatchNorm2d)
    from vision.head import create_head

    head = create_head(4, 2, lin_ftrs=[3])  # BatchNorm1d after pooling and after Linear
    _randomise_bn(head)
    folded_head = minitorch.fold_batchnorm(head, example=_t(2, 4, 3, 3))
    assert sum(isinstance(m, layers.BatchNorm1d) for _, m in folded_head.named_modules()) == 2


def test_a_model_the_default_example_does_not_fit_needs_an_example() -> None:
    model = layers.Sequential(layers.Conv2d(1, 2, 3, padding=1, dtype="float32"), layers.BatchNorm2d(2, dtype="float32"),
                              layers.Flatten(), layers.Linear(2 * 6 * 6, 2, dtype="float32"))
    _randomise_bn(model)
    with pytest.raises(ValueError, match="pass example="):
        minitorch.fold_batchnorm(model)
    x = _t(3, 1, 6, 6)
    folded = minitorch.fold_batchnorm(model, example=x)
    model.eval()
    np.testing.assert_allclose(folded(x).to_numpy(), model(x).to_numpy(), atol=1e-5)


@pytest.mark.parametrize("name", ["resnet18", "efficientnet_lite0"])
def test_zoo_models_fold_within_1e5(name: str) -> None:
    import vision

    model = vision.create_model(name, pretrained=name == "efficientnet_lite0")
    if name == "resnet18":
        _randomise_bn(model)
    folded = minitorch.fold_batchnorm(model)
    x = minitorch.Tensor.from_numpy(np.random.default_rng(1).random((1, 3, 224, 224)).astype(np.float32))
    counts = trace(folded, x).op_counts()
    assert "BatchNorm" not in counts
    np.testing.assert_allclose(folded(x).to_numpy(), model(x).to_numpy(), atol=1e-5, rtol=1e-5)
