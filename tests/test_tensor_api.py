"""Module 2 tests: the Tensor API around the math.

dtypes, numpy interop, indexing and slicing views, ``no_grad``, the rules of
``backward()``, and the errors a user sees for bad shapes.
"""

import numpy as np
import pytest

from minitorch.grad_check import grad_check
from minitorch.tensor import Tensor
from minitorch.tensor_data import IndexingError, TensorData
from minitorch.tensor_functions import (
    arange,
    is_grad_enabled,
    no_grad,
    ones,
    rand,
    tensor,
    zeros,
)
from minitorch.tensor_ops import SimpleOps, TensorBackend

# ## dtypes


def test_float64_is_the_default() -> None:
    assert tensor([1, 2]).dtype == np.float64
    assert zeros((2, 3)).dtype == np.float64
    assert rand(3).dtype == np.float64
    assert tensor(np.arange(3)).dtype == np.float64  # integers become float64


def test_float32_end_to_end() -> None:
    x = tensor([[1.0, -2.0], [3.0, 4.0]], dtype="float32", requires_grad=True)
    w = ones((2, 1), dtype=np.float32, requires_grad=True)
    out = ((x @ w).relu().sigmoid() * 2 + 1).sum()
    assert x.dtype == out.dtype == np.float32
    out.backward()
    assert x.grad is not None and w.grad is not None
    assert x.grad.dtype == w.grad.dtype == np.float32
    expected = 2 * (1 / (1 + np.exp(-7.0))) * (1 - 1 / (1 + np.exp(-7.0)))
    np.testing.assert_allclose(x.grad.to_numpy()[1], [expected, expected], rtol=1e-5)
    np.testing.assert_allclose(x.grad.to_numpy()[0], [0.0, 0.0])  # relu cut row 0 off


def test_float_and_double_convert_and_keep_gradients() -> None:
    a = tensor([1.0, 2.0], requires_grad=True)
    b = a.float()
    assert b.dtype == np.float32 and b.double().dtype == np.float64
    assert a.double() is a
    (b * b).sum().backward()
    assert a.grad is not None and a.grad.dtype == np.float64
    assert a.grad.to_numpy().tolist() == [2.0, 4.0]


def test_mixing_dtypes_promotes_like_numpy() -> None:
    f32 = tensor([1.0, 2.0], dtype=np.float32)
    f64 = tensor([1.0, 2.0])
    assert (f32 + f64).dtype == np.float64
    assert (f32 * f64).dtype == np.float64
    assert (f32 + 1.5).dtype == np.float32  # Python numbers do not promote
    assert (2 * f32).dtype == np.float32
    assert (f32.view(1, 2) @ tensor([[1.0], [1.0]]).float()).dtype == np.float32


def test_float32_gradient_of_mixed_graph_is_float32() -> None:
    a = tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    (a * tensor([3.0, 4.0])).sum().backward()  # the product is float64
    assert a.grad is not None and a.grad.dtype == np.float32
    assert a.grad.to_numpy().tolist() == [3.0, 4.0]


def test_bad_dtypes_are_refused() -> None:
    with pytest.raises(ValueError, match="float64 or float32"):
        tensor([1, 2], dtype="int32")
    with pytest.raises(ValueError, match="float64 or float32"):
        zeros(3, dtype=np.int64)
    with pytest.raises(ValueError, match="unknown dtype"):
        ones(3, dtype="no-such-type")
    with pytest.raises(ValueError, match="float64"):
        grad_check(lambda a: a * 2, tensor([1.0], dtype=np.float32))


# ## numpy interop


def test_from_numpy_shares_memory() -> None:
    array = np.arange(6.0).reshape(2, 3)
    t = Tensor.from_numpy(array)
    assert t.shape == (2, 3)
    array[1, 2] = 100.0
    assert t[1, 2] == 100.0


def test_tensor_copies_numpy_and_keeps_float32() -> None:
    array = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    t = tensor(array)
    assert t.dtype == np.float32
    array[0, 0] = 100.0
    assert t[0, 0] == 0.0


