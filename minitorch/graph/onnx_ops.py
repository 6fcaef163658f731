"""How each traced op becomes standard ONNX operators (used by :mod:`.onnx_export`).

One converter per op name; each reads the node's inputs and attributes and
emits ONNX nodes through the builder ``b`` (see ``onnx_export.Builder``):
``b.add(op_type, inputs, **attributes)`` returns the output name,
``b.const(array)`` adds an initializer. The table :data:`CONVERTERS` is the
list of what exports; any other op raises ``UnsupportedOpError``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

from .ir import Node

Converter = Callable[[Any, Node, str], None]
CONVERTERS: Dict[str, Converter] = {}


def converts(*ops: str) -> Callable[[Converter], Converter]:
    """Register a converter for the traced ops named ``ops``."""

    def register(fn: Converter) -> Converter:
        for op in ops:
            CONVERTERS[op] = fn
        return fn

    return register


def _pair(v: Any) -> Tuple[int, int]:
    if v is None:
        return (1, 1)
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


# ## Elementwise


_UNARY = {"Neg": "Neg", "Inv": "Reciprocal", "Sigmoid": "Sigmoid", "ReLU": "Relu", "Log": "Log",
          "Exp": "Exp", "Copy": "Identity"}


@converts(*_UNARY)
def _unary(b: Any, node: Node, out: str) -> None:
    b.add(_UNARY[node.op], node.inputs[:1], out)


@converts("Add", "Mul")
def _binary(b: Any, node: Node, out: str) -> None:
    # a - b is traced as Add(a, Neg(b)) and a / b as Mul(a, Inv(b)): written back as Sub and Div.
    inverse = "Neg" if node.op == "Add" else "Inv"
    fused = "Sub" if node.op == "Add" else "Div"
    x, y = node.inputs
    inner = b.absorbed_input(y, inverse)
    if inner is not None:
        b.add(fused, [x, inner], out)
        return
    inner = b.absorbed_input(x, inverse)
    if inner is not None:
        b.add(fused, [y, inner], out)
        return
    b.add(node.op, [x, y], out)


@converts("LT", "EQ")
def _compare(b: Any, node: Node, out: str) -> None:
    flag = b.add("Less" if node.op == "LT" else "Equal", node.inputs)
    b.add("Cast", [flag], out, to=b.elem(b.dtype(out)))


@converts("Clamp")
def _clamp(b: Any, node: Node, out: str) -> None:
    x = node.inputs[0]
    b.clip(x, node.attrs["lo"], node.attrs["hi"], out)


@converts("GELU")
def _gelu(b: Any, node: Node, out: str) -> None:
    x = node.inputs[0]
    if b.opset >= 20:
        b.add("Gelu", [x], out)
        return
    dt = b.dtype(x)
    # x * Phi(x) = x * 0.5 * (1 + erf(x / sqrt(2))): ONNX has Erf since opset 9, Gelu only from 20.
    erf = b.add("Erf", [b.add("Div", [x, b.const(np.array(math.sqrt(2.0), dt))])])
    half = b.add("Mul", [x, b.const(np.array(0.5, dt))])
    b.add("Mul", [half, b.add("Add", [erf, b.const(np.array(1.0, dt))])], out)


@converts("Cast")
def _cast(b: Any, node: Node, out: str) -> None:
    b.add("Cast", node.inputs, out, to=b.elem(np.dtype(node.attrs["dtype"])))


# ## Shapes


@converts("Permute")
def _permute(b: Any, node: Node, out: str) -> None:
    b.add("Transpose", node.inputs, out, perm=list(node.attrs["order"]))


@converts("View")
def _view(b: Any, node: Node, out: str) -> None:
    x = node.inputs[0]
    b.add("Reshape", [x, b.reshape_target(x, out)], out)


@converts("Sum", "Max")
def _reduce(b: Any, node: Node, out: str) -> None:
    x, dim = node.inputs[0], node.attrs["dim"]
    op = "ReduceSum" if node.op == "Sum" else "ReduceMax"
    if dim is None:
        whole = b.add(op, [x], keepdims=0)
        b.add("Reshape", [whole, b.const(np.array([1], np.int64))], out)
    elif op == "ReduceSum" or b.opset >= 18:  # axes became an input: ReduceSum in 13, the rest in 18
        b.add(op, [x, b.const(np.array([dim], np.int64))], out, keepdims=1)
    else:
        b.add(op, [x], out, axes=[dim], keepdims=1)


@converts("Concat")
def _concat(b: Any, node: Node, out: str) -> None:
    *_, dim = node.named["args"]
    b.add("Concat", node.inputs, out, axis=int(dim))


# ## Layers


@converts("MatMul")
def _matmul(b: Any, node: Node, out: str) -> None:
    b.add("MatMul", node.inputs, out)


@converts("Linear")
def _linear(b: Any, node: Node, out: str) -> None:
    x, w, bias = node.input("x"), node.input("weight"), node.input("bias")
    if len(b.shape(x)) == 2:
        b.add("Gemm", [x, w] + ([bias] if bias else []), out, transB=1)
        return
    product = b.add("MatMul", [x, b.add("Transpose", [w], perm=[1, 0])])
    if bias:
        b.add("Add", [product, bias], out)
    else:
        b.add("Identity", [product], out)


@converts("Conv2dFun", "Conv1dFun")
def _conv(b: Any, node: Node, out: str) -> None:
    spec = node.attrs["spec"]
    inputs = [node.input("input"), node.input("weight")] + ([node.input("bias")] if node.input("bias") else [])
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    top, bottom, left, right = spec.padding  # asymmetric pads (TF "SAME") are explicit ONNX pads
    if spec.dims == 1:
        b.add("Conv", inputs, out, strides=[sw], dilations=[dw], pads=[left, right], group=spec.groups)
    else:
        b.add("Conv", inputs, out, strides=[sh, sw], dilations=[dh, dw], pads=[top, left, bottom, right],
              group=spec.groups)


@converts("BatchNorm")
def _batch_norm(b: Any, node: Node, out: str) -> None:
    a = node.attrs
    x, mean, var = node.input("x"), node.input("running_mean"), node.input("running_var")
    if a["training"] or mean is None or var is None:
        raise b.unsupported(node, "batch norm with batch statistics (training mode): call model.eval() "
                                  "before exporting")
    channels = b.shape(x)[1]
    dt = b.dtype(x)
    scale = node.input("weight") or b.const(np.ones(channels, dt))
    shift = node.input("bias") or b.const(np.zeros(channels, dt))
    clip = a.get("clip")
    y = b.add("BatchNormalization", [x, scale, shift, mean, var], None if clip else out, epsilon=float(a["eps"]))
    if clip is not None:
        b.clip(y, clip[0], clip[1], out, dtype=dt)


@converts("LayerNorm")
def _layer_norm(b: Any, node: Node, out: str) -> None:
    if b.opset < 17:
        raise b.unsupported(node, "LayerNormalization needs opset >= 17")
    x, k = node.input("x"), int(node.attrs["k"])
    dt, trailing = b.dtype(x), b.shape(x)[-k:]
    scale = node.input("weight") or b.const(np.ones(trailing, dt))
    bias = node.input("bias") or b.const(np.zeros(trailing, dt))
    b.add("LayerNormalization", [x, scale, bias], out, axis=-k, epsilon=float(node.attrs["eps"]))


@converts("Softmax", "LogSoftmax")
def _softmax(b: Any, node: Node, out: str) -> None:
    b.add(node.op, [node.input("input")], out, axis=int(node.attrs["dim"]))


@converts("MaxPool2d", "AvgPool2d")
def _pool(b: Any, node: Node, out: str) -> None:
    a = node.attrs
    kernel = _pair(a["kernel_size"])
    stride = kernel if a.get("stride") is None else _pair(a["stride"])
    ph, pw = _pair(a.get("padding") or 0)
    extra: Dict[str, Any] = {}
    if node.op == "AvgPool2d":
        extra["count_include_pad"] = int(a["count_include_pad"])
    b.add("MaxPool" if node.op == "MaxPool2d" else "AveragePool", [node.input("input")], out,
          kernel_shape=list(kernel), strides=list(stride), pads=[ph, pw, ph, pw],
          ceil_mode=int(a["ceil_mode"]), **extra)


@converts("AdaptiveAvgPool2d", "AdaptiveMaxPool2d")
def _adaptive_pool(b: Any, node: Node, out: str) -> None:
    x = node.input("input")
    height, width = b.shape(x)[2:]
    size = node.attrs["output_size"]
    oh, ow = (size, size) if np.isscalar(size) else size
    oh, ow = oh or height, ow or width
    kind = "Average" if node.op == "AdaptiveAvgPool2d" else "Max"
    if (oh, ow) == (1, 1):
        b.add(f"Global{kind}Pool", [x], out)
    elif height % oh == 0 and width % ow == 0:  # equal bins: an ordinary pool
        k = [height // oh, width // ow]
        b.add(f"{kind}Pool" if kind == "Max" else "AveragePool", [x], out, kernel_shape=k, strides=k)
    else:
        raise b.unsupported(node, f"adaptive pooling of {height}x{width} to {oh}x{ow} (unequal bins)")


@converts("Embedding")
def _embedding(b: Any, node: Node, out: str) -> None:
    indices = node.input("indices")
    if indices is None:
        indices = b.const(np.asarray(node.attrs["indices"], dtype=np.int64))
    elif b.dtype(indices) != np.int64:
        indices = b.add("Cast", [indices], to=b.elem(np.dtype(np.int64)))
    b.add("Gather", [node.input("weight"), indices], out, axis=0)


@converts("Attention")
def _attention(b: Any, node: Node, out: str) -> None:
    if node.attrs.get("dropout_p", 0.0) > 0.0:
        raise b.unsupported(node, "attention with dropout (training mode): call model.eval() first")
    q, k, v = node.input("q"), node.input("k"), node.input("v")
    heads = int(node.attrs["heads"])
    hidden = b.shape(q)[2]
    d = hidden // heads
    split = b.const(np.array([0, 0, heads, d], np.int64))

    def heads_of(t: str, perm: List[int]) -> str:
        return b.add("Transpose", [b.add("Reshape", [t, split])], perm=perm)

    dt = b.dtype(q)
    scores = b.add("MatMul", [heads_of(q, [0, 2, 1, 3]), heads_of(k, [0, 2, 3, 1])])
    scores = b.add("Mul", [scores, b.const(np.array(1.0 / math.sqrt(d), dt))])
    mask = node.input("mask")
    if mask is not None:
        scores = b.add("Add", [scores, mask])
    probs = b.add("Softmax", [scores], axis=-1)
    context = b.add("Transpose", [b.add("MatMul", [probs, heads_of(v, [0, 2, 1, 3])])], perm=[0, 2, 1, 3])
    b.add("Reshape", [context, b.const(np.array([0, 0, hidden], np.int64))], out)


__all__ = ["CONVERTERS", "converts"]
