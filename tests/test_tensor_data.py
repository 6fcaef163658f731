"""Module 2 tests: tensor layout (2.1) and broadcasting (2.2).

Positions and broadcast indices are checked against numpy, which computes
the same things independently (``as_strided`` views, ``broadcast_to``).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.strategies import DataObject, data, integers, lists, permutations

from minitorch.tensor_data import (
    IndexingError,
    TensorData,
    broadcast_index,
    index_to_position,
    shape_broadcast,
    strides_from_shape,
    to_index,
)
from tests.tensor_strategies import broadcast_shapes, indices, shapes, small_ints, tensor_data

# ## Task 2.1: layout


@pytest.mark.task2_1
def test_layout() -> None:
    data = [0] * 3 * 5
    td = TensorData(data, (3, 5), (5, 1))
    assert td.is_contiguous(), "shape (3, 5) with strides (5, 1) is contiguous (row-major)"
    assert td.shape == (3, 5), f"expected shape (3, 5), got {td.shape}"
    assert td.index((1, 0)) == 5, f"strides (5, 1): index (1, 0) is at 1*5 + 0*1 = 5, got {td.index((1, 0))}"
    assert td.index((1, 2)) == 7, f"strides (5, 1): index (1, 2) is at 1*5 + 2*1 = 7, got {td.index((1, 2))}"

    td = TensorData(data, (5, 3), (1, 5))
    assert td.shape == (5, 3), f"expected shape (5, 3), got {td.shape}"
    assert not td.is_contiguous(), "shape (5, 3) with strides (1, 5) is column-major: not contiguous"
    assert td.index((1, 0)) == 1, f"strides (1, 5): index (1, 0) is at 1*1 + 0*5 = 1, got {td.index((1, 0))}"
    assert td.index((2, 2)) == 12, f"strides (1, 5): index (2, 2) is at 2*1 + 2*5 = 12, got {td.index((2, 2))}"

    td = TensorData([0] * 4 * 2 * 2, (4, 2, 2))
    assert td.strides == (4, 2, 1), f"the contiguous strides of (4, 2, 2) are (4, 2, 1), got {td.strides}"


def test_layout_bad() -> None:
    data = [0] * 3 * 5
    with pytest.raises(IndexingError, match="one entry per dim"):
        TensorData(data, (3, 5), (6,))
    with pytest.raises(IndexingError, match="past the end"):
        TensorData(data, (3, 5), (6, 1))
    with pytest.raises(IndexingError, match="needs 16"):
        TensorData(data, (4, 4))
    with pytest.raises(IndexingError, match="negative"):
        TensorData(data, (3, 5), (-5, 1))
    with pytest.raises(ValueError, match="flat"):
        TensorData(np.zeros((3, 5)), (3, 5))


def test_strides_from_shape() -> None:
    assert strides_from_shape((2, 3, 4)) == (12, 4, 1)
    assert strides_from_shape((5,)) == (1,)
    assert strides_from_shape(()) == ()


@pytest.mark.task2_1
@given(tensor_data())
def test_enumeration(td: TensorData) -> None:
    found = list(td.indices())
    assert len(found) == td.size, f"indices() of shape {td.shape} should yield {td.size} indices, got {len(found)}"
    assert len(set(found)) == len(found), f"indices() of shape {td.shape} yielded some index twice"
    for ind in found:
        for i, p in enumerate(ind):
            assert 0 <= p < td.shape[i], f"index {ind} is out of range for shape {td.shape}"


@pytest.mark.task2_1
@given(tensor_data())
def test_index(td: TensorData) -> None:
    for ind in td.indices():
        assert 0 <= td.index(ind) < td.size, f"index {ind} of shape {td.shape}, strides {td.strides} maps to position {td.index(ind)}, outside storage of size {td.size}"

    base = [0] * td.dims
    base[0] = -1
    with pytest.raises(IndexingError):
        td.index(tuple(base))
    base[0] = td.shape[0]
    with pytest.raises(IndexingError):
        td.index(tuple(base))
    if td.dims > 1:
        with pytest.raises(IndexingError):
            td.index(tuple([0] * (td.dims - 1)))


@pytest.mark.task2_1
@given(tensor_data(integers(-1000, 1000).map(float)))
def test_index_matches_numpy(td: TensorData) -> None:
    """Reading storage at ``index(ind)`` agrees with numpy's strided view of the same storage."""
    expected = td.to_numpy()
    for ind in td.indices():
        assert td._storage[td.index(ind)] == expected[ind], f"index {ind} (strides {td.strides}): storage holds {td._storage[td.index(ind)]}, numpy's strided view {expected[ind]}"


