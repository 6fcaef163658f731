"""minitorch: a deep-learning framework you can read end to end.

The package grows the way the course does; each name below comes from the
module (and lesson) that introduces it:

- Module 0: ``operators``, ``Module``/``Parameter``, toy ``datasets``.
- Module 1: ``Scalar`` autograd (``central_difference``, ``topological_sort``,
  ``backpropagate``).
- Module 2: ``Tensor`` over ``TensorData`` (storage, shape, strides),
  broadcasting, tensor ``Function``s, ``SimpleBackend``.
- Module 3: compiled backends ``FastTensorBackend`` (numba, parallel CPU) and
  ``GPUBackend`` (numba.cuda; built on first use), ``default_backend()``.
- Module 4: convolutions, pooling, softmax, dropout (``minitorch.nn``), layers,
  losses and optimizers; ``from minitorch import keras`` for the Keras-style API.
- Module 5: the fast.ai-style ``Learner`` (``fit_one_cycle``, ``lr_find``,
  ``fine_tune``), callbacks, metrics and schedules.
"""

from typing import Any

# cuda_choice comes first: it picks GPU or simulator, then imports numba.cuda.
from . import cuda_choice, nn, operators  # noqa: F401
from .arch import build_model, register_model, register_transform
from .autodiff import (
    Context,
    Variable,
    backpropagate,
    central_difference,
    is_grad_enabled,
    no_grad,
    topological_sort,
)
from .backends import FastTensorBackend, default_backend, gpu_available, layer_backend
from .callbacks import (
    Callback,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
    CSVLogger,
    EarlyStoppingCallback,
    GradientAccumulation,
    ParamScheduler,
    SaveModelCallback,
    TrackerCallback,
    TrainEvalCallback,
)
from .data import ArrayDataset, DataLoader, DataLoaders, Dataset
from .datasets import Graph, datasets
from .fast_conv import Conv1dFun, Conv2dFun, conv1d, conv2d
from .fast_ops import FastOps
from .fused import cat, clamp
from .grad_check import grad_central_difference, grad_check
from .graph import TraceError, UnsupportedOpError, fold_batchnorm, trace
from .graph import onnx_export as onnx
from .guards import NanGuardCallback, NonFiniteError
from .init import set_seed
from .interpret import ClassificationInterpretation
from .layers import (
    GELU,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ModuleList,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .learner import Learner, load_learner, trainable_params
from .losses import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from .lr_finder import LRFinder, minimum, slide, steep, valley
from .metrics import (
    AvgMetric,
    F1Score,
    Metric,
    Precision,
    Recall,
    accuracy,
    error_rate,
    top_k_accuracy,
)
from .module import Module, Parameter
from .nn import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    argmax,
    avg_pool2d,
    avgpool2d,
    dropout,
    global_avg_pool2d,
    global_max_pool2d,
    logsoftmax,
    max,
    max_pool2d,
    maxpool2d,
    softmax,
    tile,
)
from .operators import prod
from .optim import SGD, Adam, AdamW, Optimizer, RMSprop
from .progress import ProgressCallback, ShowGraphCallback
from .recorder import Recorder
from .scalar import Scalar, ScalarHistory, derivative_check
from .scalar_functions import ScalarFunction
from .schedule import combine_scheds, combined_cos, sched_cos, sched_exp, sched_lin, sched_no
from .tensor import History, Tensor
from .tensor_data import (
    Index,
    IndexingError,
    OutIndex,
    Shape,
    Storage,
    Strides,
    TensorData,
    UserIndex,
    UserShape,
    UserStrides,
    broadcast_index,
    index_to_position,
    shape_broadcast,
    strides_from_shape,
    to_index,
)
from .tensor_functions import Function, arange, ones, rand, tensor, zeros
from .tensor_ops import MapProto, SimpleBackend, SimpleOps, TensorBackend, TensorOps
from .testing import MathTest, MathTestVariable

__version__ = "0.1.0"

