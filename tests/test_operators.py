"""Module 0 tests: scalar operators (0.1), property tests (0.2), higher-order functions (0.3)."""

import math
from typing import Callable, List, Tuple

import pytest
from hypothesis import given
from hypothesis.strategies import lists

from minitorch import MathTest
from minitorch.operators import (
    add,
    addLists,
    eq,
    exp,
    id,
    inv,
    inv_back,
    log,
    log_back,
    lt,
    max,
    mul,
    neg,
    negList,
    prod,
    relu,
    relu_back,
    sigmoid,
    sum,
)
from tests.strategies import assert_close, small_floats

# ## Task 0.1: basic operators


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_same_as_python(x: float, y: float) -> None:
    assert_close(mul(x, y), x * y)
    assert_close(add(x, y), x + y)
    assert_close(neg(x), -x)
    assert_close(max(x, y), x if x > y else y)
    if abs(x) > 1e-5:
        assert_close(inv(x), 1.0 / x)


@pytest.mark.task0_1
@given(small_floats)
def test_relu(a: float) -> None:
    if a > 0:
        assert relu(a) == a, f"relu({a}) should be {a} (positive input), got {relu(a)}"
    if a < 0:
        assert relu(a) == 0.0, f"relu({a}) should be 0.0 (negative input), got {relu(a)}"


NAN, INF = math.nan, math.inf


@pytest.mark.task0_1
def test_operators_follow_ieee_on_nan_inf_and_zero() -> None:
    """Like numpy: NaN in gives NaN out; overflow, log of a negative and 1 / 0 give inf or nan, never raise."""
    assert math.isnan(relu(NAN)) and math.isnan(max(NAN, 1.0)) and math.isnan(max(1.0, NAN))
    assert relu(-INF) == 0.0 and relu(INF) == INF
    assert math.isnan(log(-1.0)) and math.isnan(log(NAN)) and log(-1e-6) == -INF and log(INF) == INF
    assert exp(1000.0) == INF and exp(-INF) == 0.0 and math.isnan(exp(NAN))
    assert inv(0.0) == INF and inv(-0.0) == -INF and inv(INF) == 0.0
    assert log_back(-1e-6, 2.0) == INF and math.isnan(log_back(-1e-6, 0.0))
    assert inv_back(0.0, 1.0) == -INF and math.isnan(inv_back(0.0, 0.0))
    assert relu_back(-1.0, 5.0) == 0.0 and relu_back(2.0, 5.0) == 5.0


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_relu_back(a: float, b: float) -> None:
    if a > 0:
        assert relu_back(a, b) == b, f"relu_back({a}, {b}) should pass d={b} through (x > 0), got {relu_back(a, b)}"
    if a < 0:
        assert relu_back(a, b) == 0.0, f"relu_back({a}, {b}) should be 0.0 (x < 0), got {relu_back(a, b)}"


@pytest.mark.task0_1
@given(small_floats)
def test_id(a: float) -> None:
    assert id(a) == a, f"id({a}) should be {a}, got {id(a)}"


@pytest.mark.task0_1
@given(small_floats)
def test_lt(a: float) -> None:
    """Check that a - 1.0 is always less than a."""
    assert lt(a - 1.0, a) == 1.0, f"lt({a - 1.0}, {a}) should be 1.0, got {lt(a - 1.0, a)}"
    assert lt(a, a - 1.0) == 0.0, f"lt({a}, {a - 1.0}) should be 0.0, got {lt(a, a - 1.0)}"


@pytest.mark.task0_1
@given(small_floats)
def test_max(a: float) -> None:
    assert max(a - 1.0, a) == a, f"max({a - 1.0}, {a}) should be {a}, got {max(a - 1.0, a)}"
    assert max(a, a - 1.0) == a, f"max({a}, {a - 1.0}) should be {a}, got {max(a, a - 1.0)}"
    assert max(a + 1.0, a) == a + 1.0, f"max({a + 1.0}, {a}) should be {a + 1.0}, got {max(a + 1.0, a)}"
    assert max(a, a + 1.0) == a + 1.0, f"max({a}, {a + 1.0}) should be {a + 1.0}, got {max(a, a + 1.0)}"


@pytest.mark.task0_1
@given(small_floats)
def test_eq(a: float) -> None:
    assert eq(a, a) == 1.0, f"eq({a}, {a}) should be 1.0, got {eq(a, a)}"
    assert eq(a, a - 1.0) == 0.0, f"eq({a}, {a - 1.0}) should be 0.0, got {eq(a, a - 1.0)}"
    assert eq(a, a + 1.0) == 0.0, f"eq({a}, {a + 1.0}) should be 0.0, got {eq(a, a + 1.0)}"


@pytest.mark.task0_1
def test_sigmoid_is_stable_for_large_inputs() -> None:
    # A naive 1 / (1 + exp(-x)) overflows exp for x = -1000.
    assert sigmoid(-1000.0) == 0.0, f"sigmoid(-1000.0) should be 0.0 without overflow, got {sigmoid(-1000.0)}"
    assert sigmoid(1000.0) == 1.0, f"sigmoid(1000.0) should be 1.0, got {sigmoid(1000.0)}"
    assert_close(sigmoid(0.0), 0.5)


