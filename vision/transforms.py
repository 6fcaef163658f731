"""Image transforms: from a file on disk to a normalised array a model reads.

The pipeline, in the order a data loader runs it (fast.ai's vocabulary):

1. ``open_image(path)``: decode any image Pillow reads and make it RGB.
2. *Item transforms* (``Resize``, ``RandomResizedCrop``, ``CenterCrop``):
   bring every image to the same size so a batch can be stacked.
3. *Augmentations* (``aug_transforms()``: ``FlipItem``, ``Rotate``,
   ``Brightness``, ``Contrast``): random changes that show the model a
   slightly different picture every epoch, applied to training images only.
4. ``to_chw_array(img)``: pixels as float32 ``(3, H, W)`` in [0, 1].
5. ``Normalize``: subtract the mean and divide by the std the pretrained
   model was trained with (``imagenet_stats``, ``inception_stats``).

Every transform of steps 2-3 is a small class called as ``tfm(img, rng)``
on a ``PIL.Image``. ``rng`` is a ``numpy.random.Generator``: random
transforms draw from it, so a seeded generator gives the same picture every
time. ``rng=None`` means *validation*: random transforms leave the image
alone and crops are taken from the centre.

All the work is done by Pillow (decoding, resampling, lookup tables), which
releases the GIL, so a few threads decode a batch in parallel.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image, ImageOps

from minitorch.learner.arch import SPEC_ATTR, register_transform

__all__ = [
    "ImageReadError",
    "to_rgb",
    "open_image",
    "verify_images",
    "to_chw_array",
    "Resize",
    "CenterCrop",
    "RandomResizedCrop",
    "RandomTransform",
    "FlipItem",
    "Rotate",
    "Brightness",
    "Contrast",
    "aug_transforms",
    "Normalize",
]

SizeLike = Union[int, Tuple[int, int]]
Stats = Tuple[Sequence[float], Sequence[float]]

# Mean and std of ImageNet's pixels, per RGB channel (torchvision, fast.ai, ResNets).
imagenet_stats: Stats = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
# Maps [0, 1] to [-1, 1]: the convention of Inception and EfficientNet-Lite.
inception_stats: Stats = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])

_BILINEAR = Image.Resampling.BILINEAR  # fast.ai's resampling for images: smooth and cheap
_ORIENTATION = 0x0112  # the EXIF tag phone cameras use instead of rotating pixels


class ImageReadError(ValueError):
    """An image file that cannot be decoded (corrupt, truncated, or not an image)."""


# ## 1. Reading any image as RGB


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert an image of any Pillow mode to 8-bit RGB.

    Transparent pixels (RGBA, LA, palette images with a transparent colour)
    are composited on white, the way a browser shows them; 16-bit and 32-bit
    greyscale is scaled to 8 bits rather than clipped.

    Args:
        img: a Pillow image of any mode.

    Returns:
        An ``RGB`` image (``img`` itself when it already is one).

    Raises:
        ValueError: for a mode Pillow cannot convert to RGB.
    """
    if img.mode == "RGB" and "transparency" not in img.info:
        return img
    if img.mode in ("I", "F") or img.mode.startswith("I;16"):
        return Image.fromarray(_deep_to_uint8(np.asarray(img), img.mode)).convert("RGB")
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def _deep_to_uint8(a: np.ndarray, mode: str) -> np.ndarray:
    """Scale greyscale deeper than 8 bits into 0..255."""
    if mode == "F":  # float images are usually in [0, 1]; otherwise take them as 0..255
        scale = 255.0 if a.size and float(np.nanmax(a)) <= 1.0 else 1.0
        return np.clip(np.nan_to_num(a) * scale, 0, 255).round().astype(np.uint8)
    # "I;16*" and "I" (how Pillow opens 16-bit PNGs and TIFFs): 65535 -> 255.
    return (np.clip(a.astype(np.float32), 0, 65535) / 257.0).round().astype(np.uint8)


def open_image(path: Union[str, Path]) -> Image.Image:
    """Read an image file as an RGB ``PIL.Image``, whatever its format and mode.

    Animated GIFs give their first frame; EXIF orientation (photos from
    phones) is applied so the picture is upright.

    Args:
        path: the image file (JPEG, PNG, GIF, BMP, WebP, TIFF ...).

    Returns:
        The decoded image, mode ``RGB``.

    Raises:
        FileNotFoundError: if there is no such file.
        ImageReadError: if the file is not an image Pillow can decode, or is
            truncated; the message names the file.
    """
    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()  # decode now: a truncated file fails here, not later in a transform
            if img.getexif().get(_ORIENTATION, 1) != 1:
                img = ImageOps.exif_transpose(img)
            return to_rgb(img)
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise ImageReadError(
            f"cannot read image {path}: {error}. The file is corrupt, truncated or not an image: "
            "download it again or remove it from the data set"
        ) from error


