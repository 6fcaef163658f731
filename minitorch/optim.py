"""Optimizers: rules that turn gradients into parameter updates.

Module 1 needs only plain stochastic gradient descent; later modules add
momentum, weight decay and Adam here. An optimizer works on both engines:
a ``Scalar`` parameter keeps its gradient in ``.derivative``, a ``Tensor``
parameter in ``.grad``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from .module import Parameter


def _gradient(p: Parameter) -> Optional[Any]:
    """The gradient stored on a parameter's value, whichever engine made it."""
    value = p.value
    if hasattr(value, "derivative"):
        return value.derivative
    return getattr(value, "grad", None)


class Optimizer:
    """Holds the parameters an optimizer updates.

    Args:
        parameters: the parameters to update, e.g. ``model.parameters()``.
    """

    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self.parameters = list(parameters)
        for p in self.parameters:
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"optimizers take Parameters (model.parameters()), got {type(p).__name__}"
                )

    def zero_grad(self) -> None:
        """Forget the gradients of the previous step."""
        for p in self.parameters:
            value = p.value
            if hasattr(value, "derivative"):
                value.derivative = None
            if hasattr(value, "grad"):
                value.grad = None


class SGD(Optimizer):
    """Stochastic gradient descent: ``p <- p - lr * grad``.

    Args:
        parameters: the parameters to update.
        lr: the learning rate.
    """

    def __init__(self, parameters: Sequence[Parameter], lr: float = 1.0) -> None:
        super().__init__(parameters)
        if lr <= 0:
            raise ValueError(f"SGD needs a positive learning rate, got lr={lr}")
        self.lr = lr

    def step(self) -> None:
        """Move every parameter that has a gradient one step downhill."""
        for p in self.parameters:
            grad = _gradient(p)
            if grad is None:
                continue
            # detach(): the new value is a fresh leaf, not a node that
            # remembers the old value (which would chain every step's graph).
            p.update((p.value - self.lr * grad).detach())
