"""Module 0: ``Module`` and ``Parameter``, the tree that holds a model's state.

A ``Module`` owns parameters and child modules. Assigning one as an
attribute (``self.layer1 = Linear(...)``, ``self.w = Parameter(...)``)
registers it, so the whole tree can be walked by ``named_parameters()`` and
switched between training and evaluation with ``train()``/``eval()``.

A module may also hold *buffers*: tensors that are part of its state but
are not trained by gradient descent (BatchNorm's running mean and variance).
``register_buffer`` declares one. Parameters and buffers together are what
``state_dict()`` saves and ``load_state_dict()`` restores, under the same
dotted names PyTorch uses (``features.0.weight``, ``bn1.running_mean``).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from . import recording

__all__ = ["Module", "Parameter"]


class Module:
    """Base class of every model and layer.

    Attributes:
        training: True in training mode (the default), False after ``eval()``.
    """

    _modules: Dict[str, "Module"]
    _parameters: Dict[str, "Parameter"]
    _buffers: Dict[str, Any]
    training: bool

    def __init__(self) -> None:
        self.__dict__["_modules"] = {}
        self.__dict__["_parameters"] = {}
        self.__dict__["_buffers"] = {}
        self.__dict__["training"] = True

    def modules(self) -> Sequence["Module"]:
        """The direct children of this module."""
        m: Dict[str, Module] = self.__dict__["_modules"]
        return list(m.values())

    def train(self) -> None:
        """Put this module and all its descendants in training mode.

        Sets ``training = True`` on this module and, recursively, on every
        child (``modules()``) and their children. Layers such as ``Dropout``
        and ``BatchNorm`` read the flag.
        """
        # BEGIN SOLUTION task0_4
        self.__dict__["training"] = True
        for m in self.modules():
            m.train()
        # END SOLUTION

    def eval(self) -> None:
        """Put this module and all its descendants in evaluation mode.

        Sets ``training = False`` on this module and, recursively, on every
        child and their children (the opposite of ``train()``).
        """
        # BEGIN SOLUTION task0_4
        self.__dict__["training"] = False
        for m in self.modules():
            m.eval()
        # END SOLUTION

    def named_parameters(self) -> Sequence[Tuple[str, "Parameter"]]:
        """All parameters of this module and its descendants with dotted names.

        Returns:
            A list of ``(name, Parameter)`` pairs, e.g. ``("layer1.weights", p)``;
            this module's own parameters first (plain names), then each child's
            in the order the children were assigned, named
            ``"<child attribute>.<name inside the child>"`` at every depth
            (``"b.c.p3"``). Buffers are not parameters and are left out.
        """
        # BEGIN SOLUTION task0_4
        out: List[Tuple[str, Parameter]] = list(self.__dict__["_parameters"].items())
        for child_name, child in self.__dict__["_modules"].items():
            for name, p in child.named_parameters():
                out.append((f"{child_name}.{name}", p))
        return out
        # END SOLUTION

    def parameters(self) -> Sequence["Parameter"]:
        """All parameters of this module and its descendants.

        Returns:
            A list of ``Parameter`` objects, in the order of
            ``named_parameters()`` (e.g. 3 for a module owning one parameter
            with children owning one and one more).
        """
        # BEGIN SOLUTION task0_4
        return [p for _, p in self.named_parameters()]
        # END SOLUTION

    # ## Walking the tree (PyTorch's names)

    def children(self) -> Iterator["Module"]:
        """The direct children, like ``modules()`` but as PyTorch spells it."""
        return iter(self.modules())

    def named_children(self) -> Iterator[Tuple[str, "Module"]]:
        """``(name, child)`` for each direct child."""
        return iter(list(self.__dict__["_modules"].items()))

    def named_modules(self, prefix: str = "") -> Iterator[Tuple[str, "Module"]]:
        """This module (named ``prefix``, "" by default) and every descendant, depth first."""
        yield prefix, self
        for name, child in self.__dict__["_modules"].items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_buffers(self) -> Iterator[Tuple[str, Any]]:
        """``(dotted name, buffer)`` for this module's buffers and its descendants'."""
        for prefix, module in self.named_modules():
            for name, value in module.__dict__["_buffers"].items():
                if value is not None:
                    yield (f"{prefix}.{name}" if prefix else name), value

    def buffers(self) -> List[Any]:
        """All buffers of this module and its descendants."""
        return [b for _, b in self.named_buffers()]

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (as ``Optimizer.zero_grad`` does)."""
        for p in self.parameters():
            for attr in ("grad", "derivative"):
                if hasattr(p.value, attr):
                    setattr(p.value, attr, None)

    # ## Saving and restoring

    def state_dict(self) -> "OrderedDict[str, Any]":
        """Every parameter and buffer by dotted name, in PyTorch's order.

        Each module contributes its own parameters, then its own buffers,
        then its children's entries under ``child_name.``. Tensors are
        returned detached but *sharing* storage with the model (as in
        PyTorch): copy them (``.to_numpy()``) to keep a snapshot.

        Returns:
            An ordered dict, e.g. ``{"0.weight": ..., "0.bias": ..., "1.running_mean": ...}``.
        """
        out: "OrderedDict[str, Any]" = OrderedDict()
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, p in module.__dict__["_parameters"].items():
                if p.value is not None:
                    out[dot + name] = _saved(p.value)
            for name, value in module.__dict__["_buffers"].items():
                if value is not None:
                    out[dot + name] = _saved(value)
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> "LoadResult":
        """Copy saved values into this model's parameters and buffers.

        Values are copied into the existing tensors (keeping their dtype and
        backend), so optimizers holding these parameters keep working.

        Args:
            state_dict: dotted name -> value (minitorch tensors, numpy arrays,
                or anything ``numpy.asarray`` reads, e.g. a loaded PyTorch checkpoint).
            strict: if True, every key must match in both directions.

        Returns:
            ``LoadResult(missing_keys, unexpected_keys)``.

        Raises:
            ValueError: listing every shape mismatch (always) and, when
                ``strict``, every missing and unexpected key; nothing is
                modified in that case.
        """
        targets: Dict[str, Tuple[Module, str, bool]] = {}
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, p in module.__dict__["_parameters"].items():
                if p.value is not None:
                    targets[dot + name] = (module, name, True)
            for name, value in module.__dict__["_buffers"].items():
                if value is not None:
                    targets[dot + name] = (module, name, False)
        current = self.state_dict()
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        mismatched = [
            f"  {k}: the model has shape {_shape_of(current[k])}, the state dict {_shape_of(v)}"
            for k, v in state_dict.items()
            if k in targets and _shape_of(current[k]) != _shape_of(v)
        ]
        problems = list(mismatched)
        if strict:
            problems = (
                [f"  missing key: {k}" for k in missing]
                + [f"  unexpected key: {k}" for k in unexpected]
                + problems
            )
        if problems:
            hint = "" if not strict or mismatched else " (load_state_dict(..., strict=False) skips keys)"
            raise ValueError(
                f"error loading the state dict into {type(self).__name__}{hint}:\n"
                + "\n".join(problems)
            )
        for key, (module, name, is_param) in targets.items():
            if key not in state_dict:
                continue
            if is_param:
                p = module.__dict__["_parameters"][name]
                new = _copied_into(p.value, state_dict[key])
                if new is not p.value:  # copied in place: keep the tensor (and if frozen, frozen)
                    p.update(new)
            else:
                buffers = module.__dict__["_buffers"]
                buffers[name] = _copied_into(buffers[name], state_dict[key])
        return LoadResult(missing, unexpected)

    def add_parameter(self, k: str, v: Any) -> "Parameter":
        """Register ``v`` as a parameter called ``k`` and return it.

        Args:
            k: the attribute name.
            v: the initial value (wrapped in a ``Parameter``).
        """
        val = Parameter(v, k)
        self.__dict__["_parameters"][k] = val
        return val

    def register_buffer(self, name: str, value: Any) -> None:
        """Register ``value`` (usually a tensor) as state that is saved but not trained.

        It is then an attribute (``self.running_mean``); assigning that
        attribute again replaces the buffer. Buffers are listed by
        ``named_buffers()`` and saved by ``state_dict()``, never handed to an
        optimizer.

        Args:
            name: the attribute name.
            value: the initial value (a ``Tensor``, or None for "not yet").
        """
        if "_buffers" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() "
                f"before registering buffer '{name}'"
            )
        self.__dict__["_parameters"].pop(name, None)
        self.__dict__["_modules"].pop(name, None)
        self.__dict__.pop(name, None)
        self.__dict__["_buffers"][name] = value

    def __setattr__(self, key: str, val: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() "
                f"before setting attribute '{key}'"
            )
        buffers = self.__dict__.get("_buffers", {})
        if key in buffers and not isinstance(val, (Parameter, Module)):
            buffers[key] = val
            return
        buffers.pop(key, None)
        # Re-assigning a name moves it between the registries rather than
        # leaving a stale entry behind.
        self.__dict__["_parameters"].pop(key, None)
        self.__dict__["_modules"].pop(key, None)
        self.__dict__.pop(key, None)
        if isinstance(val, Parameter):
            self.__dict__["_parameters"][key] = val
        elif isinstance(val, Module):
            self.__dict__["_modules"][key] = val
        else:
            super().__setattr__(key, val)

    def __getattr__(self, key: str) -> Any:
        # Only called when normal lookup fails.
        d = self.__dict__
        if key in d.get("_parameters", {}):
            return d["_parameters"][key]
        if key in d.get("_modules", {}):
            return d["_modules"][key]
        if key in d.get("_buffers", {}):
            return d["_buffers"][key]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        w = recording.watcher()
        if w is None:
            return self.forward(*args, **kwargs)
        token = w.enter_module(self)  # a tracer names each node after its module
        try:
            return self.forward(*args, **kwargs)
        finally:
            w.exit_module(token)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def extra_repr(self) -> str:
        """The settings to show inside ``Name(...)`` when printed (layers override it)."""
        return ""

    def __repr__(self) -> str:
        def _addindent(s_: str, num_spaces: int) -> str:
            lines = s_.split("\n")
            if len(lines) == 1:
                return s_
            first = lines.pop(0)
            rest = [(num_spaces * " ") + line for line in lines]
            return first + "\n" + "\n".join(rest)

        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        main_str = type(self).__name__ + "(" + self.extra_repr()
        if child_lines:
            main_str += "\n  " + "\n  ".join(child_lines) + "\n"
        return main_str + ")"


