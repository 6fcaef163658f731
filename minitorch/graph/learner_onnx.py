"""A deployable ONNX file: the model, the input normalisation, and the class names.

A model alone is not enough to use it elsewhere: the photo must be
normalised exactly as in training, and the outputs need their class names.
:func:`export_with_preprocessing` puts the normalisation *into* the graph
(a ``Sub`` and a ``Div`` before the first layer, so the file takes pixels in
``[0, 1]``) and the class names into ``metadata_props``; ``Learner.export_onnx``
and ``minitorch-zoo export NAME --onnx out.onnx`` both call it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from ..module import Module
from ..tensor import Tensor
from ..tensor_data import TensorData
from .onnx_export import export


class Normalized(Module):
    """``model((x - mean) / std, *rest)`` with per-channel ``mean`` and ``std`` (axis 1) as buffers."""

    def __init__(self, model: Module, mean: Sequence[float], std: Sequence[float], dtype: Any) -> None:
        super().__init__()
        self.model = model
        shape = (1, len(mean)) + (1, 1)
        for name, stats in (("mean", mean), ("std", std)):
            array = np.asarray(stats, dtype=dtype).reshape(shape)
            self.register_buffer(name, Tensor(TensorData(array.reshape(-1), shape)))

    def forward(self, x: Tensor, *rest: Tensor) -> Tensor:
        return self.model((x - self.mean) / self.std, *rest)


def export_with_preprocessing(
    model: Module, example: Union[Tensor, Tuple[Tensor, ...]], path: Any, mean: Optional[Sequence[float]] = None,
    std: Optional[Sequence[float]] = None, class_names: Optional[Sequence[Any]] = None,
    opset: int = 17, dynamic_batch: bool = True,
) -> Path:
    """Export ``model`` to ONNX with the normalisation inside and the class names in the metadata.

    Args:
        model: the network (exported in eval mode; its mode is restored).
        example: an input batch *before* normalisation (its shape fixes all but the batch dim),
            or a tuple of them for a model of several inputs (only the first is normalised).
        path: the ``.onnx`` file to write (atomically).
        mean, std: per-channel statistics (None: no normalisation node).
        class_names: stored as JSON under ``metadata_props["class_names"]``.
        opset, dynamic_batch: as for :func:`minitorch.onnx.export`.

    Returns:
        The path written.
    """
    metadata = {}
    if mean is not None and std is not None:
        first = example if isinstance(example, Tensor) else example[0]
        model = Normalized(model, mean, std, first.dtype)
        metadata["normalize"] = json.dumps({"mean": [float(m) for m in mean], "std": [float(s) for s in std]})
    if class_names is not None:
        metadata["class_names"] = json.dumps([str(c) for c in class_names])
    export(model, example, path, dynamic_batch=dynamic_batch, opset=opset, metadata=metadata)
    return Path(path)


def _example_inputs(dls: Any) -> Tuple[Tensor, ...]:
    """The model's inputs for tracing: the first two items of a training batch, one tensor per input.

    Loaders that know better say so with an ``onnx_example()`` method (text pads to
    its ``max_length``, not to one batch's longest text). Real items rather than zeros:
    a text model's attention mask must mark some tokens. Integer arrays (token ids,
    masks) become float tensors, as a traced model takes them.
    """
    example = getattr(dls, "onnx_example", None)
    batch = example() if callable(example) else dls.one_batch()[: getattr(dls, "n_inp", 1)]
    inputs = []
    for x in batch:
        array = x.to_numpy() if isinstance(x, Tensor) else np.asarray(x)
        array = np.ascontiguousarray(array[:2], dtype=array.dtype if array.dtype.kind == "f" else np.float32)
        inputs.append(Tensor(TensorData(array.reshape(-1), array.shape)))
    return tuple(inputs)


def export_learner_onnx(learn: Any, path: Any, opset: int = 17, dynamic_batch: bool = True) -> Path:
    """``Learner.export_onnx``: the learner's model, its data's normalisation and vocab, as ONNX.

    The example inputs are two items of a training batch (every input the
    model takes: ``dls.n_inp`` of them). A model whose forward pass leaves
    tensors (a text model reads its token ids as numpy arrays) may offer a
    ``traceable()`` method returning a tensor-only model with the same weights:
    that is what gets traced.
    """
    dls = learn.dls
    model = learn.model
    traceable = getattr(model, "traceable", None)
    if callable(traceable):
        model = traceable()
    inputs = _example_inputs(dls)
    norm = getattr(dls, "normalize", None)
    mean, std = (norm.mean, norm.std) if norm is not None else (None, None)
    return export_with_preprocessing(model, inputs, path, mean, std, getattr(dls, "vocab", None),
                                     opset=opset, dynamic_batch=dynamic_batch)


__all__ = ["Normalized", "export_with_preprocessing", "export_learner_onnx"]
