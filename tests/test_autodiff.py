"""Module 1 tests: the chain rule (1.3), topological sort and backpropagation (1.4)."""

from typing import Tuple

import pytest

import minitorch
from minitorch import Context, Scalar, ScalarFunction, ScalarHistory


class Function1(ScalarFunction):
    @staticmethod
    def forward(ctx: Context, x: float, y: float) -> float:
        "$f(x, y) = x + y + 10$"
        return x + y + 10

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        "Derivatives are $f'_x(x, y) = 1$ and $f'_y(x, y) = 1$"
        return d_output, d_output


class Function2(ScalarFunction):
    @staticmethod
    def forward(ctx: Context, x: float, y: float) -> float:
        "$f(x, y) = x \times y + x$"
        ctx.save_for_backward(x, y)
        return x * y + x

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        "Derivatives are $f'_x(x, y) = y + 1$ and $f'_y(x, y) = x$"
        x, y = ctx.saved_values
        return d_output * (y + 1), d_output * x


# ## Task 1.3: the chain rule


@pytest.mark.task1_3
def test_chain_rule1() -> None:
    x = Scalar(0.0)
    constant = Scalar(0.0, ScalarHistory(Function1, ctx=Context(), inputs=[x, x]))
    back = constant.chain_rule(d_output=5)
    assert len(list(back)) == 2, "chain_rule should return one (input, derivative) pair per input of Function1 (2)"


@pytest.mark.task1_3
def test_chain_rule2() -> None:
    var = Scalar(0.0, ScalarHistory())
    constant = Scalar(0.0, ScalarHistory(Function1, ctx=Context(), inputs=[var, var]))
    back = constant.chain_rule(d_output=5)
    back = list(back)
    assert len(back) == 2, f"chain_rule should return 2 pairs (one per input), got {len(back)}"
    variable, deriv = back[0]
    assert deriv == 5, f"Function1's derivative for x is d_output = 5, got {deriv}"


@pytest.mark.task1_3
def test_chain_rule3() -> None:
    "Check that constrants are ignored and variables get derivatives."
    constant = 10
    var = Scalar(5)

    y = Function2.apply(constant, var)

    back = y.chain_rule(d_output=5)
    back = list(back)
    assert len(back) == 2, f"chain_rule should return 2 pairs, constants included, got {len(back)}"
    variable, deriv = back[1]
    assert variable.unique_id == var.unique_id, "the second pair should be for the second input, var"
    assert deriv == 5 * 10, f"d/dy (x * y + x) at x=10 times d_output=5 should be 50, got {deriv}"


@pytest.mark.task1_3
def test_chain_rule4() -> None:
    var1 = Scalar(5)
    var2 = Scalar(10)

    y = Function2.apply(var1, var2)

    back = y.chain_rule(d_output=5)
    back = list(back)
    assert len(back) == 2, f"chain_rule should return 2 pairs, got {len(back)}"
    variable, deriv = back[0]
    assert variable.unique_id == var1.unique_id, "the first pair should be for the first input, var1"
    assert deriv == 5 * (10 + 1), f"d/dx (x * y + x) at y=10 times d_output=5 should be 55, got {deriv}"
    variable, deriv = back[1]
    assert variable.unique_id == var2.unique_id, "the second pair should be for the second input, var2"
    assert deriv == 5 * 5, f"d/dy (x * y + x) at x=5 times d_output=5 should be 25, got {deriv}"


# ## Task 1.4: topological sort and backpropagation


@pytest.mark.task1_4
def test_backprop1() -> None:
    var = Scalar(0)
    var2 = Function1.apply(0, var)
    var2.backward(d_output=5)
    assert var.derivative == 5, f"var should receive d_output = 5 through one Function1, got {var.derivative}"


@pytest.mark.task1_4
def test_backprop2() -> None:
    var = Scalar(0)
    var2 = Function1.apply(0, var)
    var3 = Function1.apply(0, var2)
    var3.backward(d_output=5)
    assert var.derivative == 5, f"var should receive d_output = 5 through two Function1s, got {var.derivative}"


@pytest.mark.task1_4
def test_backprop3() -> None:
    var1 = Scalar(0)
    var2 = Function1.apply(0, var1)
    var3 = Function1.apply(0, var1)
    var4 = Function1.apply(var2, var3)
    var4.backward(d_output=5)
    assert var1.derivative == 10, f"var1 feeds var4 along two paths of derivative 5 each: expected 10, got {var1.derivative}"


@pytest.mark.task1_4
def test_backprop4() -> None:
    var0 = Scalar(0)
    var1 = Function1.apply(0, var0)
    var2 = Function1.apply(0, var1)
    var3 = Function1.apply(0, var1)
    var4 = Function1.apply(var2, var3)
    var4.backward(d_output=5)
    assert var0.derivative == 10, f"var0 reaches var4 along two paths of derivative 5 each: expected 10, got {var0.derivative}"


@pytest.mark.task1_4
def test_topological_sort_puts_every_node_before_its_inputs() -> None:
    a = Scalar(1.0, name="a")
    b = Scalar(2.0, name="b")
    c = a * b
    d = c + a
    e = d * c
    order = list(minitorch.topological_sort(e))
    position = {v.unique_id: i for i, v in enumerate(order)}
    assert order[0].unique_id == e.unique_id, f"the order should start with the output e, got {order[0].name}"
    for v in order:
        if not v.is_leaf():
            for p in v.parents:
                assert position[v.unique_id] < position[p.unique_id], f"{v.name} must come before its input {p.name} in the order"
    assert {a.unique_id, b.unique_id} <= set(position), "the leaves a and b must be in the order"


@pytest.mark.task1_4
def test_backprop_handles_deep_graphs() -> None:
    """A chain of 5000 additions must not hit Python's recursion limit."""
    x = Scalar(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.backward()
    assert x.derivative == 1.0, f"x + 1 + ... + 1 has derivative 1.0 with respect to x, got {x.derivative}"
