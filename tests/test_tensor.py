"""Module 2 tests: tensor functions forward (2.3) and backward (2.4).

The function catalogue is ``MathTestVariable`` (shared with the Scalar
tests): each tensor function is compared entry by entry with the same
function on floats, and its gradient with central differences.
"""

from typing import Callable, List, Tuple

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis.strategies import DataObject, data, lists, permutations

from minitorch.grad_check import grad_check
from minitorch.tensor import Tensor
from minitorch.tensor_data import IndexingError
from minitorch.tensor_functions import tensor
from minitorch.testing import MathTestVariable
from tests.strategies import assert_close
from tests.tensor_strategies import shaped_tensors, small_floats, tensors

one_arg, two_arg, red_arg = MathTestVariable._comp_testing()
Case = Tuple[str, Callable, Callable]

# Where a function has a kink, central differences are meaningless; hypothesis
# loves round numbers such as -5.5, so keep the inputs a little away from them.
KINKS = {"relu": [-5.5], "complex": [-0.7]}
# Comparisons are flat with jumps: their gradient must be exactly zero.
COMPARISONS = {"lt2", "gt2", "eq2"}


def names(cases: List[Case]) -> List[str]:
    return [name for name, _, _ in cases]


def check_gradients(name: str, fn: Callable, *ts: Tensor) -> None:
    """``grad_check``, except for comparisons, whose gradient must simply be zero."""
    if name not in COMPARISONS:
        grad_check(fn, *ts)
        return
    for t in ts:
        t.requires_grad_()
    fn(*ts).sum().backward()
    for t in ts:
        assert t.grad is not None and t.grad.shape == t.shape
        assert np.all(t.grad.to_numpy() == 0.0)


@given(lists(small_floats, min_size=1))
def test_create(t1: List[float]) -> None:
    t2 = tensor(t1)
    for i in range(len(t1)):
        assert t1[i] == t2[i]


# ## Task 2.3: forward


@pytest.mark.task2_3
@given(tensors())
@settings(max_examples=25)
@pytest.mark.parametrize("fn", one_arg, ids=names(one_arg))
def test_one_args(fn: Case, t1: Tensor) -> None:
    _, base_fn, tensor_fn = fn
    t2 = tensor_fn(t1)
    assert t2.shape == t1.shape, f"{fn[0]} should keep the input's shape {t1.shape}, got {t2.shape}"
    for ind in t2._tensor.indices():
        assert_close(t2[ind], base_fn(t1[ind]), f"{fn[0]} at index {ind}")


@pytest.mark.task2_3
@given(shaped_tensors(2))
@settings(max_examples=25)
@pytest.mark.parametrize("fn", two_arg, ids=names(two_arg))
def test_two_args(fn: Case, ts: List[Tensor]) -> None:
    _, base_fn, tensor_fn = fn
    t1, t2 = ts
    t3 = tensor_fn(t1, t2)
    for ind in t3._tensor.indices():
        assert_close(t3[ind], base_fn(t1[ind], t2[ind]), f"{fn[0]} at index {ind}")


@pytest.mark.task2_3
def test_reduce_forward_one_dim() -> None:
    t = tensor([[2, 3], [4, 6], [5, 7]])
    # Reducing dim 0 keeps it, with size 1: shape (1, 2).
    t_summed = t.sum(0)
    assert t_summed.shape == (1, 2), f"sum(0) of shape (3, 2) keeps dim 0 with size 1: expected (1, 2), got {t_summed.shape}"
    assert t_summed.is_close(tensor([[11, 16]])).all().item(), f"sum(0) of [[2, 3], [4, 6], [5, 7]] should be [[11, 16]], got {t_summed}"


@pytest.mark.task2_3
def test_reduce_forward_one_dim_2() -> None:
    t = tensor([[2, 3], [4, 6], [5, 7]])
    t_summed_2 = t.sum(1)
    assert t_summed_2.shape == (3, 1), f"sum(1) of shape (3, 2) keeps dim 1 with size 1: expected (3, 1), got {t_summed_2.shape}"
    assert t_summed_2.is_close(tensor([[5], [10], [12]])).all().item(), f"sum(1) of [[2, 3], [4, 6], [5, 7]] should be [[5], [10], [12]], got {t_summed_2}"


