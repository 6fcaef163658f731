"""Keras' layers, each a thin wrapper over a minitorch layer.

A Keras layer is told only its output size (``Dense(128)``); its input
size is found when the model first sees a shape, and only then are the
weights made (``build``). Each layer here builds the matching module of
``minitorch.layers`` and re-initialises it the Keras way (Glorot-uniform
kernels, zero biases). Images are channels-last, ``(batch, height, width,
channels)``, as in Keras; convolution and pooling transpose to minitorch's
``(batch, channels, height, width)`` and back.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .. import nn, recording
from ..backends import layer_backend
from ..layers import fused, init
from ..layers import modules as mt
from ..module import Module
from ..tensor import Tensor

Shape = Tuple[int, ...]
DTYPE = "float32"  # Keras' default float type

_name_counts: Dict[str, int] = {}


def unique_name(base: str) -> str:
    """``dense``, then ``dense_1``, ``dense_2``... (Keras' automatic layer names)."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Restart the automatic names (``keras.backend.clear_session()``)."""
    _name_counts.clear()


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


# ## Activations


def _softmax(x: Tensor) -> Tensor:
    return nn.softmax(x, x.dims - 1)


# Bound methods, not modules: a module stored on a layer would become its child.
ACTIVATIONS: Dict[str, Callable[[Tensor], Tensor]] = {
    "linear": lambda x: x,
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": mt.Tanh().forward,
    "softmax": _softmax,
    "gelu": fused.gelu,
    "relu6": mt.ReLU6().forward,
}


def get_activation(activation: Union[None, str, Callable[[Tensor], Tensor]]) -> Callable[[Tensor], Tensor]:
    """The function for an activation name (``"relu"``), a callable, or None (identity)."""
    if activation is None:
        return ACTIVATIONS["linear"]
    if callable(activation):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; use one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[activation]


class Layer(Module):
    """The Keras layer protocol: a name, lazy ``build``, ``compute_output_shape``, an activation.

    Args:
        activation: applied to the output (name, callable or None).
        input_shape: the shape of one example, for the model's first layer.
        name: the layer's name (automatic by default).
    """

    def __init__(
        self, activation: Any = None, input_shape: Optional[Sequence[int]] = None, name: Optional[str] = None
    ) -> None:
        super().__init__()
        self.name = name or unique_name(_snake(type(self).__name__))
        self.activation = activation
        self.activation_fn = get_activation(activation)
        self.input_shape = None if input_shape is None else tuple(int(s) for s in input_shape)
        self.built = False
        self.output_shape: Optional[Shape] = None

    def build(self, input_shape: Shape) -> None:
        """Make the weights for inputs of ``input_shape`` (one example, no batch dim)."""
        self.built = True
        self.output_shape = self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """The shape of one example's output (the same as the input unless overridden)."""
        return input_shape

    def call(self, x: Tensor) -> Tensor:
        """The layer's computation before its activation."""
        return x

    def forward(self, x: Tensor, activate: bool = True) -> Tensor:
        out = self.call(x)
        return self.activation_fn(out) if activate else out


class Dense(Layer):
    """``activation(x @ kernel + bias)``: a fully connected layer of ``units`` outputs."""

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(activation, **kwargs)
        self.units, self.use_bias = int(units), use_bias

    def build(self, input_shape: Shape) -> None:
        self.linear = mt.Linear(input_shape[-1], self.units, bias=self.use_bias, backend=layer_backend(), dtype=DTYPE)
        w = self.linear.weight.value
        fused.as_array(w)[...] = fused.as_array(init.xavier_uniform(w.shape, dtype=DTYPE))
        if self.use_bias:
            fused.as_array(self.linear.bias.value)[...] = 0.0
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units)

    def call(self, x: Tensor) -> Tensor:
        return self.linear(x)

    def forward(self, x: Tensor, activate: bool = True) -> Tensor:
        if activate and self.activation == "relu" and recording.watcher() is None:
            # The product and its relu as one graph node (a tracer sees the two apart).
            bias = self.linear.bias.value if self.use_bias else None
            return fused.linear(x, self.linear.weight.value, bias, relu=True)
        return super().forward(x, activate)


