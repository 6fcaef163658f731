"""Module 2 tests: every tensor operation against numpy.

Inputs are random non-contiguous views (see ``tensor_strategies``) and
broadcasting pairs. Forward results must equal numpy's; gradients must
match central differences (``grad_check``, float64).
"""

from typing import Callable, Dict, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.strategies import DataObject, data, floats, integers, permutations

from minitorch.grad_check import grad_check
from minitorch.tensor import Tensor
from minitorch.tensor_functions import tensor
from minitorch.tensor_ops import SimpleBackend
from tests.tensor_strategies import (
    assert_matches_numpy,
    broadcast_tensors,
    matmul_tensors,
    tensors,
)

# Each entry: (minitorch function, numpy function). Inputs are shifted where
# the function needs it (log of positives, inverse away from 0).
UNARY: Dict[str, Tuple[Callable[[Tensor], Tensor], Callable[[np.ndarray], np.ndarray]]] = {
    "neg": (lambda a: -a, lambda a: -a),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: 1.0 / (1.0 + np.exp(-a))),
    # The odd shift keeps hypothesis's favourite values (0, 0.5, ...) off the kink at 0.
    "relu": (lambda a: (a + 0.1234567).relu(), lambda a: np.maximum(a + 0.1234567, 0.0)),
    "log": (lambda a: (a + 101).log(), lambda a: np.log(a + 101 + 1e-6)),
    "exp": (lambda a: (a / 10).exp(), lambda a: np.exp(a / 10)),
    "inv": (lambda a: 1.0 / (a + 200), lambda a: 1.0 / (a + 200)),
    "add_const": (lambda a: a + 2.5, lambda a: a + 2.5),
    "rsub_const": (lambda a: 2.5 - a, lambda a: 2.5 - a),
    "mul_const": (lambda a: 3 * a, lambda a: 3 * a),
}

BINARY: Dict[str, Tuple[Callable[[Tensor, Tensor], Tensor], Callable]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b + 200), lambda a, b: a / (b + 200)),
    "lt": (lambda a, b: a < b, lambda a, b: (a < b).astype(float)),
    "gt": (lambda a, b: a > b, lambda a, b: (a > b).astype(float)),
    "eq": (lambda a, b: a == b, lambda a, b: (a == b).astype(float)),
    "is_close": (lambda a, b: a.is_close(b), lambda a, b: (np.abs(a - b) < 1e-2).astype(float)),
}

# Smooth binary functions for gradient checks (comparisons are tested in test_tensor.py).
SMOOTH_BINARY = ["add", "sub", "mul", "div"]


# ## Task 2.3: forward, compared with numpy


@pytest.mark.task2_3
@given(tensors())
@settings(max_examples=20)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_forward(name: str, t: Tensor) -> None:
    fn, np_fn = UNARY[name]
    assert_matches_numpy(fn(t), np_fn(t.to_numpy()))


@pytest.mark.task2_3
@given(broadcast_tensors())
@settings(max_examples=20)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_broadcast_forward(name: str, ts: Tuple[Tensor, Tensor]) -> None:
    fn, np_fn = BINARY[name]
    a, b = ts
    assert_matches_numpy(fn(a, b), np_fn(a.to_numpy(), b.to_numpy()))


@pytest.mark.task2_3
@given(tensors(), data())
@settings(max_examples=30)
def test_reductions_forward(t: Tensor, d: DataObject) -> None:
    dim = d.draw(integers(min_value=-t.dims, max_value=t.dims - 1))
    n = t.to_numpy()
    assert_matches_numpy(t.sum(dim), n.sum(axis=dim, keepdims=True))
    assert_matches_numpy(t.mean(dim), n.mean(axis=dim, keepdims=True))
    assert_matches_numpy(t.all(dim), np.all(n, axis=dim, keepdims=True).astype(float))
    assert_matches_numpy(t.sum(), np.array([n.sum()]))
    assert_matches_numpy(t.mean(), np.array([n.mean()]))


@pytest.mark.task2_3
@given(tensors(), data())
@settings(max_examples=30)
def test_layout_forward(t: Tensor, d: DataObject) -> None:
    order = d.draw(permutations(range(t.dims)))
    n = t.to_numpy()
    permuted = t.permute(*order)
    assert_matches_numpy(permuted, np.transpose(n, order))
    assert permuted._tensor._storage is t._tensor._storage, "permute() should return a view sharing the storage, not a copy"  # a view, not a copy
    flat = permuted.contiguous()
    assert flat.is_contiguous(), f"contiguous() should give a contiguous tensor, got strides {flat._tensor.strides} for shape {flat.shape}"
    assert_matches_numpy(flat.view(t.size), np.transpose(n, order).reshape(-1))


@pytest.mark.task2_3
@given(tensors(), floats(min_value=-50, max_value=50))
@settings(max_examples=30)
def test_comparisons_with_numbers(t: Tensor, x: float) -> None:
    n = t.to_numpy()
    assert_matches_numpy(t < x, (n < x).astype(float))
    assert_matches_numpy(t > x, (n > x).astype(float))
    assert_matches_numpy(t == x, (n == x).astype(float))
    assert_matches_numpy(t != x, (n != x).astype(float))


