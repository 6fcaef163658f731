"""Image data sets and loaders: folders of pictures to batches of tensors.

``ImageDataset`` turns a list of ``(path, label)`` pairs into arrays: it
opens each file, runs the item transforms (and, for training, the random
augmentations) and stacks a batch into float32 ``(B, 3, H, W)`` pixels and
int64 ``(B,)`` labels. ``ImageDataLoaders`` builds the training and
validation loaders from a folder tree, file names or lists, the way fast.ai's
class of the same name does::

    dls = ImageDataLoaders.from_folder(path, item_tfms=Resize(224),
                                       batch_tfms=aug_transforms(), bs=32)
    dls.normalize = Normalize.from_stats(*imagenet_stats)
    dls.show_batch()

Augmentation is reproducible: training image ``i`` in epoch ``e`` is
transformed with a random generator seeded from ``(seed, e, i)``, so a
seeded run sees exactly the same pictures, while each epoch sees new ones.
"""

from __future__ import annotations

import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from minitorch.learner.data import Batch, DataLoader, DataLoaders, Dataset
from minitorch.learner.splits import label_vocab, random_split

from .transforms import Normalize, Resize, open_image, to_rgb

__all__ = ["get_image_files", "ImageDataset", "ImageDataLoader", "ImageDataLoaders"]

PathLike = Union[str, Path]
Item = Tuple[Path, int]
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"})
# The default item transform of the constructors (transforms keep no state, so one is shared).
DEFAULT_ITEM_TFMS = Resize(224)


def _listify(x: Any) -> list:
    """``None`` -> ``[]``, a list or tuple -> a list, one transform -> ``[it]``."""
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def get_image_files(path: PathLike, recurse: bool = True) -> List[Path]:
    """The image files under ``path``, sorted (fast.ai's ``get_image_files``).

    Args:
        path: a folder.
        recurse: look in sub-folders too.

    Returns:
        Paths whose extension (any case) is one of ``IMAGE_EXTENSIONS``.
    """
    path = Path(path)
    if not recurse:
        return sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    files = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        files += [
            Path(root) / n for n in sorted(names) if Path(n).suffix.lower() in IMAGE_EXTENSIONS
        ]
    return files