def test_non_contiguous_numpy_arrays() -> None:
    array = np.arange(12.0).reshape(3, 4)
    for view in (array.T, array[:, ::2], array[::-1]):
        assert tensor(view).to_numpy().tolist() == view.tolist()
        assert Tensor.from_numpy(view).to_numpy().tolist() == view.tolist()


def test_to_numpy_and_array_protocol() -> None:
    t = tensor([[1.0, 2.0], [3.0, 4.0]]).permute(1, 0)
    n = t.to_numpy()
    assert n.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    n[0, 0] = 50.0  # a copy: the tensor is unchanged
    assert t[0, 0] == 1.0
    assert np.asarray(t).tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert np.array(t, dtype=np.float32).dtype == np.float32


def test_numpy_arrays_combine_with_tensors() -> None:
    t = tensor([1.0, 2.0])
    for out in (t + np.array([10.0, 20.0]), np.array([10.0, 20.0]) + t):
        assert isinstance(out, Tensor)
        assert out.to_numpy().tolist() == [11.0, 22.0]
    assert (np.float64(2.0) * t).to_numpy().tolist() == [2.0, 4.0]


# ## Indexing and slicing


def test_integer_indexing() -> None:
    t = tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t[1, 2] == 6.0 and isinstance(t[1, 2], float)
    assert t[-1, -3] == 4.0
    row = t[1]
    assert isinstance(row, Tensor) and row.shape == (3,)
    assert row[0] == 4.0
    assert len(t) == 2
    assert [x for x in tensor([7.0, 8.0])] == [7.0, 8.0]


def test_slices_are_views() -> None:
    t = tensor(np.arange(24.0).reshape(2, 3, 4))
    n = t.to_numpy()
    for key in [
        (slice(None), 1),
        (1, slice(1, None), slice(None, None, 2)),
        (Ellipsis, 0),
        (0, Ellipsis),
        slice(1, 2),
        (slice(None), slice(None), slice(3, 0)),
    ]:
        view = t[key]
        assert view.to_numpy().tolist() == n[key].tolist(), key
        assert np.shares_memory(view._tensor._storage, t._tensor._storage) or view.size == 0
    t[1, 2, 3] = -1.0
    assert t[1][2, 3] == -1.0 and t[..., 3][1, 2] == -1.0


def test_slices_of_permuted_tensors() -> None:
    t = tensor(np.arange(12.0).reshape(3, 4)).permute(1, 0)
    n = np.arange(12.0).reshape(3, 4).T
    assert t[1:3, ::2].to_numpy().tolist() == n[1:3, ::2].tolist()
    assert t[2].to_numpy().tolist() == n[2].tolist()


def test_setitem_writes_in_place() -> None:
    t = zeros((2, 3))
    t[0] = 5.0
    t[:, 2] = tensor([7.0, 8.0])
    t[1, 0] = 3.0
    assert t.to_numpy().tolist() == [[5.0, 5.0, 7.0], [3.0, 0.0, 8.0]]


def test_slice_gradients() -> None:
    x = tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    (x[1:, ::2] * 2).sum().backward()
    assert x.grad is not None
    expected = np.zeros((3, 4))
    expected[1:, ::2] = 2.0
    assert x.grad.to_numpy().tolist() == expected.tolist()
    grad_check(lambda a: a[..., 1:].sigmoid() * a[0, 1:], tensor(np.linspace(-1, 1, 12).reshape(3, 4)))


def test_bad_indices() -> None:
    t = tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for key in [(2, 0), (0, -4), (0, 0, 0), (slice(None, None, -1),), 1.5, (0, [1, 2])]:
        with pytest.raises(IndexingError, match="index|slice|indices"):
            t[key]


# ## Scalars out of tensors


def test_item_float_and_truth_value() -> None:
    one = tensor([[2.5]])
    assert one.item() == 2.5 and float(one) == 2.5 and int(one) == 2
    assert bool(tensor([1.0])) and not bool(tensor([0.0]))
    t = tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="one entry"):
        t.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t == t)


# ## no_grad and the rules of backward()


def test_no_grad() -> None:
    x = tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad()
    assert (x * 2).requires_grad()

    @no_grad()
    def predict(a: Tensor) -> Tensor:
        return a.sigmoid()

    assert not predict(x).requires_grad()
    assert is_grad_enabled()


