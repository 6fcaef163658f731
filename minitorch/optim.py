"""Optimizers: rules that turn gradients into parameter updates.

Module 1 needs only plain stochastic gradient descent; Module 4 adds
momentum, Nesterov momentum, weight decay, Adam and AdamW, all with
PyTorch's update formulas and defaults. An optimizer works on both engines:
a ``Scalar`` parameter keeps its gradient in ``.derivative``, a ``Tensor``
parameter in ``.grad``.

*Parameter groups.* An optimizer holds a list of groups, each a dict of
parameters and their hyperparameters, so that different parts of a model
can train at different rates (fast.ai's discriminative learning rates)::

    opt = Adam([{"params": body.parameters(), "lr": 1e-5},
                {"params": head.parameters()}], lr=1e-3)

A value missing from a group falls back to the constructor's argument.
Schedulers change ``group["lr"]`` (and ``momentum``/``betas``) between steps.

*In place.* A step writes the new values into each tensor's storage with
numpy, as ``torch.optim`` does under ``no_grad``: no graph, no new tensor,
so the model, its ``state_dict`` and every view of a parameter see the
update. That matters for speed too: a step over a 100k-parameter MLP is a
handful of vectorised passes, not dozens of autograd operations.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from .kernels.jit import kernel
from .module import Parameter

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]

ParamGroup = Dict[str, Any]
Params = Union[Iterable[Parameter], Iterable[ParamGroup]]


def _gradient(p: Parameter) -> Optional[Any]:
    """The gradient stored on a parameter's value, whichever engine made it."""
    value = p.value
    if hasattr(value, "derivative"):
        return value.derivative
    return getattr(value, "grad", None)


def _as_array(x: Any) -> np.ndarray:
    """The numbers of a tensor (its storage itself when contiguous) or of a number/Scalar."""
    inner = getattr(x, "_tensor", None)
    if inner is not None:
        if inner.is_contiguous():
            return inner._storage[: inner.size].reshape(inner.shape)
        return inner.to_numpy()
    return np.array([float(getattr(x, "data", x))], dtype=np.float64)


def _weights(p: Parameter) -> np.ndarray:
    """A writable array whose entries *are* the parameter's numbers.

    For a tensor this is a view of its storage (a strided parameter is first
    replaced by a contiguous copy). A ``Scalar`` or plain number is copied
    into a 1-entry array; :func:`_write_back` then stores the result.
    """
    value = p.value
    inner = getattr(value, "_tensor", None)
    if inner is None:
        return _as_array(value)
    if not inner.is_contiguous():
        p.update(value.contiguous().detach())
        value, inner = p.value, p.value._tensor
    return inner._storage[: inner.size].reshape(inner.shape)


def _write_back(p: Parameter, w: np.ndarray) -> None:
    """Store an updated 1-entry array into a ``Scalar``/number parameter (tensors need nothing)."""
    value = p.value
    if hasattr(value, "_tensor"):
        return
    p.update(type(value)(float(w[0])) if hasattr(value, "data") else float(w[0]))


