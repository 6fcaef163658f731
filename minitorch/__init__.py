"""minitorch: a deep-learning framework you can read end to end.

The package grows the way the course does; each name below comes from the
module (and lesson) that introduces it:

- Module 0: ``operators``, ``Module``/``Parameter``, toy ``datasets``.
- Module 1: ``Scalar`` autograd (``central_difference``, ``topological_sort``,
  ``backpropagate``).
- Module 2: ``Tensor`` over ``TensorData`` (storage, shape, strides),
  broadcasting, tensor ``Function``s, ``SimpleBackend``.
"""

from . import operators
from .autodiff import (
    Context,
    Variable,
    backpropagate,
    central_difference,
    is_grad_enabled,
    no_grad,
    topological_sort,
)
from .data import ArrayDataset, DataLoader, DataLoaders, Dataset
from .datasets import Graph, datasets
from .grad_check import grad_central_difference, grad_check
from .module import Module, Parameter
from .operators import prod
from .optim import SGD, Optimizer
from .scalar import Scalar, ScalarHistory, derivative_check
from .scalar_functions import ScalarFunction
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
]