@pytest.mark.task2_3
def test_reduce_forward_all_dims() -> None:
    t = tensor([[2, 3], [4, 6], [5, 7]])
    t_summed_all = t.sum()
    assert t_summed_all.shape == (1,), f"sum() over every dim should have shape (1,), got {t_summed_all.shape}"
    assert_close(t_summed_all[0], 27, "sum() of [[2, 3], [4, 6], [5, 7]]")
    assert_close(t.mean().item(), 4.5, "mean() of [[2, 3], [4, 6], [5, 7]]")
    assert t.all().item() == 1.0, f"all() of a tensor without zeros should be 1.0, got {t.all().item()}"
    assert tensor([[1, 0], [1, 1]]).all(1).is_close(tensor([[0], [1]])).all().item(), f"all(1) of [[1, 0], [1, 1]] should be [[0], [1]], got {tensor([[1, 0], [1, 1]]).all(1)}"


@pytest.mark.task2_3
def test_view() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]])
    assert t.shape == (2, 3), f"expected shape (2, 3), got {t.shape}"
    t2 = t.view(6)
    assert t2.shape == (6,), f"view(6) should have shape (6,), got {t2.shape}"
    t2 = t2.view(1, 6)
    assert t2.shape == (1, 6), f"view(1, 6) should have shape (1, 6), got {t2.shape}"
    t2 = t2.view(6, 1)
    assert t2.shape == (6, 1), f"view(6, 1) should have shape (6, 1), got {t2.shape}"
    t2 = t2.view(2, 3)
    assert t.is_close(t2).all().item() == 1.0, f"viewing (2, 3) as 6, (1, 6), (6, 1) and back should give the same numbers: {t} vs {t2}"
    assert t.view(-1, 2).shape == (3, 2), f"view(-1, 2) of 6 entries should have shape (3, 2), got {t.view(-1, 2).shape}"
    assert t.view((3, 2)).shape == (3, 2), f"view((3, 2)) should have shape (3, 2), got {t.view((3, 2)).shape}"


@pytest.mark.task2_3
def test_permute_forward() -> None:
    t = tensor([[[1, 2, 3], [4, 5, 6]]])  # shape (1, 2, 3)
    p = t.permute(2, 0, 1)
    assert p.shape == (3, 1, 2), f"permute(2, 0, 1) of shape (1, 2, 3) should have shape (3, 1, 2), got {p.shape}"
    assert p[2, 0, 1] == 6.0, f"p[2, 0, 1] is t[0, 1, 2] = 6.0, got {p[2, 0, 1]}"
    assert p.contiguous().view(6).to_numpy().tolist() == [1, 4, 2, 5, 3, 6], f"the permuted entries in row-major order should be [1, 4, 2, 5, 3, 6], got {p.contiguous().view(6).to_numpy().tolist()}"


def test_permute_view() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]])
    t2 = t.permute(1, 0)
    with pytest.raises(ValueError, match="contiguous"):
        t2.view(6)
    assert t2.contiguous().view(6).shape == (6,)


def test_bad_view_size() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]])
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        t.view(4)
    with pytest.raises(ValueError):
        t.view(-1, 4)


def test_index() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]])
    with pytest.raises(IndexingError, match=r"\(2, 3\)"):
        t[50, 2]
    with pytest.raises(IndexError):  # an IndexingError is an IndexError too
        t[0, 3]


def test_fromlist() -> None:
    assert tensor([[2, 3, 4], [4, 5, 7]]).shape == (2, 3)
    assert tensor([[[2, 3, 4], [4, 5, 7]]]).shape == (1, 2, 3)
    with pytest.raises(ValueError, match="rectangular"):
        tensor([[1, 2], [3]])


