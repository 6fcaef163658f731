"""What the vision zoo's entries share: ImageNet-1k's class names, the default of ``ZooEntry``.

An entry itself is a :class:`minitorch.hub.models.ModelEntry` (the one
description of a pretrained model); ``ZooEntry`` only makes the 1000 ImageNet
classes its default, since every image checkpoint here is an ImageNet classifier.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, List, Sequence, Tuple

from minitorch.hub.models import ModelEntry


@functools.lru_cache(maxsize=None)
def _imagenet_table() -> Tuple[Tuple[str, str], ...]:
    """``(wnid, name)`` for the 1000 ImageNet classes, in index order (read once)."""
    text = resources.files("vision").joinpath("imagenet_classes.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line.strip()]
    rows.sort(key=lambda row: int(row[0]))
    if len(rows) != 1000:
        raise RuntimeError(f"imagenet_classes.tsv has {len(rows)} rows, not 1000: reinstall minitorch")
    return tuple((wnid, name.replace("_", " ")) for _, wnid, name in rows)


def imagenet_classes() -> List[str]:
    """The 1000 ImageNet-1k class names in the order every ImageNet checkpoint uses.

    Returns:
        A new list: index 0 is ``"tench"``, 999 ``"toilet tissue"`` (the
        WordNet names with spaces instead of underscores).
    """
    return [name for _, name in _imagenet_table()]


def imagenet_wnids() -> List[str]:
    """The WordNet ids (``"n01440764"`` ...) of the 1000 classes, in the same order."""
    return [wnid for wnid, _ in _imagenet_table()]


@dataclass(frozen=True)
class ZooEntry(ModelEntry):
    """A :class:`~minitorch.hub.models.ModelEntry` whose classes default to ImageNet-1k's."""

    classes: Callable[[], Sequence[str]] = field(default=imagenet_classes, repr=False)


__all__ = ["ZooEntry", "imagenet_classes", "imagenet_wnids"]