class LoadResult(NamedTuple):
    """What ``load_state_dict`` left out (both empty after a strict load)."""

    missing_keys: List[str]
    unexpected_keys: List[str]


def _saved(value: Any) -> Any:
    """A state-dict entry: tensors detached (sharing storage), numbers as they are."""
    return value.detach() if hasattr(value, "detach") and hasattr(value, "shape") else value


def _shape_of(value: Any) -> Tuple[int, ...]:
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else tuple(np.shape(value))


def _copied_into(target: Any, source: Any) -> Any:
    """``source``'s numbers written into ``target`` (a tensor, in place), or ``source`` itself.

    Tensors keep their storage, dtype and backend; anything else (a number,
    a ``Scalar``) is replaced by the loaded value.
    """
    storage = getattr(getattr(target, "_tensor", None), "_storage", None)
    if storage is None:
        return source
    array = np.asarray(source.to_numpy() if hasattr(source, "to_numpy") else source)
    if target.is_contiguous():
        storage[: target.size] = array.reshape(-1)
        return target
    # A strided parameter (rare): rebuild it as a contiguous tensor.
    return type(target).from_numpy(array.astype(target.dtype), backend=target.backend)


class Parameter:
    """A value owned by a ``Module`` that training updates.

    The value can be anything (a ``Scalar``, a ``Tensor``); if it supports
    ``requires_grad_`` it is marked to collect gradients.
    """

    def __init__(self, x: Any, name: Optional[str] = None) -> None:
        self.value = x
        self.name = name
        self._mark_trainable()

    def _mark_trainable(self) -> None:
        if hasattr(self.value, "requires_grad_"):
            self.value.requires_grad_(True)
            if self.name:
                self.value.name = self.name

    def update(self, x: Any) -> None:
        """Replace the value (keeping it trainable)."""
        self.value = x
        self._mark_trainable()

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return str(self.value)
