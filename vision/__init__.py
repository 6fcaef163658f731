"""vision: images, pretrained models and the model zoo (built on minitorch).

- ``transforms``: Pillow transforms (``Resize``, ``aug_transforms()``, ``Normalize``);
- ``data``: ``ImageDataLoaders.from_folder / from_name_func / from_lists / from_files``;
- ``models``: EfficientNet-Lite0/1/2 and ResNet-18/34/50 builders;
- ``zoo``: pretrained weights (``create_model``, ``predict``, the ``minitorch-zoo`` CLI);
- ``head`` and ``learner``: ``vision_learner`` (cut body + fast.ai head) and
  feature extraction (``head_learner``).
"""

# --- image pipeline: transforms and data loaders (vision/transforms.py, vision/data.py) ---
from .data import ImageDataLoader, ImageDataLoaders, ImageDataset, get_image_files
from .transforms import (
    Brightness,
    CenterCrop,
    Contrast,
    FlipItem,
    ImageReadError,
    Normalize,
    RandomResizedCrop,
    Resize,
    Rotate,
    aug_transforms,
    imagenet_stats,
    inception_stats,
    open_image,
    to_chw_array,
    to_rgb,
    verify_images,
)

__all__ = [  # later blocks extend it: __all__ += [...]
    "Brightness", "CenterCrop", "Contrast", "FlipItem", "ImageDataLoader", "ImageDataLoaders",
    "ImageDataset", "ImageReadError", "Normalize", "RandomResizedCrop", "Resize", "Rotate",
    "aug_transforms", "get_image_files", "imagenet_stats", "inception_stats", "open_image",
    "to_chw_array", "to_rgb", "verify_images",
]  # fmt: skip
# --- end image pipeline ---

# --- learner ---
from .head import AdaptiveConcatPool2d, create_head  # noqa: E402
from .learner import extract_features, head_learner, vision_learner  # noqa: E402

__all__ += ["AdaptiveConcatPool2d", "create_head", "extract_features", "head_learner", "vision_learner"]
# --- end learner ---

# --- zoo ---
# Loaded on first use (PEP 562): ``import vision`` does not pay for the download code, and
# ``python -m vision.zoo`` does not find a copy of the module already imported.
_ZOO_NAMES = ("ZooEntry", "create_model", "get_entry", "imagenet_classes", "list_models", "predict")


def __getattr__(name: str) -> object:
    if name in _ZOO_NAMES:
        from . import zoo

        return getattr(zoo, name)
    raise AttributeError(f"module 'vision' has no attribute {name!r}")


__all__ += list(_ZOO_NAMES)
# --- end zoo ---
