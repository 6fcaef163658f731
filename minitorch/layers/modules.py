"""Module 4: the layers networks are built from, as ``Module``\\ s with PyTorch's names.

Each layer owns its parameters (created with PyTorch's default
initialisation, see ``init.py``) and calls one function in ``forward``:
a fused Function of ``fused.py`` (``Linear``, ``BatchNorm``, ``LayerNorm``,
``Embedding``, ``GELU``), a functional of ``nn.py`` (convolution, pooling,
dropout, softmax), or a composition of primitive tensor operations
(``Tanh``). Parameter names and shapes match PyTorch's, so a
``state_dict`` carries over in both directions.

Every layer takes ``backend`` (default: the fastest this machine has,
``backends.layer_backend()``) and ``dtype`` (default float64, which the
course's gradient checks need; pass ``"float32"`` for speed).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from .. import nn
from ..backends import layer_backend
from ..fast_conv import conv1d, conv2d
from ..module import Module, Parameter
from ..tensor import Tensor
from ..tensor_data import DTypeLike, TensorData
from ..tensor_ops import TensorBackend
from . import fused, inference, init

IntOrPair = Union[int, Tuple[int, int]]


def _backend(backend: Optional[TensorBackend]) -> TensorBackend:
    return layer_backend() if backend is None else backend


def _value(p: Optional[Parameter]) -> Optional[Tensor]:
    return None if p is None else p.value


def _pair(x: IntOrPair) -> Tuple[int, int]:
    return (int(x), int(x)) if isinstance(x, (int, np.integer)) else (int(x[0]), int(x[1]))


def _require_positive(layer: str, **sizes: Any) -> None:
    """Raise ``ValueError`` naming the first size that is not a positive int (or tuple of them).

    A zero size would otherwise fail much later and far away (a division by
    zero in the weight initialisation, an empty output), as PyTorch checks too.
    """
    for name, value in sizes.items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        if not all(isinstance(v, (int, np.integer)) and v > 0 for v in values):
            raise ValueError(f"{layer}: {name} must be a positive int (or one per dim), got {value!r}")


# ## Fully connected


class Linear(Module):
    """``y = x @ weight.T + bias``, a fully connected layer.

    Args:
        in_features: size of each input's last dim.
        out_features: size of each output's last dim.
        bias: learn an additive bias.
        backend, dtype: where and in what precision the parameters live.

    Attributes:
        weight: ``(out_features, in_features)``, Kaiming-uniform initialised.
        bias: ``(out_features,)`` or None.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        _require_positive(type(self).__name__, in_features=in_features, out_features=out_features)
        b = _backend(backend)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(init.kaiming_uniform((out_features, in_features), backend=b, dtype=dtype), "weight")
        self.bias = Parameter(init.bias_uniform(out_features, in_features, b, dtype), "bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return fused.linear(x, self.weight.value, _value(self.bias))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# ## Convolutions


class _ConvNd(Module):
    """What 1-D and 2-D convolutions share: the weight, bias and geometry."""

    dims = 2

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
        dilation: Any, groups: int, bias: bool, backend: Optional[TensorBackend], dtype: DTypeLike,
    ) -> None:
        super().__init__()
        _require_positive(type(self).__name__, in_channels=in_channels, out_channels=out_channels,
                          groups=groups, kernel_size=kernel_size, stride=stride, dilation=dilation)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                f"divisible by groups ({groups})"
            )
        b = _backend(backend)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = self._tuple(kernel_size)
        self.stride, self.dilation = self._tuple(stride), self._tuple(dilation)
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
        if isinstance(padding, str) or (isinstance(padding, tuple) and len(padding) == 2 * self.dims):
            self.padding: Any = padding  # "same", "valid", or (before, after) per dim
        else:
            self.padding = self._tuple(padding)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(init.kaiming_uniform(shape, backend=b, dtype=dtype), "weight")
        fan_in = init.fans(shape)[0]
        self.bias = Parameter(init.bias_uniform(out_channels, fan_in, b, dtype), "bias") if bias else None

    def conv_padding(self, x: Tensor) -> Any:
        """The ``padding`` given to ``conv2d`` for ``x`` (``Conv2dSame`` works out TF's "SAME")."""
        return self.padding

    def _tuple(self, x: Any) -> Tuple[int, ...]:
        if isinstance(x, (int, np.integer)):
            return (int(x),) * self.dims
        if len(x) != self.dims:
            raise ValueError(f"expected an int or {self.dims} ints, got {x!r}")
        return tuple(int(v) for v in x)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` inputs (text, audio, time series).

    Args:
        in_channels, out_channels: channels of the input and output.
        kernel_size: the window length.
        stride, padding, dilation, groups: as in PyTorch (``padding`` may be
            an int, ``"valid"`` or ``"same"``).
        bias: learn a per-channel bias.
        backend, dtype: where and in what precision the parameters live.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kernel_size)``.
    """

    dims = 1

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
        padding: Union[int, str] = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, backend, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return conv1d(x, self.weight.value, _value(self.bias), stride=self.stride,
                      padding=self.padding, dilation=self.dilation, groups=self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)`` images, with groups (depthwise when ``groups == C_in``).

    Args:
        in_channels, out_channels: channels of the input and output.
        kernel_size: an int or ``(KH, KW)``.
        stride, padding, dilation: ints or pairs, as in PyTorch (``padding``
            may also be ``"valid"`` or ``"same"``).
        groups: split the channels into this many independent convolutions.
        bias: learn a per-channel bias.
        backend, dtype: where and in what precision the parameters live.

    Attributes:
        weight: ``(out_channels, in_channels / groups, KH, KW)``.
    """

    fused_conv = True  # inference may fuse a BatchNorm and ReLU after it (layers.inference)

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1,
        padding: Union[IntOrPair, str] = 0, dilation: IntOrPair = 1, groups: int = 1,
        bias: bool = True, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, backend, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight.value, _value(self.bias), stride=self.stride,
                      padding=self.conv_padding(x), dilation=self.dilation, groups=self.groups)


# ## Normalisation


class _BatchNorm(Module):
    """Batch normalisation with running statistics (PyTorch's ``_BatchNorm``)."""

    input_dims: Tuple[int, ...] = ()

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1,
        affine: bool = True, track_running_stats: bool = True,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        b = _backend(backend)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(init.constant((num_features,), 1.0, b, dtype), "weight") if affine else None
        self.bias = Parameter(init.constant((num_features,), 0.0, b, dtype), "bias") if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", init.constant((num_features,), 0.0, b, dtype))
            self.register_buffer("running_var", init.constant((num_features,), 1.0, b, dtype))
            self.register_buffer("num_batches_tracked", Tensor(TensorData(np.zeros(1), ()), backend=b))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: Tensor, clip: Optional[Tuple[float, float]] = None) -> Tensor:
        """Normalise ``x``; ``clip=(lo, hi)`` also clamps the result in the same pass (a fused ReLU6)."""
        if x.dims not in self.input_dims or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expects input of "
                f"{' or '.join(f'{d}' for d in self.input_dims)} dims with {self.num_features} "
                f"channels in dim 1, got shape {x.shape}"
            )
        momentum = self.momentum
        if self.training and self.num_batches_tracked is not None:
            fused.as_array(self.num_batches_tracked)[...] += 1
            if momentum is None:  # a cumulative average of all batches so far
                momentum = 1.0 / float(self.num_batches_tracked.item())
        return fused.batch_norm(
            x, self.running_mean, self.running_var, _value(self.weight), _value(self.bias),
            training=self.training, momentum=momentum if momentum is not None else 0.0, eps=self.eps,
            clip=clip,
        )

    def eval_affine(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """``(scale, shift)``, float64 ``(C,)``: in evaluation this layer is ``x * scale + shift``.

        None in training or without running statistics (no fixed map then).
        """
        if self.training or self.running_mean is None or self.running_var is None:
            return None
        scale = 1.0 / np.sqrt(fused.as_array(self.running_var).astype(np.float64) + self.eps)
        if self.weight is not None:
            scale = scale * fused.as_array(self.weight.value)
        shift = -fused.as_array(self.running_mean).astype(np.float64) * scale
        if self.bias is not None:
            shift = shift + fused.as_array(self.bias.value)
        return scale, shift

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs per channel ``C``.

    In training, normalises with the batch's mean and variance and updates
    ``running_mean``/``running_var``; after ``eval()``, uses those instead.

    Args:
        num_features: ``C``.
        eps: added to the variance.
        momentum: update rate of the running statistics (None: cumulative average).
        affine: learn a per-channel scale ``weight`` (ones) and shift ``bias`` (zeros).
        track_running_stats: keep running statistics (else always use the batch's).
    """

    input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` images per channel (arguments as :class:`BatchNorm1d`)."""

    input_dims = (4,)


class LayerNorm(Module):
    """Normalise each example over its trailing ``normalized_shape`` dims (transformers).

    Args:
        normalized_shape: an int or the trailing shape, e.g. ``768``.
        eps: added to the variance.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape.
        bias: learn the bias (when ``elementwise_affine``).
    """

    def __init__(
        self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-5,
        elementwise_affine: bool = True, bias: bool = True,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        b = _backend(backend)
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.weight = Parameter(init.constant(shape, 1.0, b, dtype), "weight") if elementwise_affine else None
        has_bias = elementwise_affine and bias
        self.bias = Parameter(init.constant(shape, 0.0, b, dtype), "bias") if has_bias else None

    def forward(self, x: Tensor) -> Tensor:
        return fused.layer_norm(x, self.normalized_shape, _value(self.weight), _value(self.bias), self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"


# ## Embedding


class Embedding(Module):
    """A lookup table: index ``i`` -> row ``i`` of ``weight`` (word vectors).

    Args:
        num_embeddings: the number of rows (vocabulary size).
        embedding_dim: the length of each row.
        padding_idx: a row kept at zero that receives no gradient.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, drawn from ``N(0, 1)``.
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: Optional[int] = None,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        b = _backend(backend)
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        weight = init.normal((num_embeddings, embedding_dim), backend=b, dtype=dtype)
        if padding_idx is not None:
            fused.as_array(weight)[padding_idx] = 0.0
        self.weight = Parameter(weight, "weight")

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: Optional[int] = None,
        backend: Optional[TensorBackend] = None,
    ) -> "Embedding":
        """An embedding over given vectors (e.g. GloVe), frozen by default.

        Args:
            embeddings: a ``(num, dim)`` array or tensor (copied; its dtype is kept).
            freeze: keep the vectors fixed (the weight collects no gradient).
            padding_idx: as in the constructor (the row is *not* zeroed).
        """
        array = np.array(embeddings.to_numpy() if isinstance(embeddings, Tensor) else embeddings)
        dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.float64
        layer = cls(array.shape[0], array.shape[1], padding_idx, backend=backend, dtype=dtype)
        fused.as_array(layer.weight.value)[...] = array
        if freeze:
            layer.weight.value.requires_grad_(False)
        return layer

    def forward(self, indices: Any) -> Tensor:
        return fused.embedding(indices, self.weight.value, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


# ## Regularisation, activations, reshaping


class Dropout(Module):
    """Zero each entry with probability ``p`` in training (scaling the rest by ``1 / (1 - p)``).

    Does nothing after ``eval()``.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must lie in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        return fused.dropout(x, self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Identity(Module):
    """Returns its input (a placeholder, e.g. for a removed head)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class ReLU(Module):
    """``max(x, 0)``."""

    fused_clip = (0.0, float("inf"))  # as a clip, for the fused inference path (layers.inference)

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class ReLU6(Module):
    """``min(max(x, 0), 6)`` (MobileNet, EfficientNet-Lite), one fused pass (``fused.clamp``)."""

    fused_clip = (0.0, 6.0)

    def forward(self, x: Tensor) -> Tensor:
        return fused.clamp(x, 0.0, 6.0)


class GELU(Module):
    """The Gaussian error linear unit ``x * Phi(x)`` (exact ``erf`` form)."""

    def forward(self, x: Tensor) -> Tensor:
        return fused.gelu(x)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Tanh(Module):
    """``tanh(x)``, composed from the sigmoid: ``tanh(x) = 2 * sigmoid(2x) - 1``."""

    def forward(self, x: Tensor) -> Tensor:
        return (x * 2.0).sigmoid() * 2.0 - 1.0


class Softmax(Module):
    """``softmax`` along ``dim`` (probabilities that sum to 1)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return nn.softmax(x, self.dim % x.dims)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log(softmax(x))`` along ``dim``, computed stably."""

    def forward(self, x: Tensor) -> Tensor:
        return nn.logsoftmax(x, self.dim % x.dims)


class Flatten(Module):
    """Merge dims ``start_dim .. end_dim`` into one: ``(N, C, H, W)`` -> ``(N, C*H*W)``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        start, end = self.start_dim % x.dims, self.end_dim % x.dims
        merged = math.prod(x.shape[start : end + 1])  # not np.prod: 5 us a call
        shape = (*x.shape[:start], merged, *x.shape[end + 1 :])
        return x if shape == x.shape else x.contiguous().view(*shape)


# ## Pooling


class MaxPool2d(Module):
    """Maximum over each ``kernel_size`` window (stride defaults to the kernel size)."""

    def __init__(self, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None, padding: IntOrPair = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return nn.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    """Average over each ``kernel_size`` window."""

    def forward(self, x: Tensor) -> Tensor:
        return nn.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input size (1 = global average)."""

    def __init__(self, output_size: IntOrPair) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return nn.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


# ## Containers


class Sequential(Module):
    """Modules applied one after another; children are named ``"0"``, ``"1"``, ...

    ``Sequential(a, b, c)(x) == c(b(a(x)))``. Also accepts an ``OrderedDict``
    of named modules. Indexing (``seq[0]``, ``seq[-1]``, ``seq[1:]``),
    ``len`` and iteration work as in PyTorch.
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                setattr(self, name, module)
        else:
            for i, module in enumerate(modules):
                setattr(self, str(i), module)

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end."""
        setattr(self, str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules())

    def __getitem__(self, index: Union[int, slice]) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def forward(self, x: Any) -> Any:
        if isinstance(x, Tensor) and inference.fusable(self, x):  # inference: conv + BN + ReLU in one pass
            return inference.run_sequence(self._modules.values(), x)
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(Sequential):
    """A list of modules, registered as children (no ``forward``: you decide how to call them)."""

    def __init__(self, modules: Sequence[Module] = ()) -> None:
        super().__init__(*modules)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your own forward()")


__all__ = [
    "GELU",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "LayerNorm",
    "Linear",
    "LogSoftmax",
    "MaxPool2d",
    "ModuleList",
    "ReLU",
    "ReLU6",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
]
