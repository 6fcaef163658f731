"""``trace(model, *inputs)``: run a forward pass once and keep the ops it ran, as a :class:`Graph`.

minitorch is *define-by-run*: the graph exists only while the Python code
runs, and each run may take another path. Tracing turns one run into a
*define-and-run* graph that can be printed, replayed, transformed (BatchNorm
folding) and exported (ONNX). A :class:`TraceRecorder` watches every
``Function.apply`` (and the few library functions marked with
``recording.recorded_as``) through a context-local slot: nothing in the
model's code is replaced.

A trace records one path. When the model turns a traced tensor into a Python
value (``if x.sum() > 0``, ``x.item()``), later ops may depend on it in a way
the graph cannot show, so tracing stops with a :class:`TraceError` naming
the conversion and the line of the model that made it.
"""

from __future__ import annotations

import inspect
import os
import re
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import recording
from ..autodiff import no_grad
from ..module import Module
from ..tensor import Tensor
from .ir import Graph, Node, Ref, Value


class TraceError(RuntimeError):
    """The forward pass did something a traced graph cannot represent."""


# Files whose frames are the framework, not the user's model: a TraceError points past them.
_FRAMEWORK = {
    os.path.join("minitorch", f)
    for f in ("tensor.py", "tensor_functions.py", "recording.py", "module.py", "autodiff.py",
              "nn.py", "fused.py", os.path.join("graph", "trace.py"), os.path.join("graph", "ir.py"))
}


def user_line() -> str:
    """``file:line: code`` of the innermost stack frame outside the framework's own files."""
    for frame in reversed(traceback.extract_stack()):
        if not any(frame.filename.endswith(f) for f in _FRAMEWORK):
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "<unknown>"


def _base_name(op: str) -> str:
    """A node's name stem from its op: ``Conv2dFun`` -> ``conv2d``, ``ReLU`` -> ``relu``."""
    return re.sub(r"fun$", "", op.lower())


