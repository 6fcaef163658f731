"""Module 1 tests: central differences (1.1), the Scalar forward pass (1.2) and
derivatives checked against central differences (1.4)."""

from typing import Callable, Tuple

import pytest
from hypothesis import given
from hypothesis.strategies import lists

import minitorch
from minitorch import MathTestVariable, Scalar, central_difference, derivative_check, operators
from tests.strategies import assert_close, small_floats, small_scalars

# ## Task 1.1: central differences


@pytest.mark.task1_1
def test_central_diff() -> None:
    d = central_difference(operators.id, 5, arg=0)
    assert_close(d, 1.0, "d/dx id(x) at x=5")

    d = central_difference(operators.add, 5, 10, arg=0)
    assert_close(d, 1.0, "d/dx (x + y) at (5, 10)")

    d = central_difference(operators.mul, 5, 10, arg=0)
    assert_close(d, 10.0, "d/dx (x * y) at (5, 10)")

    d = central_difference(operators.mul, 5, 10, arg=1)
    assert_close(d, 5.0, "d/dy (x * y) at (5, 10)")

    d = central_difference(operators.exp, 2, arg=0)
    assert_close(d, operators.exp(2), "d/dx exp(x) at x=2")


@pytest.mark.task1_1
@given(small_floats, small_floats)
def test_central_diff_of_a_product_is_the_other_factor(x: float, y: float) -> None:
    assert_close(
        central_difference(lambda a, b: a * b + 3 * a, x, y, arg=0), y + 3,
        f"d/da (a * b + 3a) at ({x}, {y})",
    )


# ## Task 1.2: forward pass of Scalar operations


@pytest.mark.task1_2
@given(small_floats, small_floats)
def test_simple(a: float, b: float) -> None:
    c = Scalar(a) + Scalar(b)
    assert_close(c.data, a + b, f"Scalar({a}) + Scalar({b})")

    c = Scalar(a) * Scalar(b)
    assert_close(c.data, a * b, f"Scalar({a}) * Scalar({b})")

    c = Scalar(a) + Scalar(b) * Scalar(a)
    assert_close(c.data, a + b * a, f"Scalar({a}) + Scalar({b}) * Scalar({a})")

    # Comparisons give 1.0/0.0 Scalars so they can take part in arithmetic.
    c = Scalar(a) < Scalar(b)
    assert_close(c.data, 1.0 if a < b else 0.0, f"(Scalar({a}) < Scalar({b})).data")
    c = Scalar(a) > Scalar(b)
    assert_close(c.data, 1.0 if a > b else 0.0, f"(Scalar({a}) > Scalar({b})).data")
    c = Scalar(a) == Scalar(a)
    assert_close(c.data, 1.0, f"(Scalar({a}) == Scalar({a})).data")


one_arg, two_arg, _ = MathTestVariable._comp_testing()


@pytest.mark.task1_2
@given(small_scalars)
@pytest.mark.parametrize("fn", one_arg)
def test_one_args(fn: Tuple[str, Callable, Callable], t1: Scalar) -> None:
    name, base_fn, scalar_fn = fn
    assert_close(scalar_fn(t1).data, base_fn(t1.data), f"{name}({t1.data})")


@pytest.mark.task1_2
@given(small_scalars, small_scalars)
@pytest.mark.parametrize("fn", two_arg)
def test_two_args(fn: Tuple[str, Callable, Callable], t1: Scalar, t2: Scalar) -> None:
    name, base_fn, scalar_fn = fn
    assert_close(scalar_fn(t1, t2).data, base_fn(t1.data, t2.data), f"{name}({t1.data}, {t2.data})")


@pytest.mark.task1_2
@given(lists(small_floats, min_size=1, max_size=5))
def test_python_numbers_mix_with_scalars(vals: list) -> None:
    total = Scalar(0.0)
    for v in vals:
        total = 1.0 + total * 1.0 + v - 1.0
    assert_close(total.data, sum(vals), f"1.0 + total * 1.0 + v - 1.0 summed over {vals}")
    assert_close((2.0 - Scalar(0.5)).data, 1.5, "2.0 - Scalar(0.5)")
    assert_close((2.0 / Scalar(4.0)).data, 0.5, "2.0 / Scalar(4.0)")


# ## Task 1.4: derivatives


@pytest.mark.task1_4
@given(small_scalars)
@pytest.mark.parametrize("fn", one_arg)
def test_one_derivative(fn: Tuple[str, Callable, Callable], t1: Scalar) -> None:
    name, _, scalar_fn = fn
    derivative_check(scalar_fn, t1)


@pytest.mark.task1_4
@given(small_scalars, small_scalars)
@pytest.mark.parametrize("fn", two_arg)
def test_two_derivative(fn: Tuple[str, Callable, Callable], t1: Scalar, t2: Scalar) -> None:
    name, _, scalar_fn = fn
    derivative_check(scalar_fn, t1, t2)


@pytest.mark.task1_4
def test_derivative_check_catches_a_wrong_backward() -> None:
    class BadDouble(minitorch.ScalarFunction):
        @staticmethod
        def forward(ctx: minitorch.Context, a: float) -> float:
            return 2 * a

        @staticmethod
        def backward(ctx: minitorch.Context, d: float) -> float:
            return 3 * d  # wrong on purpose

    with pytest.raises(AssertionError, match="Derivative check failed"):
        derivative_check(BadDouble.apply, Scalar(1.0))


@pytest.mark.task1_4
def test_gradient_accumulates_over_repeated_use() -> None:
    x = Scalar(3.0)
    y = x * x + x * 2.0  # dy/dx = 2x + 2 = 8
    y.backward()
    assert_close(x.derivative, 8.0, "d/dx (x * x + 2x) at x=3")


def test_constants_get_no_derivative() -> None:
    out = Scalar(2.0, None) * Scalar(3.0)
    assert out.history is not None
    assert Scalar(2.0, None).is_constant()


def test_no_grad_makes_scalar_results_constants() -> None:
    x = Scalar(2.0)
    with minitorch.no_grad():
        y = x * 3.0
    assert y.is_constant()
    assert (x * 3.0).history is not None
