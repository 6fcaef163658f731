"""Reading and writing an optimizer's hyper-parameters by fast.ai's names.

The training loop speaks fast.ai's language: ``lr``, ``mom`` (momentum, or
Adam's first beta), ``sqr_mom`` (Adam's second beta), ``wd`` (weight decay),
``eps``. An optimizer keeps its hyper-parameters per *parameter group*, in
dicts ``opt.param_groups[i]``, and may spell them PyTorch's way
(``momentum``, ``betas=(beta1, beta2)``, ``weight_decay``). These two
functions translate, so schedules, the Recorder and ``fit_one_cycle`` work
with any optimizer that has ``param_groups``.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

import numpy as np

__all__ = ["param_groups", "read_hyper", "write_hyper"]

# fast.ai name -> the keys an optimizer may use for it, tried in order;
# ("betas", i) means item i of the ``betas`` pair.
_ALIASES = {
    "lr": ("lr",),
    "mom": ("mom", "momentum", ("betas", 0)),
    "sqr_mom": ("sqr_mom", ("betas", 1)),
    "wd": ("wd", "weight_decay"),
    "eps": ("eps",),
}


def param_groups(opt: Any) -> List[dict]:
    """The optimizer's parameter groups (dicts with ``params`` and hyper-parameters).

    Raises:
        TypeError: if the optimizer has no ``param_groups``.
    """
    groups = getattr(opt, "param_groups", None)
    if groups is None:
        raise TypeError(
            f"{type(opt).__name__} has no param_groups; the Learner needs an optimizer whose "
            "hyper-parameters live in opt.param_groups[i]['lr'] (minitorch.SGD, Adam, AdamW)"
        )
    return groups


def _key(group: dict, name: str) -> Optional[Union[str, tuple]]:
    for key in _ALIASES.get(name, (name,)):
        if (key[0] if isinstance(key, tuple) else key) in group:
            return key
    return None


def read_hyper(opt: Any, name: str) -> List[Optional[float]]:
    """The value of hyper-parameter ``name`` in each parameter group (None where absent)."""
    out: List[Optional[float]] = []
    for group in param_groups(opt):
        key = _key(group, name)
        if key is None:
            out.append(None)
        elif isinstance(key, tuple):
            out.append(float(group[key[0]][key[1]]))
        else:
            out.append(float(group[key]))
    return out


def write_hyper(opt: Any, name: str, value: Union[float, Sequence[float]]) -> None:
    """Set hyper-parameter ``name`` in every parameter group.

    Args:
        opt: the optimizer.
        name: a fast.ai name (``lr``, ``mom``, ``sqr_mom``, ``wd``, ``eps``) or
            any key the optimizer's groups use.
        value: one number for all groups, or one per group.

    Raises:
        ValueError: if a list of values does not have one value per group.
    """
    groups = param_groups(opt)
    values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value] * len(groups)
    if len(values) != len(groups):
        raise ValueError(f"{len(values)} values for {name!r} but the optimizer has {len(groups)} groups")
    for group, v in zip(groups, values):
        key = _key(group, name)
        if key is None:
            group[name] = float(v)  # harmless for an optimizer that does not read it
        elif isinstance(key, tuple):
            pair = list(group[key[0]])
            pair[key[1]] = float(v)
            group[key[0]] = tuple(pair)
        else:
            group[key] = float(v)
