"""Describing a model's architecture as data, and building it back.

An exported Learner must rebuild its model in a fresh process without
unpickling code (a pickle can run anything when loaded). So the file records
the architecture as plain JSON, in one of two ways:

- **By name.** A function that builds a model is registered under a name;
  a model it builds remembers ``(name, config)``::

      @register_model("mnist_cnn")
      def mnist_cnn(n_classes=10, width=32):
          return Sequential(Conv2d(1, width, 3), ...)

      model = mnist_cnn(width=16)      # remembers {"name": "mnist_cnn", "config": {"width": 16}}

  ``build_model("mnist_cnn", width=16)`` builds it again, provided the module
  that registers it has been imported (the file records that module's name
  to say which).

- **By structure.** A ``Sequential`` of the standard layers of ``layers.py``
  (``Linear``, ``Conv2d``, ``BatchNorm2d``, ``ReLU``, ``Flatten`` ...) is
  described layer by layer: class name and constructor arguments, read back
  from the attributes every layer keeps (``in_features``, ``kernel_size``
  ...).

Any other model raises an error that says to register a builder.
Item transforms (``DataLoader(item_tfm=...)``) register the same way with
``register_transform``, so that ``predict`` on a reloaded Learner prepares
inputs as training did.
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, Callable, Dict, Optional

from ..module import Module, Parameter

__all__ = ["build_model", "register_model", "register_transform"]

ModelBuilder = Callable[..., Any]

_MODELS: Dict[str, ModelBuilder] = {}
_TRANSFORMS: Dict[str, ModelBuilder] = {}
SPEC_ATTR = "arch_spec"  # where a registered builder's product keeps {"name", "config"}


def _register(registry: Dict[str, ModelBuilder], kind: str, name: Optional[str]) -> Callable:
    def decorator(builder: ModelBuilder) -> ModelBuilder:
        if isinstance(builder, type):
            raise TypeError(
                f"register a function that builds the {kind}, not the class {builder.__name__} "
                f"(def my_{kind}(**config): return {builder.__name__}(**config))"
            )
        key = name or builder.__name__
        signature = inspect.signature(builder)

        @functools.wraps(builder)
        def build(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)  # positional arguments recorded by name
            config = dict(bound.arguments)
            _check_json(config, f"{kind} {key!r}")
            obj = builder(*args, **kwargs)
            # A plain attribute (not a Parameter or Module): Module stores it as is.
            setattr(obj, SPEC_ATTR, {"name": key, "config": config, "module": builder.__module__})
            return obj

        registry[key] = build
        return build

    return decorator


def register_model(name: Optional[str] = None) -> Callable[[ModelBuilder], ModelBuilder]:
    """Decorator: register a function that builds a model, under ``name`` (default: its own).

    The models it returns remember their name and arguments, so ``export``
    can record them. Arguments must be JSON values (numbers, strings, lists ...).
    """
    return _register(_MODELS, "model", name)


def register_transform(name: Optional[str] = None) -> Callable[[ModelBuilder], ModelBuilder]:
    """Decorator: register a function that *builds* an item transform (same rules as models)."""
    return _register(_TRANSFORMS, "transform", name)


def _lookup(registry: Dict[str, ModelBuilder], kind: str, name: str, module: Optional[str]) -> ModelBuilder:
    if name not in registry:
        where = f" (it was registered by module {module!r}: import it first)" if module else ""
        known = ", ".join(sorted(registry)) or "none"
        raise KeyError(f"no {kind} builder named {name!r}{where}; registered: {known}")
    return registry[name]


def build_model(name: str, **config: Any) -> Module:
    """Build a registered model by name."""
    return _lookup(_MODELS, "model", name, None)(**config)


def registered_models() -> list:
    """The names of the registered model builders."""
    return sorted(_MODELS)


def _check_json(config: Dict[str, Any], what: str) -> None:
    try:
        json.dumps(config)
    except TypeError as error:
        raise TypeError(f"the arguments of {what} must be JSON values to be exported: {error}") from None


# ## Structural descriptions of standard layers


def _standard_layers() -> Dict[str, type]:
    from ..layers import modules as layers

    return {n: getattr(layers, n) for n in layers.__all__ if isinstance(getattr(layers, n), type)}


# Constructor flags a layer keeps as "is this parameter present" rather than as an attribute.
_PRESENCE = {"bias": "bias", "elementwise_affine": "weight"}
_SKIP = {"self", "backend", "dtype"}


def _layer_config(layer: Module) -> Dict[str, Any]:
    """The constructor arguments of a standard layer, read from its attributes."""
    cls = type(layer)
    config: Dict[str, Any] = {}
    for pname, param in inspect.signature(cls.__init__).parameters.items():
        if pname in _SKIP or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        value = layer.__dict__.get(pname, _missing)
        if value is _missing or isinstance(value, Parameter) or (value is None and pname in _PRESENCE):
            if pname not in _PRESENCE:
                raise ValueError(
                    f"cannot describe {cls.__name__}: it keeps no attribute {pname!r}; "
                    "register a builder for the model (minitorch.register_model)"
                )
            value = layer._parameters.get(_PRESENCE[pname]) is not None
        config[pname] = list(value) if isinstance(value, tuple) else value
    _check_json(config, cls.__name__)
    return config


_missing = object()


def describe_model(model: Module) -> Dict[str, Any]:
    """A JSON-able description of ``model`` that :func:`model_from_description` rebuilds.

    Raises:
        ValueError: the model is neither built by a registered builder nor
            made of standard layers.
    """
    spec = model.__dict__.get(SPEC_ATTR)
    if spec is not None:
        return {"builder": spec["name"], "config": spec["config"], "module": spec["module"]}
    standard = _standard_layers()
    name = type(model).__name__
    if standard.get(name) is not type(model):
        raise ValueError(
            f"cannot record the architecture of {name}: build it with a function decorated with "
            "@minitorch.register_model (or use a Sequential of standard layers)"
        )
    if name in ("Sequential", "ModuleList"):
        children = [[k, describe_model(m)] for k, m in model.__dict__["_modules"].items()]
        return {"layer": name, "children": children}
    return {"layer": name, "config": _layer_config(model)}


def _tuples(value: Any) -> Any:
    # JSON has no tuples; layers expect them for kernel sizes, strides, shapes.
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def model_from_description(desc: Dict[str, Any], dtype: Any = None) -> Module:
    """Build the model a :func:`describe_model` description records (with fresh weights).

    Args:
        desc: the description.
        dtype: the parameters' dtype for standard layers (registered
            builders decide their own; the caller casts afterwards).
    """
    if "builder" in desc:
        builder = _lookup(_MODELS, "model", desc["builder"], desc.get("module"))
        return builder(**desc["config"])
    standard = _standard_layers()
    cls = standard.get(desc.get("layer", ""))
    if cls is None:
        raise ValueError(f"unknown layer {desc.get('layer')!r} in the architecture description")
    if desc["layer"] in ("Sequential", "ModuleList"):
        from collections import OrderedDict

        children = OrderedDict((k, model_from_description(d, dtype)) for k, d in desc["children"])
        return cls(children) if desc["layer"] == "Sequential" else cls(list(children.values()))
    config = {k: _tuples(v) for k, v in desc["config"].items()}
    if dtype is not None and "dtype" in inspect.signature(cls.__init__).parameters:
        config["dtype"] = dtype
    return cls(**config)


def build_transform(spec: Dict[str, Any]) -> Any:
    """Build a registered item transform from its recorded ``{"name", "config"}``."""
    return _lookup(_TRANSFORMS, "transform", spec["name"], spec.get("module"))(**spec["config"])


def transform_spec(tfm: Any) -> Optional[Dict[str, Any]]:
    """The recorded spec of a transform built by a registered builder (None otherwise)."""
    return getattr(tfm, SPEC_ATTR, None)
