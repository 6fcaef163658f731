"""Class-per-folder image trees: ``<split>/<class>/<image>``.

This is the layout of ImageNet, Imagenette and the CIFAR-10 JPEG copy, and
the one fast.ai's ``ImageDataLoaders.from_folder`` and torchvision's
``ImageFolder`` read. Listing files is all we do here: decoding images is the
job of a data pipeline (``vision``), and a list of paths costs no memory.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from .types import ImageFiles

__all__ = ["list_images", "read_class_names", "load_image_folder"]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"})


def list_images(folder: Path, folders: list[str]) -> list[tuple[Path, int]]:
    """All images under ``folder/<class>/``, sorted by class then file name.

    Args:
        folder: a split folder, e.g. ``.../train``.
        folders: class folder names; an image's label is its folder's index.

    Returns:
        ``(path, label)`` pairs; empty when ``folder`` does not exist.
    """
    items = []
    for label, name in enumerate(folders):
        class_dir = folder / name
        if class_dir.is_dir():
            files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            items += [(p, label) for p in files]
    return items


def read_class_names(path: Path) -> dict[str, str]:
    """Read a ``folder,name`` CSV (with a header row) such as Imagenette's ``classes.csv``."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {row[0]: row[1] for row in rows[1:] if len(row) >= 2}


def load_image_folder(
    root: str | Path,
    train: str = "train",
    valid: str = "val",
    subdir: str | None = None,
    class_names: Mapping[str, str] | None = None,
) -> ImageFiles:
    """List a class-per-folder image tree.

    Args:
        root: the data set folder.
        train, valid: names of the training and held-out split folders.
        subdir: a folder inside ``root`` that holds the splits, if any (an
            archive's top-level folder, e.g. ``imagenette2-160``).
        class_names: folder name -> human name; a ``classes.csv`` next to the
            splits overrides it. Folders without a name keep their own.

    Returns:
        :class:`ImageFiles`. Classes are the sorted folder names of the first
        split present, so labels agree between splits.

    Raises:
        FileNotFoundError: neither split folder exists.
    """
    base = Path(root) / subdir if subdir else Path(root)
    present = [base / s for s in (train, valid) if (base / s).is_dir()]
    if not present:
        raise FileNotFoundError(f"{base} has neither {train}/ nor {valid}/")
    folders = sorted(p.name for p in present[0].iterdir() if p.is_dir())
    names = dict(class_names or {})
    if (base / "classes.csv").exists():
        names.update(read_class_names(base / "classes.csv"))
    return ImageFiles(
        train=list_images(base / train, folders),
        valid=list_images(base / valid, folders),
        classes=[names.get(f, f) for f in folders],
        folders=folders,
    )
