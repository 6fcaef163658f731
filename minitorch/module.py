"""Module 0: ``Module`` and ``Parameter``, the tree that holds a model's state.

A ``Module`` owns parameters and child modules. Assigning one as an
attribute (``self.layer1 = Linear(...)``, ``self.w = Parameter(...)``)
registers it, so the whole tree can be walked by ``named_parameters()`` and
switched between training and evaluation with ``train()``/``eval()``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple


class Module:
    """Base class of every model and layer.

    Attributes:
        training: True in training mode (the default), False after ``eval()``.
    """

    _modules: Dict[str, "Module"]
    _parameters: Dict[str, "Parameter"]
    training: bool

    def __init__(self) -> None:
        self.__dict__["_modules"] = {}
        self.__dict__["_parameters"] = {}
        self.__dict__["training"] = True

    def modules(self) -> Sequence["Module"]:
        """The direct children of this module."""
        m: Dict[str, Module] = self.__dict__["_modules"]
        return list(m.values())

    def train(self) -> None:
        """Put this module and all its descendants in training mode."""
        # BEGIN SOLUTION task0_4
        self.__dict__["training"] = True
        for m in self.modules():
            m.train()
        # END SOLUTION

    def eval(self) -> None:
        """Put this module and all its descendants in evaluation mode."""
        # BEGIN SOLUTION task0_4
        self.__dict__["training"] = False
        for m in self.modules():
            m.eval()
        # END SOLUTION

    def named_parameters(self) -> Sequence[Tuple[str, "Parameter"]]:
        """All parameters of this module and its descendants with dotted names.

        Returns:
            ``(name, Parameter)`` pairs, e.g. ``("layer1.weights", p)``; this
            module's own parameters first, then each child's in order.
        """
        # BEGIN SOLUTION task0_4
        out: List[Tuple[str, Parameter]] = list(self.__dict__["_parameters"].items())
        for child_name, child in self.__dict__["_modules"].items():
            for name, p in child.named_parameters():
                out.append((f"{child_name}.{name}", p))
        return out
        # END SOLUTION

    def parameters(self) -> Sequence["Parameter"]:
        """All parameters of this module and its descendants."""
        # BEGIN SOLUTION task0_4
        return [p for _, p in self.named_parameters()]
        # END SOLUTION

    def add_parameter(self, k: str, v: Any) -> "Parameter":
        """Register ``v`` as a parameter called ``k`` and return it.

        Args:
            k: the attribute name.
            v: the initial value (wrapped in a ``Parameter``).
        """
        val = Parameter(v, k)
        self.__dict__["_parameters"][k] = val
        return val

    def __setattr__(self, key: str, val: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() "
                f"before setting attribute '{key}'"
            )
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
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

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
        main_str = type(self).__name__ + "("
        if child_lines:
            main_str += "\n  " + "\n  ".join(child_lines) + "\n"
        return main_str + ")"


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
