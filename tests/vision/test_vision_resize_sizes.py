"""Resize and RandomResizedCrop give the requested size for every image size.

Photos such as 500x374 used to make the crop box ~3e-14 pixel wider than the
image: training raised ``high - low < 0`` and validation Pillow's
``box offset can't be negative``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vision.transforms import RandomResizedCrop, Resize, _crop_box

sides = st.integers(min_value=1, max_value=4000)
out_sizes = st.one_of(st.integers(1, 300), st.tuples(st.integers(1, 300), st.integers(1, 300)))
TRANSFORMS = [
    lambda size: Resize(size, method="crop"),
    lambda size: Resize(size, method="squish"),
    lambda size: Resize(size, method="pad", pad_mode="reflection"),
    lambda size: Resize(size, method="pad", pad_mode="zeros"),
    lambda size: RandomResizedCrop(size),
    lambda size: RandomResizedCrop(size, val_xtra=0.0),
]


def _hw(size) -> tuple:
    return (size, size) if isinstance(size, int) else size


@settings(max_examples=300, deadline=None)
@given(
    W=sides, H=sides, size=out_sizes, frac=st.sampled_from([1.0, 1 / 1.14]), seed=st.integers(0, 9)
)
def test_crop_box_lies_inside_the_image(W: int, H: int, size, frac: float, seed: int) -> None:
    for rng in (None, np.random.default_rng(seed)):
        left, top, right, bottom = _crop_box((W, H), _hw(size), frac, rng)
        assert 0 <= left <= right <= W and 0 <= top <= bottom <= H


@pytest.mark.parametrize(
    "W,H", [(500, 374), (500, 444), (55, 55), (374, 500), (1, 4000), (4000, 1)]
)
@pytest.mark.parametrize("make", TRANSFORMS)
@pytest.mark.parametrize("train", [False, True])
def test_photo_sizes_that_used_to_fail(W: int, H: int, make, train: bool) -> None:
    img = Image.new("RGB", (W, H), (10, 200, 30))
    out = make(224)(img, np.random.default_rng(0) if train else None)
    assert out.size == (224, 224)


@settings(max_examples=40, deadline=None)
@given(
    W=sides, H=sides, size=out_sizes, which=st.integers(0, len(TRANSFORMS) - 1), train=st.booleans()
)
def test_every_transform_gives_the_requested_size(
    W: int, H: int, size, which: int, train: bool
) -> None:
    img = Image.new("RGB", (W, H), (10, 200, 30))
    out = TRANSFORMS[which](size)(img, np.random.default_rng(1) if train else None)
    h, w = _hw(size)
    assert out.size == (w, h)
