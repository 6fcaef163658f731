"""Saving a Learner: checkpoints to resume training, exports to predict elsewhere (``load.py`` reads them back).

Both are safetensors files: a JSON header, then raw arrays. Nothing in them
is code, so loading one can never run anything (unlike a pickle).

- ``learn.save(name)`` / ``learn.load(name)``: the model's parameters and
  buffers (``model.<key>``) and, by default, the optimizer's state
  (``opt.<index>.<name>`` arrays; hyper-parameters and step counts as JSON
  in the header), to pick up training where it stopped.
- ``learn.export(fname)`` / ``load_learner(fname)``: the model's weights plus
  everything needed to use it in a fresh process: its architecture (see
  ``arch.py``), the class names, the loss (by name), the metrics (by name),
  and how inputs are prepared (dtype, registered item transform).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

import numpy as np

from ..io.safetensors import (
    load_safetensors,
    load_safetensors_metadata,
    save_safetensors,
)
from ..module import Module
from .arch import describe_model, transform_spec

if TYPE_CHECKING:
    from .learner import Learner

__all__ = ["model_arrays", "save_model", "load_model", "export_learner"]

PathLike = Union[str, os.PathLike]
CHECKPOINT_FORMAT = "minitorch.checkpoint"
EXPORT_FORMAT = "minitorch.learner"


def _array(value: Any) -> np.ndarray:
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)


def model_arrays(model: Module) -> Dict[str, np.ndarray]:
    """The model's state dict as numpy arrays, keys prefixed with ``model.``."""
    return {f"model.{k}": _array(v) for k, v in model.state_dict().items()}


def _load_weights(model: Module, arrays: Dict[str, np.ndarray], strict: bool) -> None:
    state = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    model.load_state_dict(state, strict=strict)


def save_model(path: PathLike, model: Module, opt: Any = None) -> None:
    """Write the model's state (and the optimizer's, if given) to a safetensors file.

    Args:
        path: the file to write (its folder is created).
        model: the model.
        opt: the optimizer, or None to save the weights only.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tensors = model_arrays(model)
    metadata = {"format": CHECKPOINT_FORMAT}
    if opt is not None:
        sd = opt.state_dict()
        scalars: Dict[str, float] = {}
        for index, state in sd["state"].items():
            for name, value in state.items():
                if np.ndim(value) > 0:
                    tensors[f"opt.{index}.{name}"] = np.asarray(value)
                else:
                    scalars[f"{index}.{name}"] = float(value)
        metadata["opt"] = json.dumps({"param_groups": sd["param_groups"], "scalars": scalars},
                                     default=float)
    save_safetensors(tensors, path, metadata)


def load_model(path: PathLike, model: Module, opt: Any = None, strict: bool = True) -> None:
    """Load a file written by :func:`save_model` into ``model`` (and ``opt``).

    Raises:
        FileNotFoundError: with the path, if there is no such file.
        ValueError: if the weights do not fit the model.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"no saved model at {path}")
    arrays = load_safetensors(path)
    _load_weights(model, arrays, strict)
    if opt is None:
        return
    meta = load_safetensors_metadata(path)
    if "opt" not in meta:
        warnings.warn(f"{path} holds no optimizer state; the optimizer is left as it was", stacklevel=3)
        return
    saved = json.loads(meta["opt"])
    state: Dict[int, Dict[str, Any]] = {}
    for key, value in arrays.items():
        if key.startswith("opt."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    for key, value in saved["scalars"].items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    groups = saved["param_groups"]
    for group in groups:  # JSON turned the betas pair into a list
        for k, v in group.items():
            if k != "params" and isinstance(v, list):
                group[k] = tuple(v)
    opt.load_state_dict({"state": state, "param_groups": groups})


# ## Export: a Learner you can reload anywhere


def _name(obj: Any) -> Optional[str]:
    func = getattr(obj, "func", obj)
    return getattr(func, "__name__", None) or type(func).__name__


def export_learner(learn: "Learner", path: PathLike) -> Path:
    """Write the model and what predicting needs to ``path`` (see the module docstring).

    Raises:
        ValueError: if the architecture cannot be recorded (register a builder).
    """
    model = learn.model
    arch = describe_model(model)
    params = model.parameters()
    dtype = str(_array(params[0].value).dtype) if params else "float32"
    dl = learn.dls.valid if learn.dls is not None else None
    tfm = getattr(dl, "item_tfm", None)
    spec = transform_spec(tfm) if tfm is not None else None
    if tfm is not None and spec is None:
        warnings.warn(
            "the validation DataLoader's item_tfm is not a registered transform, so the exported "
            "learner cannot record it: pass item_tfm= to load_learner, or build it with a function "
            "decorated with @minitorch.register_transform",
            stacklevel=3,
        )
    input_info = {
        "dtype": str(np.dtype(getattr(dl, "dtype", np.float32))),
        "item_tfm": spec,
        "n_inp": getattr(learn.dls, "n_inp", 1),
    }
    vocab = getattr(learn.dls, "vocab", None)
    metadata = {
        "format": EXPORT_FORMAT,
        "version": "1",
        "arch": json.dumps(arch),
        "dtype": dtype,
        "vocab": json.dumps(list(vocab) if vocab is not None else None),
        "loss_func": _name(learn.loss_func) or "",
        "metrics": json.dumps([m.name for m in learn.metrics]),
        "input": json.dumps(input_info),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_safetensors(model_arrays(model), path, metadata)
    return path