def test_gradients_accumulate_until_zeroed() -> None:
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad is not None and x.grad.to_numpy().tolist() == [5.0, 7.0]
    x.zero_grad_()
    assert x.grad is None


def test_backward_with_grad_output() -> None:
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * x
    y.backward(tensor([[1.0, 0.0], [0.5, 2.0]]))
    assert x.grad is not None and x.grad.to_numpy().tolist() == [[2.0, 0.0], [3.0, 16.0]]
    with pytest.raises(ValueError, match="one-entry"):
        (x * x).backward()
    with pytest.raises(ValueError, match="shape"):
        (x * x).backward(tensor([1.0, 2.0]))


def test_backward_needs_a_graph() -> None:
    with pytest.raises(RuntimeError, match="requires_grad"):
        tensor([1.0]).sigmoid().backward()


def test_detach_shares_data_but_not_history() -> None:
    x = tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad()
    y = x.detach()
    y[0] = 9.0
    assert x[0] == 9.0


def test_leaf_bookkeeping() -> None:
    x = tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf() and not y.is_leaf() and not y.is_constant()
    assert list(y.parents)[0] is x
    assert x.requires_grad_(False) is x and x.is_constant()


# ## Errors name the shapes


def test_broadcast_errors_name_shapes() -> None:
    a, b = zeros((2, 3)), zeros((4,))
    with pytest.raises(IndexingError, match=r"\(2, 3\).*\(4,\)"):
        a + b
    with pytest.raises(ValueError):
        a * b


def test_dim_and_permute_errors_name_shapes() -> None:
    t = zeros((2, 3))
    with pytest.raises(IndexingError, match=r"dim 2 .*\(2, 3\)"):
        t.sum(2)
    with pytest.raises(IndexingError, match=r"\(2, 3\)"):
        t.mean(-3)
    with pytest.raises(IndexingError, match=r"\(2, 3\)"):
        t.permute(0, 0)
    with pytest.raises(IndexingError, match=r"\(2, 3\)"):
        t.permute(0, 1, 2)


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="TensorData"):
        Tensor([1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tensor([1.0]) + "a"  # type: ignore[operator]
    assert (tensor([1.0]) == None) is False  # noqa: E711


# ## Constructors and backends


def test_constructors() -> None:
    assert zeros(3).shape == (3,)
    assert ones((2, 2)).to_numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    r = rand((4, 5), requires_grad=True)
    assert r.requires_grad() and r.is_leaf()
    assert np.all((r.to_numpy() >= 0) & (r.to_numpy() < 1))
    assert arange(3).to_numpy().tolist() == [0.0, 1.0, 2.0]
    assert arange(1, 2, 0.5).to_numpy().tolist() == [1.0, 1.5]
    assert tensor(3.0).shape == () and tensor(3.0).item() == 3.0
    assert tensor(tensor([1.0, 2.0]).permute(0)).to_numpy().tolist() == [1.0, 2.0]


def test_zero_dim_tensors() -> None:
    s = tensor(2.0, requires_grad=True)
    out = (s * tensor([1.0, 2.0, 3.0])).sum()
    assert out.shape == (1,)
    out.backward()
    assert s.grad is not None and s.grad.shape == () and s.grad.item() == 6.0


def test_a_second_backend_object_works_the_same() -> None:
    backend = TensorBackend(SimpleOps)
    a = tensor([[1.0, 2.0]], backend=backend)
    out = (a + a).sum(1)
    assert out.backend is backend
    assert out.item() == 6.0
    assert repr(backend) == "TensorBackend(SimpleOps)"


def test_repr() -> None:
    assert repr(tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "dtype=float32" in repr(tensor([1.0], dtype=np.float32))
    assert "requires_grad=True" in repr(tensor([1.0], requires_grad=True))


def test_tensor_data_storage_can_be_a_list() -> None:
    t = Tensor(TensorData([1, 2, 3, 4], (2, 2)))
    assert t.dtype == np.float64 and t[1, 0] == 3.0