__all__ = [
    # Graphs (lesson 06)
    "trace", "TraceError", "UnsupportedOpError", "onnx", "fold_batchnorm",
    "cat",
    "clamp",
    # Module 0
    "operators",
    "prod",
    "Module",
    "Parameter",
    "Graph",
    "datasets",
    "MathTest",
    "MathTestVariable",
    # Module 1
    "Context",
    "Variable",
    "backpropagate",
    "central_difference",
    "topological_sort",
    "Scalar",
    "ScalarHistory",
    "ScalarFunction",
    "derivative_check",
    "SGD",
    "Optimizer",
    # Module 2
    "Index",
    "IndexingError",
    "OutIndex",
    "Shape",
    "Storage",
    "Strides",
    "TensorData",
    "UserIndex",
    "UserShape",
    "UserStrides",
    "broadcast_index",
    "index_to_position",
    "shape_broadcast",
    "strides_from_shape",
    "to_index",
    "Tensor",
    "History",
    "Function",
    "tensor",
    "zeros",
    "ones",
    "rand",
    "arange",
    "no_grad",
    "is_grad_enabled",
    "grad_check",
    "grad_central_difference",
    "TensorOps",
    "TensorBackend",
    "SimpleOps",
    "SimpleBackend",
    "MapProto",
    # Data
    "Dataset",
    "ArrayDataset",
    "DataLoader",
    "DataLoaders",
    # Module 3
    "FastOps",
    "FastTensorBackend",
    "default_backend",
    "layer_backend",
    "gpu_available",
    "CudaOps",
    "GPUBackend",
    # Module 4: functional
    "nn",
    "Conv1dFun",
    "Conv2dFun",
    "conv1d",
    "conv2d",
    "tile",
    "avgpool2d",
    "maxpool2d",
    "max",
    "argmax",
    "softmax",
    "logsoftmax",
    "dropout",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "global_avg_pool2d",
    "global_max_pool2d",
    # Module 4: layers, losses, optimizers
    "Linear",
    "Conv1d",
    "Conv2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "Dropout",
    "Identity",
    "ReLU",
    "ReLU6",
    "GELU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Flatten",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Sequential",
    "ModuleList",
    "cross_entropy",
    "nll_loss",
    "mse_loss",
    "binary_cross_entropy_with_logits",
    "CrossEntropyLoss",
    "NLLLoss",
    "MSELoss",
    "BCEWithLogitsLoss",
    "Adam",
    "AdamW",
    "RMSprop",
    # Module 5: the Learner
    "Learner",
    "load_learner",
    "trainable_params",
    "Callback",
    "TrainEvalCallback",
    "ParamScheduler",
    "GradientAccumulation",
    "TrackerCallback",
    "EarlyStoppingCallback",
    "SaveModelCallback",
    "CSVLogger",
    "CancelFitException",
    "CancelEpochException",
    "CancelTrainException",
    "CancelValidException",
    "CancelBatchException",
    "CancelBackwardException",
    "CancelStepException",
    "Recorder",
    "ProgressCallback",
    "ShowGraphCallback",
    "NanGuardCallback",
    "set_seed",
    "NonFiniteError",
    "LRFinder",
    "valley",
    "minimum",
    "steep",
    "slide",
    "ClassificationInterpretation",
    "register_model",
    "register_transform",
    "build_model",
    "Metric",
    "AvgMetric",
    "accuracy",
    "error_rate",
    "top_k_accuracy",
    "F1Score",
    "Precision",
    "Recall",
    "sched_lin",
    "sched_cos",
    "sched_exp",
    "sched_no",
    "combine_scheds",
    "combined_cos",
]


def __getattr__(name: str) -> Any:
    # The CUDA side (CudaOps, GPUBackend, the Module 3 warm-ups) is built on
    # first use: most programs never touch it.
    if name == "CudaOps":
        from .cuda_ops import CudaOps

        return CudaOps
    if name == "GPUBackend":
        from .backends import GPUBackend

        return GPUBackend
    if name in ("sum_practice", "mm_practice"):
        from . import cuda_practice

        return getattr(cuda_practice, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
