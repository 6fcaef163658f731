"""ResNet-18, -34 and -50 (He et al., 2015), composed from minitorch layers.

A residual network stacks *blocks* that learn a correction to their input,
``out = relu(F(x) + x)``, so a block that has nothing to add can learn
``F = 0`` and pass its input through. That is what lets 50 layers train.

The network, for a 224x224 image::

    conv1 7x7/2, bn1, relu, maxpool 3x3/2     -> (B,   64, 56, 56)
    layer1 (stride 1)                         -> (B,  64 * e, 56, 56)
    layer2 (stride 2)                         -> (B, 128 * e, 28, 28)
    layer3 (stride 2)                         -> (B, 256 * e, 14, 14)
    layer4 (stride 2)                         -> (B, 512 * e,  7,  7)   = features(x)
    avgpool (global), flatten, fc             -> (B, num_classes)        = forward(x)

``e`` (the block's ``expansion``) is 1 for :class:`BasicBlock` (two 3x3
convolutions; ResNet-18/34) and 4 for :class:`Bottleneck` (1x1 down, 3x3,
1x1 up; ResNet-50). When a block changes the shape, its shortcut is a 1x1
convolution and a BatchNorm (``downsample``). ResNet-50 strides on the 3x3
convolution of its bottlenecks (torchvision's "v1.5", the weights everyone
publishes), not on the first 1x1 as in the paper.

Every attribute has torchvision's name (``conv1``, ``layer1.0.bn2``,
``layer2.0.downsample.0``, ``fc``), so a torchvision ``state_dict`` loads
as it is: ``model.load_state_dict(minitorch.io.load_checkpoint(path))``.
The builders below only build, with random weights; ``ZOO`` at the end
describes torchvision's published weights, which ``vision.zoo`` fetches and loads.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import List, Optional, Sequence, Type, Union

from minitorch import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
)
from minitorch.layers.inference import conv_bn, fusable
from minitorch.tensor import Tensor
from minitorch.tensor_data import DTypeLike
from minitorch.tensor_ops import TensorBackend
from vision.transforms import imagenet_stats

from .entry import ZooEntry

# torchvision's names already match ours: nothing to rename when loading its files.
RESNET_RENAMES: List[tuple] = []
RELU = (0.0, float("inf"))  # a ReLU as the clip of the fused inference path


class BasicBlock(Module):
    """Two 3x3 convolutions and a shortcut: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``.

    Args:
        inplanes: channels coming in.
        planes: channels going out (``expansion`` is 1).
        stride: stride of ``conv1`` (2 halves the image).
        downsample: the shortcut when the shape changes (1x1 conv + BatchNorm),
            else None for the identity.
        backend, dtype: where and in what precision the parameters live.
    """

    expansion = 1

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[Module] = None,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        kw = dict(backend=backend, dtype=dtype)
        self.conv1 = Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False, **kw)
        self.bn1 = BatchNorm2d(planes, **kw)
        self.relu = ReLU()
        self.conv2 = Conv2d(planes, planes, 3, padding=1, bias=False, **kw)
        self.bn2 = BatchNorm2d(planes, **kw)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        if fusable(self, x):  # inference: each convolution with its BatchNorm, ReLU and sum, one pass
            out = conv_bn(x, self.conv1, self.bn1, RELU)
            return conv_bn(out, self.conv2, self.bn2, RELU, residual=_shortcut(self.downsample, x))
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(Module):
    """1x1 (narrow), 3x3 (stride here, "v1.5"), 1x1 (widen by 4), plus a shortcut.

    Args:
        inplanes: channels coming in.
        planes: the narrow width; ``planes * 4`` channels go out.
        stride: stride of the 3x3 ``conv2``.
        downsample: the shortcut when the shape changes, else None.
        backend, dtype: where and in what precision the parameters live.
    """

    expansion = 4

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[Module] = None,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        kw = dict(backend=backend, dtype=dtype)
        width = planes * self.expansion
        self.conv1 = Conv2d(inplanes, planes, 1, bias=False, **kw)
        self.bn1 = BatchNorm2d(planes, **kw)
        self.conv2 = Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False, **kw)
        self.bn2 = BatchNorm2d(planes, **kw)
        self.conv3 = Conv2d(planes, width, 1, bias=False, **kw)
        self.bn3 = BatchNorm2d(width, **kw)
        self.relu = ReLU()
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        if fusable(self, x):  # inference: as BasicBlock
            out = conv_bn(x, self.conv1, self.bn1, RELU)
            out = conv_bn(out, self.conv2, self.bn2, RELU)
            return conv_bn(out, self.conv3, self.bn3, RELU, residual=_shortcut(self.downsample, x))
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


Block = Type[Union[BasicBlock, Bottleneck]]


def _shortcut(downsample: Optional[Module], x: Tensor) -> Tensor:
    """A block's shortcut in inference: ``x``, or its 1x1 convolution and BatchNorm fused."""
    if downsample is None:
        return x
    if isinstance(downsample, Sequential) and len(downsample) == 2 and isinstance(downsample[0], Conv2d):
        return conv_bn(x, downsample[0], downsample[1])
    return downsample(x)


