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
- Lesson 06: ``trace`` a model into a graph, ``fold_batchnorm``, ``onnx.export``.

The course's files sit at the top of the package under the course's names;
the rest lives in subpackages: ``kernels/`` (speed infrastructure), ``layers/``,
``learner/``, ``graph/``, ``io/`` and ``keras/``. Every module declares
``__all__``; the package's ``__all__`` is built from theirs.
"""

from typing import Any

# isort: off
# cuda_choice comes first: it picks GPU or simulator, then imports numba.cuda.
from .kernels import cuda_choice  # noqa: F401
# isort: on

from . import (
    autodiff,
    backends,
    datasets,
    fast_conv,
    fast_ops,
    grad_check,
    layers,
    learner,
    module,
    nn,
    operators,
    optim,
    scalar,
    scalar_functions,
    tensor,
    tensor_data,
    tensor_functions,
    tensor_ops,
    testing,
)

# The modules whose public names (their ``__all__``) are the package's. Kept
# here before the star imports below rebind ``datasets`` and ``tensor`` to the
# course's toy-data dict and tensor constructor.
_REEXPORTED = (
    module, datasets, testing,  # Module 0
    autodiff, scalar, scalar_functions, optim,  # Module 1
    tensor_data, tensor, tensor_functions, tensor_ops, grad_check,  # Module 2
    fast_ops, backends,  # Module 3
    fast_conv, nn, layers,  # Module 4
    learner,  # Module 5
)

from .autodiff import *  # noqa: E402, F403
from .backends import *  # noqa: E402, F403
from .datasets import *  # noqa: E402, F403
from .fast_conv import *  # noqa: E402, F403
from .fast_ops import *  # noqa: E402, F403
from .grad_check import *  # noqa: E402, F403
from .graph import TraceError, UnsupportedOpError, fold_batchnorm, trace  # noqa: E402
from .graph import onnx_export as onnx  # noqa: E402
from .layers import *  # noqa: E402, F403
from .learner import *  # noqa: E402, F403
from .module import *  # noqa: E402, F403
from .nn import *  # noqa: E402, F403
from .operators import prod  # noqa: E402
from .optim import *  # noqa: E402, F403
from .scalar import *  # noqa: E402, F403
from .scalar_functions import *  # noqa: E402, F403
from .tensor import *  # noqa: E402, F403
from .tensor_data import *  # noqa: E402, F403
from .tensor_functions import *  # noqa: E402, F403
from .tensor_ops import *  # noqa: E402, F403
from .testing import *  # noqa: E402, F403

__version__ = "0.1.0"

# CudaOps, GPUBackend and the CUDA warm-ups are built on first use (see
# ``__getattr__``) and stay out of ``__all__``: ``from minitorch import *`` must
# not pay for them.
__all__ = [
    "operators", "nn", "prod",  # modules and the one operator the course exports
    "trace", "TraceError", "UnsupportedOpError", "fold_batchnorm", "onnx",  # lesson 06
    *(name for reexported in _REEXPORTED for name in reexported.__all__),
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
