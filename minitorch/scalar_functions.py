"""Module 1: the differentiable functions that ``Scalar`` is built from.

Each ``ScalarFunction`` has a ``forward`` on plain floats and a ``backward``
that maps the output's derivative to one derivative per input. ``apply``
glues them to the graph: it unwraps ``Scalar`` inputs, runs ``forward``
and records a ``ScalarHistory`` on the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Tuple

from . import operators
from .autodiff import Context, is_grad_enabled

if TYPE_CHECKING:
    from .scalar import Scalar, ScalarLike


def wrap_tuple(x: Any) -> Tuple[Any, ...]:
    """Turn a single value into a one-element tuple; leave tuples alone."""
    if isinstance(x, tuple):
        return x
    return (x,)


def unwrap_tuple(x: Tuple[Any, ...]) -> Any:
    """Turn a one-element tuple back into its element."""
    if len(x) == 1:
        return x[0]
    return x


class ScalarFunction:
    """A function on floats that knows its own derivative.

    Subclasses define ``forward(ctx, *floats)`` and ``backward(ctx, d_out)``
    as static methods; users call ``Subclass.apply(*scalars)``.
    """

    @classmethod
    def _backward(cls, ctx: Context, d_out: float) -> Tuple[float, ...]:
        return wrap_tuple(cls.backward(ctx, d_out))  # type: ignore[attr-defined]

    @classmethod
    def _forward(cls, ctx: Context, *inps: float) -> float:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined]

    @classmethod
    def apply(cls, *vals: "ScalarLike") -> "Scalar":
        """Run ``forward`` on the values and record the call in the result's history."""
        from .scalar import Scalar, ScalarHistory

        scalars = []
        raw_vals = []
        for v in vals:
            if isinstance(v, Scalar):
                scalars.append(v)
                raw_vals.append(v.data)
            else:
                # A plain number is a constant: no derivative flows into it.
                scalars.append(Scalar(v, None))
                raw_vals.append(float(v))

        # A function only needs to remember its inputs if one of them needs a gradient.
        need_grad = is_grad_enabled() and any(not s.is_constant() for s in scalars)
        ctx = Context(not need_grad)
        c = cls._forward(ctx, *raw_vals)
        if not isinstance(c, (float, int)):
            raise TypeError(f"{cls.__name__}.forward must return a float, got {type(c).__name__}")
        back = ScalarHistory(cls, ctx, scalars) if need_grad else None
        return Scalar(float(c), back)


class Add(ScalarFunction):
    """Addition: f(x, y) = x + y."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return operators.add(a, b)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, ...]:
        return d_output, d_output


class Log(ScalarFunction):
    """Natural logarithm: f(x) = log(x)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        ctx.save_for_backward(a)
        return operators.log(a)

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        (a,) = ctx.saved_values
        return operators.log_back(a, d_output)


class Mul(ScalarFunction):
    """Multiplication: f(x, y) = x * y."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        # BEGIN SOLUTION task1_2
        ctx.save_for_backward(a, b)
        return operators.mul(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        # BEGIN SOLUTION task1_4
        a, b = ctx.saved_values
        return operators.mul(b, d_output), operators.mul(a, d_output)
        # END SOLUTION


class Inv(ScalarFunction):
    """Inverse: f(x) = 1 / x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # BEGIN SOLUTION task1_2
        ctx.save_for_backward(a)
        return operators.inv(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # BEGIN SOLUTION task1_4
        (a,) = ctx.saved_values
        return operators.inv_back(a, d_output)
        # END SOLUTION


class Neg(ScalarFunction):
    """Negation: f(x) = -x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # BEGIN SOLUTION task1_2
        return operators.neg(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # BEGIN SOLUTION task1_4
        return operators.neg(d_output)
        # END SOLUTION


class Sigmoid(ScalarFunction):
    """Logistic function: f(x) = 1 / (1 + e^-x)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # BEGIN SOLUTION task1_2
        out = operators.sigmoid(a)
        # sigma'(x) = sigma(x) * (1 - sigma(x)): saving the output is enough.
        ctx.save_for_backward(out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # BEGIN SOLUTION task1_4
        (out,) = ctx.saved_values
        return out * (1.0 - out) * d_output
        # END SOLUTION


class ReLU(ScalarFunction):
    """Rectified linear unit: f(x) = max(x, 0)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # BEGIN SOLUTION task1_2
        ctx.save_for_backward(a)
        return operators.relu(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # BEGIN SOLUTION task1_4
        (a,) = ctx.saved_values
        return operators.relu_back(a, d_output)
        # END SOLUTION


class Exp(ScalarFunction):
    """Exponential: f(x) = e^x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        # BEGIN SOLUTION task1_2
        out = operators.exp(a)
        ctx.save_for_backward(out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        # BEGIN SOLUTION task1_4
        (out,) = ctx.saved_values
        return operators.mul(out, d_output)
        # END SOLUTION


class LT(ScalarFunction):
    """Less-than: f(x, y) = 1.0 if x < y else 0.0 (derivative 0 everywhere)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        # BEGIN SOLUTION task1_2
        return operators.lt(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        # BEGIN SOLUTION task1_4
        return 0.0, 0.0
        # END SOLUTION


class EQ(ScalarFunction):
    """Equality: f(x, y) = 1.0 if x == y else 0.0 (derivative 0 everywhere)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        # BEGIN SOLUTION task1_2
        return operators.eq(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        # BEGIN SOLUTION task1_4
        return 0.0, 0.0
        # END SOLUTION
