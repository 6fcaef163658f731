"""The layers networks are built from (Module 4 and beyond).

- ``modules``: ``Module``\\ s with PyTorch's names (``Linear``, ``Conv2d``, ``BatchNorm2d`` ...).
- ``losses``: loss functions and their ``Module`` forms (``cross_entropy``, ``CrossEntropyLoss`` ...).
- ``init``: initial weights (PyTorch's defaults) and ``set_seed``.
- ``fused``: the fused ``Function``\\ s the layers call (linear, batch norm, layer norm, GELU ...).
- ``inference``: a convolution with its BatchNorm, activation and residual sum in one pass (eval, no grad).

Each module declares ``__all__``; this package's is built from theirs.
"""

from . import fused, init, losses, modules
from .fused import *  # noqa: F403
from .init import *  # noqa: F403
from .losses import *  # noqa: F403
from .modules import *  # noqa: F403

__all__ = [*modules.__all__, *losses.__all__, *init.__all__, *fused.__all__]
