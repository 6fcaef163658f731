"""Keras' optimizer names and defaults, mapped onto ``minitorch.optim``.

``compile(optimizer="adam")`` or ``compile(optimizer=keras.optimizers.Adam(1e-3))``:
the Keras object only remembers its settings; the model creates the
minitorch optimizer over its parameters once its weights exist.
Keras' defaults differ a little from PyTorch's (``epsilon=1e-7``; SGD's
``learning_rate=0.01``) and are kept.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence, Union

from .. import optim
from ..module import Parameter


class KerasOptimizer:
    """Settings for one minitorch optimizer; ``create(params)`` builds it."""

    def create(self, params: Sequence[Parameter]) -> optim.Optimizer:
        """The minitorch optimizer over ``params`` with these settings."""
        raise NotImplementedError


class Adam(KerasOptimizer):
    """``keras.optimizers.Adam``: minitorch ``Adam`` with Keras' argument names."""

    def __init__(self, learning_rate: float = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7) -> None:
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon

    def create(self, params: Sequence[Parameter]) -> optim.Optimizer:
        return optim.Adam(params, lr=self.learning_rate, betas=(self.beta_1, self.beta_2), eps=self.epsilon)


class AdamW(Adam):
    """``keras.optimizers.AdamW``: decoupled weight decay (Keras' default 0.004)."""

    def __init__(self, learning_rate: float = 1e-3, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = weight_decay

    def create(self, params: Sequence[Parameter]) -> optim.Optimizer:
        return optim.AdamW(params, lr=self.learning_rate, betas=(self.beta_1, self.beta_2),
                           eps=self.epsilon, weight_decay=self.weight_decay)


class SGD(KerasOptimizer):
    """``keras.optimizers.SGD``: plain, momentum or Nesterov gradient descent."""

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        self.learning_rate, self.momentum, self.nesterov = learning_rate, momentum, nesterov

    def create(self, params: Sequence[Parameter]) -> optim.Optimizer:
        return optim.SGD(params, lr=self.learning_rate, momentum=self.momentum, nesterov=self.nesterov)


class RMSprop(KerasOptimizer):
    """``keras.optimizers.RMSprop`` (Keras' default optimizer)."""

    def __init__(self, learning_rate: float = 1e-3, rho: float = 0.9, epsilon: float = 1e-7) -> None:
        self.learning_rate, self.rho, self.epsilon = learning_rate, rho, epsilon

    def create(self, params: Sequence[Parameter]) -> optim.Optimizer:
        return optim.RMSprop(params, lr=self.learning_rate, alpha=self.rho, eps=self.epsilon)


NAMES: Dict[str, type] = {"adam": Adam, "adamw": AdamW, "sgd": SGD, "rmsprop": RMSprop}


def get(identifier: Union[str, KerasOptimizer, Any]) -> Any:
    """A Keras optimizer from a name (``"adam"``) or an optimizer object (returned as is)."""
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in NAMES:
            raise ValueError(f"unknown optimizer {identifier!r}; use one of {sorted(NAMES)}")
        return NAMES[key]()
    return identifier


__all__ = ["Adam", "AdamW", "SGD", "RMSprop", "KerasOptimizer", "get"]
