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

__all__ = ["ScalarFunction"]


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
        """Multiply two floats.

        Save both inputs for ``backward``: each one is the other's derivative.

        Args:
            ctx: the call's context; values passed to ``ctx.save_for_backward(...)``
                come back in ``backward`` as ``ctx.saved_values``.
            a: the first factor.
            b: the second factor.

        Returns:
            ``a * b`` as a float.
        """
        # BEGIN SOLUTION task1_2
        ctx.save_for_backward(a, b)
        return operators.mul(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        """Derivatives of ``a * b`` with respect to ``a`` and ``b``.

        d/da (a b) = b and d/db (a b) = a; each is multiplied by ``d_output``
        (the chain rule).

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds what it saved.
            d_output: the derivative of the final output with respect to ``a * b``.

        Returns:
            ``(d_output * b, d_output * a)``: one derivative per input, in input order.
        """
        # BEGIN SOLUTION task1_4
        a, b = ctx.saved_values
        return operators.mul(b, d_output), operators.mul(a, d_output)
        # END SOLUTION


class Inv(ScalarFunction):
    """Inverse: f(x) = 1 / x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        """Compute ``1 / a`` (``operators.inv``).

        Save ``a``: the derivative needs it.

        Args:
            ctx: the call's context (``ctx.save_for_backward``).
            a: a non-zero float.

        Returns:
            ``1.0 / a``.
        """
        # BEGIN SOLUTION task1_2
        ctx.save_for_backward(a)
        return operators.inv(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        """Derivative of ``1 / a``.

        d/da (1 / a) = -1 / a^2, so the result is ``-d_output / a^2``
        (``operators.inv_back`` computes exactly this).

        Args:
            ctx: the context ``forward`` filled; its saved value is ``a``.
            d_output: the derivative of the final output with respect to ``1 / a``.

        Returns:
            ``d_output * (-1 / a**2)`` as a float.
        """
        # BEGIN SOLUTION task1_4
        (a,) = ctx.saved_values
        return operators.inv_back(a, d_output)
        # END SOLUTION


class Neg(ScalarFunction):
    """Negation: f(x) = -x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        """Compute ``-a``. Nothing needs saving: the derivative is a constant.

        Args:
            ctx: the call's context (unused).
            a: a float.

        Returns:
            ``-a`` as a float.
        """
        # BEGIN SOLUTION task1_2
        return operators.neg(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        """Derivative of ``-a``: d/da (-a) = -1.

        Args:
            ctx: the context (nothing was saved).
            d_output: the derivative of the final output with respect to ``-a``.

        Returns:
            ``-d_output``.
        """
        # BEGIN SOLUTION task1_4
        return operators.neg(d_output)
        # END SOLUTION


class Sigmoid(ScalarFunction):
    """Logistic function: f(x) = 1 / (1 + e^-x)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        """Compute the logistic function ``sigmoid(a) = 1 / (1 + e^-a)``.

        Use ``operators.sigmoid``, which stays finite for large ``|a|``
        (``sigmoid(-1000) == 0.0``). Save the *output*: the derivative is
        written in terms of it.

        Args:
            ctx: the call's context (``ctx.save_for_backward``).
            a: a float.

        Returns:
            ``sigmoid(a)``, a float in [0, 1].
        """
        # BEGIN SOLUTION task1_2
        out = operators.sigmoid(a)
        # sigma'(x) = sigma(x) * (1 - sigma(x)): saving the output is enough.
        ctx.save_for_backward(out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        """Derivative of the logistic function.

        d/da sigmoid(a) = sigmoid(a) * (1 - sigmoid(a)); the result is
        ``d_output`` times that.

        Args:
            ctx: the context ``forward`` filled; its saved value is ``sigmoid(a)``.
            d_output: the derivative of the final output with respect to ``sigmoid(a)``.

        Returns:
            ``d_output * s * (1 - s)`` where ``s = sigmoid(a)``.
        """
        # BEGIN SOLUTION task1_4
        (out,) = ctx.saved_values
        return out * (1.0 - out) * d_output
        # END SOLUTION


class ReLU(ScalarFunction):
    """Rectified linear unit: f(x) = max(x, 0)."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        """Compute the rectified linear unit ``relu(a) = max(a, 0)`` (``operators.relu``).

        Save ``a``: its sign decides the derivative.

        Args:
            ctx: the call's context (``ctx.save_for_backward``).
            a: a float.

        Returns:
            ``a`` if ``a > 0`` else ``0.0``.
        """
        # BEGIN SOLUTION task1_2
        ctx.save_for_backward(a)
        return operators.relu(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        """Derivative of ``relu``: 1 where ``a > 0``, 0 elsewhere (0 at ``a == 0`` too).

        Args:
            ctx: the context ``forward`` filled; its saved value is ``a``.
            d_output: the derivative of the final output with respect to ``relu(a)``.

        Returns:
            ``d_output`` if ``a > 0`` else ``0.0`` (``operators.relu_back``).
        """
        # BEGIN SOLUTION task1_4
        (a,) = ctx.saved_values
        return operators.relu_back(a, d_output)
        # END SOLUTION


class Exp(ScalarFunction):
    """Exponential: f(x) = e^x."""

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        """Compute ``e^a`` (``operators.exp``).

        Save the *output*: ``e^a`` is its own derivative.

        Args:
            ctx: the call's context (``ctx.save_for_backward``).
            a: a float.

        Returns:
            ``e^a`` as a float.
        """
        # BEGIN SOLUTION task1_2
        out = operators.exp(a)
        ctx.save_for_backward(out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> float:
        """Derivative of ``e^a``: d/da e^a = e^a.

        Args:
            ctx: the context ``forward`` filled; its saved value is ``e^a``.
            d_output: the derivative of the final output with respect to ``e^a``.

        Returns:
            ``d_output * e^a``.
        """
        # BEGIN SOLUTION task1_4
        (out,) = ctx.saved_values
        return operators.mul(out, d_output)
        # END SOLUTION


class LT(ScalarFunction):
    """Less-than: f(x, y) = 1.0 if x < y else 0.0 (derivative 0 everywhere)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        """Compare: ``1.0`` if ``a < b`` else ``0.0`` (a float, not a bool; ``operators.lt``).

        Args:
            ctx: the call's context (nothing needs saving).
            a: the left operand.
            b: the right operand.

        Returns:
            ``1.0`` or ``0.0``.
        """
        # BEGIN SOLUTION task1_2
        return operators.lt(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        """Derivatives of ``a < b``: a step function is flat almost everywhere, so both are 0.

        Args:
            ctx: the context (nothing was saved).
            d_output: the derivative of the final output with respect to the result (ignored).

        Returns:
            ``(0.0, 0.0)``: one derivative per input.
        """
        # BEGIN SOLUTION task1_4
        return 0.0, 0.0
        # END SOLUTION


class EQ(ScalarFunction):
    """Equality: f(x, y) = 1.0 if x == y else 0.0 (derivative 0 everywhere)."""

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        """Compare: ``1.0`` if ``a == b`` else ``0.0`` (a float, not a bool; ``operators.eq``).

        Args:
            ctx: the call's context (nothing needs saving).
            a: the left operand.
            b: the right operand.

        Returns:
            ``1.0`` or ``0.0``.
        """
        # BEGIN SOLUTION task1_2
        return operators.eq(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, d_output: float) -> Tuple[float, float]:
        """Derivatives of ``a == b``: flat almost everywhere, so both are 0.

        Args:
            ctx: the context (nothing was saved).
            d_output: the derivative of the final output with respect to the result (ignored).

        Returns:
            ``(0.0, 0.0)``: one derivative per input.
        """
        # BEGIN SOLUTION task1_4
        return 0.0, 0.0
        # END SOLUTION
