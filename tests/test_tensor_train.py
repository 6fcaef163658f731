"""Module 2, task 2.5: the tensor network learns the toy data sets."""

import random

import numpy as np
import pytest

import minitorch
from minitorch.tensor_functions import tensor
from project.train_scalar import ScalarTrain
from project.train_tensor import Linear, Network, TensorTrain


@pytest.mark.task2_5
def test_linear_layer_computes_affine_map() -> None:
    random.seed(0)
    layer = Linear(3, 2)
    x = np.array([[0.5, -2.0, 1.0], [1.5, 0.0, -1.0]])
    out = layer.forward(tensor(x))
    w = layer.weights.value.to_numpy()
    b = layer.bias.value.to_numpy()
    assert w.shape == (3, 2) and b.shape == (2,), f"Linear(3, 2) should hold weights (3, 2) and bias (2,), got {w.shape} and {b.shape}"
    np.testing.assert_allclose(out.to_numpy(), x @ w + b)
    assert [name for name, _ in layer.named_parameters()] == ["weights", "bias"], f"Linear's parameters should be named weights, bias; got {[name for name, _ in layer.named_parameters()]}"


@pytest.mark.task2_5
def test_network_gives_probabilities_for_a_batch() -> None:
    random.seed(0)
    model = Network(4)
    out = model.forward(tensor(np.random.default_rng(0).uniform(size=(7, 2))))
    assert out.shape == (7, 1), f"7 points should give probabilities of shape (7, 1), got {out.shape}"
    assert np.all((out.to_numpy() > 0) & (out.to_numpy() < 1)), f"a sigmoid output lies strictly between 0 and 1, got {out.to_numpy().ravel().tolist()}"
    assert len(model.parameters()) == 6, f"3 Linear layers hold 6 parameters (weights and bias each), got {len(model.parameters())}"


@pytest.mark.task2_5
def test_tensor_training_reproduces_scalar_training() -> None:
    """Same seed, same initial weights: the tensor and scalar networks take identical steps."""
    random.seed(3)
    data = minitorch.datasets["Xor"](20)
    random.seed(7)
    tensor_result = TensorTrain(3).train(data, 0.5, max_epochs=10, log_fn=None)
    random.seed(7)
    scalar_result = ScalarTrain(3).train(data, 0.5, max_epochs=10, log_fn=None)
    np.testing.assert_allclose(tensor_result.losses, scalar_result.losses, rtol=1e-9)
    assert tensor_result.correct == scalar_result.correct, f"same steps should classify the same points: tensor {tensor_result.correct}, scalar {scalar_result.correct}"


@pytest.mark.task2_5
@pytest.mark.parametrize(
    "name, seed, hidden, epochs",
    [("Simple", 1, 4, 100), ("Split", 2, 8, 300), ("Xor", 5, 10, 300)],
)
def test_tensor_training_learns(name: str, seed: int, hidden: int, epochs: int) -> None:
    """The course's bar: at least 90% of the points correct."""
    random.seed(seed)
    data = minitorch.datasets[name](50)
    logged = []
    result = TensorTrain(hidden).train(
        data, 0.5, max_epochs=epochs, log_fn=lambda *args: logged.append(args), log_every=50
    )
    assert len(result.losses) == epochs, f"expected one loss per epoch ({epochs}), got {len(result.losses)}"
    assert result.losses[-1] < result.losses[0], f"the loss should fall: first epoch {result.losses[0]}, last {result.losses[-1]}"
    assert result.accuracy >= 0.9, f"{name}: expected at least 90% of the points correct, got {result.accuracy:.0%}"
    assert logged[-1][0] == epochs, f"log_fn should be called after the last epoch ({epochs}), last call was for epoch {logged[-1][0]}"


def test_run_many_and_run_one_do_not_record_history() -> None:
    random.seed(0)
    trainer = TensorTrain(3)
    assert trainer.run_many([[0.1, 0.2], [0.3, 0.4]]).shape == (2, 1)
    one = trainer.run_one([0.1, 0.2])
    assert one.shape == (1, 1) and not one.requires_grad()
