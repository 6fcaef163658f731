"""Module 1: automatic differentiation on a computation graph.

Everything here works on any object that follows the ``Variable`` protocol,
so the same code backpropagates through ``Scalar`` (Module 1) and ``Tensor``
(Module 2) graphs.

The idea in three lines:
1. every value remembers the function and inputs that produced it (its history);
2. ``topological_sort`` orders the graph so each node comes before its inputs;
3. ``backpropagate`` walks that order once, applying the chain rule.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Protocol, Tuple

__all__ = [
    "Context",
    "Variable",
    "backpropagate",
    "central_difference",
    "is_grad_enabled",
    "no_grad",
    "topological_sort",
]


def central_difference(f: Any, *vals: Any, arg: int = 0, epsilon: float = 1e-6) -> Any:
    r"""Approximate the partial derivative of ``f`` with respect to one argument.

    Uses the symmetric (central) difference
    :math:`f'_i(x) \approx \frac{f(\dots, x_i + \epsilon, \dots) - f(\dots, x_i - \epsilon, \dots)}{2\epsilon}`,
    whose error shrinks like :math:`\epsilon^2` rather than :math:`\epsilon`.

    Args:
        f: a function of ``len(vals)`` numbers.
        *vals: the point at which to differentiate.
        arg: index of the argument to differentiate with respect to.
        epsilon: the step size.

    Returns:
        An approximation of :math:`f'_{arg}(vals)`.
    """
    # BEGIN SOLUTION task1_1
    plus = list(vals)
    minus = list(vals)
    plus[arg] = plus[arg] + epsilon
    minus[arg] = minus[arg] - epsilon
    return (f(*plus) - f(*minus)) / (2.0 * epsilon)
    # END SOLUTION


class Variable(Protocol):
    """What a value must offer for ``backpropagate`` to work on it."""

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to this leaf's ``.derivative`` (or ``.grad``)."""

    @property
    def unique_id(self) -> int:
        """An id that is unique for every node of the graph."""

    def is_leaf(self) -> bool:
        """True if this value was created by the user (no history)."""

    def is_constant(self) -> bool:
        """True if no derivative should flow to this value."""

    @property
    def parents(self) -> Iterable["Variable"]:
        """The inputs of the function that produced this value."""

    def chain_rule(self, d_output: Any) -> Iterable[Tuple["Variable", Any]]:
        """Pair every parent with the derivative that flows to it."""


def topological_sort(variable: Variable) -> Iterable[Variable]:
    """Order the graph behind ``variable`` so that each node precedes its inputs.

    Constants are skipped: no derivative flows into them.

    Args:
        variable: the right-most variable (usually the loss).

    Returns:
        A list of the non-constant variables ``variable`` depends on, each
        once (compare ``unique_id``), starting with ``variable`` itself; each
        non-leaf comes before all of its ``parents``. Leaves are included.
        Graphs thousands of nodes deep (a loop of 5000 additions) must work,
        so do not recurse once per node: Python's recursion limit is ~1000.
    """
    # BEGIN SOLUTION task1_4
    order: List[Variable] = []
    visited = set()
    # An explicit stack instead of recursion: deep graphs (long training
    # loops on scalars) would otherwise hit Python's recursion limit.
    stack: List[Tuple[Variable, bool]] = [(variable, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if node.unique_id in visited or node.is_constant():
            continue
        visited.add(node.unique_id)
        stack.append((node, True))
        if not node.is_leaf():
            for parent in node.parents:
                if parent.unique_id not in visited and not parent.is_constant():
                    stack.append((parent, False))
    # ``order`` lists inputs before outputs; backpropagation needs the reverse.
    return list(reversed(order))
    # END SOLUTION


def backpropagate(variable: Variable, deriv: Any) -> None:
    """Run backpropagation from ``variable`` and store derivatives in the leaves.

    Args:
        variable: the right-most variable.
        deriv: the derivative of the final output with respect to ``variable``.

    Each leaf's derivative is accumulated with ``accumulate_derivative``;
    intermediate derivatives live only in a local dictionary (keyed by
    ``unique_id``). Walk ``topological_sort(variable)`` once: by the time a
    node is reached, every path into it has added its share, so a value used
    twice (``x * x + x``) receives the sum. For a non-leaf, pass its total to
    ``chain_rule`` and add each result to that parent's entry; skip
    constants. Leaves keep what earlier ``backward`` calls gave them (the
    derivatives accumulate).

    Returns:
        None; the results are in the leaves' ``.derivative`` (or ``.grad``).
    """
    # BEGIN SOLUTION task1_4
    derivatives = {variable.unique_id: deriv}
    for node in topological_sort(variable):
        d_node = derivatives.pop(node.unique_id, None)
        if d_node is None:
            continue
        if node.is_leaf():
            node.accumulate_derivative(d_node)
            continue
        for parent, d_parent in node.chain_rule(d_node):
            if parent.is_constant():
                continue
            if parent.unique_id in derivatives:
                derivatives[parent.unique_id] = derivatives[parent.unique_id] + d_parent
            else:
                derivatives[parent.unique_id] = d_parent
    # END SOLUTION


@dataclass
class Context:
    """Scratch space a ``Function`` uses to pass values from forward to backward."""

    no_grad: bool = False
    saved_values: Tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        """Remember ``values`` for the backward pass (skipped when no gradient is needed)."""
        if self.no_grad:
            return
        self.saved_values = values

    @property
    def saved_tensors(self) -> Tuple[Any, ...]:
        """The values stored by ``save_for_backward``."""
        return self.saved_values


# ## Gradient mode (shared by Scalar and Tensor)

_grad_enabled = True


def is_grad_enabled() -> bool:
    """False inside a ``no_grad()`` block."""
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Run a block without recording history: results are constants.

    Use it for evaluation and for parameter updates, where no gradient is
    needed and building a graph would only cost time and memory::

        with minitorch.no_grad():
            predictions = model(x)
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous
