"""Which sizes of a traced graph follow the batch size: found by tracing twice.

A trace sees numbers, not symbols: a ``view(B, -1)`` is recorded as
``view(2, 392)``. To export a graph that takes any batch size, the exporter
traces the model a second time with one more example in the batch and
compares: every size that changed depends on the batch, every size that did
not is fixed. A constant whose shape changed was built outside tensor ops
(from numpy, say) for one batch size, and could not serve another: that is
reported rather than exported wrongly, and so is a constant whose *value*
changed (the count that ``x.mean()`` divides by, when it includes the batch).
"""

from __future__ import annotations

from typing import Any, Dict, Sequence, Tuple

import numpy as np

from ..tensor import Tensor
from ..tensor_data import TensorData
from .ir import Graph
from .trace import trace


class BatchDependenceError(ValueError):
    """The traced graph cannot be given a free batch size (the message says why and where)."""


def _one_more(t: Tensor) -> Tensor:
    """``t`` with its first example repeated at the end: batch ``B + 1``."""
    a = t._tensor.to_numpy()
    a = np.ascontiguousarray(np.concatenate([a, a[:1]]))
    return Tensor(TensorData(a.reshape(-1), a.shape), backend=t.backend)


def trace_bigger_batch(model: Any, inputs: Sequence[Tensor], graph: Graph) -> Graph:
    """Trace ``model`` again with one more example per input (same input names)."""
    for name, t in zip(graph.inputs, inputs):
        if t.dims == 0 or t.shape[0] == 0:
            raise BatchDependenceError(f"input {name!r} of shape {t.shape} has no batch dim to make dynamic")
    return trace(model, *[_one_more(t) for t in inputs], names=list(graph.inputs))


def batch_dims(graph: Graph, bigger: Graph) -> Dict[str, Tuple[int, ...]]:
    """For each value, the dims whose size follows the batch size.

    Args:
        graph, bigger: the same model traced at batch ``B`` and ``B + 1``.

    Raises:
        BatchDependenceError: the ops differ between the two traces, or a
            constant (or an array setting of a node) has a batch-dependent shape.
    """
    ops, bigger_ops = [n.op for n in graph.nodes], [n.op for n in bigger.nodes]
    if ops != bigger_ops:
        raise BatchDependenceError(
            "the model runs other ops at another batch size, so one graph cannot serve every batch size; "
            "export with dynamic_batch=False"
        )
    dims: Dict[str, Tuple[int, ...]] = {}
    for name, v in graph.values.items():
        w = bigger.values.get(name)
        if w is None or len(w.shape) != len(v.shape):
            raise BatchDependenceError(f"value {name!r} changes rank with the batch size; export with dynamic_batch=False")
        dims[name] = tuple(i for i, (a, b) in enumerate(zip(v.shape, w.shape)) if a != b)
        changed = dims[name] or (v.kind == "const" and not np.array_equal(v.tensor.to_numpy(), w.tensor.to_numpy()))
        if changed and v.kind == "const":
            user = next((n for n in graph.nodes if name in n.inputs), None)
            where = f" (read by {user.op} in module {user.module!r})" if user else ""
            raise BatchDependenceError(
                f"constant {name!r} of shape {v.shape}{where} depends on the batch size: it was made outside "
                "tensor ops (from numpy, or a Python number such as the count in x.mean() over the batch) for "
                "this batch only. Compute it with tensor ops from the inputs, or export with dynamic_batch=False"
            )
    for node, twin in zip(graph.nodes, bigger.nodes):
        for key, value in node.attrs.items():
            if isinstance(value, np.ndarray) and value.shape != np.shape(twin.attrs.get(key)):
                raise BatchDependenceError(
                    f"node {node.name!r} ({node.op}, module {node.module!r}) has a setting {key!r} whose shape "
                    "follows the batch size: pass it as a tensor, or export with dynamic_batch=False"
                )
    return dims


__all__ = ["BatchDependenceError", "trace_bigger_batch", "batch_dims"]