def verify_images(paths: Sequence[Union[str, Path]], num_workers: int = 2) -> List[Tuple[Path, str]]:
    """Decode every image once and list the ones that fail (fast.ai's ``verify_images``).

    A training run decodes its images lazily, batch by batch, and stops with
    an :class:`ImageReadError` naming the first bad file it meets. Run this
    first on a data set you downloaded to find them all at once, then remove
    or replace them.

    Args:
        paths: image files (e.g. ``get_image_files(path)``).
        num_workers: decoding threads (Pillow releases the GIL).

    Returns:
        ``(path, message)`` for each file that cannot be read, in input order.
    """
    from concurrent.futures import ThreadPoolExecutor

    def problem(path: Path) -> Optional[str]:
        try:
            open_image(path)
            return None
        except (ImageReadError, OSError) as error:
            return str(error)

    paths = [Path(p) for p in paths]
    with ThreadPoolExecutor(max(1, num_workers)) as pool:
        found = list(pool.map(problem, paths))
    return [(p, message) for p, message in zip(paths, found) if message is not None]


def to_chw_array(img: Image.Image) -> np.ndarray:
    """Pixels of an RGB image as float32 ``(3, H, W)`` in [0, 1] (PyTorch's layout).

    Args:
        img: an RGB image (see :func:`open_image`).

    Returns:
        A new float32 array, channels first.
    """
    hwc = np.asarray(to_rgb(img))
    return np.ascontiguousarray(hwc.transpose(2, 0, 1), dtype=np.float32) * np.float32(1 / 255)


# ## 2. Item transforms: every image to one size


def _pair(size: SizeLike) -> Tuple[int, int]:
    """``224`` -> ``(224, 224)``; ``(h, w)`` stays. Sizes are (height, width) as in fast.ai."""
    h, w = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if int(h) < 1 or int(w) < 1:
        raise ValueError(
            f"an image size must be positive, got {size!r}: use an int or (height, width)"
        )
    return int(h), int(w)


def _check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def _crop_box(
    img_size: Tuple[int, int],
    out_hw: Tuple[int, int],
    frac: float,
    rng: Optional[np.random.Generator],
) -> Tuple[float, float, float, float]:
    """The largest box with the aspect ratio of ``out_hw``, shrunk by ``frac``, centred or random.

    Args:
        img_size: the image's ``(width, height)`` (Pillow's order).
        out_hw: the output ``(height, width)``.
        frac: the box's side as a fraction of the largest box (1 = touch the edges).
        rng: where a training crop draws its position; ``None`` centres the box.

    Returns:
        ``(left, top, right, bottom)`` in image pixels, always inside the image.
    """
    W, H = img_size
    th, tw = out_hw
    scale = max(th / H, tw / W) / frac  # output pixels per input pixel
    # tw / (tw / W) can round to W + 3e-14 (a 500x374 photo): clamp, or Pillow
    # refuses a negative offset and rng.uniform a negative range.
    cw, ch = min(tw / scale, W), min(th / scale, H)
    if rng is None:
        left, top = (W - cw) / 2, (H - ch) / 2
    else:
        left, top = rng.uniform(0, W - cw), rng.uniform(0, H - ch)
    return (left, top, left + cw, top + ch)


def _pad(img: Image.Image, left: int, top: int, right: int, bottom: int, mode: str) -> Image.Image:
    """Add borders: black (``zeros``) or a mirror image of the edge (``reflection``)."""
    if mode == "zeros":
        out = Image.new("RGB", (img.width + left + right, img.height + top + bottom))
        out.paste(img, (left, top))
        return out
    a = np.pad(np.asarray(img), ((top, bottom), (left, right), (0, 0)), mode="reflect")
    return Image.fromarray(a)


