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
from typing import Any, Optional, Sequence

import numpy as np

from ..module import Module
from ..tensor import Tensor
from ..tensor_data import TensorData
from .onnx_export import export


class Normalized(Module):
    """``model((x - mean) / std)`` with per-channel ``mean`` and ``std`` (axis 1) as buffers."""

    def __init__(self, model: Module, mean: Sequence[float], std: Sequence[float], dtype: Any) -> None:
        super().__init__()
        self.model = model
        shape = (1, len(mean)) + (1, 1)
        for name, stats in (("mean", mean), ("std", std)):
            array = np.asarray(stats, dtype=dtype).reshape(shape)
            self.register_buffer(name, Tensor(TensorData(array.reshape(-1), shape)))

    def forward(self, x: Tensor) -> Tensor:
        return self.model((x - self.mean) / self.std)


def export_with_preprocessing(
    model: Module, example: Tensor, path: Any, mean: Optional[Sequence[float]] = None,
    std: Optional[Sequence[float]] = None, class_names: Optional[Sequence[Any]] = None,
    opset: int = 17, dynamic_batch: bool = True,
) -> Path:
    """Export ``model`` to ONNX with the normalisation inside and the class names in the metadata.

    Args:
        model: the network (exported in eval mode; its mode is restored).
        example: an input batch *before* normalisation (its shape fixes all but the batch dim).
        path: the ``.onnx`` file to write (atomically).
        mean, std: per-channel statistics (None: no normalisation node).
        class_names: stored as JSON under ``metadata_props["class_names"]``.
        opset, dynamic_batch: as for :func:`minitorch.onnx.export`.

    Returns:
        The path written.
    """
    metadata = {}
    if mean is not None and std is not None:
        model = Normalized(model, mean, std, example.dtype)
        metadata["normalize"] = json.dumps({"mean": [float(m) for m in mean], "std": [float(s) for s in std]})
    if class_names is not None:
        metadata["class_names"] = json.dumps([str(c) for c in class_names])
    export(model, example, path, dynamic_batch=dynamic_batch, opset=opset, metadata=metadata)
    return Path(path)


def export_learner_onnx(learn: Any, path: Any, opset: int = 17, dynamic_batch: bool = True) -> Path:
    """``Learner.export_onnx``: the learner's model, its data's normalisation and vocab, as ONNX.

    The example input has the shape of a training batch (two of its items).
    """
    dls = learn.dls
    x = dls.one_batch()[0]
    shape = (min(2, x.shape[0]),) + tuple(x.shape[1:])
    dtype = x.dtype if isinstance(x, Tensor) else np.float32
    example = Tensor(TensorData(np.zeros(int(np.prod(shape)), dtype=dtype), shape))
    norm = getattr(dls, "normalize", None)
    mean, std = (norm.mean, norm.std) if norm is not None else (None, None)
    return export_with_preprocessing(learn.model, example, path, mean, std, getattr(dls, "vocab", None),
                                     opset=opset, dynamic_batch=dynamic_batch)


__all__ = ["Normalized", "export_with_preprocessing", "export_learner_onnx"]