@pytest.mark.task2_3
def test_chained_expression_forward() -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2,))
    tx, tw, tb = tensor(x), tensor(w), tensor(b)
    out = ((tx.view(4, 3, 1) * tw.view(1, 3, 2)).sum(1).view(4, 2) + tb).relu().sigmoid()
    expected = 1 / (1 + np.exp(-np.maximum(x @ w + b, 0)))
    assert_matches_numpy(out, expected)


# ## Matrix multiply (the reference kernel Module 3's fast versions are checked against)


@given(matmul_tensors())
@settings(max_examples=30)
def test_matmul_forward(ts: Tuple[Tensor, Tensor]) -> None:
    a, b = ts
    assert_matches_numpy(a @ b, a.to_numpy() @ b.to_numpy())


@given(matmul_tensors())
@settings(max_examples=15)
def test_matmul_backward(ts: Tuple[Tensor, Tensor]) -> None:
    grad_check(lambda a, b: a @ b, *ts)


def test_matmul_matches_broadcast_sum() -> None:
    a = tensor(np.arange(6.0).reshape(2, 3))
    b = tensor(np.arange(12.0).reshape(3, 4))
    c2 = (a.view(2, 3, 1) * b.view(1, 3, 4)).sum(1).view(2, 4)
    assert_matches_numpy(a @ b, c2.to_numpy())


def test_matmul_errors() -> None:
    a, b = tensor(np.ones((2, 3))), tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match="at least 2 dims"):
        a @ tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="batch"):
        tensor(np.ones((2, 2, 3))) @ tensor(np.ones((3, 3, 1)))


# ## Task 2.4: backward, compared with central differences


@pytest.mark.task2_4
@given(tensors())
@settings(max_examples=10)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_backward(name: str, t: Tensor) -> None:
    grad_check(UNARY[name][0], t)


@pytest.mark.task2_4
@given(broadcast_tensors())
@settings(max_examples=15)
@pytest.mark.parametrize("name", SMOOTH_BINARY)
def test_binary_broadcast_backward(name: str, ts: Tuple[Tensor, Tensor]) -> None:
    grad_check(BINARY[name][0], *ts)


@pytest.mark.task2_4
@given(broadcast_tensors())
@settings(max_examples=15)
def test_broadcast_gradient_is_summed(ts: Tuple[Tensor, Tensor]) -> None:
    """d sum(a + b) / d b counts how often each entry of b was used by broadcasting."""
    a, b = ts
    a.requires_grad_()
    b.requires_grad_()
    (a + b).sum().backward()
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    for x in (a, b):
        assert x.grad is not None and x.grad.shape == x.shape, f"input of shape {x.shape} should get a gradient of its shape, got {None if x.grad is None else x.grad.shape}"
        uses = int(np.prod(out_shape)) // x.size
        np.testing.assert_allclose(x.grad.to_numpy(), np.full(x.shape, float(uses)))


@pytest.mark.task2_4
@given(tensors(), data())
@settings(max_examples=20)
def test_reduction_backward(t: Tensor, d: DataObject) -> None:
    dim = d.draw(integers(min_value=0, max_value=t.dims - 1))
    grad_check(lambda a: a.sum(dim), t)
    grad_check(lambda a: a.mean(dim) * a.mean(), t)


@pytest.mark.task2_4
@given(tensors(), data())
@settings(max_examples=20)
def test_layout_backward(t: Tensor, d: DataObject) -> None:
    order = d.draw(permutations(range(t.dims)))
    # Weight each entry differently so a mixed-up gradient cannot pass.
    weights = tensor(np.arange(1.0, t.size + 1).reshape(np.transpose(t.to_numpy(), order).shape))
    grad_check(lambda a: a.permute(*order) * weights, t)
    grad_check(lambda a: a.permute(*order).contiguous().view(t.size), t)


@pytest.mark.task2_4
@given(tensors(shape=(2, 3)))
@settings(max_examples=20)
def test_network_like_backward(x: Tensor) -> None:
    w = tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    b = tensor([0.1, -0.2, 0.3, 0.0])

    def layer(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        return ((x / 50).view(2, 3, 1) * w.view(1, 3, 4)).sum(1).view(2, 4).__add__(b).sigmoid()

    grad_check(layer, x, w, b)


def test_backend_kernels_are_named() -> None:
    for name in ["neg_map", "add_zip", "mul_zip", "lt_zip", "add_reduce", "mul_reduce", "id_map"]:
        assert callable(getattr(SimpleBackend, name))
    t = tensor([[1.0, 2.0], [3.0, 4.0]])
    assert SimpleBackend.mul_reduce(t, 0).to_numpy().tolist() == [[3.0, 8.0]]
    assert SimpleBackend.add_zip(t, tensor([10.0, 20.0])).to_numpy().tolist() == [
        [11.0, 22.0],
        [13.0, 24.0],
    ]
