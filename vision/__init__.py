"""vision: images, pretrained models and the model zoo (built on minitorch).

Empty for now: the vision issue fills it (transforms, ImageDataLoaders,
EfficientNet-Lite, the zoo and vision_learner).
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
)

__all__ = [  # later blocks extend it: __all__ += [...]
    "Brightness", "CenterCrop", "Contrast", "FlipItem", "ImageDataLoader", "ImageDataLoaders",
    "ImageDataset", "ImageReadError", "Normalize", "RandomResizedCrop", "Resize", "Rotate",
    "aug_transforms", "get_image_files", "imagenet_stats", "inception_stats", "open_image",
    "to_chw_array", "to_rgb",
]  # fmt: skip
# --- end image pipeline ---
