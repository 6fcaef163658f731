"""Which parameters train: parameter groups, freezing, discriminative learning rates.

A *splitter* cuts a model's parameters into groups, typically the
pretrained body and the new head. The Learner's optimizer keeps one
parameter group per split, so each can have its own learning rate, and
freezing works group by group: ``freeze_to(n)`` stops gradients for the
groups before ``n`` by marking their parameters as constants
(``requires_grad_(False)``); backward then neither computes nor stores
their gradients, and the optimizer skips them.

Two fast.ai rules live here:

- normalisation layers (BatchNorm, LayerNorm) stay trainable in frozen
  groups (``train_bn=True``): their statistics must adapt to the new data,
  and they are cheap to train;
- ``slice(lo, hi)`` spreads learning rates geometrically over the groups
  (:func:`even_mults`).
"""

from __future__ import annotations

from typing import Any, List, Sequence, Set, Tuple

import numpy as np

from ..module import Module, Parameter
from .hypers import param_groups

__all__ = [
    "trainable_params",
    "requires_grad",
    "set_requires_grad",
    "norm_types",
    "norm_params",
    "even_mults",
    "freeze_groups",
    "lrs_for_groups",
]


def trainable_params(model: Module) -> List[Parameter]:
    """The default splitter: one group with every parameter that requires a gradient."""
    return [p for p in model.parameters() if requires_grad(p)]


def requires_grad(p: Parameter) -> bool:
    """True if gradients flow to this parameter (it is not frozen)."""
    value = p.value
    flag = getattr(value, "requires_grad", None)
    return bool(flag()) if callable(flag) else True


def set_requires_grad(p: Parameter, trainable: bool) -> None:
    """Freeze (``False``) or unfreeze a parameter; freezing drops its gradient."""
    value = p.value
    if not hasattr(value, "requires_grad_"):
        return
    if requires_grad(p) != trainable:
        value.requires_grad_(trainable)
    if not trainable:
        value.grad = None


def norm_types() -> Tuple[type, ...]:
    """The normalisation layer classes whose parameters stay trainable when frozen."""
    from ..layers import (
        modules as layers,  # here, not at the top: importing the layers compiles kernels
    )

    names = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm2d")
    return tuple(getattr(layers, n) for n in names if hasattr(layers, n))


def norm_params(model: Module) -> List[Parameter]:
    """The parameters of every normalisation layer in ``model`` (BatchNorm's weight and bias)."""
    types = norm_types()
    return [p for _, m in model.named_modules() if isinstance(m, types) for p in m.parameters()]


def even_mults(start: float, stop: float, n: int) -> np.ndarray:
    """``n`` numbers from ``start`` to ``stop``, evenly spaced on a log scale."""
    if n == 1:
        return np.array([stop])
    step = (stop / start) ** (1 / (n - 1))
    return np.array([start * step**i for i in range(n)])


def freeze_groups(opt: Any, frozen_idx: int, keep: Set[int]) -> None:
    """Make the parameters of groups before ``frozen_idx`` constants, the rest trainable.

    Args:
        opt: the optimizer (its ``param_groups`` are the splitter's groups).
        frozen_idx: the first trainable group.
        keep: ``id()`` of parameters that stay trainable anyway (normalisation layers).
    """
    for i, group in enumerate(param_groups(opt)):
        for p in group["params"]:
            set_requires_grad(p, i >= frozen_idx or id(p) in keep)


def lrs_for_groups(lr: Any, n: int) -> List[float]:
    """One learning rate per group: ``slice(lo, hi)`` spreads them geometrically;
    ``slice(hi)`` gives ``hi / 10`` to every group but the last (fast.ai's rule).

    Raises:
        ValueError: a list of rates that does not have one per group.
    """
    if isinstance(lr, slice):
        if lr.start:
            return [float(v) for v in even_mults(lr.start, lr.stop, n)]
        return [lr.stop / 10] * (n - 1) + [lr.stop]
    lrs: Sequence[float] = [float(v) for v in np.atleast_1d(lr)]
    if len(lrs) == 1:
        return list(lrs) * n
    if len(lrs) != n:
        raise ValueError(f"{len(lrs)} learning rates for {n} parameter groups")
    return list(lrs)
