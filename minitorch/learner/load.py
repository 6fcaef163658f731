"""Loading an exported Learner: every field checked before it is trusted.

``learn.export`` (``export.py``) writes one safetensors file holding the
weights and, in its metadata, the architecture as data, the classes, the loss,
the metrics and how inputs are prepared. ``load_learner`` rebuilds a Learner
from it in a fresh process without unpickling anything. A damaged or tampered
file fails at once, naming the file and the field.
"""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict, Optional

import numpy as np

from ..io.errors import CheckpointError
from ..io.safetensors import load_safetensors, load_safetensors_metadata, read_safetensors_header
from ..module import Module
from .arch import build_transform, model_from_description
from .data import ArrayDataset, DataLoader, DataLoaders
from .export import EXPORT_FORMAT, PathLike, _load_weights
from .learner import Learner, cast_model

__all__ = ["load_learner"]


def _loss_by_name(name: str) -> Any:
    from ..layers import losses

    func = getattr(losses, name, None)
    if func is None:
        warnings.warn(f"unknown loss {name!r} in the export: using cross_entropy", stacklevel=3)
        return losses.cross_entropy
    return func() if isinstance(func, type) else func


def _metrics_by_name(names: list) -> list:
    from . import metrics

    by_name = {"precision_score": metrics.Precision, "recall_score": metrics.Recall,
               "f1_score": metrics.F1Score}
    found = []
    for n in names:
        m = by_name.get(n) or getattr(metrics, n, None)
        if m is None:
            warnings.warn(f"metric {n!r} of the export is not in minitorch.learner.metrics: left out", stacklevel=3)
        else:
            found.append(m)
    return found


def load_learner(fname: PathLike, cpu: bool = True, item_tfm: Any = None) -> Learner:
    """Rebuild an exported Learner, ready for ``predict`` and ``get_preds``.

    Every field of the export is checked before it is used, and the
    architecture is checked against the shapes in the file's header before any
    layer is built, so a damaged or tampered file fails at once with the file
    and the field named (not with a KeyError at load or an IndexError at predict,
    and without allocating the gigabytes a forged ``Linear(15000, 15000)`` asks for).

    Args:
        fname: the file ``learn.export`` wrote.
        cpu: accepted for fast.ai compatibility (minitorch models live in host memory).
        item_tfm: the input transform, if the export could not record it.

    Returns:
        A Learner whose ``dls`` are empty but know the classes and input format;
        pass your own DataLoader to ``get_preds(dl=...)``.

    Raises:
        ValueError: if the file is not an exported Learner.
        CheckpointError: (a ValueError) a missing or malformed field, an
            architecture that does not fit the file's tensors, or class names
            that do not fit the model's outputs; the message names the file and field.
    """
    meta = load_safetensors_metadata(fname)
    if meta.get("format") != EXPORT_FORMAT:
        raise ValueError(
            f"{fname} is not an exported Learner (format {meta.get('format')!r}); "
            "for a learn.save() checkpoint use learn.load()"
        )
    fields = _export_fields(fname, meta)
    header, _ = read_safetensors_header(fname)
    _check_arch_fits(fname, fields["arch"], header)
    dtype = fields["dtype"]
    try:
        model = model_from_description(fields["arch"], dtype=dtype)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(fname, f"field 'arch' does not describe a model ({error})") from error
    cast_model(model, dtype)
    try:
        _load_weights(model, load_safetensors(fname), strict=True)
    except ValueError as error:
        raise CheckpointError(fname, f"the weights do not fit field 'arch': {error}") from error
    vocab = fields["vocab"]
    _check_vocab_fits(fname, vocab, model)
    info = fields["input"]
    if item_tfm is None and info.get("item_tfm"):
        try:
            item_tfm = build_transform(info["item_tfm"])
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(fname, f"field 'input': bad item_tfm ({error})") from error
    # Empty loaders that still know how inputs are prepared (for predict).
    empty = ArrayDataset(np.zeros((0,)), np.zeros((0,), dtype=np.int64))
    loaders = [DataLoader(empty, 1, dtype=info["dtype"], item_tfm=item_tfm) for _ in range(2)]
    dls = DataLoaders(loaders[0], loaders[1], vocab=vocab)
    learn = Learner(dls, model, loss_func=_loss_by_name(fields["loss_func"]),
                    metrics=_metrics_by_name(fields["metrics"]))
    model.eval()
    return learn


# ## Checking an export before trusting it


def _json_field(fname: PathLike, meta: Dict[str, str], name: str, kind: type, what: str) -> Any:
    """Parse ``meta[name]`` as JSON of type ``kind``, or raise CheckpointError naming it."""
    if name not in meta:
        raise CheckpointError(fname, f"the export has no field {name!r} (it is damaged or edited)")
    try:
        value = json.loads(meta[name])
    except json.JSONDecodeError as error:
        raise CheckpointError(fname, f"field {name!r} is not valid JSON ({error})") from None
    if not isinstance(value, kind):
        raise CheckpointError(fname, f"field {name!r} must be {what}, got {type(value).__name__}")
    return value