class ResNet(Module):
    """A residual network: a stem, four stages of blocks, global pooling and a classifier.

    Args:
        block: :class:`BasicBlock` or :class:`Bottleneck`.
        layers: how many blocks each of the four stages has, e.g. ``(2, 2, 2, 2)``.
        num_classes: outputs of ``fc``.
        in_channels: channels of the input images.
        backend, dtype: where and in what precision the parameters live
            (dtype None: the layers' default, float64; pass ``"float32"`` for speed).

    Attributes:
        num_features: channels ``features(x)`` returns (512 * ``block.expansion``),
            the input size of a new head.
    """

    def __init__(
        self, block: Block, layers: Sequence[int], num_classes: int = 1000, in_channels: int = 3,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
    ) -> None:
        super().__init__()
        if len(layers) != 4 or any(n < 1 for n in layers):
            raise ValueError(f"layers must be four positive block counts, e.g. (2, 2, 2, 2), got {layers!r}")
        self._kw = dict(backend=backend, dtype=dtype)
        self.block, self.in_channels, self.inplanes = block, in_channels, 64
        self.conv1 = Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False, **self._kw)
        self.bn1 = BatchNorm2d(64, **self._kw)
        self.relu = ReLU()
        self.maxpool = MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0], stride=1)
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.num_features = 512 * block.expansion
        self.avgpool = AdaptiveAvgPool2d(1)
        self.flatten = Flatten(1)
        self.fc = Linear(self.num_features, num_classes, **self._kw)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> Sequential:
        """One stage: a first block that may stride and widen, then ``blocks - 1`` that keep the shape."""
        width = planes * self.block.expansion
        downsample = None
        if stride != 1 or self.inplanes != width:
            downsample = Sequential(
                Conv2d(self.inplanes, width, 1, stride=stride, bias=False, **self._kw),
                BatchNorm2d(width, **self._kw),
            )
        stage = [self.block(self.inplanes, planes, stride, downsample, **self._kw)]
        self.inplanes = width
        stage += [self.block(width, planes, **self._kw) for _ in range(blocks - 1)]
        return Sequential(*stage)

    def _prepare(self, x: Tensor) -> Tensor:
        """``x`` checked, and when it is a constant, on the model's backend and dtype.

        A tensor made with ``Tensor.from_numpy(array)`` lives on the pure-Python
        ``SimpleBackend``, whose ReLUs and additions would take 10x longer than
        all the convolutions; so a constant input is moved (as the Learner
        moves batches). An input that needs gradients is left as it is, so
        they still reach it.
        """
        shape = getattr(x, "shape", None)
        if not isinstance(x, Tensor) or len(shape) != 4 or shape[1] != self.in_channels:
            hint = (
                "make it a minitorch Tensor (Tensor.from_numpy)" if not isinstance(x, Tensor)
                else "add a batch dim to a single image with x.view(1, *x.shape)" if len(shape) == 3
                else f"give images with {self.in_channels} channels (or build with in_channels=...)"
            )
            raise ValueError(
                f"ResNet expects a Tensor batch of images shaped (B, {self.in_channels}, H, W), "
                f"got {type(x).__name__} of shape {shape}: {hint}"
            )
        weight = self.conv1.weight.value
        if x.requires_grad():
            return x
        if x.dtype != weight.dtype:
            x = x.astype(weight.dtype)
        return x if x.backend is weight.backend else Tensor(x._tensor, backend=weight.backend)

    def body(self) -> Sequential:
        """The network up to and including ``layer4``, as a ``Sequential`` sharing these modules.

        Its children keep their names (``conv1`` ... ``layer4``), so it is the
        pretrained body a transfer-learning head goes on.
        """
        names = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]
        return Sequential(OrderedDict((n, getattr(self, n)) for n in names))

    def features(self, x: Tensor) -> Tensor:
        """The feature map after ``layer4``.

        Args:
            x: ``(B, in_channels, H, W)`` images (a constant input is first
                moved to the model's backend and dtype).

        Returns:
            ``(B, num_features, H / 32, W / 32)`` (rounded up).

        Raises:
            ValueError: ``x`` is not a 4-D batch with ``in_channels`` channels.
        """
        x = self._prepare(x)
        if fusable(self, x):  # inference: the stem's convolution, BatchNorm and ReLU in one pass
            x = self.maxpool(conv_bn(x, self.conv1, self.bn1, RELU))
        else:
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x: Tensor) -> Tensor:
        """Class scores (logits), ``(B, num_classes)``, of ``(B, in_channels, H, W)`` images."""
        return self.fc(self.flatten(self.avgpool(self.features(x))))