class Flatten(Layer):
    """``(batch, d1, d2, ...)`` -> ``(batch, d1 * d2 * ...)``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.flatten = mt.Flatten()

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (int(np.prod(input_shape)),)

    def call(self, x: Tensor) -> Tensor:
        return self.flatten(x)


class Reshape(Layer):
    """Reshape each example to ``target_shape``."""

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.target_shape = tuple(int(s) for s in target_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if int(np.prod(input_shape)) != int(np.prod(self.target_shape)):
            raise ValueError(f"cannot reshape {input_shape} to {self.target_shape}")
        return self.target_shape

    def call(self, x: Tensor) -> Tensor:
        return x.contiguous().view(x.shape[0], *self.target_shape)


class Dropout(Layer):
    """Zero a fraction ``rate`` of the inputs while training."""

    def __init__(self, rate: float, **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.rate = rate
        self.dropout = mt.Dropout(rate)

    def call(self, x: Tensor) -> Tensor:
        return self.dropout(x)


class Activation(Layer):
    """Apply an activation function (``Activation("relu")``)."""

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(activation, **kwargs)


def _pair(x: Union[int, Sequence[int]]) -> Tuple[int, int]:
    return (int(x), int(x)) if isinstance(x, (int, np.integer)) else (int(x[0]), int(x[1]))


def _nchw(x: Tensor) -> Tensor:
    return x.permute(0, 3, 1, 2).contiguous()


def _nhwc(x: Tensor) -> Tensor:
    return x.permute(0, 2, 3, 1)


def _out_size(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "same":
        return -(-size // stride)
    return (size - kernel) // stride + 1


class Conv2D(Layer):
    """2-D convolution of channels-last images: ``(batch, H, W, C)`` -> ``(batch, H', W', filters)``.

    Args:
        filters: output channels.
        kernel_size: an int or ``(kh, kw)``.
        strides: an int or pair.
        padding: ``"valid"`` (no padding) or ``"same"`` (stride 1: output size = input size).
        activation, use_bias: as for :class:`Dense`.
    """

    def __init__(
        self, filters: int, kernel_size: Union[int, Sequence[int]], strides: Union[int, Sequence[int]] = 1,
        padding: str = "valid", activation: Any = None, use_bias: bool = True, **kwargs: Any,
    ) -> None:
        super().__init__(activation, **kwargs)
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.filters, self.kernel_size, self.strides = int(filters), _pair(kernel_size), _pair(strides)
        self.padding, self.use_bias = padding, use_bias

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D needs (height, width, channels) inputs, got {input_shape}")
        self.conv = mt.Conv2d(input_shape[-1], self.filters, self.kernel_size, self.strides, self.padding,
                              bias=self.use_bias, backend=layer_backend(), dtype=DTYPE)
        w = self.conv.weight.value
        fused.as_array(w)[...] = fused.as_array(init.xavier_uniform(w.shape, dtype=DTYPE))
        if self.use_bias:
            fused.as_array(self.conv.bias.value)[...] = 0.0
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        h, w, _ = input_shape
        return (_out_size(h, self.kernel_size[0], self.strides[0], self.padding),
                _out_size(w, self.kernel_size[1], self.strides[1], self.padding), self.filters)

    def call(self, x: Tensor) -> Tensor:
        return _nhwc(self.conv(_nchw(x)))


class MaxPooling2D(Layer):
    """The maximum of each ``pool_size`` window of channels-last images."""

    pool = staticmethod(nn.max_pool2d)

    def __init__(
        self, pool_size: Union[int, Sequence[int]] = (2, 2), strides: Optional[Union[int, Sequence[int]]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(None, **kwargs)
        self.pool_size = _pair(pool_size)
        self.strides = self.pool_size if strides is None else _pair(strides)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        h, w, c = input_shape
        return (_out_size(h, self.pool_size[0], self.strides[0], "valid"),
                _out_size(w, self.pool_size[1], self.strides[1], "valid"), c)

    def call(self, x: Tensor) -> Tensor:
        return _nhwc(type(self).pool(_nchw(x), self.pool_size, self.strides))


class AveragePooling2D(MaxPooling2D):
    """The average of each ``pool_size`` window of channels-last images."""

    pool = staticmethod(nn.avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """``(batch, H, W, C)`` -> ``(batch, C)``: each channel's average."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[-1],)

    def call(self, x: Tensor) -> Tensor:
        n, h, w, c = x.shape
        return x.contiguous().view(n, h * w, c).mean(1).view(n, c)


class BatchNormalization(Layer):
    """Batch normalisation over the last axis (features, or channels of channels-last images).

    Keras' ``momentum=0.99`` keeps 99% of the running statistics each step,
    which is PyTorch's ``momentum=0.01``.
    """

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.momentum, self.epsilon = momentum, epsilon

    def build(self, input_shape: Shape) -> None:
        self.bn = mt.BatchNorm1d(input_shape[-1], eps=self.epsilon, momentum=1.0 - self.momentum,
                                 backend=layer_backend(), dtype=DTYPE)
        super().build(input_shape)

    def call(self, x: Tensor) -> Tensor:
        if x.dims == 2:
            return self.bn(x)
        # Channels last: make the channels dim 1, as batch norm expects.
        n, c = x.shape[0], x.shape[-1]
        rows = x.contiguous().view(n, -1, c).permute(0, 2, 1).contiguous()
        return self.bn(rows).permute(0, 2, 1).contiguous().view(*x.shape)


class InputLayer:
    """``keras.Input(shape=(28, 28))``: declares the input shape of a ``Sequential`` model."""

    def __init__(self, shape: Sequence[int]) -> None:
        self.shape = tuple(int(s) for s in shape)


def Input(shape: Sequence[int]) -> InputLayer:  # noqa: N802 - Keras' name
    """The input of a model: the shape of one example (no batch dim)."""
    return InputLayer(shape)


__all__ = [
    "Layer", "Dense", "Flatten", "Reshape", "Dropout", "Activation", "Conv2D", "MaxPooling2D",
    "AveragePooling2D", "GlobalAveragePooling2D", "BatchNormalization", "Input", "InputLayer",
    "clear_session", "get_activation",
]