def _float_dtype(fname: PathLike, value: Any, field: str) -> np.dtype:
    try:  # np.dtype(None) is float64: a missing value must not pass as one
        dtype = np.dtype(value) if isinstance(value, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.name not in ("float32", "float64"):
        raise CheckpointError(fname, f"field {field!r} must be 'float32' or 'float64', got {value!r}")
    return dtype


def _export_fields(fname: PathLike, meta: Dict[str, str]) -> Dict[str, Any]:
    """Every field of an export, parsed and type-checked (see :func:`export_learner`)."""
    out: Dict[str, Any] = {
        "arch": _json_field(fname, meta, "arch", dict, "a JSON object"),
        "vocab": _json_field(fname, meta, "vocab", (list, type(None)), "a list of class names or null"),
        "metrics": _json_field(fname, meta, "metrics", list, "a list of metric names"),
        "input": _json_field(fname, meta, "input", dict, "a JSON object"),
        "dtype": _float_dtype(fname, meta.get("dtype"), "dtype"),
        "loss_func": meta.get("loss_func", ""),
    }
    vocab = out["vocab"]
    if vocab is not None and (
        not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in vocab)
        or len({json.dumps(v) for v in vocab}) != len(vocab)
    ):
        raise CheckpointError(fname, "field 'vocab' must hold distinct strings or integers")
    if not all(isinstance(m, str) for m in out["metrics"]):
        raise CheckpointError(fname, "field 'metrics' must hold metric names (strings)")
    info = out["input"]
    _float_dtype(fname, info.get("dtype"), "input.dtype")
    n_inp = info.get("n_inp", 1)
    if not isinstance(n_inp, int) or isinstance(n_inp, bool) or n_inp < 1:
        raise CheckpointError(fname, f"field 'input': n_inp must be a positive integer, got {n_inp!r}")
    if not isinstance(info.get("item_tfm"), (dict, type(None))):
        raise CheckpointError(fname, "field 'input': item_tfm must be a JSON object or null")
    return out


# A layer may allocate a little more than it stores (running statistics, a stride in its
# settings); far more than the file holds means the description was edited.
_SLACK_FACTOR, _SLACK_ELEMENTS = 64, 4096


def _check_arch_fits(fname: PathLike, desc: Dict[str, Any], header: Dict[str, Any], path: str = "") -> None:
    """Refuse a layer whose settings imply far more elements than the file holds for it.

    Runs before anything is built: the product of a standard layer's integer
    settings (``Linear(15000, 15000)``: 225 million) bounds what building it
    allocates, and the file's header says how many elements that layer's
    tensors really have. Registered builders are trusted to size their own
    layers (their settings are not sizes); the strict weight load checks them.
    """
    if "builder" in desc:
        return
    children = desc.get("children")
    if isinstance(children, list):
        for item in children:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict)):
                raise CheckpointError(fname, f"field 'arch': bad child entry {item!r} under {path or 'the model'}")
            _check_arch_fits(fname, item[1], header, f"{path}{item[0]}.")
        return
    config = desc.get("config", {})
    if not isinstance(config, dict):
        raise CheckpointError(fname, f"field 'arch': layer {path.rstrip('.') or 'model'} has no config object")
    implied = 1
    for value in _ints(config.values()):
        implied *= max(value, 1)
    stored = sum(
        int(np.prod(entry["shape"]))
        for key, entry in header.items()
        if key.startswith(f"model.{path}") and isinstance(entry, dict) and "shape" in entry
    )
    if implied > _SLACK_FACTOR * stored + _SLACK_ELEMENTS:
        raise CheckpointError(
            fname,
            f"field 'arch': layer {path.rstrip('.') or 'model'} ({desc.get('layer')} {config}) implies "
            f"about {implied:,} elements but the file holds {stored:,} for it: the description "
            "was edited or belongs to another file",
        )


def _ints(values: Any) -> list:
    """The integers in a layer config (inside lists too), without booleans."""
    out: list = []
    for v in values:
        if isinstance(v, list):
            out += _ints(v)
        elif isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
    return out


def _check_vocab_fits(fname: PathLike, vocab: Optional[list], model: Module) -> None:
    """With class names, every output of the model's last layer must have one (predict indexes them).

    More names than outputs is allowed (one sigmoid output for two classes).
    """
    if not vocab:
        return
    last = [m for _, m in model.named_modules() if m.__dict__.get("_parameters") and not list(m.children())]
    outputs = getattr(last[-1], "out_features", None) if last else None
    if isinstance(outputs, int) and outputs > len(vocab):
        raise CheckpointError(
            fname,
            f"field 'vocab' names {len(vocab)} classes but the model's last layer gives {outputs} "
            "outputs",
        )