class Resize:
    """Resize to a fixed size, as fast.ai's ``Resize``.

    Args:
        size: ``int`` for a square, or ``(height, width)``.
        method: ``'crop'`` (scale so the image covers the size, then crop:
            centre in validation, random position in training), ``'squish'``
            (stretch the whole image, aspect ratio lost) or ``'pad'`` (scale
            so the image fits, then pad the borders).
        pad_mode: ``'reflection'`` (mirror the edges, fast.ai's default) or
            ``'zeros'`` (black borders), for ``method='pad'``.
    """

    def __init__(self, size: SizeLike, method: str = "crop", pad_mode: str = "reflection") -> None:
        self.size = _pair(size)
        self.method = _check_choice("method", method, ("crop", "squish", "pad"))
        self.pad_mode = _check_choice("pad_mode", pad_mode, ("reflection", "zeros"))

    def __call__(self, img: Image.Image, rng: Optional[np.random.Generator] = None) -> Image.Image:
        th, tw = self.size
        if self.method == "squish":
            return img.resize((tw, th), _BILINEAR)
        if self.method == "crop":
            box = _crop_box(img.size, self.size, 1.0, rng)
            return img.resize((tw, th), _BILINEAR, box=box)
        scale = min(th / img.height, tw / img.width)
        w, h = max(1, round(img.width * scale)), max(1, round(img.height * scale))
        small = img.resize((w, h), _BILINEAR)
        left, top = (tw - w) // 2, (th - h) // 2
        return _pad(small, left, top, tw - w - left, th - h - top, self.pad_mode)

    def __repr__(self) -> str:
        return f"Resize(size={self.size}, method={self.method!r}, pad_mode={self.pad_mode!r})"


