"""Optimizers: each step against hand-computed updates; groups, zero_grad, state dicts, Scalars."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch
from minitorch import optim
from minitorch.backends import FastTensorBackend
from minitorch.layers import modules as layers
from minitorch.module import Parameter


def param(values: list) -> Parameter:
    return Parameter(minitorch.tensor(values, backend=FastTensorBackend))


def set_grad(p: Parameter, values: list) -> None:
    p.value.grad = minitorch.tensor(values, backend=FastTensorBackend)


def weights(p: Parameter) -> np.ndarray:
    return p.value.to_numpy()


def test_sgd_plain_step() -> None:
    p = param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    set_grad(p, [0.5, 1.0])
    opt.step()
    np.testing.assert_allclose(weights(p), [1.0 - 0.05, -2.0 - 0.1])


def test_sgd_momentum_dampening_and_weight_decay() -> None:
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)
    set_grad(p, [1.0])
    opt.step()  # g = 1 + 0.1 * 1 = 1.1; buf = 1.1 (first step takes g as is); p = 1 - 0.11
    np.testing.assert_allclose(weights(p), [0.89])
    set_grad(p, [2.0])
    opt.step()  # g = 2 + 0.089 = 2.089; buf = 0.9 * 1.1 + 0.5 * 2.089 = 2.0345; p = 0.89 - 0.20345
    np.testing.assert_allclose(weights(p), [0.89 - 0.20345], rtol=1e-12)


def test_sgd_nesterov() -> None:
    p = param([0.0])
    opt = optim.SGD([p], lr=1.0, momentum=0.5, nesterov=True)
    set_grad(p, [1.0])
    opt.step()  # buf = 1; g = 1 + 0.5 * 1 = 1.5
    np.testing.assert_allclose(weights(p), [-1.5])
    set_grad(p, [1.0])
    opt.step()  # buf = 0.5 + 1 = 1.5; g = 1 + 0.75 = 1.75
    np.testing.assert_allclose(weights(p), [-3.25])
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)


def adam_reference(w: float, grads: list, lr: float, b1: float, b2: float, eps: float, wd: float,
                   decoupled: bool) -> float:
    m = v = 0.0
    for step, g in enumerate(grads, start=1):
        if decoupled:
            w *= 1 - lr * wd
        else:
            g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
    return w


@pytest.mark.parametrize("cls,decoupled", [(optim.Adam, False), (optim.AdamW, True)])
def test_adam_and_adamw_against_hand_computed_steps(cls: type, decoupled: bool) -> None:
    p = param([0.5])
    opt = cls([p], lr=0.1, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.2)
    grads = [1.0, -0.5, 2.0]
    for g in grads:
        set_grad(p, [g])
        opt.step()
    expected = adam_reference(0.5, grads, 0.1, 0.8, 0.9, 1e-3, 0.2, decoupled)
    np.testing.assert_allclose(weights(p), [expected], rtol=1e-12)
    # The first Adam step moves every weight by about lr, whatever the gradient's size.
    q = param([0.0, 0.0])
    adam = optim.Adam([q], lr=0.01)
    set_grad(q, [1e-4, 1e4])
    adam.step()
    np.testing.assert_allclose(weights(q), [-0.01, -0.01], rtol=1e-3)


@pytest.mark.parametrize("cls,decoupled", [(optim.Adam, False), (optim.AdamW, True)])
def test_float32_adam_follows_the_float64_reference(cls: type, decoupled: bool) -> None:
    start = np.linspace(-1.0, 1.0, 7)
    p = Parameter(minitorch.tensor(start.astype(np.float32), backend=FastTensorBackend))
    opt = cls([p], lr=0.1, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.2)
    grads = [1.0, -0.5, 2.0]
    for g in grads:
        p.value.grad = minitorch.tensor(np.full(7, g, np.float32), backend=FastTensorBackend)
        opt.step()
    expected = [adam_reference(w, grads, 0.1, 0.8, 0.9, 1e-3, 0.2, decoupled) for w in start]
    assert p.value.dtype == np.float32
    np.testing.assert_allclose(weights(p), expected, rtol=1e-5, atol=1e-6)


def test_adamw_default_decay_and_rmsprop() -> None:
    assert optim.AdamW([param([1.0])]).param_groups[0]["weight_decay"] == 0.01
    p = param([1.0])
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=0.0)
    set_grad(p, [2.0])
    opt.step()  # v = 0.1 * 4 = 0.4; p = 1 - 0.01 * 2 / sqrt(0.4)
    np.testing.assert_allclose(weights(p), [1 - 0.02 / np.sqrt(0.4)], rtol=1e-12)


def test_parameter_groups_with_their_own_learning_rates() -> None:
    body, head = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [body], "lr": 0.01}, {"params": [head]}], lr=0.1, momentum=0.0)
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0.0
    set_grad(body, [1.0])
    set_grad(head, [1.0])
    opt.step()
    np.testing.assert_allclose([weights(body)[0], weights(head)[0]], [0.99, 0.9])
    assert opt.parameters == [body, head]
    opt.lr = 0.5
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.5]
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [body]})
    with pytest.raises(TypeError, match="Parameters"):
        optim.SGD([np.zeros(2)], lr=0.1)


def test_zero_grad_and_parameters_without_gradients() -> None:
    a, b = param([1.0]), param([2.0])
    opt = optim.Adam([a, b])
    set_grad(a, [1.0])
    opt.step()  # b has no gradient: skipped, no state
    assert weights(b)[0] == 2.0 and b not in opt.state
    opt.zero_grad()
    assert a.value.grad is None


def test_step_updates_in_place() -> None:
    layer = layers.Linear(3, 2, backend=FastTensorBackend)
    weight = layer.weight.value
    saved = layer.state_dict()["weight"]
    opt = optim.SGD(layer.parameters(), lr=0.1)
    layer(minitorch.tensor([[1.0, 2.0, 3.0]], backend=FastTensorBackend)).sum().backward()
    before = weight.to_numpy()
    opt.step()
    assert layer.weight.value is weight  # same tensor, new numbers
    np.testing.assert_allclose(weight.to_numpy(), before - 0.1 * np.array([[1.0, 2.0, 3.0]] * 2))
    np.testing.assert_allclose(saved.to_numpy(), weight.to_numpy())  # state_dict shares storage


def test_optimizers_work_on_scalar_parameters() -> None:
    x = Parameter(minitorch.Scalar(3.0))
    opt = optim.SGD([x], lr=0.25, momentum=0.5)
    for _ in range(2):
        opt.zero_grad()
        (x.value * x.value).backward()  # d/dx x^2 = 2x
        opt.step()
    # step 1: g = 6, buf = 6, x = 1.5; step 2: g = 3, buf = 6, x = 0
    assert isinstance(x.value, minitorch.Scalar)
    assert abs(x.value.data) < 1e-12


def test_optimizer_state_dict_round_trip() -> None:
    def run(opt: optim.Optimizer, p: Parameter, grads: list) -> None:
        for g in grads:
            set_grad(p, g)
            opt.step()

    p1 = param([1.0, 2.0])
    opt1 = optim.Adam([{"params": [p1], "lr": 0.05}], betas=(0.8, 0.99))
    run(opt1, p1, [[0.1, -0.2], [0.3, 0.3]])
    saved = opt1.state_dict()
    assert saved["param_groups"][0]["params"] == [0] and saved["param_groups"][0]["lr"] == 0.05
    assert set(saved["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    p2 = param(list(weights(p1)))
    opt2 = optim.Adam([{"params": [p2]}], lr=1.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.05 and opt2.param_groups[0]["betas"] == (0.8, 0.99)
    run(opt1, p1, [[1.0, -1.0]])
    run(opt2, p2, [[1.0, -1.0]])
    np.testing.assert_allclose(weights(p2), weights(p1), rtol=1e-15)
    saved["state"][0]["exp_avg"][0] = 123.0  # the saved copy is independent of the live state
    assert opt1.state[p1]["exp_avg"][0] != 123.0
    with pytest.raises(ValueError, match="groups"):
        optim.Adam([{"params": [p2]}, {"params": [param([0.0])]}]).load_state_dict(opt1.state_dict())


def test_optimizers_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=5), rng.normal(size=(4, 5))
    cases = [
        (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
        (optim.Adam, torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)),
        (optim.AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
        (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, weight_decay=0.1)),
    ]
    for mine, theirs, kwargs in cases:
        p = param(list(start))
        tp = torch.nn.Parameter(torch.from_numpy(start.copy()))
        opt, topt = mine([p], **kwargs), theirs([tp], **kwargs)
        for g in grads:
            set_grad(p, list(g))
            tp.grad = torch.from_numpy(g.copy())
            opt.step()
            topt.step()
        np.testing.assert_allclose(weights(p), tp.detach().numpy(), rtol=1e-10, err_msg=mine.__name__)
