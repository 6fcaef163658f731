"""vision.transforms: reading any image as RGB, resizing, augmenting, normalising."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minitorch.learner.arch import build_transform, transform_spec
from vision.transforms import (
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
)

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img).astype(int)


def three_bands(width: int = 40, height: int = 20) -> Image.Image:
    """Left quarter red, middle half green, right quarter blue."""
    a = np.zeros((height, width, 3), np.uint8)
    q = width // 4
    a[:, :q] = RED
    a[:, q : width - q] = GREEN
    a[:, width - q :] = BLUE
    return Image.fromarray(a)


def noise(height: int = 48, width: int = 64, seed: int = 1) -> Image.Image:
    return Image.fromarray(
        np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    )


# ## open_image: every mode becomes RGB


def _write(path: Path, img: Image.Image, **save_kw) -> Path:
    img.save(path, **save_kw)
    return path


def test_rgba_transparent_pixels_become_white(tmp_path: Path) -> None:
    a = np.zeros((6, 8, 4), np.uint8)
    a[..., 0] = 200  # red everywhere ...
    a[:, :4, 3] = 255  # ... opaque on the left, transparent on the right
    img = open_image(_write(tmp_path / "a.png", Image.fromarray(a, "RGBA")))
    assert img.mode == "RGB" and img.size == (8, 6)
    assert tuple(pixels(img)[0, 0]) == (200, 0, 0)
    assert tuple(pixels(img)[0, 7]) == (255, 255, 255)


def test_palette_with_transparency_becomes_rgb(tmp_path: Path) -> None:
    p = Image.new("P", (5, 4), 1)
    p.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    p.putpixel((0, 0), 0)
    path = _write(tmp_path / "p.png", p, transparency=0)
    img = open_image(path)
    assert img.mode == "RGB"
    assert tuple(pixels(img)[0, 0]) == (255, 255, 255)  # the transparent index
    assert tuple(pixels(img)[3, 4]) == (10, 20, 30)


@pytest.mark.parametrize(
    "name, make, expected",
    [
        ("grey.png", lambda: Image.new("L", (7, 5), 77), (77, 77, 77)),
        ("bits.png", lambda: Image.new("1", (7, 5), 1), (255, 255, 255)),
        ("cmyk.jpg", lambda: Image.new("CMYK", (7, 5), (0, 0, 0, 0)), (255, 255, 255)),
        ("rgb.bmp", lambda: Image.new("RGB", (7, 5), (1, 2, 3)), (1, 2, 3)),
        ("rgb.tiff", lambda: Image.new("RGB", (7, 5), (4, 5, 6)), (4, 5, 6)),
        ("rgb.webp", lambda: Image.new("RGB", (7, 5), (0, 0, 0)), None),
        ("la.png", lambda: Image.new("LA", (7, 5), (50, 255)), (50, 50, 50)),
    ],
)
def test_every_mode_becomes_rgb(tmp_path: Path, name: str, make, expected) -> None:
    img = open_image(_write(tmp_path / name, make()))
    assert img.mode == "RGB" and img.size == (7, 5)
    if expected is not None:
        np.testing.assert_allclose(pixels(img)[2, 3], expected, atol=2)  # JPEG is lossy


def test_sixteen_bit_greyscale_is_scaled_not_clipped(tmp_path: Path) -> None:
    a = np.array([[0, 32896, 65535]], dtype=np.uint16)
    path = _write(tmp_path / "deep.png", Image.fromarray(a))
    assert Image.open(path).mode.startswith("I")
    img = open_image(path)
    assert img.mode == "RGB"
    assert pixels(img)[0, :, 0].tolist() == [0, 128, 255]


def test_gif_gives_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (6, 6), c) for c in (RED, BLUE)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    img = open_image(path)
    assert img.mode == "RGB" and img.size == (6, 6)
    np.testing.assert_allclose(pixels(img)[3, 3], RED, atol=3)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = _write(tmp_path / "phone.jpg", Image.new("RGB", (40, 20)), exif=exif)
    assert open_image(path).size == (20, 40)


def test_truncated_jpeg_raises_image_read_error_naming_the_file(tmp_path: Path) -> None:
    good = _write(tmp_path / "whole.jpg", noise(64, 64), quality=90)
    broken = tmp_path / "truncated.jpg"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ImageReadError, match="truncated.jpg"):
        open_image(broken)


def test_text_file_named_jpg_raises_image_read_error(tmp_path: Path) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_text("this is not a picture")
    with pytest.raises(ImageReadError, match="notes.jpg") as info:
        open_image(fake)
    assert isinstance(info.value, ValueError)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_image(tmp_path / "nowhere.png")


# ## Item transforms: sizes and where crops come from


def test_resize_crop_takes_the_centre() -> None:
    out = Resize(20)(three_bands(40, 20))
    assert out.size == (20, 20)
    assert (pixels(out) == GREEN).all()


def test_size_tuple_is_height_width() -> None:
    out = Resize((10, 20))(three_bands(40, 20))  # same aspect: the whole image, halved
    assert out.size == (20, 10)
    np.testing.assert_array_equal(pixels(out)[5, 0], RED)
    np.testing.assert_array_equal(pixels(out)[5, 10], GREEN)
    np.testing.assert_array_equal(pixels(out)[5, 19], BLUE)


def test_resize_crop_is_random_in_training() -> None:
    gradient = Image.fromarray(np.tile(np.arange(100, dtype=np.uint8), (20, 1))).convert("RGB")
    lefts = {int(pixels(Resize(20)(gradient, rng(s)))[0, 0, 0]) for s in range(8)}
    assert len(lefts) > 3  # the crop moves ...
    assert all(0 <= v <= 80 for v in lefts)  # ... but stays inside the image
    same = [pixels(Resize(20)(gradient, rng(3))) for _ in range(2)]
    np.testing.assert_array_equal(*same)


def test_resize_squish_keeps_everything() -> None:
    out = pixels(Resize(20, method="squish")(three_bands(40, 20)))
    assert out.shape == (20, 20, 3)
    np.testing.assert_array_equal(out[10, 0], RED)
    np.testing.assert_array_equal(out[10, 10], GREEN)
    np.testing.assert_array_equal(out[10, 19], BLUE)


def test_resize_pad_zeros_adds_black_borders() -> None:
    out = pixels(Resize(40, method="pad", pad_mode="zeros")(Image.new("RGB", (40, 20), "white")))
    assert out.shape == (40, 40, 3)
    assert (out[:10] == 0).all() and (out[30:] == 0).all()
    assert (out[10:30] == 255).all()


def test_resize_pad_reflection_mirrors_the_edges() -> None:
    rows = np.repeat(np.arange(0, 200, 10, dtype=np.uint8)[:, None], 40, axis=1)  # 20 rows
    out = pixels(Resize(40, method="pad")(Image.fromarray(rows).convert("RGB")))[..., 0]
    assert out.shape == (40, 40)
    np.testing.assert_array_equal(out[10:30, 0], np.arange(0, 200, 10))
    np.testing.assert_array_equal(out[9], out[11])  # mirrored about the first image row
    np.testing.assert_array_equal(out[30], out[28])


def test_center_crop_cuts_the_middle_without_resampling() -> None:
    a = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    out = CenterCrop((4, 6))(Image.fromarray(a))
    np.testing.assert_array_equal(np.asarray(out), a[3:7, 3:9])


def test_random_resized_crop_validation_is_a_centre_crop() -> None:
    a = np.zeros((100, 100, 3), np.uint8)
    a[...] = RED
    a[3:97, 3:97] = GREEN  # a thin red frame the 0.14 margin leaves out
    out = RandomResizedCrop(50)(Image.fromarray(a))
    assert out.size == (50, 50)
    assert (pixels(out) == GREEN).all()
    with_frame = RandomResizedCrop(50, val_xtra=0.0)(Image.fromarray(a))
    assert (pixels(with_frame)[0] != GREEN).any()


def test_random_resized_crop_training_is_seeded() -> None:
    tfm = RandomResizedCrop((24, 32), min_scale=0.2)
    img = noise(80, 80)
    a, b, c = tfm(img, rng(0)), tfm(img, rng(0)), tfm(img, rng(1))
    assert a.size == c.size == (32, 24)
    np.testing.assert_array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(a), pixels(c))


def test_bad_arguments_say_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="squish"):
        Resize(10, method="stretch")
    with pytest.raises(ValueError, match="reflection"):
        Resize(10, pad_mode="border")
    with pytest.raises(ValueError, match="positive"):
        Resize(0)


# ## Augmentations


def test_flip_mirrors_only_in_training() -> None:
    img = noise()
    np.testing.assert_array_equal(pixels(FlipItem(p=1.0)(img, rng())), pixels(img)[:, ::-1])
    np.testing.assert_array_equal(pixels(FlipItem(p=1.0)(img)), pixels(img))  # validation
    np.testing.assert_array_equal(pixels(FlipItem(p=0.0)(img, rng())), pixels(img))


def test_rotate_fills_corners_by_reflection_or_black() -> None:
    white = Image.new("RGB", (30, 20), "white")
    g = np.random.default_rng(5)
    reflected = pixels(Rotate(30, p=1.0)(white, g))
    black = pixels(Rotate(30, p=1.0, pad_mode="zeros")(white, np.random.default_rng(5)))
    assert reflected.shape == black.shape == (20, 30, 3)
    assert (reflected == 255).all()
    assert black[0, 0].sum() < 100 and black[10, 15].sum() == 765


def test_rotate_turns_the_picture() -> None:
    a = np.zeros((41, 41, 3), np.uint8)
    a[20, 25:] = 255  # a bright arm pointing right from the centre

    class Always20:  # a stand-in generator: applies, and draws +20 degrees
        def random(self) -> float:
            return 0.0

        def uniform(self, lo: float, hi: float) -> float:
            return 20.0

    out = pixels(Rotate(30, p=1.0)(Image.fromarray(a), Always20()))[..., 0]
    y, x = np.unravel_index(np.argmax(out[:, 30:]), out[:, 30:].shape)
    assert y < 18  # counter-clockwise: the arm now points up-right


def test_brightness_and_contrast_follow_the_logit_rule() -> None:
    grey = Image.new("RGB", (4, 4), (128, 128, 128))
    values = {int(pixels(Brightness(0.2, p=1.0)(grey, rng(s)))[0, 0, 0]) for s in range(10)}
    assert len(values) > 3 and all(100 <= v <= 155 for v in values)
    light = Image.new("RGB", (4, 4), (200, 200, 200))
    values = {int(pixels(Contrast(0.2, p=1.0)(light, rng(s)))[0, 0, 0]) for s in range(10)}
    assert len(values) > 3 and all(187 <= v <= 214 for v in values)
    assert pixels(Contrast(0.2, p=1.0)(grey, rng()))[0, 0, 0] in (127, 128, 129)  # mid-grey stays


def test_aug_transforms_is_seeded_and_varies_with_the_seed() -> None:
    tfms = aug_transforms()
    assert [type(t) for t in tfms] == [FlipItem, Rotate, Brightness, Contrast]
    assert [t.p for t in tfms] == [0.5, 0.75, 0.75, 0.75]
    assert aug_transforms(do_flip=False, max_rotate=0, max_lighting=0) == []

    def run(seed: int) -> np.ndarray:
        g, img = rng(seed), noise()
        for t in tfms:
            img = t(img, g)
        return pixels(img)

    np.testing.assert_array_equal(run(0), run(0))
    assert len({run(s).tobytes() for s in range(4)}) > 1


def test_every_transform_has_a_readable_repr() -> None:
    tfms = [Resize(224), CenterCrop((3, 4)), RandomResizedCrop(224), *aug_transforms(),
            Normalize.from_stats(*imagenet_stats)]  # fmt: skip
    texts = [repr(t) for t in tfms]
    assert texts[0] == "Resize(size=(224, 224), method='crop', pad_mode='reflection')"
    assert texts[1] == "CenterCrop(size=(3, 4))"
    assert texts[-1] == "Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])"
    for text, t in zip(texts, tfms):
        assert text.startswith(type(t).__name__ + "(") and "object at" not in text


# ## Arrays and normalisation


def test_to_chw_array_is_float32_channels_first_in_unit_range() -> None:
    a = np.zeros((3, 5, 3), np.uint8)
    a[1, 2] = (10, 20, 255)
    x = to_chw_array(Image.fromarray(a))
    assert x.shape == (3, 3, 5) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 1, 2], [10 / 255, 20 / 255, 1.0], rtol=1e-6)
    assert x.min() >= 0 and x.max() <= 1


def test_normalize_round_trip_and_inception_range() -> None:
    x = np.random.default_rng(0).random((2, 3, 4, 5)).astype(np.float32)
    norm = Normalize.from_stats(*imagenet_stats)
    y = norm(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y[:, 1], (x[:, 1] - 0.456) / 0.224, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(norm.decode(y), x, atol=1e-6)
    ends = Normalize.from_stats(*inception_stats)(
        np.stack([np.zeros((3, 2, 2)), np.ones((3, 2, 2))])
    )
    np.testing.assert_allclose(ends[0], -1) and np.testing.assert_allclose(ends[1], 1)


def test_normalize_as_loader_transform_touches_only_x() -> None:
    x, y = np.ones((1, 3, 2, 2), np.float32), np.array([4])
    nx, ny = Normalize.from_stats(*inception_stats)((x, y))
    np.testing.assert_allclose(nx, 1.0)
    assert ny is y


def test_normalize_is_rebuilt_from_its_export_record() -> None:
    norm = Normalize.from_stats(*imagenet_stats)
    again = build_transform(transform_spec(norm))
    np.testing.assert_array_equal(again.mean, norm.mean)
    np.testing.assert_array_equal(again.std, norm.std)


def test_normalize_rejects_bad_stats_and_shapes() -> None:
    with pytest.raises(ValueError, match="positive std"):
        Normalize([0.5] * 3, [0.5, 0.0, 0.5])
    with pytest.raises(ValueError, match="channels"):
        Normalize.from_stats(*imagenet_stats)(np.zeros((2, 1, 4, 4), np.float32))