class Optimizer:
    """The parameter groups, per-parameter state and bookkeeping all optimizers share.

    Args:
        parameters: ``model.parameters()``, or a list of dicts each with a
            ``"params"`` list and optional per-group hyperparameters.
        defaults: the hyperparameters a group gets when it does not set them.

    Attributes:
        param_groups: the groups (dicts), in order.
        state: per-parameter state (momentum buffers, Adam moments), keyed by parameter.
    """

    def __init__(self, parameters: Params, defaults: Optional[Dict[str, Any]] = None) -> None:
        self.defaults = dict(defaults or {})
        self.param_groups: List[ParamGroup] = []
        self.state: Dict[Parameter, Dict[str, Any]] = {}
        items = list(parameters)
        if items and isinstance(items[0], dict):
            for group in items:
                self.add_param_group(group)
        else:
            self.add_param_group({"params": items})

    def add_param_group(self, group: ParamGroup) -> None:
        """Add a group (a dict with ``"params"``); unset hyperparameters take the defaults.

        Raises:
            TypeError: an entry is not a ``Parameter``.
            ValueError: a parameter already belongs to another group.
        """
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("a parameter group is a dict with a 'params' list")
        params = list(group["params"])
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"optimizers take Parameters (model.parameters()), got {type(p).__name__}"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("a parameter appears in more than one parameter group")
        full = {**self.defaults, **group, "params": params}
        self.param_groups.append(full)

    @property
    def parameters(self) -> List[Parameter]:
        """Every parameter of every group, in order."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def lr(self) -> float:
        """The first group's learning rate; setting it sets every group's."""
        return float(self.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self) -> None:
        """Forget the gradients of the previous step."""
        for p in self.parameters:
            value = p.value
            if hasattr(value, "derivative"):
                value.derivative = None
            if hasattr(value, "grad"):
                value.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, group by group."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = _gradient(p)
                if grad is None:
                    continue
                w = _weights(p)
                g = _as_array(grad)
                if g.shape != w.shape:
                    g = np.broadcast_to(g, w.shape)
                self.update(w, g, self.state.setdefault(p, {}), group)
                _write_back(p, w)

    def update(self, w: np.ndarray, g: np.ndarray, state: Dict[str, Any], group: ParamGroup) -> None:
        """Change ``w`` in place given its gradient ``g``; subclasses define the rule.

        Args:
            w: the parameter's numbers (write into it).
            g: its gradient (read only: it may be the gradient tensor's storage).
            state: this parameter's state, kept between steps.
            group: its group's hyperparameters.
        """
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    # ## Saving and restoring

    def state_dict(self) -> Dict[str, Any]:
        """The optimizer's state in PyTorch's layout, as copies.

        Returns:
            ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``
            where a parameter's index counts through all groups in order.
        """
        index = {id(p): i for i, p in enumerate(self.parameters)}
        groups = []
        for group in self.param_groups:
            saved = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            saved["params"] = [index[id(p)] for p in group["params"]]
            groups.append(saved)
        state = {
            index[id(p)]: {k: copy.deepcopy(v) for k, v in s.items() if not k.startswith("_")}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict`.

        The optimizer must have been built over the same parameters, in the
        same groups (the usual way: rebuild the model and optimizer, then load both).

        Raises:
            ValueError: the groups or a state's shapes do not match.
        """
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"the state dict has {len(groups)} parameter groups, this optimizer "
                f"{len(self.param_groups)}"
            )
        for mine, saved in zip(self.param_groups, groups):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(
                    f"a parameter group holds {len(mine['params'])} parameters here but "
                    f"{len(saved['params'])} in the state dict"
                )
        by_index = {}
        for mine, saved in zip(self.param_groups, groups):
            by_index.update(zip(saved["params"], mine["params"]))
        new_state: Dict[Parameter, Dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            p = by_index[int(key)]
            restored = {}
            for name, value in saved_state.items():
                if np.ndim(value) > 0 or hasattr(value, "shape"):
                    value = np.array(value, dtype=_weights(p).dtype)
                    if value.shape != _weights(p).shape:
                        raise ValueError(
                            f"state {name!r} of parameter {key} has shape {value.shape}, "
                            f"the parameter {_weights(p).shape}"
                        )
                restored[name] = value
            new_state[p] = restored
        for mine, saved in zip(self.param_groups, groups):
            mine.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    With every option off, ``p <- p - lr * grad``. Otherwise, as in PyTorch::

        g = grad + weight_decay * p
        buf = g                                  (first step)
        buf = momentum * buf + (1 - dampening) * g
        g = g + momentum * buf   if nesterov else   buf
        p = p - lr * g

    Args:
        parameters: the parameters (or parameter groups) to update.
        lr: the learning rate.
        momentum: the momentum factor (0 = none).
        dampening: how much of each new gradient the momentum buffer skips.
        weight_decay: L2 penalty added to the gradient.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
    """

    def __init__(
        self,
        parameters: Params,
        lr: float = 1.0,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"SGD needs a positive learning rate, got lr={lr}")
        if momentum < 0 or weight_decay < 0:
            raise ValueError(f"momentum and weight_decay must be >= 0, got {momentum}, {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov
        )
        super().__init__(parameters, defaults)

    def update(self, w: np.ndarray, g: np.ndarray, state: Dict[str, Any], group: ParamGroup) -> None:
        """One SGD step on ``w`` (see the class docstring)."""
        lr, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
        if decay:
            g = g + decay * w
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, dtype=w.dtype)
            else:
                buf *= momentum
                buf += (1.0 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        w -= lr * g


@kernel()
def adam_kernel(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, hyper: np.ndarray) -> None:
    """One Adam step over flat arrays, in place, in two passes (numpy needs a dozen).

    ``hyper`` holds, in the arrays' dtype, ``beta1, beta2, 1 - beta1,
    1 - beta2, step, eps, l2, shrink``: ``g + l2 * w`` is the gradient (L2
    penalty); ``shrink`` is AdamW's decoupled decay factor ``1 - lr * wd`` (1
    for Adam); the bias corrections are folded into ``step`` and ``eps`` by the
    caller. One array rather than eight numpy scalars: making and passing those
    cost 4 us a call. And ``1 - beta1`` written here would bring the integer 1
    in, making every float32 update float64 arithmetic, half as fast (119 vs
    60 us for 100k numbers).
    """
    beta1, beta2, rest1, rest2 = hyper[0], hyper[1], hyper[2], hyper[3]
    step, eps, l2, shrink = hyper[4], hyper[5], hyper[6], hyper[7]
    for i in range(w.size):
        gi = g[i] + l2 * w[i]
        m[i] = beta1 * m[i] + rest1 * gi
        v[i] = beta2 * v[i] + rest2 * gi * gi
    for i in range(w.size):
        w[i] = w[i] * shrink - step * m[i] / (np.sqrt(v[i]) + eps)


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running averages of the gradient and its square.

    As in PyTorch (``t`` counts this parameter's steps)::

        g = grad + weight_decay * p              (L2 penalty; AdamW decouples it)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p = p - lr / (1 - beta1**t) * m / (sqrt(v / (1 - beta2**t)) + eps)

    Args:
        parameters: the parameters (or parameter groups) to update.
        lr: the learning rate.
        betas: the decay rates of the two running averages.
        eps: keeps the division finite where ``v`` is tiny.
        weight_decay: L2 penalty added to the gradient.
    """

    decoupled = False

    def __init__(
        self,
        parameters: Params,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"{type(self).__name__} needs a positive learning rate, got lr={lr}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        if eps < 0 or weight_decay < 0:
            raise ValueError(f"eps and weight_decay must be >= 0, got {eps}, {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(parameters, defaults)

    def update(self, w: np.ndarray, g: np.ndarray, state: Dict[str, Any], group: ParamGroup) -> None:
        """One Adam step on ``w`` (see the class docstring)."""
        lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(w)
            state["exp_avg_sq"] = np.zeros_like(w)
        state["step"] += 1.0
        t = state["step"]
        # lr / bc1 * m / (sqrt(v / bc2) + eps) == step * m / (sqrt(v) + eps * sqrt(bc2)).
        root_bc2 = math.sqrt(1.0 - beta2**t)
        step = lr * root_bc2 / (1.0 - beta1**t)
        shrink = 1.0 - lr * decay if self.decoupled else 1.0
        l2 = 0.0 if self.decoupled else decay
        hyper = np.array(
            [beta1, beta2, 1.0 - beta1, 1.0 - beta2, step, eps * root_bc2, l2, shrink], dtype=w.dtype
        )
        adam_kernel(
            w.reshape(-1), np.ascontiguousarray(g, dtype=w.dtype).reshape(-1),
            state["exp_avg"].reshape(-1), state["exp_avg_sq"].reshape(-1), hyper,
        )


class AdamW(Adam):
    """Adam with *decoupled* weight decay (Loshchilov & Hutter): ``p <- p * (1 - lr * wd)``
    before the Adam step, instead of adding ``wd * p`` to the gradient.

    Args are as for :class:`Adam`; ``weight_decay`` defaults to 0.01 as in PyTorch.
    """

    decoupled = True

    def __init__(
        self,
        parameters: Params,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(parameters, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    """RMSprop: divide each gradient by a running root-mean-square of its recent values.

    As in PyTorch (without momentum or centring)::

        g = grad + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        p = p - lr * g / (sqrt(v) + eps)

    Args:
        parameters: the parameters (or parameter groups) to update.
        lr: the learning rate.
        alpha: the decay rate of the running average.
        eps: keeps the division finite.
        weight_decay: L2 penalty added to the gradient.
    """

    def __init__(
        self, parameters: Params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if lr <= 0:
            raise ValueError(f"RMSprop needs a positive learning rate, got lr={lr}")
        super().__init__(parameters, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay))

    def update(self, w: np.ndarray, g: np.ndarray, state: Dict[str, Any], group: ParamGroup) -> None:
        """One RMSprop step on ``w`` (see the class docstring)."""
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(w)
        state["step"] += 1.0
        v = state["square_avg"]
        v *= group["alpha"]
        v += (1.0 - group["alpha"]) * np.square(g)
        denom = np.sqrt(v)
        denom += group["eps"]
        w -= group["lr"] * g / denom
