"""BatchNorm folding: a graph pass that removes every BatchNorm that directly follows a convolution.

In evaluation a BatchNorm is a fixed per-channel affine map,
``y = (x - mean) / sqrt(var + eps) * gamma + beta = x * s + t``. When ``x``
is a convolution's output, ``conv(input, W) * s + t == conv(input, W * s) + t``
(``s`` scales each output channel's filter), so the whole BatchNorm moves
into the convolution's weight and bias and its pass over the activations
disappears::

    W' = W * s[:, None, None, None]        b' = (b - mean) * s + beta

Which BatchNorm follows which convolution is read off a trace (the data
flow), not guessed from attribute names: a BatchNorm is folded only when its
input is made by a convolution that nothing else reads. A BatchNorm that
also clamps (EfficientNet's fused ReLU6, ``bn(x, clip=(0, 6))``) leaves the
clamp behind.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional, Tuple

import numpy as np

from ..layers.fused import as_array, clamp
from ..layers.modules import _BatchNorm, _ConvNd
from ..module import Module, Parameter
from ..tensor import Tensor
from ..tensor_data import TensorData
from .ir import Graph, Node
from .trace import trace


class FoldedBatchNorm(Module):
    """What is left of a BatchNorm folded into the convolution before it: nothing, or its clamp."""

    def forward(self, x: Tensor, clip: Optional[Tuple[float, float]] = None) -> Tensor:
        return x if clip is None else clamp(x, clip[0], clip[1])

    def eval_affine(self) -> Tuple[float, float]:
        """The identity map ``x * 1 + 0`` (what :class:`~minitorch.layers.modules._BatchNorm` reports)."""
        return 1.0, 0.0

    def extra_repr(self) -> str:
        return "folded into the preceding convolution"


def _copy(model: Module) -> Module:
    """A deep copy that shares the backends (compiled kernels are not copied)."""
    memo: Dict[int, Any] = {}
    for _, value in model.state_dict().items():
        if isinstance(value, Tensor):
            memo[id(value.backend)] = value.backend
    return copy.deepcopy(model, memo)


def _default_example(model: Module) -> Optional[Tensor]:
    """A ``(1, C, 64, 64)`` zero batch for the first convolution's ``C`` (None: no convolution)."""
    for _, m in model.named_modules():
        if isinstance(m, _ConvNd):
            w = m.weight.value
            shape = (1, m.in_channels) + (64,) * m.dims
            return Tensor(TensorData(np.zeros(int(np.prod(shape)), w.dtype), shape), backend=w.backend)
    return None


def foldable_pairs(graph: Graph) -> Dict[str, str]:
    """``{batchnorm module name: conv module name}`` for each BatchNorm fed only by a convolution.

    Args:
        graph: a trace (in eval mode) of the model.
    """
    pairs: Dict[str, str] = {}
    for node in graph.nodes:
        if node.op != "BatchNorm" or node.attrs.get("training"):
            continue
        x = node.input("x")
        conv: Optional[Node] = graph.producer(x) if x else None
        if conv is None or conv.op not in ("Conv2dFun", "Conv1dFun") or len(graph.users(x)) != 1:
            continue
        weight = conv.input("weight")
        if weight != f"{conv.module}.weight" or len(graph.users(weight)) != 1:
            continue  # a functional conv, or a weight shared with another conv: leave it alone
        pairs[node.module] = conv.module
    return pairs


def fold_into(conv: Any, bn: Any) -> None:
    """Move ``bn``'s affine map into ``conv``'s weight and bias (in place; float64 arithmetic)."""
    weight = conv.weight.value
    was_training = bn.training
    bn.training = False
    scale, shift = bn.eval_affine()  # x * scale + shift
    bn.training = was_training
    if conv.bias is not None:
        shift = shift + as_array(conv.bias.value) * scale
    w = as_array(weight)
    w[...] = (w * scale.reshape((-1,) + (1,) * (w.ndim - 1))).astype(w.dtype)
    if conv.bias is None:
        conv.bias = Parameter(Tensor(TensorData(shift.astype(w.dtype), shift.shape), backend=weight.backend), "bias")
    else:
        as_array(conv.bias.value)[...] = shift


def _replace(model: Module, name: str, new: Module) -> None:
    """Put ``new`` where the descendant ``name`` was (same position: Sequential order is kept)."""
    parent_name, _, child = name.rpartition(".")
    parent = dict(model.named_modules())[parent_name]
    parent.__dict__["_modules"][child] = new


def fold_batchnorm(model: Module, example: Optional[Tensor] = None) -> Module:
    """An eval-mode copy of ``model`` with every BatchNorm that follows a convolution folded into it.

    Args:
        model: left unchanged.
        example: an input batch to trace with (default: zeros of shape
            ``(1, C, 64, 64)`` for the first convolution's ``C`` channels).

    Returns:
        The folded copy, in eval mode: the same outputs (up to rounding) with fewer passes.

    Raises:
        ValueError: the model could not be traced with the default example (pass ``example=``).
    """
    folded = _copy(model)
    folded.eval()
    example = example if example is not None else _default_example(folded)
    if example is None:
        return folded  # no convolution: nothing to fold
    try:
        graph = trace(folded, example)
    except Exception as error:
        raise ValueError(f"fold_batchnorm: tracing with an input of shape {example.shape} failed "
                         f"({error}); pass example= with a batch the model accepts") from error
    modules = dict(folded.named_modules())
    for bn_name, conv_name in foldable_pairs(graph).items():
        bn, conv = modules[bn_name], modules[conv_name]
        if isinstance(bn, _BatchNorm) and isinstance(conv, _ConvNd) and bn.running_mean is not None:
            fold_into(conv, bn)
            _replace(folded, bn_name, FoldedBatchNorm())
    return folded


__all__ = ["fold_batchnorm", "foldable_pairs", "fold_into", "FoldedBatchNorm"]
