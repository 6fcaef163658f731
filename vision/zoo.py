"""The model zoo: pretrained models by name (image classifiers, a text encoder), found, checked and loaded.

A *zoo entry* says everything needed to turn a name into a working model:
which architecture to build, which file holds its weights and where that
file comes from, how to check the file, how images must be prepared
(resolution and normalisation) and what the outputs mean (the class names)::

    from vision import zoo

    zoo.list_models("efficientnet*")          # ['efficientnet_lite0', ...]
    model = zoo.create_model("efficientnet_lite0")
    results, failures = zoo.predict("efficientnet_lite0", ["cat.jpg"])

This module gathers the zoo's public names from where they live:

- the entries and the registry: :mod:`minitorch.hub.models` (``ZooEntry``,
  ``register``, ``list_models``, ``get_entry``); the entries themselves sit
  next to their model code (``vision/models/efficientnet_lite.py``,
  ``vision/models/resnet.py``, ``text/models/minilm.py``) and reach the
  registry through the ``minitorch.hub`` entry points in ``pyproject.toml``;
- finding weights, building models, predicting: :mod:`vision.pretrained`,
  on top of the one resolver :mod:`minitorch.hub.resolve` (installed package,
  cache, mirror, URLs);
- the command line, ``minitorch-zoo`` or ``python -m vision.zoo``: :mod:`vision.zoo_cli`.
"""

from __future__ import annotations

import sys

from minitorch.hub.models import UnknownModelError, get_entry, list_models, register, unregister
from minitorch.io.hub import ChecksumError, DownloadError
from vision.models.entry import ZooEntry, imagenet_classes, imagenet_wnids
from vision.pretrained import (
    WeightsNotFoundError,
    available_offline,
    cache_path,
    check_weights,
    create_model,
    file_sha256,
    load_image_batch,
    local_copies,
    package_path,
    predict,
    preprocess,
    weights_path,
)
from vision.zoo_cli import main

__all__ = [
    "ChecksumError", "DownloadError", "UnknownModelError", "WeightsNotFoundError", "ZooEntry", "available_offline", "cache_path",
    "check_weights", "create_model", "file_sha256", "get_entry", "imagenet_classes",
    "imagenet_wnids", "list_models", "load_image_batch", "local_copies", "main", "package_path",
    "predict", "preprocess", "register", "unregister", "weights_path",
]  # fmt: skip

if __name__ == "__main__":
    sys.exit(main())
