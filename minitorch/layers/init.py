"""Initial values for weights: the right scale makes deep networks trainable.

If each layer multiplied the size of its signal by 1.1, twenty layers
would multiply it by 7; by 0.9, divide it by 8. Initialisation schemes pick
the spread of the random weights so that a layer keeps its input's variance:

- *Kaiming (He)*: variance ``gain**2 / fan_in``, for ReLU networks.
  PyTorch's ``Linear`` and ``Conv`` default to Kaiming-uniform with
  ``a = sqrt(5)``, which works out to ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.
- *Xavier (Glorot)*: variance ``2 / (fan_in + fan_out)``, Keras' default
  for ``Dense`` and ``Conv2D`` (``glorot_uniform``).

``fan_in`` is the number of inputs feeding one output: ``in_features`` for a
linear layer, ``in_channels / groups * kernel area`` for a convolution.
Random numbers come from numpy's global generator: ``np.random.seed(0)``
makes a model's initial weights reproducible; :func:`set_seed` also seeds
Python's ``random``, which dropout draws from.
"""

from __future__ import annotations

import math
import random
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from ..tensor import Tensor
from ..tensor_data import DTypeLike, TensorData, resolve_dtype
from ..tensor_ops import TensorBackend


def fans(shape: Sequence[int]) -> Tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of this shape (PyTorch's layout ``(out, in, *kernel)``)."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 dims, got shape {tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _tensor(values: np.ndarray, backend: Optional[TensorBackend], dtype: DTypeLike) -> Tensor:
    values = np.ascontiguousarray(values, dtype=resolve_dtype(dtype))
    return Tensor(TensorData(values.reshape(-1), values.shape), backend=backend)


def uniform(
    shape: Sequence[int], low: float, high: float,
    backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> Tensor:
    """A tensor of numbers drawn uniformly from ``[low, high)``."""
    return _tensor(np.random.uniform(low, high, size=tuple(shape)), backend, dtype)


def normal(
    shape: Sequence[int], mean: float = 0.0, std: float = 1.0,
    backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> Tensor:
    """A tensor of numbers drawn from a normal distribution."""
    return _tensor(np.random.normal(mean, std, size=tuple(shape)), backend, dtype)


def kaiming_uniform(
    shape: Sequence[int], a: float = math.sqrt(5.0),
    backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> Tensor:
    """He initialisation for a leaky-ReLU of slope ``a``: ``U(-bound, bound)``.

    ``bound = gain * sqrt(3 / fan_in)`` with ``gain = sqrt(2 / (1 + a**2))``.
    The default ``a = sqrt(5)`` is PyTorch's for ``Linear``/``Conv`` weights.
    """
    fan_in, _ = fans(shape)
    bound = math.sqrt(2.0 / (1.0 + a * a)) * math.sqrt(3.0 / fan_in)
    return uniform(shape, -bound, bound, backend, dtype)


def xavier_uniform(
    shape: Sequence[int], gain: float = 1.0,
    backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> Tensor:
    """Glorot initialisation ``U(-bound, bound)``, ``bound = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -bound, bound, backend, dtype)


def bias_uniform(
    size: int, fan_in: int, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
) -> Tensor:
    """PyTorch's default bias: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform((size,), -bound, bound, backend, dtype)


def constant(
    shape: Sequence[int], value: float, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
) -> Tensor:
    """A tensor filled with ``value`` (zeros for biases, ones for norm scales)."""
    return _tensor(np.full(tuple(shape), value), backend, dtype)


def set_seed(seed: Optional[int]) -> None:
    """Seed numpy's global generator (weight initialisation) and Python's ``random`` (dropout).

    fast.ai's ``set_seed``: with the same seed, building and training a model
    repeats exactly. ``None`` leaves both generators as they are.
    """
    if seed is not None:
        random.seed(seed)
        np.random.seed(seed)


def data_seed(dls: Any) -> Optional[int]:
    """The seed the loaders were made with (``dls.seed`` or ``dls.train.seed``), or None.

    The learner builders (``vision_learner``, ``text_classifier_learner``)
    seed the new head with it, so that ``seed=`` given to the loaders makes
    the whole run repeatable, not only the data order.
    """
    seed = getattr(dls, "seed", None)
    return seed if seed is not None else getattr(getattr(dls, "train", None), "seed", None)


__all__ = ["set_seed"]
