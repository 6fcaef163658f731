"""Module 3, task 3.5: the tensor network trains on the fast backend, in minibatches."""

import random

import numpy as np
import pytest

import minitorch
from minitorch.backends import FastTensorBackend
from minitorch.tensor_ops import SimpleBackend
from project.train_fast import FastTrain, to_backend
from project.train_tensor import Network


@pytest.mark.task3_5
def test_to_backend_moves_parameters_without_copying() -> None:
    random.seed(1)
    model = Network(3)
    before = [p.value.to_numpy() for p in model.parameters()]
    storages = [p.value._tensor._storage for p in model.parameters()]
    to_backend(model, FastTensorBackend)
    for parameter, old, storage in zip(model.parameters(), before, storages):
        assert parameter.value.backend is FastTensorBackend, f"to_backend should put every parameter on FastTensorBackend, got {parameter.value.backend}"
        assert parameter.value.requires_grad, "a moved parameter should still require gradients"
        assert parameter.value._tensor._storage is storage, "to_backend should share the parameter's storage, not copy it"
        np.testing.assert_array_equal(parameter.value.to_numpy(), old)


@pytest.mark.task3_5
def test_fast_training_takes_the_same_steps_as_simple_backend() -> None:
    """Same seed, same data: both backends compute the same losses, epoch by epoch."""
    random.seed(2)
    data = minitorch.datasets["Xor"](20)
    losses = []
    for backend in (SimpleBackend, FastTensorBackend):
        random.seed(11)
        result = FastTrain(4, backend=backend, batch_size=7).train(data, 0.5, max_epochs=5, log_fn=None)
        losses.append(result.losses)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)


@pytest.mark.task3_5
def test_fast_training_learns_a_dataset() -> None:
    random.seed(3)
    data = minitorch.datasets["Simple"](50)
    random.seed(4)
    logged = []
    result = FastTrain(10).train(
        data, 0.5, max_epochs=40, log_fn=lambda *entry: logged.append(entry), log_every=20
    )
    assert len(result.losses) == 40 and [entry[0] for entry in logged] == [20, 40], f"expected 40 losses and logs at epochs [20, 40], got {len(result.losses)} losses and logs at {[entry[0] for entry in logged]}"
    assert result.losses[-1] < result.losses[0], f"the loss should fall: first epoch {result.losses[0]}, last {result.losses[-1]}"
    assert result.accuracy >= 0.9, result
