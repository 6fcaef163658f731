"""Export a model to ONNX: trace it, convert each node to standard operators, write the protobuf.

ONNX is a file format for define-and-run graphs: operators with named
inputs and outputs, weights as *initializers*. ONNX Runtime, TensorRT,
OpenVINO and browsers run it without Python. The graph is built with the
``onnx`` package (``pip install 'minitorch[onnx]'``), imported only here,
only when exporting::

    minitorch.onnx.export(model, example, "model.onnx")

What maps to what is in :mod:`.onnx_ops`; any other op raises
:class:`UnsupportedOpError` naming it.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..module import Module
from ..tensor import Tensor
from .batch import batch_dims, trace_bigger_batch
from .ir import Graph, Node
from .onnx_ops import CONVERTERS
from .trace import trace

MIN_OPSET, MAX_OPSET = 13, 21


class UnsupportedOpError(ValueError):
    """A traced op that has no ONNX mapping (the message names the op and its node)."""


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("ONNX export needs the onnx package: pip install 'minitorch[onnx]'") from e
    return onnx


class Builder:
    """Collects ONNX nodes and initializers for one :class:`Graph` (the converters' toolbox).

    Attributes:
        opset: the target opset.
        bigger: the same model traced at one more example per batch (None: every size is fixed).
        free: for each value, the dims that follow the batch size.
    """

    def __init__(self, graph: Graph, opset: int, bigger: Optional[Graph] = None) -> None:
        self.onnx = _onnx()
        self.graph, self.opset, self.bigger = graph, opset, bigger
        self.free: Dict[str, Tuple[int, ...]] = batch_dims(graph, bigger) if bigger is not None else {}
        self.nodes: List[Any] = []
        self.initializers: Dict[str, Any] = {}
        self._count = 0
        self._absorbed: set = set()

    # ## Names, shapes, constants

    def fresh(self, hint: str = "t") -> str:
        self._count += 1
        return f"_{hint}_{self._count}"

    def shape(self, value: str) -> Tuple[int, ...]:
        return self.graph.values[value].shape

    def dtype(self, value: str) -> np.dtype:
        return np.dtype(self.graph.values[value].dtype)

    def elem(self, dtype: np.dtype) -> int:
        """ONNX's element type code for a numpy dtype."""
        return self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def const(self, array: np.ndarray, name: Optional[str] = None) -> str:
        """Add ``array`` as an initializer; returns its name."""
        name = name or self.fresh("const")
        self.initializers[name] = self.onnx.numpy_helper.from_array(np.asarray(array), name)
        return name

    def reshape_target(self, x: str, out: str) -> str:
        """The shape input of a Reshape of ``x`` into ``out``, with the batch-dependent sizes left free.

        A size that follows the batch becomes ``0`` (ONNX: copy the input's size
        at the same index) when it is that size at every batch, else ``-1``
        (inferred); only one ``-1`` is allowed.
        """
        target = list(self.shape(out))
        free = []
        for i in self.free.get(out, ()):
            before, bigger = self.shape(x), self.bigger.values[x].shape if self.bigger else ()
            same = i < len(before) and before[i] == target[i] and bigger[i] == self.bigger.values[out].shape[i]
            if same:
                target[i] = 0
            else:
                free.append(i)
        if len(free) > 1:
            raise UnsupportedOpError(f"ONNX export: reshape {self.shape(x)} -> {self.shape(out)} spreads the batch "
                                     "over several dims; export with dynamic_batch=False")
        for i in free:
            target[i] = -1
        return self.const(np.array(target, np.int64))

    # ## Nodes

    def add(self, op_type: str, inputs: Sequence[str], output: Optional[str] = None, **attrs: Any) -> str:
        """Append one ONNX node; returns its output name (a fresh one when ``output`` is None)."""
        output = output or self.fresh(op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [output], **attrs))
        return output

    def clip(self, x: str, lo: float, hi: float, out: Optional[str] = None, dtype: Any = None) -> str:
        """``Clip(x, lo, hi)`` with the bounds as constants of ``x``'s dtype (or ``dtype``)."""
        dt = self.dtype(x) if dtype is None else dtype
        return self.add("Clip", [x, self.const(np.array(lo, dt)), self.const(np.array(hi, dt))], out)

    def absorbed_input(self, value: str, op: str) -> Optional[str]:
        """If ``value`` is made by an ``op`` node read by nobody else, skip that node; return its input."""
        node = self.graph.producer(value)
        if node is None or node.op != op or len(self.graph.users(value)) != 1 or value in self.graph.outputs:
            return None
        self._absorbed.add(node.name)
        return node.inputs[0]

    def unsupported(self, node: Node, why: str) -> UnsupportedOpError:
        where = f" in module {node.module!r}" if node.module else ""
        return UnsupportedOpError(f"ONNX export: op {node.op!r} (node {node.name!r}{where}): {why}")

    # ## The whole graph

    def value_info(self, name: str, onnx_name: str) -> Any:
        v = self.graph.values[name]
        dims: List[Any] = list(v.shape)
        batch = self.graph.values[self.graph.inputs[0]].shape[0] if self.graph.inputs else None
        for i in self.free.get(name, ()):
            dims[i] = "batch" if dims[i] == batch else f"{onnx_name}_dim{i}"
        return self.onnx.helper.make_tensor_value_info(onnx_name, self.elem(v.dtype), dims)

    def build(self, output_names: Sequence[str]) -> Any:
        helper = self.onnx.helper
        for v in self.graph.values.values():
            if v.kind in ("param", "const"):
                self.const(v.tensor.to_numpy(), v.name)
        # Converters run last-to-first so an Add sees whether its Neg is still needed; emitted in order.
        emitted: List[List[Any]] = []
        for node in reversed(self.graph.nodes):
            if node.name in self._absorbed:
                continue
            convert = CONVERTERS.get(node.op)
            if convert is None:
                raise self.unsupported(node, f"no ONNX mapping; supported ops: {', '.join(sorted(CONVERTERS))}")
            start = len(self.nodes)
            convert(self, node, node.outputs[0])
            emitted.append(self.nodes[start:])
            del self.nodes[start:]
        self.nodes = [n for group in reversed(emitted) for n in group]
        for name, out in zip(self.graph.outputs, output_names):
            self.add("Identity", [name], out)
        used = {i for n in self.nodes for i in n.input}
        graph = helper.make_graph(
            self.nodes, "minitorch",
            [self.value_info(n, n) for n in self.graph.inputs],
            [self.value_info(n, out) for n, out in zip(self.graph.outputs, output_names)],
            [t for name, t in self.initializers.items() if name in used],
        )
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                 producer_name="minitorch")


