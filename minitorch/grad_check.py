"""Module 2: check a tensor function's backward against central differences.

``backward()`` is only as right as every ``Function.backward`` it calls.
``grad_check`` referees them the way Module 1's ``derivative_check`` does
for scalars: nudge one input entry by a tiny epsilon in each direction, see
how much ``f(...).sum()`` moves, and compare that slope with the gradient
that backpropagation computed. It needs float64: with float32 the nudge
drowns in rounding.
"""

from __future__ import annotations

import random
from typing import Callable

import numpy as np

from .tensor import Tensor
from .tensor_data import UserIndex
from .tensor_functions import no_grad

__all__ = ["grad_central_difference", "grad_check"]


def grad_central_difference(
    f: Callable[..., Tensor], *vals: Tensor, arg: int = 0, epsilon: float = 1e-6, ind: UserIndex
) -> float:
    """Central-difference estimate of ``d f(*vals).sum() / d vals[arg][ind]``."""
    x = vals[arg]
    with no_grad():
        up = x.zeros(x.shape)
        up[tuple(ind)] = epsilon
        vals1 = [v + up if j == arg else v for j, v in enumerate(vals)]
        vals2 = [v - up if j == arg else v for j, v in enumerate(vals)]
        delta = f(*vals1).sum() - f(*vals2).sum()
    return delta.item() / (2.0 * epsilon)


def grad_check(f: Callable[..., Tensor], *vals: Tensor, checks: int = 4) -> None:
    """Check ``f``'s backward against central differences.

    Backpropagates from ``f(*vals).sum()``, then compares the gradient of
    each input at up to ``checks`` indices (all of them for small inputs).

    Args:
        f: a function of tensors returning a tensor.
        *vals: float64 inputs (they are made leaves that require grad).
        checks: how many indices of each input to compare.

    Raises:
        ValueError: if an input is not float64 (differences need the precision).
        AssertionError: naming the input, index and both values on a mismatch.
    """
    for x in vals:
        if x.dtype != np.float64:
            raise ValueError(
                f"grad_check needs float64 inputs for central differences, got {x.dtype}; "
                "call .double() first"
            )
        x.requires_grad_(True)
        x.zero_grad_()
    out = f(*vals)
    out.sum().backward()

    rng = random.Random(10)
    for i, x in enumerate(vals):
        if x.grad is None:
            raise AssertionError(f"backward() gave input {i} of {f} no gradient")
        assert x.grad.shape == x.shape, f"gradient shape {x.grad.shape} != input shape {x.shape}"
        indices = list(x._tensor.indices())
        if len(indices) > checks:
            indices = rng.sample(indices, checks)
        for ind in indices:
            check = grad_central_difference(f, *vals, arg=i, ind=ind)
            np.testing.assert_allclose(
                x.grad[ind],
                check,
                rtol=1e-2,
                atol=1e-2,
                err_msg=(
                    f"Gradient check failed for {f} on input {i} at index {ind}:\n"
                    f"backward gave {x.grad[ind]}, central difference gave {check}.\n"
                    f"Inputs: {list(vals)}"
                ),
            )