@pytest.mark.task0_1
@given(small_floats)
def test_log_exp_and_their_derivatives(a: float) -> None:
    assert_close(exp(a / 10), math.exp(a / 10))
    if a > 0.1:
        assert_close(log(a), math.log(a))
        assert_close(log_back(a, 2.0), 2.0 / a)
    if abs(a) > 0.5:
        assert_close(inv_back(a, 3.0), -3.0 / (a * a))


# ## Task 0.2: property tests (students write these)
#
# These tests are yours to write. They are graded by mutation
# (tests/test_operators_mutations.py): each must pass on the real operators
# and fail when an operator is replaced by a broken one.


@given(small_floats)
def test_sigmoid(a: float) -> None:
    """Sigmoid lies in [0, 1], 1 - sigmoid(a) == sigmoid(-a), sigmoid(0) == 0.5,
    and it is strictly increasing."""
    # BEGIN SOLUTION task0_2
    s = sigmoid(a)
    assert 0.0 <= s <= 1.0
    assert_close(1.0 - s, sigmoid(-a))
    assert_close(sigmoid(0.0), 0.5)
    assert sigmoid(a + 1.0) > s or s > 1.0 - 1e-9
    # END SOLUTION


@given(small_floats, small_floats, small_floats)
def test_transitive(a: float, b: float, c: float) -> None:
    """lt is transitive: a < b and b < c imply a < c."""
    # BEGIN SOLUTION task0_2
    if lt(a, b) and lt(b, c):
        assert lt(a, c) == 1.0
    assert lt(a, a) == 0.0
    # END SOLUTION


@given(small_floats, small_floats)
def test_symmetric(x: float, y: float) -> None:
    """mul gives the same answer with its arguments swapped."""
    # BEGIN SOLUTION task0_2
    assert mul(x, y) == mul(y, x)
    # END SOLUTION


@given(small_floats, small_floats, small_floats)
def test_distribute(x: float, y: float, z: float) -> None:
    r"""z * (x + y) == z * x + z * y."""
    # BEGIN SOLUTION task0_2
    assert_close(mul(z, add(x, y)), add(mul(z, x), mul(z, y)))
    # END SOLUTION


@given(small_floats)
def test_other(x: float) -> None:
    """relu is idempotent, and neg is its own inverse."""
    # BEGIN SOLUTION task0_2
    assert relu(relu(x)) == relu(x)
    assert neg(neg(x)) == x
    # END SOLUTION


# ## Task 0.3: higher-order functions


@pytest.mark.task0_3
@given(small_floats, small_floats, small_floats, small_floats)
def test_zip_with(a: float, b: float, c: float, d: float) -> None:
    x1, x2 = addLists([a, b], [c, d])
    y1, y2 = a + c, b + d
    assert_close(x1, y1)
    assert_close(x2, y2)


@pytest.mark.task0_3
@given(lists(small_floats, min_size=5, max_size=5), lists(small_floats, min_size=5, max_size=5))
def test_sum_distribute(ls1: List[float], ls2: List[float]) -> None:
    """The sum of two lists' elements equals the sum of their element-wise sum."""
    assert_close(sum(ls1) + sum(ls2), sum(addLists(ls1, ls2)))


@pytest.mark.task0_3
@given(lists(small_floats))
def test_sum(ls: List[float]) -> None:
    assert_close(sum(ls), math.fsum(ls))


@pytest.mark.task0_3
@given(small_floats, small_floats, small_floats)
def test_prod(x: float, y: float, z: float) -> None:
    assert_close(prod([x, y, z]), x * y * z)
    assert prod([]) == 1.0, f"prod([]) should be 1.0 (the start value), got {prod([])}"
    assert sum([]) == 0.0, f"sum([]) should be 0.0 (the start value), got {sum([])}"


@pytest.mark.task0_3
@given(lists(small_floats))
def test_negList(ls: List[float]) -> None:
    check = negList(ls)
    assert len(check) == len(ls), f"negList of {len(ls)} values should return {len(ls)} values, got {len(check)}"
    for i, j in zip(ls, check):
        assert_close(i, -j)


@pytest.mark.task0_3
def test_zip_with_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="equal length"):
        addLists([1.0, 2.0], [1.0])


# ## Smoke checks over the MathTest catalogue. Ungraded: several catalogue
# functions use only Python arithmetic, so they would pass without Task 0.1.

one_arg, two_arg, _ = MathTest._tests()


@given(small_floats)
@pytest.mark.parametrize("fn", one_arg)
def test_one_args(fn: Tuple[str, Callable[[float], float]], t1: float) -> None:
    name, base_fn = fn
    base_fn(t1)


@given(small_floats, small_floats)
@pytest.mark.parametrize("fn", two_arg)
def test_two_args(fn: Tuple[str, Callable[[float, float], float]], t1: float, t2: float) -> None:
    name, base_fn = fn
    base_fn(t1, t2)


@pytest.mark.task0_1
@given(small_floats, small_floats)
def test_backs(a: float, b: float) -> None:
    relu_back(a, b)
    inv_back(a + 2.4, b)
    log_back(abs(a) + 4, b)
