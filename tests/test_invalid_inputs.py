"""Bad or empty input gets a clear exception naming the problem, not a far-away crash or a quiet NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch
from minitorch import nn
from minitorch.layers import modules as layers
from minitorch.layers.fused import batch_norm
from minitorch.tensor import Tensor


@pytest.mark.parametrize(
    "value, named",
    [
        (None, "None"),
        ([1.0, None], "None"),
        ("1.5", "<U3"),
        ([1.0, "x"], "<U"),
        (np.array([1 + 2j]), "complex128"),
        (object(), "object"),
    ],
)
def test_tensor_refuses_values_that_are_not_real_numbers(value: object, named: str) -> None:
    with pytest.raises(TypeError, match=named):
        minitorch.tensor(value)


def test_from_numpy_refuses_complex() -> None:
    with pytest.raises(TypeError, match="complex128"):
        Tensor.from_numpy(np.array([1.0, 2j]))


def test_tensor_still_takes_bools_ints_and_number_objects() -> None:
    assert minitorch.tensor([True, 2, 2.5]).to_numpy().tolist() == [1.0, 2.0, 2.5]
    assert minitorch.tensor(np.array([1, 2], dtype=object)).to_numpy().tolist() == [1.0, 2.0]


@pytest.mark.parametrize("backend", [minitorch.SimpleBackend, minitorch.FastTensorBackend])
def test_mean_of_an_empty_dim_is_nan_with_a_warning(backend: minitorch.TensorBackend) -> None:
    t = minitorch.zeros((2, 0), backend=backend)
    with pytest.warns(RuntimeWarning, match="empty"):
        m = t.mean(1)
    assert m.shape == (2, 1) and np.isnan(m.to_numpy()).all()
    with pytest.warns(RuntimeWarning, match="empty"):
        assert math.isnan(t.mean().item())


def test_max_and_argmax_of_an_empty_dim_raise() -> None:
    t = minitorch.zeros((2, 0))
    with pytest.raises(ValueError, match=r"dim 1 of size 0.*\(2, 0\)"):
        nn.max(t, 1)
    with pytest.raises(ValueError, match="size 0"):
        nn.max(t)
    with pytest.raises(ValueError, match="argmax"):
        nn.argmax(t, 1)
    assert nn.max(t, 0).shape == (1, 0)  # reducing a non-empty dim of an empty tensor is fine


@pytest.mark.parametrize(
    "make, named",
    [
        (lambda: layers.Conv2d(3, 4, 0), "kernel_size"),
        (lambda: layers.Conv2d(3, 4, (3, 0)), "kernel_size"),
        (lambda: layers.Conv2d(3, 4, 3, stride=0), "stride"),
        (lambda: layers.Conv2d(3, 4, 3, groups=0), "groups"),
        (lambda: layers.Conv2d(0, 4, 3), "in_channels"),
        (lambda: layers.Conv1d(3, 4, 2, dilation=0), "dilation"),
        (lambda: layers.Linear(0, 3), "in_features"),
        (lambda: layers.Linear(3, -1), "out_features"),
    ],
)
def test_layers_refuse_sizes_that_are_not_positive(make: object, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        make()  # type: ignore[operator]


def test_batch_norm_on_an_empty_batch() -> None:
    bn = layers.BatchNorm2d(3)
    empty = minitorch.zeros((0, 3, 4, 4), backend=minitorch.FastTensorBackend)
    with pytest.raises(ValueError, match=r"more than one value per channel.*\(0, 3, 4, 4\)"):
        bn(empty)
    with pytest.raises(ValueError, match=r"\(0, 3\)"):
        batch_norm(minitorch.zeros((0, 3)), None, None)
    bn.eval()  # with running statistics an empty batch is just an empty output, as in PyTorch
    assert bn(empty).shape == (0, 3, 4, 4)