@pytest.mark.task2_1
@given(shapes(), data())
def test_to_index_matches_numpy(shape: tuple, d: DataObject) -> None:
    size = int(np.prod(shape))
    ordinal = d.draw(integers(min_value=0, max_value=size - 1))
    out_index = np.zeros(len(shape), dtype=np.int64)
    to_index(ordinal, np.array(shape), out_index)
    assert tuple(out_index) == np.unravel_index(ordinal, shape), f"to_index({ordinal}, {shape}) should give {np.unravel_index(ordinal, shape)} (row-major), got {tuple(out_index)}"
    # For a contiguous layout the position of the ordinal-th index is the ordinal.
    assert index_to_position(out_index, np.array(strides_from_shape(shape))) == ordinal, f"contiguous shape {shape}: index {tuple(out_index)} should be at position {ordinal}"


@pytest.mark.task2_1
@given(data())
def test_permute(d: DataObject) -> None:
    td = d.draw(tensor_data())
    ind = d.draw(indices(td))
    td_rev = td.permute(*list(reversed(range(td.dims))))
    assert td.index(ind) == td_rev.index(tuple(reversed(ind))), f"permuting {td.shape} in reverse: index {tuple(reversed(ind))} of the result should be index {ind} of the original"

    td2 = td_rev.permute(*list(reversed(range(td_rev.dims))))
    assert td.index(ind) == td2.index(ind), f"reversing twice should give back the same positions at index {ind}"


@pytest.mark.task2_1
@given(tensor_data(integers(-1000, 1000).map(float)), data())
def test_permute_matches_numpy(td: TensorData, d: DataObject) -> None:
    order = d.draw(permutations(range(td.dims)))
    permuted = td.permute(*order)
    assert permuted._storage is td._storage, "permute() should return a view of the same storage, not a copy"  # a view: nothing copied
    np.testing.assert_array_equal(permuted.to_numpy(), np.transpose(td.to_numpy(), order))
    expected = permuted.to_numpy()
    for ind in permuted.indices():
        assert permuted.get(ind) == expected[ind], f"permuted.get({ind}) should be {expected[ind]} (numpy's transpose), got {permuted.get(ind)}"


def test_permute_bad_order() -> None:
    td = TensorData(list(range(6)), (2, 3))
    for order in [(0,), (0, 0), (1, 2), (0, 1, 2)]:
        with pytest.raises(IndexingError, match=r"\(2, 3\)"):
            td.permute(*order)


def test_set_writes_through_views() -> None:
    td = TensorData([0.0] * 6, (2, 3))
    transposed = td.permute(1, 0)
    transposed.set((2, 1), 5.0)
    assert td.get((1, 2)) == 5.0


@given(tensor_data())
def test_string(td: TensorData) -> None:
    td.to_string()


# ## Task 2.2: broadcasting