class ImageDataset(Dataset):
    """Images on disk with integer labels: ``ds[i]`` -> ``(pixels, label)``.

    Args:
        items: ``(path, label)`` pairs; labels index the class names.
        item_tfms: transforms every image gets (e.g. ``Resize(224)``).
        aug_tfms: random augmentations, for training (e.g. ``aug_transforms()``).
        seed: seeds the augmentations (``None``: different on every run).
        train: apply ``aug_tfms`` and random crops; default: when there are ``aug_tfms``.
        num_workers: threads that decode a batch (Pillow releases the GIL).

    ``ds[i]`` gives float32 ``(3, H, W)`` pixels in [0, 1] and an
    ``np.int64`` label; ``get_batch`` gives a stacked batch. Set
    ``ds.epoch`` to draw the augmentations of another epoch (the loader does).
    """

    def __init__(
        self,
        items: Sequence[Tuple[PathLike, int]],
        item_tfms: Any = (),
        aug_tfms: Any = (),
        seed: Optional[int] = None,
        train: Optional[bool] = None,
        num_workers: int = 2,
    ) -> None:
        self.items: List[Item] = [(Path(p), int(label)) for p, label in items]
        self.item_tfms, self.aug_tfms = _listify(item_tfms), _listify(aug_tfms)
        for tfm in self.item_tfms + self.aug_tfms:
            if not callable(tfm):
                raise TypeError(
                    f"{tfm!r} is not a transform: pass objects like Resize(224) or aug_transforms()"
                )
        self.train = bool(self.aug_tfms) if train is None else train
        self.seed = seed
        # Without a seed, draw one now: every (epoch, index) still gets its own stream.
        self._base_seed = seed if seed is not None else int(np.random.SeedSequence().entropy)
        self.num_workers = num_workers
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.items)

    @property
    def labels(self) -> np.ndarray:
        """Every item's label, int64."""
        return np.array([label for _, label in self.items], dtype=np.int64)

    def rng(self, i: int) -> Optional[np.random.Generator]:
        """The generator for item ``i`` this epoch (``None`` for validation: no randomness)."""
        if not self.train:
            return None
        return np.random.default_rng([self._base_seed, self.epoch, i])

    def transform(self, img: Image.Image, rng: Optional[np.random.Generator] = None) -> Image.Image:
        """Run the item transforms, then (with ``rng``, training) the augmentations."""
        for tfm in self.item_tfms:
            img = tfm(img, rng)
        if rng is not None:
            for tfm in self.aug_tfms:
                img = tfm(img, rng)
        return img

    def image(self, i: int) -> Image.Image:
        """Item ``i`` as the transformed RGB ``PIL.Image``."""
        return self.transform(open_image(self.items[i][0]), self.rng(i))

    def prepare(self, source: Union[PathLike, Image.Image]) -> np.ndarray:
        """A new image, prepared like a validation one: float32 ``(3, H, W)`` in [0, 1].

        Args:
            source: an image file or a ``PIL.Image``.

        Returns:
            The pixels, e.g. for ``learn.predict(dls.valid_ds.prepare("cat.jpg"))``.
        """
        img = source if isinstance(source, Image.Image) else open_image(source)
        return _to_float_chw(np.asarray(self.transform(to_rgb(img)))[None])[0]

    def _pixels(self, i: int) -> np.ndarray:
        return np.asarray(self.image(i))  # uint8 (H, W, 3); runs in a worker thread

    def __getitem__(self, i: int) -> Tuple[np.ndarray, np.int64]:
        i = int(i)
        return _to_float_chw(self._pixels(i)[None])[0], np.int64(self.items[i][1])

    def get_batch(self, indices: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
        """Decode and stack items ``indices``.

        Returns:
            ``(x, y)``: float32 ``(B, 3, H, W)`` in [0, 1] and int64 ``(B,)``.

        Raises:
            ImageReadError: an image cannot be decoded (the message names it).
            ValueError: the transformed images differ in size.
        """
        indices = [int(i) for i in indices]
        if self.num_workers > 1 and len(indices) > 1:
            with ThreadPoolExecutor(self.num_workers) as pool:
                pixels = list(pool.map(self._pixels, indices))
        else:
            pixels = [self._pixels(i) for i in indices]
        self._check_same_size(pixels, indices)
        y = np.array([self.items[i][1] for i in indices], dtype=np.int64)
        return _to_float_chw(np.stack(pixels)), y

    def _check_same_size(self, pixels: List[np.ndarray], indices: List[int]) -> None:
        first = pixels[0].shape
        for a, i in zip(pixels, indices):
            if a.shape != first:
                raise ValueError(
                    f"images of one batch must have the same size, but {self.items[indices[0]][0]} is "
                    f"{first[1]}x{first[0]} and {self.items[i][0]} is {a.shape[1]}x{a.shape[0]} after "
                    f"the item transforms {self.item_tfms}: add Resize(...) to item_tfms, e.g. "
                    "item_tfms=Resize(224)"
                )

    def __repr__(self) -> str:
        kind = "train" if self.train else "valid"
        return f"ImageDataset({len(self)} items, {kind}, item_tfms={self.item_tfms}, aug_tfms={self.aug_tfms})"


def _to_float_chw(hwc: np.ndarray) -> np.ndarray:
    """uint8 ``(B, H, W, 3)`` -> float32 ``(B, 3, H, W)`` / 255, in one pass over memory."""
    out = np.empty((hwc.shape[0], hwc.shape[3], hwc.shape[1], hwc.shape[2]), dtype=np.float32)
    np.multiply(hwc.transpose(0, 3, 1, 2), np.float32(1 / 255), out=out)
    return out


class ImageDataLoader(DataLoader):
    """A ``DataLoader`` that tells its ``ImageDataset`` the epoch, so augmentations change each epoch."""

    def __iter__(self) -> Iterator[Batch]:
        self.dataset.epoch = self.epoch  # the parent counts the epoch up once iteration starts
        yield from super().__iter__()

    def one_batch(self) -> Batch:
        self.dataset.epoch = self.epoch
        return super().one_batch()


def _default_backend() -> Any:
    try:
        from minitorch.backends import layer_backend
    except ImportError:  # an older minitorch: the DataLoader's own default
        return None
    return layer_backend()


class ImageDataLoaders(DataLoaders):
    """Training and validation loaders of labelled images (fast.ai's ``ImageDataLoaders``).

    Build it with a class method (``from_folder``, ``from_name_func``,
    ``from_lists``, ``from_files``). Besides ``train``/``valid`` it has
    ``train_ds``, ``valid_ds``, ``vocab`` (class names), ``c`` (their
    number), ``path`` and ``normalize``.

    Args:
        train, valid: the loaders.
        vocab: the class names.
        normalize: a ``Normalize`` applied to every ``x`` batch, or ``None``.
            Assign ``dls.normalize = Normalize.from_stats(*imagenet_stats)``
            at any time: it becomes both loaders' ``item_tfm``, so
            ``learn.predict`` and exported learners normalise the same way.
        path: the data folder (``Learner`` saves models under it).
    """

    def __init__(
        self,
        train: DataLoader,
        valid: DataLoader,
        vocab: Optional[Sequence[Any]] = None,
        normalize: Optional[Normalize] = None,
        path: PathLike = ".",
    ) -> None:
        super().__init__(train, valid, vocab, path)
        self.normalize = normalize

    @property
    def normalize(self) -> Optional[Normalize]:
        """The normalisation applied to ``x`` batches (``None``: pixels stay in [0, 1])."""
        return self._normalize

    @normalize.setter
    def normalize(self, value: Optional[Normalize]) -> None:
        if value is not None and not callable(value):
            raise TypeError(f"normalize must be a Normalize or None, got {value!r}")
        self._normalize = value
        for loader in (self.train, self.valid):
            loader.item_tfm = value

    # ## Building

    @classmethod
    def from_files(
        cls,
        train_items: Sequence[Tuple[PathLike, int]],
        valid_items: Sequence[Tuple[PathLike, int]],
        classes: Sequence[Any],
        item_tfms: Any = DEFAULT_ITEM_TFMS,
        batch_tfms: Any = None,
        bs: int = 32,
        val_bs: Optional[int] = None,
        shuffle: bool = True,
        normalize: Optional[Normalize] = None,
        num_workers: int = 2,
        seed: Optional[int] = None,
        path: PathLike = ".",
        drop_last: Optional[bool] = None,
        backend: Any = None,
        **kwargs: Any,
    ) -> "ImageDataLoaders":
        """Loaders over ``(path, label)`` lists; the other constructors end here.

        Also takes a catalogued data set: ``d = datasets.load("imagenette_224_subset")``
        then ``ImageDataLoaders.from_files(d.train, d.valid, d.classes)``.

        Args:
            train_items, valid_items: ``(path, label)`` pairs, labels indexing ``classes``.
            classes: the class names (``dls.vocab``).
            item_tfms: transforms for every image, usually ``Resize(size)``.
            batch_tfms: augmentations for training images, e.g.
                ``aug_transforms()``. fast.ai runs them on whole batches on
                the GPU; here Pillow runs them per image on the CPU, in the
                decoding threads. A ``Normalize`` in the list becomes ``normalize``.
            bs: the training batch size.
            val_bs: the validation batch size (default ``2 * bs``: no gradients to keep).
            shuffle: visit training images in a new order each epoch.
            normalize: a ``Normalize`` for ``x`` batches (settable later).
            num_workers: decoding threads per batch.
            seed: makes shuffling and augmentation repeatable.
            path: the data folder (``dls.path``).
            drop_last: skip the last, smaller training batch (default: when
                shuffling and there is a full batch, as in fast.ai: a batch
                of one breaks BatchNorm).
            backend: the tensors' backend (default: ``minitorch.backends.layer_backend()``).
            **kwargs: passed to both ``DataLoader``s (e.g. ``dtype``).

        Raises:
            ValueError: no training images, or a label outside ``classes``.
        """
        classes = list(classes)
        if not train_items:
            raise ValueError(
                f"no training images in {path}: check the folder and the file extensions"
            )
        for items in (train_items, valid_items):
            for p, label in items:
                if not 0 <= int(label) < len(classes):
                    raise ValueError(
                        f"label {label} of {p} does not index the {len(classes)} classes"
                    )
        augs = _listify(batch_tfms)
        norms = [t for t in augs if isinstance(t, Normalize)]
        if norms:
            normalize = normalize or norms[-1]
            augs = [t for t in augs if not isinstance(t, Normalize)]
        train_ds = ImageDataset(
            train_items, item_tfms, augs, seed, train=True, num_workers=num_workers
        )
        valid_ds = ImageDataset(
            valid_items, item_tfms, (), seed, train=False, num_workers=num_workers
        )
        if drop_last is None:
            drop_last = shuffle and len(train_ds) >= bs
        backend = backend if backend is not None else _default_backend()
        if backend is not None:
            kwargs["backend"] = backend
        train = ImageDataLoader(
            train_ds, bs, shuffle=shuffle, drop_last=drop_last, seed=seed, **kwargs
        )
        valid = ImageDataLoader(valid_ds, val_bs or 2 * bs, shuffle=False, **kwargs)
        return cls(train, valid, classes, normalize=normalize, path=path)

    @classmethod
    def from_folder(
        cls,
        path: PathLike,
        train: str = "train",
        valid: str = "val",
        valid_pct: Optional[float] = None,
        seed: Optional[int] = None,
        vocab: Optional[Sequence[str]] = None,
        item_tfms: Any = DEFAULT_ITEM_TFMS,
        batch_tfms: Any = None,
        bs: int = 32,
        val_bs: Optional[int] = None,
        shuffle: bool = True,
        normalize: Optional[Normalize] = None,
        num_workers: int = 2,
        **kwargs: Any,
    ) -> "ImageDataLoaders":
        """Images in ``path/<split>/<class>/<file>``: the class is the parent folder's name.

        Args:
            path: the data folder.
            train, valid: the split folders (used when ``valid_pct`` is None).
            valid_pct: instead of a ``valid`` folder, hold out this fraction of
                the images under ``path/train`` (or ``path`` if there is no
                such folder) at random.
            seed: makes the split, the shuffling and the augmentation repeatable.
            vocab: the class names, in label order (default: sorted folder names).
            item_tfms, batch_tfms, bs, val_bs, shuffle, normalize, num_workers,
                **kwargs: as for :meth:`from_files`.

        Raises:
            FileNotFoundError: ``path`` or a split folder does not exist.
            ValueError: a folder holds no images.
        """
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"{path} is not a folder")
        if valid_pct is None:
            for split in (train, valid):
                if not (path / split).is_dir():
                    raise FileNotFoundError(
                        f"{path / split} does not exist: from_folder reads {path}/{train}/<class>/ and "
                        f"{path}/{valid}/<class>/; pass train=/valid= with your folder names, or "
                        "valid_pct=0.2 to hold out images at random"
                    )
            train_files = _image_files_or_fail(path / train)
            valid_files = _image_files_or_fail(path / valid)
        else:
            root = path / train if (path / train).is_dir() else path
            files = _image_files_or_fail(root)
            t_idx, v_idx = random_split(len(files), valid_pct, seed)
            train_files, valid_files = [files[i] for i in t_idx], [files[i] for i in v_idx]
        train_labels = [f.parent.name for f in train_files]
        if vocab is None:
            vocab = sorted(set(train_labels))
            roots = [path / train, path / valid] if valid_pct is None else [root]
            _warn_empty_class_folders(roots, vocab)
        vocab = list(vocab)
        train_items = _label_items(train_files, train_labels, vocab)
        valid_items = _label_items(valid_files, [f.parent.name for f in valid_files], vocab)
        return cls.from_files(
            train_items, valid_items, vocab, item_tfms=item_tfms, batch_tfms=batch_tfms, bs=bs,
            val_bs=val_bs, shuffle=shuffle, normalize=normalize, num_workers=num_workers,
            seed=seed, path=path, **kwargs,
        )  # fmt: skip

    @classmethod
    def from_lists(
        cls,
        path: PathLike,
        fnames: Sequence[PathLike],
        labels: Sequence[Any],
        valid_pct: float = 0.2,
        seed: Optional[int] = None,
        vocab: Optional[Sequence[Any]] = None,
        **kwargs: Any,
    ) -> "ImageDataLoaders":
        """Images ``fnames`` with labels ``labels``, split at random.

        Args:
            path: the data folder; relative ``fnames`` that do not exist as
                given are taken relative to it.
            fnames: the image files.
            labels: one label per file (any sortable values: names, bools ...).
            valid_pct: the fraction held out for validation.
            seed: makes the split, the shuffling and the augmentation repeatable.
            vocab: the class names in label order (default: the sorted labels).
            **kwargs: as for :meth:`from_files` (``item_tfms``, ``batch_tfms``, ``bs`` ...).

        Raises:
            ValueError: no files, or not one label per file.
        """
        path = Path(path)
        files = [_resolve(path, f) for f in fnames]
        labels = list(labels)
        if not files:
            raise ValueError(f"no image files given for {path}")
        if len(labels) != len(files):
            raise ValueError(
                f"got {len(files)} files but {len(labels)} labels: give one label per file"
            )
        vocab = list(vocab) if vocab is not None else label_vocab(labels)
        items = _label_items(files, labels, vocab)
        t_idx, v_idx = random_split(len(items), valid_pct, seed)
        return cls.from_files(
            [items[i] for i in t_idx],
            [items[i] for i in v_idx],
            vocab,
            seed=seed,
            path=path,
            **kwargs,
        )

    @classmethod
    def from_name_func(
        cls,
        path: PathLike,
        fnames: Sequence[PathLike],
        label_func: Callable[[Path], Any],
        valid_pct: float = 0.2,
        seed: Optional[int] = None,
        **kwargs: Any,
    ) -> "ImageDataLoaders":
        """Images whose label a function reads from the file name (e.g. Oxford pets).

        Args:
            path: the data folder.
            fnames: the image files (e.g. ``get_image_files(path)``).
            label_func: ``Path -> label``, e.g. ``lambda f: f.name[0].isupper()``.
            valid_pct, seed, **kwargs: as for :meth:`from_lists`.
        """
        files = [_resolve(Path(path), f) for f in fnames]
        labels = [label_func(f) for f in files]
        return cls.from_lists(path, files, labels, valid_pct=valid_pct, seed=seed, **kwargs)

    # ## Looking at the data

    def show_batch(
        self,
        max_n: int = 9,
        nrows: Optional[int] = None,
        ncols: Optional[int] = None,
        figsize: Optional[Tuple[float, float]] = None,
    ) -> Tuple[Any, Any]:
        """Plot the first training images of this epoch, augmented, titled with their class.

        Args:
            max_n: the most images to show (at most one batch).
            nrows, ncols: the grid (default: as square as possible).
            figsize: the figure size in inches (default: 2.5 per image).

        Returns:
            ``(figure, axes)`` of matplotlib (``axes`` a 2-D array).
        """
        import matplotlib.pyplot as plt  # here: importing vision must not pick a plot backend

        loader = self.train
        indices = loader.batch_indices(loader.epoch)[0][:max_n]
        self.train_ds.epoch = loader.epoch
        x, y = loader.fetch(indices)[:2]
        if self.normalize is not None:
            x = self.normalize.decode(x)
        n = len(indices)
        ncols = ncols or (math.ceil(n / nrows) if nrows else math.ceil(math.sqrt(n)))
        nrows = nrows or math.ceil(n / ncols)
        figsize = figsize or (2.5 * ncols, 2.5 * nrows)
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, img, label in zip(axes.flat, x, y):
            ax.imshow(np.clip(img.transpose(1, 2, 0), 0, 1))
            ax.set_title(str(self.vocab[int(label)]) if self.vocab else str(int(label)))
        fig.tight_layout()
        return fig, axes

    def __repr__(self) -> str:
        return (
            f"ImageDataLoaders({len(self.train_ds)} train / {len(self.valid_ds)} valid images, "
            f"{self.c} classes, bs={self.train.batch_size}, normalize={self.normalize})"
        )


