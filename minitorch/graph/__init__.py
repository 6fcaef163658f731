"""Graphs: trace a forward pass, transform it (BatchNorm folding), export it (ONNX).

``import minitorch`` never imports ``onnx``: :mod:`.onnx_export` loads it when called.
"""

from . import onnx_export
from .batch import BatchDependenceError
from .fold import FoldedBatchNorm, fold_batchnorm
from .ir import Graph, Node, Ref, Value
from .onnx_export import UnsupportedOpError
from .trace import TraceError, TraceRecorder, trace, user_line

__all__ = ["Graph", "Node", "Value", "Ref", "TraceRecorder", "TraceError", "trace", "user_line",
           "onnx_export", "UnsupportedOpError", "BatchDependenceError", "fold_batchnorm", "FoldedBatchNorm"]