def graph_to_onnx(graph: Graph, opset: int = 17, bigger: Optional[Graph] = None,
                  output_names: Optional[Sequence[str]] = None,
                  metadata: Optional[Dict[str, str]] = None) -> Any:
    """Convert a traced :class:`Graph` to a checked ``onnx.ModelProto``.

    Args:
        graph: from :func:`minitorch.trace` (of a model in eval mode).
        opset: the ONNX opset, 13 to 21 (17 or newer for LayerNormalization, 20 for a native Gelu).
        bigger: the same model traced with one more example per batch
            (:func:`.batch.trace_bigger_batch`): the sizes that differ are left free
            (named ``batch`` for the batch itself). None: every size is fixed.
        output_names: default ``output`` (``output_0, output_1...`` for several).
        metadata: strings stored in the model's ``metadata_props``.

    Raises:
        UnsupportedOpError: a node has no ONNX mapping (named in the message).
        BatchDependenceError: the graph cannot take a free batch size (see :mod:`.batch`).
    """
    if not MIN_OPSET <= opset <= MAX_OPSET:
        # Below 13 Softmax and ReduceSum mean other things; above, onnx.checker may not know the opset.
        raise ValueError(f"opset must be between {MIN_OPSET} and {MAX_OPSET}, got {opset}")
    if output_names is None:
        n = len(graph.outputs)
        output_names = ["output"] if n == 1 else [f"output_{i}" for i in range(n)]
    model = Builder(graph, opset, bigger).build(output_names)
    if metadata:
        onnx = _onnx()
        onnx.helper.set_model_props(model, {str(k): str(v) for k, v in metadata.items()})
    _onnx().checker.check_model(model)
    return model


def save_model(model: Any, path: Any) -> None:
    """Write an ``onnx.ModelProto`` atomically (temp file in the same folder, then rename)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".onnx.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model.SerializeToString())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export(model: Any, example: Any, path: Any = None, dynamic_batch: bool = True, opset: int = 17,
           metadata: Optional[Dict[str, str]] = None) -> Any:
    """Trace ``model`` on ``example`` in eval mode and save it as ONNX.

    Args:
        model: a ``Module`` (its training mode is restored afterwards) or a function of tensors.
        example: one input tensor, or a tuple of them (shapes other than the batch dim are fixed).
        path: where to write the ``.onnx`` file (None: do not write).
        dynamic_batch: leave the batch size free (found by tracing a second time
            with one more example: see :mod:`.batch`); otherwise the example's.
        opset: ONNX opset version (default 17).
        metadata: strings for the model's ``metadata_props``.

    Returns:
        The checked ``onnx.ModelProto``.

    Raises:
        UnsupportedOpError: the model uses an op with no ONNX mapping.
        TraceError: the forward pass has data-dependent Python control flow.
        BatchDependenceError: with ``dynamic_batch``, part of the graph was built for one batch size.
    """
    inputs = (example,) if isinstance(example, Tensor) else tuple(example)
    modules = [m for _, m in model.named_modules()] if isinstance(model, Module) else []
    was_training = [m.training for m in modules]
    try:
        for m in modules:
            m.training = False
        graph = trace(model, *inputs)
        bigger = trace_bigger_batch(model, inputs, graph) if dynamic_batch else None
    finally:
        for m, t in zip(modules, was_training):
            m.training = t
    onnx_model = graph_to_onnx(graph, opset=opset, bigger=bigger, metadata=metadata)
    if path is not None:
        save_model(onnx_model, path)
    return onnx_model


__all__ = ["export", "graph_to_onnx", "save_model", "UnsupportedOpError", "Builder"]