class CenterCrop:
    """Cut the central ``size`` pixels out, without resampling (pads with zeros if too small).

    Args:
        size: ``int`` for a square, or ``(height, width)``.
    """

    def __init__(self, size: SizeLike) -> None:
        self.size = _pair(size)

    def __call__(self, img: Image.Image, rng: Optional[np.random.Generator] = None) -> Image.Image:
        th, tw = self.size
        left, top = (img.width - tw) // 2, (img.height - th) // 2
        return img.crop((left, top, left + tw, top + th))  # Pillow fills outside with black

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class RandomResizedCrop:
    """Crop a random part of the image and resize it: the ImageNet training augmentation.

    In training (``rng`` given) the crop covers a random ``min_scale`` ..
    ``max_scale`` fraction of the area, with a random aspect ratio in
    ``ratio`` (width / height), at a random place. In validation
    (``rng=None``) it is a centre crop that leaves a margin of ``val_xtra``,
    like resizing to 256 and cropping 224.

    Args:
        size: ``int`` for a square, or ``(height, width)``.
        min_scale, max_scale: the range of the crop's area, as a fraction of the image.
        ratio: the range of the crop's width / height.
        val_xtra: the validation margin (0 crops the largest centred box).
    """

    def __init__(
        self,
        size: SizeLike,
        min_scale: float = 0.08,
        ratio: Tuple[float, float] = (3 / 4, 4 / 3),
        max_scale: float = 1.0,
        val_xtra: float = 0.14,
    ) -> None:
        if not 0 < min_scale <= max_scale <= 1:
            raise ValueError(f"need 0 < min_scale <= max_scale <= 1, got {min_scale}, {max_scale}")
        self.size, self.min_scale, self.max_scale = _pair(size), min_scale, max_scale
        self.ratio, self.val_xtra = (float(ratio[0]), float(ratio[1])), val_xtra

    def _random_box(self, W: int, H: int, rng: np.random.Generator) -> Optional[Tuple[float, ...]]:
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):  # a few tries; tall crops of wide images may not fit
            area = W * H * rng.uniform(self.min_scale, self.max_scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            cw, ch = math.sqrt(area * aspect), math.sqrt(area / aspect)
            if cw <= W and ch <= H:
                left, top = rng.uniform(0, W - cw), rng.uniform(0, H - ch)
                return (left, top, left + cw, top + ch)
        return None

    def __call__(self, img: Image.Image, rng: Optional[np.random.Generator] = None) -> Image.Image:
        th, tw = self.size
        box = self._random_box(*img.size, rng) if rng is not None else None
        if box is None:
            box = _crop_box(img.size, self.size, 1 / (1 + self.val_xtra), None)
        return img.resize((tw, th), _BILINEAR, box=box)

    def __repr__(self) -> str:
        return (
            f"RandomResizedCrop(size={self.size}, min_scale={self.min_scale}, "
            f"ratio=({self.ratio[0]:.4g}, {self.ratio[1]:.4g}), max_scale={self.max_scale}, "
            f"val_xtra={self.val_xtra})"
        )


# ## 3. Augmentations: random, training only


class RandomTransform:
    """Base of the augmentations: apply ``self.apply(img, rng)`` with probability ``p``.

    With ``rng=None`` (validation) the image is returned unchanged.
    Subclasses define ``apply``; the draw for ``p`` comes first, so the
    random stream, and hence the result, depends only on the seed.
    """

    p: float = 1.0

    def __call__(self, img: Image.Image, rng: Optional[np.random.Generator] = None) -> Image.Image:
        if rng is None or rng.random() >= self.p:
            return img
        return self.apply(img, rng)

    def apply(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        raise NotImplementedError(f"{type(self).__name__} must define apply(img, rng)")


class FlipItem(RandomTransform):
    """Mirror the image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def apply(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)

    def __repr__(self) -> str:
        return f"FlipItem(p={self.p})"


class Rotate(RandomTransform):
    """Rotate by a random angle in [-max_deg, max_deg] degrees, with probability ``p``.

    The corners the rotation uncovers are filled by mirroring the image
    (``pad_mode='reflection'``, fast.ai's default: no black triangles for
    the model to learn from) or left black (``'zeros'``).
    """

    def __init__(
        self, max_deg: float = 10.0, p: float = 0.75, pad_mode: str = "reflection"
    ) -> None:
        self.max_deg, self.p = max_deg, p
        self.pad_mode = _check_choice("pad_mode", pad_mode, ("reflection", "zeros"))

    def apply(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        angle = rng.uniform(-self.max_deg, self.max_deg)
        if self.pad_mode == "zeros":
            return img.rotate(angle, _BILINEAR)
        # Mirror-pad just enough to cover the rotated frame, then sample only the W x H
        # output from the padded image (rotating all of it and cropping would do twice the work).
        W, H = img.size
        theta = math.radians(angle)
        cos, sin = math.cos(theta), math.sin(theta)
        px = math.ceil((W * abs(cos) + H * abs(sin) - W) / 2) + 1
        py = math.ceil((W * abs(sin) + H * abs(cos) - H) / 2) + 1
        big = _pad(img, px, py, px, py, "reflection")
        # Output pixel (x, y) samples the padded image at M (x - centre) + centre + pad, with M
        # the matrix Image.rotate builds (a positive angle turns the picture counter-clockwise).
        cx, cy = W / 2, H / 2
        matrix = (cos, -sin, cx + px - cos * cx + sin * cy, sin, cos, cy + py - sin * cx - cos * cy)
        return big.transform((W, H), Image.Transform.AFFINE, matrix, _BILINEAR)

    def __repr__(self) -> str:
        return f"Rotate(max_deg={self.max_deg}, p={self.p}, pad_mode={self.pad_mode!r})"


def _logit_lut(func: Any) -> List[int]:
    """A Pillow lookup table for ``sigmoid(func(logit(v)))`` on each 8-bit value, for 3 bands.

    fast.ai changes lighting in logit space, so pixels approach 0 and 1
    smoothly instead of clipping; one 256-entry table does it per pixel.
    """
    v = np.clip(np.arange(256) / 255.0, 1e-7, 1 - 1e-7)
    out = 1 / (1 + np.exp(-func(np.log(v / (1 - v)))))
    table = np.clip(np.round(out * 255), 0, 255).astype(int).tolist()
    return table * 3


class Brightness(RandomTransform):
    """Lighten or darken by up to ``max_lighting``, with probability ``p`` (fast.ai's rule).

    A factor ``b`` is drawn in ``0.5 * (1 ± max_lighting)`` and
    ``logit(b)`` added to every pixel's logit (``b = 0.5`` changes nothing).
    """

    def __init__(self, max_lighting: float = 0.2, p: float = 0.75) -> None:
        if not 0 <= max_lighting < 1:
            raise ValueError(f"max_lighting must be in [0, 1), got {max_lighting}")
        self.max_lighting, self.p = max_lighting, p

    def apply(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        b = rng.uniform(0.5 * (1 - self.max_lighting), 0.5 * (1 + self.max_lighting))
        shift = math.log(b / (1 - b))
        return img.point(_logit_lut(lambda x: x + shift))

    def __repr__(self) -> str:
        return f"Brightness(max_lighting={self.max_lighting}, p={self.p})"


class Contrast(RandomTransform):
    """Raise or lower contrast by up to ``max_lighting``, with probability ``p`` (fast.ai's rule).

    A factor ``c`` is drawn log-uniformly in ``[1 - max_lighting,
    1 / (1 - max_lighting)]`` and every pixel's logit multiplied by it.
    """

    def __init__(self, max_lighting: float = 0.2, p: float = 0.75) -> None:
        if not 0 <= max_lighting < 1:
            raise ValueError(f"max_lighting must be in [0, 1), got {max_lighting}")
        self.max_lighting, self.p = max_lighting, p

    def apply(self, img: Image.Image, rng: np.random.Generator) -> Image.Image:
        lo = math.log(1 - self.max_lighting)
        factor = math.exp(rng.uniform(lo, -lo))
        return img.point(_logit_lut(lambda x: x * factor))

    def __repr__(self) -> str:
        return f"Contrast(max_lighting={self.max_lighting}, p={self.p})"


def aug_transforms(
    do_flip: bool = True,
    max_rotate: float = 10.0,
    max_lighting: float = 0.2,
    p_affine: float = 0.75,
    p_lighting: float = 0.75,
) -> List[RandomTransform]:
    """fast.ai's standard augmentations: flip, small rotations, brightness and contrast.

    Args:
        do_flip: mirror left-right half of the time.
        max_rotate: the largest rotation, in degrees (0 turns it off).
        max_lighting: the largest brightness/contrast change (0 turns them off).
        p_affine: the probability of rotating.
        p_lighting: the probability of each lighting change.

    Returns:
        The list of transforms, to pass as ``batch_tfms`` (or ``aug_tfms``).
    """
    tfms: List[RandomTransform] = []
    if do_flip:
        tfms.append(FlipItem(0.5))
    if max_rotate:
        tfms.append(Rotate(max_rotate, p=p_affine))
    if max_lighting:
        tfms += [Brightness(max_lighting, p=p_lighting), Contrast(max_lighting, p=p_lighting)]
    return tfms


# ## 4. Normalisation of batches


class Normalize:
    """Standardise each channel of a batch: ``(x - mean) / std``.

    Works on float arrays ``(B, 3, H, W)`` (or one ``(3, H, W)`` image). As
    a ``DataLoader`` ``item_tfm`` it also accepts the batch tuple
    ``(xb, yb, ...)`` and normalises ``xb`` only. An exported Learner
    records it, so ``predict`` after ``load_learner`` normalises the same way.

    Args:
        mean, std: one value per channel, for pixels in [0, 1].
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1)
        if self.mean.shape != self.std.shape or np.any(self.std <= 0):
            raise ValueError(
                f"Normalize needs one mean and one positive std per channel, got {mean}, {std}"
            )
        config = {"mean": self.mean.tolist(), "std": self.std.tolist()}
        # What export records: rebuilt with the registered builder below.
        setattr(self, SPEC_ATTR, {"name": "vision.normalize", "config": config, "module": __name__})

    @classmethod
    def from_stats(cls, mean: Sequence[float], std: Sequence[float]) -> "Normalize":
        """fast.ai's spelling: ``Normalize.from_stats(*imagenet_stats)``."""
        return cls(mean, std)

    def _stats(self, ndim: int) -> Tuple[np.ndarray, np.ndarray]:
        shape = (-1, 1, 1)  # channel axis third from the end: (3, H, W) and (B, 3, H, W)
        if ndim not in (3, 4):
            raise ValueError(
                f"Normalize expects (B, C, H, W) or (C, H, W) arrays, got {ndim} dimensions"
            )
        return self.mean.reshape(shape), self.std.reshape(shape)

    def __call__(self, batch: Any) -> Any:
        """The normalised batch (a new array); a tuple gets its first array normalised."""
        if isinstance(batch, tuple):
            return (self(batch[0]),) + batch[1:]
        x = np.asarray(batch, dtype=np.float32)
        mean, std = self._stats(x.ndim)
        if x.shape[-3] != len(self.mean):
            raise ValueError(
                f"Normalize has {len(self.mean)} channels but the batch has shape {x.shape}"
            )
        out = x * (1 / std)  # one new array; the shift is added in place
        out -= mean / std
        return out

    def decode(self, batch: Any) -> np.ndarray:
        """Undo the normalisation (for display): ``x * std + mean``."""
        x = np.asarray(batch, dtype=np.float32)
        mean, std = self._stats(x.ndim)
        return x * std + mean

    def __repr__(self) -> str:
        fmt = lambda a: "[" + ", ".join(f"{v:.4g}" for v in a) + "]"  # noqa: E731
        return f"Normalize(mean={fmt(self.mean)}, std={fmt(self.std)})"


@register_transform("vision.normalize")
def _normalize(mean: List[float], std: List[float]) -> Normalize:
    """Rebuild a ``Normalize`` from its recorded stats (used by ``load_learner``)."""
    return Normalize(mean, std)