def test_fromnumpy() -> None:
    t = tensor([[2, 3, 4], [4, 5, 7]])
    assert t.shape == (2, 3)
    n = t.to_numpy()
    t2 = tensor(n.tolist())
    for ind in t._tensor.indices():
        assert t[ind] == t2[ind]


# ## Task 2.4: backward


@pytest.mark.task2_4
@given(tensors())
@settings(max_examples=15)
@pytest.mark.parametrize("fn", one_arg, ids=names(one_arg))
def test_one_derivative(fn: Case, t1: Tensor) -> None:
    name, _, tensor_fn = fn
    values = t1.to_numpy()
    for kink in KINKS.get(name, []):
        assume(np.all(np.abs(values - kink) > 1e-3))
    grad_check(tensor_fn, t1)


@pytest.mark.task2_4
@given(data(), tensors())
@settings(max_examples=25)
def test_permute(d: DataObject, t1: Tensor) -> None:
    permutation = d.draw(permutations(range(len(t1.shape))))
    grad_check(lambda a: a.permute(*permutation), t1)


@pytest.mark.task2_4
def test_grad_size() -> None:
    """The gradient has the input's shape even when the input was broadcast."""
    a = tensor([1], requires_grad=True)
    b = tensor([[1, 1]], requires_grad=True)
    c = (a * b).sum()
    c.backward()
    assert c.shape == (1,), f"sum() should have shape (1,), got {c.shape}"
    assert a.grad is not None and a.shape == a.grad.shape, f"a (shape {a.shape}) should get a gradient of its own shape, got {None if a.grad is None else a.grad.shape}"
    assert b.grad is not None and b.shape == b.grad.shape, f"b (shape {b.shape}) should get a gradient of its own shape, got {None if b.grad is None else b.grad.shape}"
    assert a.grad.item() == 2.0, f"a was broadcast over 2 entries of b (both 1): its gradient should be 2.0, got {a.grad.item()}"


@pytest.mark.task2_4
@given(tensors())
@settings(max_examples=25)
@pytest.mark.parametrize("fn", red_arg, ids=names(red_arg))
def test_reduce(fn: Case, t1: Tensor) -> None:
    _, _, tensor_fn = fn
    grad_check(tensor_fn, t1)


@pytest.mark.task2_4
@given(shaped_tensors(2))
@settings(max_examples=15)
@pytest.mark.parametrize("fn", two_arg, ids=names(two_arg))
def test_two_grad(fn: Case, ts: List[Tensor]) -> None:
    name, _, tensor_fn = fn
    t1, t2 = ts
    check_gradients(name, tensor_fn, t1, t2)


@pytest.mark.task2_4
@given(shaped_tensors(2))
@settings(max_examples=10)
@pytest.mark.parametrize("fn", two_arg, ids=names(two_arg))
def test_two_grad_broadcast(fn: Case, ts: List[Tensor]) -> None:
    name, _, tensor_fn = fn
    t1, t2 = ts
    check_gradients(name, tensor_fn, t1.sum(0), t2)
    check_gradients(name, tensor_fn, t1, t2.sum(0))


@pytest.mark.task2_4
@given(tensors())
@settings(max_examples=25)
def test_back_view(t1: Tensor) -> None:
    def view(a: Tensor) -> Tensor:
        a = a.contiguous()
        return a.view(a.size)

    grad_check(view, t1)


@pytest.mark.task2_4
def test_backward_known_values() -> None:
    """A small expression whose gradient is easy to work out by hand."""
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = tensor([0.5, -1.0], requires_grad=True)
    # loss = sum_ij (x_ij * w_j) ** 2 / 2: d/dx_ij = x_ij w_j^2, d/dw_j = sum_i x_ij^2 w_j
    y = x * w
    (y * y * 0.5).sum().backward()
    assert x.grad is not None and w.grad is not None, "backward() should give both x and w a gradient"
    np.testing.assert_allclose(x.grad.to_numpy(), [[0.25, 2.0], [0.75, 4.0]])
    np.testing.assert_allclose(w.grad.to_numpy(), [5.0, -20.0])