def _resnet(
    block: Block, layers: Sequence[int], num_classes: int,
    backend: Optional[TensorBackend], dtype: DTypeLike,
) -> ResNet:
    return ResNet(block, layers, num_classes=num_classes, backend=backend, dtype=dtype)


def resnet18(
    num_classes: int = 1000, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> ResNet:
    """ResNet-18 (BasicBlocks 2-2-2-2, 11.7 M parameters), randomly initialised.

    Args:
        num_classes: outputs of the classifier ``fc``.
        backend, dtype: where and in what precision the parameters live.
    """
    return _resnet(BasicBlock, (2, 2, 2, 2), num_classes, backend, dtype)


def resnet34(
    num_classes: int = 1000, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> ResNet:
    """ResNet-34 (BasicBlocks 3-4-6-3, 21.8 M parameters), randomly initialised (arguments as resnet18)."""
    return _resnet(BasicBlock, (3, 4, 6, 3), num_classes, backend, dtype)


def resnet50(
    num_classes: int = 1000, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None,
) -> ResNet:
    """ResNet-50 (Bottlenecks 3-4-6-3, 25.6 M parameters), randomly initialised (arguments as resnet18)."""
    return _resnet(Bottleneck, (3, 4, 6, 3), num_classes, backend, dtype)


# ## The zoo's entries: torchvision's IMAGENET1K_V1 weights

_PAPER = "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition, CVPR 2016"
_PUBLISHED = {  # name: (builder, file, top-1 of torchvision's IMAGENET1K_V1 weights, params)
    "resnet18": (resnet18, "resnet18-f37072fd.pth", 69.758, 11_689_512),
    "resnet34": (resnet34, "resnet34-b627a593.pth", 73.314, 21_797_672),
    "resnet50": (resnet50, "resnet50-0676ba61.pth", 76.130, 25_557_032),
}
# torchvision publishes only the first 8 hex digits (32 bits) of each file's sha256, in its
# name. Where the full digest of the published file is known it is checked instead.
_FULL_SHA256 = {
    "resnet18-f37072fd.pth": "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec",
    "resnet50-0676ba61.pth": "0676ba61b6795bbe1773cffd859882e5e297624d384b6993f7c9e683e722fb8a",
}


def _entry(name: str) -> ZooEntry:
    builder, filename, top1, params = _PUBLISHED[name]
    prefix = filename.rsplit("-", 1)[1].split(".")[0]
    return ZooEntry(
        name=name, builder=builder, family="resnet", input_size=224, resize_size=256,
        stats=imagenet_stats, filename=filename, sha256=_FULL_SHA256.get(filename, prefix),
        urls=(f"https://download.pytorch.org/models/{filename}",), renames=tuple(RESNET_RENAMES),
        params=params, top1=top1, top1_source="torchvision, IMAGENET1K_V1 weights (acc@1)",
        license="BSD-3-Clause (torchvision)", paper=_PAPER,
        description=f"ResNet-{name[6:]} (torchvision IMAGENET1K_V1), 256 -> 224 centre crop, ImageNet mean/std",
        notes="torchvision publishes the first 8 hex digits of the sha256 in the file name; "
              + ("the zoo checks the full sha256 of that file." if filename in _FULL_SHA256
                 else "the zoo can check only that prefix."),
    )


ZOO = tuple(_entry(name) for name in _PUBLISHED)
"""The zoo's entries, read by :mod:`minitorch.hub.models` (entry point ``minitorch.hub``)."""


__all__ = ["RESNET_RENAMES", "BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50"]
