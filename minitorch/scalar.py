"""Module 1: ``Scalar``, a number that remembers how it was computed.

Arithmetic on ``Scalar`` values builds a computation graph as a side effect
(define-by-run). Calling ``backward()`` on the result walks that graph and
fills ``.derivative`` on every leaf the result depends on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence, Tuple, Type, Union

from .autodiff import Context, Variable, backpropagate, central_difference
from .scalar_functions import (
    EQ,
    LT,
    Add,
    Exp,
    Inv,
    Log,
    Mul,
    Neg,
    ReLU,
    ScalarFunction,
    Sigmoid,
)

__all__ = ["Scalar", "ScalarHistory", "derivative_check"]

ScalarLike = Union[float, int, "Scalar"]


@dataclass
class ScalarHistory:
    """How a ``Scalar`` was made.

    Attributes:
        last_fn: the ``ScalarFunction`` that produced it (None for a leaf).
        ctx: the ``Context`` that function filled during ``forward``.
        inputs: the ``Scalar`` inputs of that call.
    """

    last_fn: Optional[Type[ScalarFunction]] = None
    ctx: Optional[Context] = None
    inputs: Sequence["Scalar"] = field(default_factory=tuple)


# The history of every leaf: no function, no inputs. It is never mutated, so
# all leaves can share one instance.
LEAF_HISTORY = ScalarHistory()

_var_count = 0


def _next_id() -> int:
    global _var_count
    _var_count += 1
    return _var_count


class Scalar:
    """A float that takes part in automatic differentiation.

    Args:
        v: the value.
        back: its history. The default, an empty ``ScalarHistory``, makes a
            leaf that collects a derivative; ``None`` makes a constant.
        name: an optional label (used when drawing graphs).
    """

    def __init__(
        self,
        v: float,
        back: Optional[ScalarHistory] = LEAF_HISTORY,
        name: Optional[str] = None,
    ) -> None:
        self.unique_id: int = _next_id()
        self.data = float(v)
        self.history = back
        self.derivative: Optional[float] = None
        self.name = name if name is not None else str(self.unique_id)

    def __repr__(self) -> str:
        return f"Scalar({self.data})"

    # ## Task 1.2: Python operators build the graph

    def __mul__(self, b: ScalarLike) -> "Scalar":
        return Mul.apply(self, b)

    def __truediv__(self, b: ScalarLike) -> "Scalar":
        return Mul.apply(self, Inv.apply(b))

    def __rtruediv__(self, b: ScalarLike) -> "Scalar":
        return Mul.apply(b, Inv.apply(self))

    def __add__(self, b: ScalarLike) -> "Scalar":
        """``self + b``, recorded in the graph.

        Like ``__mul__`` above: call the matching ``ScalarFunction``'s ``apply``
        so that ``backward`` can reach both operands.

        Args:
            b: a ``Scalar`` or a plain number (a plain number is a constant:
                no derivative flows into it).

        Returns:
            A new ``Scalar`` with ``data == self.data + b``.
        """
        # BEGIN SOLUTION task1_2
        return Add.apply(self, b)
        # END SOLUTION

    def __bool__(self) -> bool:
        return bool(self.data)

    def __lt__(self, b: ScalarLike) -> "Scalar":
        """``self < b`` as a ``Scalar`` (``LT``), so comparisons can take part in arithmetic.

        Args:
            b: a ``Scalar`` or a plain number (a plain number is a constant:
                no derivative flows into it).

        Returns:
            A new ``Scalar`` with ``data`` 1.0 if ``self.data < b`` else 0.0 (not a bool).
        """
        # BEGIN SOLUTION task1_2
        return LT.apply(self, b)
        # END SOLUTION

    def __gt__(self, b: ScalarLike) -> "Scalar":
        """``self > b`` as a ``Scalar``.

        There is no ``GT`` function: ``self > b`` is ``b < self``.

        Args:
            b: a ``Scalar`` or a plain number (a plain number is a constant:
                no derivative flows into it).

        Returns:
            A new ``Scalar`` with ``data`` 1.0 if ``self.data > b`` else 0.0 (not a bool).
        """
        # BEGIN SOLUTION task1_2
        return LT.apply(b, self)
        # END SOLUTION

    def __eq__(self, b: ScalarLike) -> "Scalar":  # type: ignore[override]
        """``self == b`` as a ``Scalar`` (``EQ``), not a bool.

        Args:
            b: a ``Scalar`` or a plain number (a plain number is a constant:
                no derivative flows into it).

        Returns:
            A new ``Scalar`` with ``data`` 1.0 if ``self.data == b`` else 0.0.
        """
        # BEGIN SOLUTION task1_2
        return EQ.apply(self, b)
        # END SOLUTION

    def __hash__(self) -> int:
        return hash(self.unique_id)

    def __sub__(self, b: ScalarLike) -> "Scalar":
        """``self - b``, recorded in the graph.

        There is no ``Sub`` function: compose ``Add`` and ``Neg`` (``self + (-b)``),
        so the derivatives are 1 for ``self`` and -1 for ``b``.

        Args:
            b: a ``Scalar`` or a plain number (a plain number is a constant:
                no derivative flows into it).

        Returns:
            A new ``Scalar`` with ``data == self.data - b``.
        """
        # BEGIN SOLUTION task1_2
        return Add.apply(self, Neg.apply(b))
        # END SOLUTION

    def __neg__(self) -> "Scalar":
        """``-self``, recorded in the graph (``Neg``).

        Returns:
            A new ``Scalar`` with ``data == -self.data``.
        """
        # BEGIN SOLUTION task1_2
        return Neg.apply(self)
        # END SOLUTION

    def __radd__(self, b: ScalarLike) -> "Scalar":
        return self + b

    def __rmul__(self, b: ScalarLike) -> "Scalar":
        return self * b

    def __rsub__(self, b: ScalarLike) -> "Scalar":
        return Add.apply(b, Neg.apply(self))

    def log(self) -> "Scalar":
        """Natural logarithm, recorded in the graph (``Log``).

        Returns:
            A new ``Scalar`` with ``data == operators.log(self.data)``, which is
            ``log(x + EPS)`` (finite at 0); its derivative is ``1 / x``.
        """
        # BEGIN SOLUTION task1_2
        return Log.apply(self)
        # END SOLUTION

    def exp(self) -> "Scalar":
        """Exponential, recorded in the graph (``Exp``).

        Returns:
            A new ``Scalar`` with ``data == e ** self.data``.
        """
        # BEGIN SOLUTION task1_2
        return Exp.apply(self)
        # END SOLUTION

    def sigmoid(self) -> "Scalar":
        """Logistic function ``1 / (1 + e^-x)``, recorded in the graph (``Sigmoid``).

        Returns:
            A new ``Scalar`` with ``data`` in [0, 1].
        """
        # BEGIN SOLUTION task1_2
        return Sigmoid.apply(self)
        # END SOLUTION

    def relu(self) -> "Scalar":
        """Rectified linear unit ``max(x, 0)``, recorded in the graph (``ReLU``).

        Returns:
            A new ``Scalar`` with ``data == self.data`` if it is positive, else 0.0.
        """
        # BEGIN SOLUTION task1_2
        return ReLU.apply(self)
        # END SOLUTION

    def detach(self) -> "Scalar":
        """A new leaf with the same value and no history."""
        return Scalar(self.data)

    # ## The Variable protocol (see autodiff.py)

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to this leaf's derivative.

        Args:
            x: the value to add.
        """
        if not self.is_leaf():
            raise RuntimeError("accumulate_derivative is only for leaf Scalars")
        if self.derivative is None:
            self.derivative = 0.0
        self.derivative += x

    def is_leaf(self) -> bool:
        """True if the user created this value (it has no ``last_fn``)."""
        return self.history is not None and self.history.last_fn is None

    def is_constant(self) -> bool:
        """True if no derivative is tracked for this value."""
        return self.history is None

    @property
    def parents(self) -> Iterable[Variable]:
        """The inputs of the function that produced this value."""
        assert self.history is not None
        return self.history.inputs

    def chain_rule(self, d_output: Any) -> Iterable[Tuple[Variable, Any]]:
        """Send ``d_output`` back through the function that made this value.

        Args:
            d_output: the derivative of the final output with respect to this value.

        Returns:
            A list of ``(input, derivative for that input)`` pairs, one per entry
            of ``self.history.inputs`` in the same order, constants included.
            The derivatives come from ``last_fn._backward(ctx, d_output)``
            (which always returns a tuple).

        Raises:
            RuntimeError: if ``backward`` returned a different number of
                derivatives than the function has inputs.
        """
        h = self.history
        assert h is not None
        assert h.last_fn is not None
        assert h.ctx is not None
        # BEGIN SOLUTION task1_3
        grads = h.last_fn._backward(h.ctx, d_output)
        if len(grads) != len(h.inputs):
            raise RuntimeError(
                f"{h.last_fn.__name__}.backward returned {len(grads)} derivatives "
                f"for {len(h.inputs)} inputs"
            )
        return list(zip(h.inputs, grads))
        # END SOLUTION

    def backward(self, d_output: Optional[float] = None) -> None:
        """Fill ``.derivative`` on every leaf this value depends on.

        Args:
            d_output: the starting derivative (1.0 when omitted).
        """
        if d_output is None:
            d_output = 1.0
        backpropagate(self, d_output)


def derivative_check(f: Any, *scalars: Scalar) -> None:
    """Check ``f``'s backpropagated derivatives against central differences.

    Args:
        f: a function from ``Scalar`` arguments to one ``Scalar``.
        *scalars: the point at which to check.

    Raises:
        AssertionError: naming the argument whose derivative is wrong.
    """
    out = f(*scalars)
    out.backward()

    for i, x in enumerate(scalars):
        check = central_difference(f, *scalars, arg=i)
        got = 0.0 if x.derivative is None else x.derivative
        expected = check.data if isinstance(check, Scalar) else float(check)
        if abs(got - expected) > 1e-2 * (1.0 + abs(expected)):
            raise AssertionError(
                f"Derivative check failed for {f.__name__ if hasattr(f, '__name__') else f} "
                f"at argument {i} with inputs {[s.data for s in scalars]}: "
                f"backward gave {got}, central difference gave {expected}."
            )