def _image_files_or_fail(folder: Path) -> List[Path]:
    files = get_image_files(folder)
    if not files:
        raise ValueError(
            f"no images found in {folder} (looked for {', '.join(sorted(IMAGE_EXTENSIONS))} "
            "in it and its sub-folders)"
        )
    return files


def _warn_empty_class_folders(roots: Sequence[Path], vocab: Sequence[str]) -> None:
    """Warn about class folders with no image in any split: they would leave the vocab unsaid."""
    empty = sorted(
        str(d)
        for root in roots
        if root.is_dir()
        for d in root.iterdir()
        if d.is_dir() and d.name not in vocab and not get_image_files(d)
    )
    if empty:
        warnings.warn(
            f"class folder(s) {', '.join(empty)} hold no images in any split, so they are not "
            f"classes: the vocab is {list(vocab)}. Add images there or remove the folder(s).",
            stacklevel=3,
        )


def _resolve(path: Path, fname: PathLike) -> Path:
    f = Path(fname)
    return f if f.is_absolute() or f.exists() else path / f


def _label_items(files: Sequence[Path], labels: Sequence[Any], vocab: Sequence[Any]) -> List[Item]:
    """Pair each file with the index of its label in ``vocab``."""
    index = {name: i for i, name in enumerate(vocab)}
    missing = sorted({str(label) for label in labels if label not in index})
    if missing:
        raise ValueError(
            f"labels {missing[:5]} are not in the vocab {list(vocab)[:10]}: add them to vocab= "
            "(or leave vocab unset to use every training label)"
        )
    return [(f, index[label]) for f, label in zip(files, labels)]
