"""An ants-and-bees style run on the photos real folders hold, in test size.

Sizes that used to break the crop (500x374, 500x444), a portrait, a tiny
image, greyscale, RGBA, CMYK and a truncated JPEG, in an ImageFolder tree:
find the broken file, train a small vision learner for one epoch, then
predict every photo. The broken file is reported by name; nothing crashes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minitorch.learner.metrics import accuracy
from vision import (
    ImageDataLoaders,
    ImageReadError,
    Resize,
    aug_transforms,
    get_image_files,
    verify_images,
    vision_learner,
)

# (file name, width, height, Pillow mode): the photos one class folder holds. Resize(28)
# made the old crop box of all three large photos a hair wider than the image.
PHOTOS = [
    ("landscape.jpg", 500, 374, "RGB"),
    ("squarish.jpg", 500, 444, "RGB"),
    ("portrait.jpg", 374, 500, "RGB"),
    ("tiny.png", 3, 2, "RGB"),
    ("grey.jpg", 64, 48, "L"),
    ("alpha.png", 40, 40, "RGBA"),
    ("print.jpg", 50, 60, "CMYK"),
]


def _photo(path: Path, width: int, height: int, mode: str, tint: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
    pixels[..., tint] += 170  # ants red, bees blue: learnable in one epoch
    img = Image.fromarray(pixels)
    if mode == "RGBA":
        img = img.convert("RGBA")
        img.putalpha(200)
    elif mode != "RGB":
        img = img.convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, quality=90) if path.suffix == ".jpg" else img.save(path)
    return path


@pytest.fixture
def hymenoptera(tmp_path: Path) -> Path:
    """train/ and val/ with ants and bees in every awkward form, plus one truncated JPEG."""
    seed = 0
    for split in ("train", "val"):
        for cls, tint in (("ants", 0), ("bees", 2)):
            photos = PHOTOS if split == "train" else PHOTOS[:3]
            for name, width, height, mode in photos:
                seed += 1
                _photo(tmp_path / split / cls / name, width, height, mode, tint, seed)
    good = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(good, "JPEG")
    (tmp_path / "train" / "ants" / "truncated.jpg").write_bytes(good.getvalue()[:400])
    return tmp_path


def test_ants_and_bees_from_awkward_photos(hymenoptera: Path) -> None:
    broken = hymenoptera / "train" / "ants" / "truncated.jpg"
    all_photos = get_image_files(hymenoptera)

    # 1. Find the unreadable files first (fast.ai's verify_images), by name.
    failed = verify_images(all_photos)
    assert [path for path, _ in failed] == [broken]
    assert "truncated.jpg" in failed[0][1]
    # Left in the tree, training stops at it with an error naming it, not a Pillow trace.
    dls = ImageDataLoaders.from_folder(hymenoptera, item_tfms=Resize(28), bs=4, seed=0)
    with pytest.raises(ImageReadError, match="truncated.jpg"):
        list(dls.train)

    # 2. Set it aside, then load, train one epoch and validate.
    aside = hymenoptera / "aside" / broken.name
    aside.parent.mkdir()
    broken.rename(aside)
    dls = ImageDataLoaders.from_folder(hymenoptera, item_tfms=Resize(28), batch_tfms=aug_transforms(),
                                       bs=4, seed=0)  # fmt: skip
    assert dls.vocab == ["ants", "bees"] and len(dls.train_ds) == 14 and len(dls.valid_ds) == 6
    learn = vision_learner(dls, "resnet18", pretrained=False, metrics=accuracy)
    learn.fit(1, 1e-3)
    loss, acc = learn.validate()
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0

    # 3. Predict every photo, the broken one included: it is reported, the rest predicted.
    reports, labels = [], {}
    for path in [*get_image_files(hymenoptera / "train"), aside]:
        try:
            label, index, probs = learn.predict(dls.valid_ds.prepare(path))
        except ImageReadError as error:
            reports.append(str(error))
            continue
        assert label in dls.vocab and probs.shape == (2,) and np.isclose(float(probs.sum()), 1.0)
        labels[path] = label
    assert len(labels) == 14 and len(reports) == 1 and str(aside) in reports[0]