@pytest.mark.task2_2
def test_shape_broadcast() -> None:
    assert shape_broadcast((1,), (5, 5)) == (5, 5), f"(1,) and (5, 5) broadcast to (5, 5), got {shape_broadcast((1,), (5, 5))}"
    assert shape_broadcast((5, 5), (1,)) == (5, 5), f"(5, 5) and (1,) broadcast to (5, 5), got {shape_broadcast((5, 5), (1,))}"
    assert shape_broadcast((1, 5, 5), (5, 5)) == (1, 5, 5), f"(1, 5, 5) and (5, 5) broadcast to (1, 5, 5), got {shape_broadcast((1, 5, 5), (5, 5))}"
    assert shape_broadcast((5, 1, 5, 1), (1, 5, 1, 5)) == (5, 5, 5, 5), f"(5, 1, 5, 1) and (1, 5, 1, 5) broadcast to (5, 5, 5, 5), got {shape_broadcast((5, 1, 5, 1), (1, 5, 1, 5))}"
    assert shape_broadcast((2, 5), (5,)) == (2, 5), f"(2, 5) and (5,) broadcast to (2, 5), got {shape_broadcast((2, 5), (5,))}"
    assert shape_broadcast((), (3,)) == (3,), f"() and (3,) broadcast to (3,), got {shape_broadcast((), (3,))}"

    with pytest.raises(IndexingError, match=r"\(5, 7, 5, 1\).*\(1, 5, 1, 5\)"):
        shape_broadcast((5, 7, 5, 1), (1, 5, 1, 5))
    with pytest.raises(IndexingError):
        shape_broadcast((5, 2), (5,))
    # IndexingError is also a ValueError, so either except clause catches it.
    with pytest.raises(ValueError):
        shape_broadcast((3,), (4,))


@pytest.mark.task2_2
@given(lists(small_ints, min_size=0, max_size=4), lists(small_ints, min_size=0, max_size=4))
@settings(max_examples=200)
def test_shape_broadcast_matches_numpy(shape1: list, shape2: list) -> None:
    try:
        expected = np.broadcast_shapes(tuple(shape1), tuple(shape2))
    except ValueError:
        with pytest.raises(IndexingError):
            shape_broadcast(shape1, shape2)
    else:
        assert shape_broadcast(shape1, shape2) == expected, f"{tuple(shape1)} and {tuple(shape2)} broadcast to {expected} (numpy), got {shape_broadcast(shape1, shape2)}"


@pytest.mark.task2_2
@given(broadcast_shapes())
def test_broadcast_index_matches_numpy(pair: tuple) -> None:
    """``broadcast_index`` finds the entry numpy's ``broadcast_to`` shows at each index."""
    shape_a, shape_b = pair
    big_shape = shape_broadcast(shape_a, shape_b)
    for shape in (shape_a, shape_b):
        numbers = np.arange(int(np.prod(shape))).reshape(shape)
        stretched = np.broadcast_to(numbers, big_shape)
        big_index = np.zeros(len(big_shape), dtype=np.int64)
        out_index = np.zeros(len(shape), dtype=np.int64)
        for ordinal in range(stretched.size):
            to_index(ordinal, np.array(big_shape), big_index)
            broadcast_index(big_index, np.array(big_shape), np.array(shape), out_index)
            assert numbers[tuple(out_index)] == stretched[tuple(big_index)], f"index {tuple(big_index)} of {big_shape} should map to the entry of {shape} at {np.unravel_index(int(stretched[tuple(big_index)]), shape)}, got {tuple(out_index)}"


@pytest.mark.task2_2
def test_broadcast_index_examples() -> None:
    out = np.zeros(2, dtype=np.int64)
    broadcast_index(np.array([1, 2, 3]), np.array([2, 3, 4]), np.array([3, 1]), out)
    assert list(out) == [2, 0], f"index [1, 2, 3] of (2, 3, 4) maps to [2, 0] of (3, 1), got {list(out)}"
    out = np.zeros(1, dtype=np.int64)
    broadcast_index(np.array([1, 2]), np.array([2, 3]), np.array([1]), out)
    assert list(out) == [0], f"index [1, 2] of (2, 3) maps to [0] of (1,), got {list(out)}"
