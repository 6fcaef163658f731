"""minitorch: a deep-learning framework you can read end to end.

The package grows the way the course does; each name below comes from the
module (and lesson) that introduces it:

- Module 0: ``operators``, ``Module``/``Parameter``, toy ``datasets``.
- Module 1: ``Scalar`` autograd (``central_difference``, ``topological_sort``,
  ``backpropagate``).
"""

from . import operators
from .autodiff import (
    Context,
    Variable,
    backpropagate,
    central_difference,
    topological_sort,
)
from .datasets import Graph, datasets
from .module import Module, Parameter
from .optim import SGD, Optimizer
from .scalar import Scalar, ScalarHistory, derivative_check
from .scalar_functions import ScalarFunction
from .testing import MathTest, MathTestVariable

__version__ = "0.1.0"

__all__ = [
    "operators",
    "Context",
    "Variable",
    "backpropagate",
    "central_difference",
    "topological_sort",
    "Graph",
    "datasets",
    "Module",
    "Parameter",
    "SGD",
    "Optimizer",
    "Scalar",
    "ScalarHistory",
    "derivative_check",
    "ScalarFunction",
    "MathTest",
    "MathTestVariable",
]
