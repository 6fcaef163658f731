"""The graph a trace records: values, nodes, and a ``Graph`` that prints, replays and draws itself.

A :class:`Graph` is *define-and-run*: a list of nodes in the order the
forward pass ran them. Each node names one op (a ``Function`` such as
``Conv2dFun`` or a marked library function such as ``Softmax``), the values
it reads, the value it makes, and its settings (attributes). Values are the
graph's inputs, the model's parameters and buffers (by their ``state_dict``
names), constants made during the forward pass, and node outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..tensor import Tensor


@dataclass(frozen=True)
class Ref:
    """A placeholder for a tensor argument: the name of the value it was."""

    name: str


@dataclass
class Value:
    """One tensor of the graph.

    Attributes:
        name: unique in its graph (``"x"``, ``"conv1.weight"``, ``"relu_3"``).
        shape, dtype: as seen while tracing.
        kind: ``"input"``, ``"param"`` (parameter or buffer), ``"const"`` or ``"node"``.
        tensor: for params and constants, the tensor itself (params stay live:
            replaying after training uses the new weights).
    """

    name: str
    shape: Tuple[int, ...]
    dtype: np.dtype
    kind: str
    tensor: Optional[Tensor] = None


@dataclass
class Node:
    """One op of the graph.

    Attributes:
        name: unique (``"conv2dfun_0"``).
        op: the op's name (``"Conv2dFun"``, ``"BatchNorm"``, ``"Add"``...).
        fn: what replays it (``Conv2dFun._apply``, ``nn.softmax``...).
        args, kwargs: the call, with each tensor replaced by a :class:`Ref`.
        named: the same arguments by parameter name (for exporters).
        outputs: the names of the values it makes.
        module: the dotted name of the module whose forward called it ("" at top level).
    """

    name: str
    op: str
    fn: Callable[..., Any]
    args: Tuple[Any, ...]
    kwargs: Dict[str, Any]
    named: Dict[str, Any]
    outputs: List[str]
    module: str = ""

    @property
    def inputs(self) -> List[str]:
        """The names of the values this node reads, in argument order."""
        return [r.name for r in _refs(list(self.named.values()))]

    @property
    def attrs(self) -> Dict[str, Any]:
        """The settings: every argument that is not a tensor."""
        return {k: v for k, v in self.named.items() if not _refs([v])}

    def input(self, param: str) -> Optional[str]:
        """The value name passed as argument ``param``, or None (not a tensor, or None)."""
        v = self.named.get(param)
        return v.name if isinstance(v, Ref) else None


def _refs(items: Sequence[Any]) -> List[Ref]:
    out: List[Ref] = []
    for v in items:
        if isinstance(v, Ref):
            out.append(v)
        elif isinstance(v, (tuple, list)):
            out.extend(_refs(v))
    return out


def substitute(template: Any, env: Dict[str, Any]) -> Any:
    """``template`` with each :class:`Ref` replaced by ``env[ref.name]`` (inside tuples and lists too)."""
    if isinstance(template, Ref):
        return env[template.name]
    if isinstance(template, tuple):
        return tuple(substitute(v, env) for v in template)
    if isinstance(template, list):
        return [substitute(v, env) for v in template]
    if isinstance(template, dict):
        return {k: substitute(v, env) for k, v in template.items()}
    return template


def short_repr(v: Any) -> str:
    """A one-line description of an attribute (arrays by shape, not by value)."""
    if isinstance(v, np.ndarray):
        return f"array{tuple(v.shape)}"
    if isinstance(v, tuple) and any(isinstance(x, np.ndarray) for x in v):
        return "(" + ", ".join(short_repr(x) for x in v) + ")"
    if hasattr(v, "__dataclass_fields__"):
        fields = ", ".join(f"{k}={getattr(v, k)}" for k in v.__dataclass_fields__)
        return f"{type(v).__name__}({fields})"
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class Graph:
    """A traced forward pass: ``inputs -> nodes -> outputs``.

    Attributes:
        inputs: names of the graph's input values, in call order.
        outputs: names of the values the model returned.
        values: every value by name.
        nodes: in the order they ran (a valid topological order).
        single_output: the model returned one tensor (not a tuple).
    """

    inputs: List[str]
    outputs: List[str] = field(default_factory=list)
    values: Dict[str, Value] = field(default_factory=dict)
    nodes: List[Node] = field(default_factory=list)
    single_output: bool = True

    def producer(self, value: str) -> Optional[Node]:
        """The node that makes ``value`` (None for inputs, params and constants)."""
        for node in self.nodes:
            if value in node.outputs:
                return node
        return None

    def users(self, value: str) -> List[Node]:
        """The nodes that read ``value``."""
        return [n for n in self.nodes if value in n.inputs]

    def run(self, *inputs: Tensor) -> Any:
        """Replay the recorded ops on new inputs (same shapes), with the model's current weights.

        Args:
            inputs: one tensor per graph input.

        Returns:
            The model's output (a tensor, or a tuple as the model returned).

        Raises:
            ValueError: the wrong number of inputs, or a shape other than the traced one.
        """
        if len(inputs) != len(self.inputs):
            raise ValueError(f"this graph takes {len(self.inputs)} inputs ({', '.join(self.inputs)}), got {len(inputs)}")
        env: Dict[str, Any] = {}
        for name, t in zip(self.inputs, inputs):
            want = self.values[name].shape
            if isinstance(t, Tensor) and tuple(t.shape) != want:
                raise ValueError(f"input {name!r}: traced with shape {want}, got {tuple(t.shape)}; trace again for a new shape")
            env[name] = t
        for v in self.values.values():
            if v.kind in ("param", "const"):
                env[v.name] = v.tensor
        for node in self.nodes:
            out = node.fn(*substitute(node.args, env), **substitute(node.kwargs, env))
            results = out if isinstance(out, (tuple, list)) else (out,)
            for name, r in zip(node.outputs, results):
                env[name] = r
        outs = tuple(env[name] for name in self.outputs)
        return outs[0] if self.single_output else outs

    # ## Looking at it

    def table(self) -> List[Tuple[str, ...]]:
        """One row per input, node and output: ``(kind, name, op, module, args, shape)``."""
        rows = [("kind", "name", "op", "module", "args", "shape")]
        for name in self.inputs:
            v = self.values[name]
            rows.append(("input", name, "", "", "", f"{v.shape} {v.dtype}"))
        for node in self.nodes:
            v = self.values[node.outputs[0]]
            args = [r.name for r in _refs(list(node.named.values()))]
            args += [f"{k}={short_repr(a)}" for k, a in node.attrs.items() if a is not None]
            rows.append(("call", node.name, node.op, node.module, ", ".join(args), f"{v.shape} {v.dtype}"))
        rows.append(("output", "output", "", "", ", ".join(self.outputs), ""))
        return rows

    def __str__(self) -> str:
        rows = self.table()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        lines = []
        for i, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
            if i == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
        return "\n".join(line.rstrip() for line in lines)

    def __repr__(self) -> str:
        return f"Graph({len(self.inputs)} inputs, {len(self.nodes)} nodes, {len(self.outputs)} outputs)"

    def op_counts(self) -> Dict[str, int]:
        """How many nodes of each op, e.g. ``{"Conv2dFun": 20, "BatchNorm": 20, ...}``."""
        counts: Dict[str, int] = {}
        for node in self.nodes:
            counts[node.op] = counts.get(node.op, 0) + 1
        return counts

    def layers(self) -> Dict[str, int]:
        """The depth of each input and node output: 0 for inputs, 1 + the deepest argument for nodes."""
        depth = {name: 0 for name in self.inputs}
        for node in self.nodes:
            d = 1 + max((depth.get(i, 0) for i in node.inputs if i in depth), default=0)
            for name in node.outputs:
                depth[name] = d
        return depth

    def draw(self, ax: Any = None, max_label: int = 14) -> Any:
        """Draw the graph with matplotlib: one row per depth (inputs on top), arrows for data flow.

        Parameters and constants are left out (a node's weights are inside its box).

        Args:
            ax: the axes to draw on (a new figure when None).
            max_label: longest op name shown in a box.

        Returns:
            The axes.
        """
        import matplotlib.pyplot as plt

        depth = self.layers()
        rows: Dict[int, List[str]] = {}
        for name, d in depth.items():
            rows.setdefault(d, []).append(name)
        pos = {}
        for d, names in rows.items():
            for i, name in enumerate(names):
                pos[name] = (i - (len(names) - 1) / 2, -d)
        if ax is None:
            width = max(len(n) for n in rows.values())
            _, ax = plt.subplots(figsize=(min(2 + 1.6 * width, 16), min(1 + 0.6 * len(rows), 30)))
        label = {name: name for name in self.inputs}
        for node in self.nodes:
            for out in node.outputs:
                label[out] = node.op[:max_label]
        for node in self.nodes:
            for src in node.inputs:
                if src in pos:
                    for out in node.outputs:
                        ax.annotate("", xy=pos[out], xytext=pos[src],
                                    arrowprops=dict(arrowstyle="->", color="0.5", lw=0.8,
                                                    shrinkA=9, shrinkB=9))
        for name, (x, y) in pos.items():
            colour = "#cde" if name in self.inputs else "#fed" if name in self.outputs else "#eee"
            ax.text(x, y, label[name], ha="center", va="center", fontsize=8,
                    bbox=dict(boxstyle="round", fc=colour, ec="0.4"))
        xs = [p[0] for p in pos.values()]
        ax.set_xlim(min(xs) - 1, max(xs) + 1)
        ax.set_ylim(-max(rows) - 0.7, 0.7)
        ax.axis("off")
        return ax


__all__ = ["Graph", "Node", "Value", "Ref", "substitute", "short_repr"]