def _bind(fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The call's arguments by parameter name (defaults filled in); a Function's ``ctx`` left out."""
    target = getattr(fn, "__func__", fn)
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type) and hasattr(owner, "forward"):
        target = owner.forward  # a Function: its forward(ctx, ...) names the arguments
        sig = inspect.signature(target)
        params = list(sig.parameters.values())[1:]
        sig = sig.replace(parameters=params)
    else:
        sig = inspect.signature(target)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return {f"arg{i}": a for i, a in enumerate(args)} | dict(kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


class TraceRecorder:
    """Builds a :class:`Graph` while watching one forward pass (see :func:`trace`).

    Values are keyed by their storage record (``id(tensor._tensor)``), so a
    tensor re-wrapped on another backend or detached is still recognised;
    the recorder keeps every tensor it saw alive, so no id is reused.
    """

    def __init__(self, model: Optional[Module]) -> None:
        self.graph = Graph(inputs=[])
        self._by_id: Dict[int, str] = {}
        self._alive: List[Any] = []
        self._depth = 0  # > 0 while running a recorded op: its inner steps are not recorded
        self._counts: Dict[str, int] = {}
        self._module_names: Dict[int, str] = {}
        self._module_stack: List[str] = []
        self._param_names: Dict[int, Tuple[str, Tensor]] = {}
        if model is not None:
            self._module_names = {id(m): name for name, m in model.named_modules()}
            for name, value in model.state_dict().items():
                if isinstance(value, Tensor):
                    self._param_names.setdefault(id(value._tensor), (name, value))

    # ## Values

    def _add_value(self, name: str, t: Tensor, kind: str, keep: bool) -> str:
        self.graph.values[name] = Value(name, tuple(t.shape), t.dtype, kind, t if keep else None)
        self._by_id[id(t._tensor)] = name
        self._alive.append(t)
        return name

    def add_input(self, name: str, t: Tensor) -> None:
        """Declare a graph input."""
        self.graph.inputs.append(self._add_value(name, t, "input", keep=False))

    def _name_of(self, t: Tensor) -> str:
        """The value ``t`` is, registering it as a parameter or constant the first time."""
        key = id(t._tensor)
        if key in self._by_id:
            return self._by_id[key]
        if key in self._param_names:
            name, _ = self._param_names[key]
            return self._add_value(name, t, "param", keep=True)
        name = self._fresh("const")
        # A constant made during the forward pass (a Python number, a mask): keep a copy.
        return self._add_value(name, Tensor(t._tensor, backend=t.backend), "const", keep=True)

    def _fresh(self, op: str) -> str:
        base = _base_name(op)
        n = self._counts.get(base, 0)
        self._counts[base] = n + 1
        return f"{base}_{n}"

    def _template(self, v: Any) -> Any:
        if isinstance(v, Tensor):
            return Ref(self._name_of(v))
        if isinstance(v, (tuple, list)) and any(isinstance(x, Tensor) for x in v):
            return type(v)(self._template(x) for x in v)
        return v

    # ## The watcher protocol (minitorch.recording)

    def call(self, op: str, fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
        """Run one op; record it unless it runs inside another recorded op."""
        if self._depth:
            return fn(*args, **kwargs)
        self._depth += 1
        try:
            out = fn(*args, **kwargs)
        finally:
            self._depth -= 1
        named = {k: self._template(v) for k, v in _bind(fn, args, kwargs).items()}
        node = Node(self._fresh(op), op, fn, self._template(args), self._template(kwargs), named, [],
                    self._module_stack[-1] if self._module_stack else "")
        results = out if isinstance(out, (tuple, list)) else (out,)
        for i, r in enumerate(results):
            if not isinstance(r, Tensor):
                raise TraceError(f"{op} returned a {type(r).__name__}, not a tensor ({user_line()})")
            node.outputs.append(self._add_value(node.name if i == 0 else f"{node.name}.{i}", r, "node", keep=False))
        self.graph.nodes.append(node)
        return out

    def enter_module(self, module: Any) -> Any:
        name = self._module_names.get(id(module))
        if name is not None:
            self._module_stack.append(name)
        return name is not None

    def exit_module(self, token: Any) -> None:
        if token:
            self._module_stack.pop()

    def leaving(self, tensor: Any, how: str) -> None:
        """Raise :class:`TraceError` when a traced value (not a constant) becomes a Python value."""
        if self._depth:
            return  # inside an op: its own business
        name = self._by_id.get(id(tensor._tensor))
        if name is None or self.graph.values[name].kind not in ("input", "node"):
            return
        raise TraceError(
            f"tracing stopped: {how} turns traced tensor {name!r} (shape {tuple(tensor.shape)}) into a "
            f"Python value at {user_line()}. A traced graph records one path through the code, so "
            "data-dependent Python control flow cannot be captured: compute it with tensor ops "
            "(e.g. a mask multiplied in) or move it outside the traced model."
        )


def input_names(model: Any, n: int) -> List[str]:
    """Names for ``n`` inputs from ``model.forward``'s parameters (``x``...), else ``input_i``."""
    forward = getattr(model, "forward", model)
    try:
        params = [p.name for p in inspect.signature(forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) >= n and params[0] != "self":
        return params[:n]
    return [f"input_{i}" for i in range(n)]


def trace(model: Any, *example_inputs: Tensor, names: Optional[List[str]] = None,
          grad: bool = False) -> Graph:
    """Run ``model(*example_inputs)`` once and return the graph of the ops it ran.

    Args:
        model: a ``Module`` (parameters and buffers are named by their
            ``state_dict`` names) or any function of tensors.
        example_inputs: tensors; the graph is recorded for their shapes.
        names: names for the inputs (default: the forward's parameter names).
        grad: trace with gradients enabled (default: under ``no_grad``).
            Training mode is kept as it is: call ``model.eval()`` first to
            trace inference (dropout off, BatchNorm on running statistics).

    Returns:
        A :class:`Graph`: ``print(graph)``, ``graph.run(*inputs)``, ``graph.draw()``.

    Raises:
        TraceError: the forward pass turned a traced tensor into a Python
            value (data-dependent control flow), naming the line.
        TypeError: an example input is not a Tensor.
    """
    for i, t in enumerate(example_inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"trace: example input {i} is a {type(t).__name__}; give minitorch Tensors")
    recorder = TraceRecorder(model if isinstance(model, Module) else None)
    for name, t in zip(names or input_names(model, len(example_inputs)), example_inputs):
        recorder.add_input(name, t)
    with recording.watching(recorder):
        if grad:
            out = model(*example_inputs)
        else:
            with no_grad():
                out = model(*example_inputs)
    graph = recorder.graph
    graph.single_output = isinstance(out, Tensor)
    outs = (out,) if graph.single_output else tuple(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TraceError(f"trace: the model returned a {type(o).__name__}; only tensors can be graph outputs")
        graph.outputs.append(recorder._name_of(o))
    return graph


__all__ = ["trace", "TraceError", "TraceRecorder", "user_line"]
