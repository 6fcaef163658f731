"""Module 1, task 1.5: the scalar network learns the toy data sets."""

import random

import pytest

import minitorch
from project.train_scalar import Linear, ScalarTrain


@pytest.mark.task1_5
def test_linear_layer_computes_affine_map() -> None:
    random.seed(0)
    layer = Linear(2, 3)
    x = [minitorch.Scalar(0.5), minitorch.Scalar(-2.0)]
    out = layer.forward(x)
    assert len(out) == 3, f"Linear(2, 3) should return 3 outputs, got {len(out)}"
    for j, y in enumerate(out):
        expected = layer.bias[j].value.data + sum(
            x[i].data * layer.weights[i][j].value.data for i in range(2)
        )
        assert abs(y.data - expected) < 1e-9, f"output {j} should be bias + sum of x_i * w_ij = {expected}, got {y.data}"
    assert len(layer.parameters()) == 2 * 3 + 3, f"Linear(2, 3) holds 2 * 3 weights and 3 biases (9 parameters), got {len(layer.parameters())}"


@pytest.mark.task1_5
def test_scalar_training_simple() -> None:
    random.seed(1)
    data = minitorch.datasets["Simple"](50)
    result = ScalarTrain(2).train(data, 0.5, max_epochs=100, log_fn=None)
    assert result.losses[-1] < result.losses[0], f"the loss should fall: first epoch {result.losses[0]}, last {result.losses[-1]}"
    assert result.accuracy >= 0.9, f"expected at least 90% of the Simple points correct, got {result.accuracy:.0%}"


@pytest.mark.task1_5
def test_scalar_training_xor() -> None:
    """The course's bar: at least 90% of the xor points correct."""
    random.seed(1)
    data = minitorch.datasets["Xor"](50)
    result = ScalarTrain(6).train(data, 0.5, max_epochs=300, log_fn=None)
    assert result.accuracy >= 0.9, f"expected at least 90% of the Xor points correct, got {result.accuracy:.0%}"


def test_toy_datasets_have_the_documented_shape() -> None:
    random.seed(0)
    for name, make in minitorch.datasets.items():
        g = make(20)
        assert g.N == len(g.X) == len(g.y), name
        assert set(g.y) <= {0, 1}, name
        assert all(len(p) == 2 for p in g.X), name
