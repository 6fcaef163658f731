"""Module.state_dict / load_state_dict: PyTorch's dotted keys, buffers, strict errors, round trips."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import minitorch
from minitorch import optim
from minitorch.backends import FastTensorBackend as B
from minitorch.layers import fused
from minitorch.layers import modules as layers


def model() -> layers.Sequential:
    return layers.Sequential(
        layers.Conv2d(1, 2, 3, backend=B),
        layers.BatchNorm2d(2, backend=B),
        layers.ReLU(),
        layers.Flatten(),
        layers.Linear(8, 3, backend=B),
    )


KEYS = [
    "0.weight", "0.bias",
    "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
    "4.weight", "4.bias",
]


def x() -> minitorch.Tensor:
    return minitorch.tensor(np.random.default_rng(0).normal(size=(2, 1, 4, 4)), backend=B)


def test_keys_are_dotted_in_pytorch_order_with_buffers() -> None:
    m = model()
    state = m.state_dict()
    assert list(state) == KEYS
    assert state["1.num_batches_tracked"].shape == ()
    assert [name for name, _ in m.named_buffers()] == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert [name for name, _ in m.named_parameters()] == [k for k in KEYS if "running" not in k and "num" not in k]
    assert [name for name, _ in m.named_modules()] == ["", "0", "1", "2", "3", "4"]


def test_round_trip_reproduces_outputs_and_running_stats() -> None:
    a, b = model(), model()
    a(x())  # training step: moves the running statistics
    a.eval()
    b.eval()
    assert not np.allclose(a(x()).to_numpy(), b(x()).to_numpy())
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_allclose(b(x()).to_numpy(), a(x()).to_numpy(), rtol=1e-12)
    assert b[1].num_batches_tracked.item() == 1
    # numpy arrays load as well (e.g. from a checkpoint file)
    c = model()
    c.load_state_dict({k: v.to_numpy() for k, v in a.state_dict().items()})
    c.eval()
    np.testing.assert_allclose(c(x()).to_numpy(), a(x()).to_numpy(), rtol=1e-12)


def test_load_copies_into_the_existing_tensors() -> None:
    m = model()
    weight = m[4].weight.value
    opt = optim.SGD(m.parameters(), lr=0.1)
    new = {k: v.to_numpy() + 1.0 for k, v in m.state_dict().items()}
    m.load_state_dict(new)
    assert m[4].weight.value is weight  # the optimizer still updates what the model uses
    np.testing.assert_allclose(weight.to_numpy(), new["4.weight"])
    m(x()).sum().backward()
    opt.step()
    assert not np.allclose(weight.to_numpy(), new["4.weight"])


def test_strict_errors_list_every_problem_and_change_nothing() -> None:
    m = model()
    before = m.state_dict()["4.weight"].to_numpy()
    bad = {k: v.to_numpy() for k, v in model().state_dict().items()}
    del bad["0.bias"]
    bad["extra.weight"] = np.zeros(3)
    bad["4.weight"] = np.zeros((3, 9))
    with pytest.raises(ValueError) as info:
        m.load_state_dict(bad)
    message = str(info.value)
    assert "missing key: 0.bias" in message and "unexpected key: extra.weight" in message
    assert "4.weight: the model has shape (3, 8), the state dict (3, 9)" in message
    np.testing.assert_array_equal(m.state_dict()["4.weight"].to_numpy(), before)
    # Not strict: missing and unexpected keys are reported, shape mismatches still refused.
    del bad["4.weight"]
    result = m.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["0.bias", "4.weight"] and result.unexpected_keys == ["extra.weight"]


def test_frozen_parameters_stay_frozen_after_loading() -> None:
    emb = layers.Embedding.from_pretrained(np.eye(3), backend=B)
    emb.load_state_dict({"weight": np.ones((3, 3))})
    assert not emb.weight.value.requires_grad()
    np.testing.assert_array_equal(emb.weight.value.to_numpy(), np.ones((3, 3)))


def test_buffers_and_module_helpers() -> None:
    class WithBuffer(minitorch.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("count", minitorch.tensor([0.0]))
            self.w = minitorch.Parameter(minitorch.tensor([1.0, 2.0]))

        def forward(self, v: minitorch.Tensor) -> minitorch.Tensor:
            return v * self.w.value

    m = WithBuffer()
    m.count = minitorch.tensor([5.0])  # assigning a buffer replaces it, still a buffer
    assert list(m.state_dict()) == ["w", "count"] and m.state_dict()["count"].item() == 5.0
    assert [p for p in m.parameters()] == [m.w]
    m(minitorch.tensor([1.0, 1.0])).sum().backward()
    assert m.w.value.grad is not None
    m.zero_grad()
    assert m.w.value.grad is None
    assert list(m.children()) == [] and len(m.buffers()) == 1


def test_scalar_parameters_round_trip() -> None:
    class Tiny(minitorch.Module):
        def __init__(self, v: float) -> None:
            super().__init__()
            self.p = minitorch.Parameter(minitorch.Scalar(v))

    a, b = Tiny(1.5), Tiny(0.0)
    b.load_state_dict(a.state_dict())
    assert b.p.value.data == 1.5


def test_load_a_pytorch_state_dict() -> None:
    torch = pytest.importorskip("torch")
    ours = model()
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(8, 3)).double()
    theirs(torch.from_numpy(x().to_numpy()))  # move its running statistics
    assert list(theirs.state_dict()) == KEYS
    ours.load_state_dict(OrderedDict((k, v.numpy()) for k, v in theirs.state_dict().items()))
    ours.eval()
    theirs.eval()
    expected = theirs(torch.from_numpy(x().to_numpy())).detach().numpy()
    np.testing.assert_allclose(ours(x()).to_numpy(), expected, rtol=1e-10)
    assert fused.as_array(ours[1].num_batches_tracked) == 1
