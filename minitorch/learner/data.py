"""Datasets and data loaders: from arrays on disk to batches of tensors.

A ``Dataset`` is anything with ``len()`` and ``ds[i]`` returning one example
as a tuple of numpy arrays (``(image, label)``). A ``DataLoader`` walks a
dataset in batches, optionally shuffled, and turns each batch into tensors.
``DataLoaders`` pairs a training and a validation loader, the shape the
``Learner`` expects (as in fast.ai).

Batches are built with one numpy fancy-index per array when the dataset
offers ``get_batch(indices)`` (``ArrayDataset`` does): gathering a whole
batch at once is what keeps batching from being the bottleneck.

Tensors here hold floating-point numbers only, so float arrays become
tensors (float32 by default) while integer arrays — class labels — stay
``int64`` numpy arrays, which every loss and metric accepts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..tensor import Tensor
from ..tensor_data import DTypeLike, TensorData, resolve_dtype
from ..tensor_ops import SimpleBackend, TensorBackend

__all__ = ["ArrayDataset", "DataLoader", "DataLoaders", "Dataset"]

Batch = Tuple[Any, ...]


class Dataset:
    """The interface of a dataset: ``len(ds)`` and ``ds[i]`` -> a tuple of arrays.

    Subclass it and define ``__len__`` and ``__getitem__``; define
    ``get_batch(indices)`` too if a whole batch can be fetched faster at once.
    """

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, i: int) -> Tuple[Any, ...]:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class ArrayDataset(Dataset):
    """A dataset over equally long arrays: example ``i`` is ``(a[i], b[i], ...)``.

    Args:
        *arrays: numpy arrays (or anything ``np.asarray`` accepts) whose
            first axis indexes the examples.

    Raises:
        ValueError: if there are no arrays or their lengths differ.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        self.arrays = [np.asarray(a) for a in arrays]
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"ArrayDataset arrays must have the same length, got {lengths}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: int) -> Tuple[Any, ...]:
        return tuple(a[i] for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> Tuple[np.ndarray, ...]:
        """Examples ``indices`` of every array, gathered with one fancy-index each."""
        return tuple(a[indices] for a in self.arrays)


def to_tensor(
    array: Any, dtype: DTypeLike = np.float32, backend: TensorBackend = SimpleBackend
) -> Union[Tensor, np.ndarray]:
    """Turn one batched array into what a model consumes.

    - floats, and uint8/bool arrays of rank >= 2 (pixels, masks) become a
      ``Tensor`` of ``dtype``;
    - integer arrays of rank 1 (class labels) and all other integer arrays
      (token ids) stay numpy, as ``int64``.
    """
    array = np.asarray(array)
    is_int = np.issubdtype(array.dtype, np.integer)
    pixels = array.dtype in (np.uint8, np.bool_) and array.ndim >= 2
    if is_int and not pixels:
        return array.astype(np.int64, copy=False)
    data = np.ascontiguousarray(array, dtype=resolve_dtype(dtype))
    return Tensor(TensorData(data.reshape(-1), data.shape), backend=backend)


def default_collate(
    examples: Sequence[Tuple[Any, ...]],
) -> Tuple[np.ndarray, ...]:
    """Stack a list of example tuples into a tuple of batched arrays."""
    if not examples:
        raise ValueError("cannot collate an empty batch")
    width = len(examples[0])
    return tuple(np.stack([np.asarray(ex[k]) for ex in examples]) for k in range(width))


class DataLoader:
    """Iterate over a dataset in batches of tensors.

    Args:
        dataset: a ``Dataset`` (or a sequence of example tuples).
        batch_size: examples per batch.
        shuffle: visit the examples in a new random order each epoch.
        drop_last: skip the last batch if it is smaller than ``batch_size``.
        seed: makes the shuffling repeatable: epoch ``e`` always uses the
            same order for the same seed (``None``: a fresh order every time).
        dtype: the tensor type for floating-point data (float32 by default).
        backend: the backend of the produced tensors.
        collate_fn: turns a list of examples into batched arrays (used when
            the dataset has no ``get_batch``).
        item_tfm: applied to every batched array tuple before conversion,
            e.g. scaling uint8 pixels to [0, 1].

    Iterating yields tuples like ``(xb, yb)``; ``len(loader)`` is the number
    of batches per epoch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 64,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: Optional[int] = None,
        dtype: DTypeLike = np.float32,
        backend: TensorBackend = SimpleBackend,
        collate_fn: Callable[[Sequence[Tuple[Any, ...]]], Tuple[np.ndarray, ...]] = default_collate,
        item_tfm: Optional[Callable[[Tuple[np.ndarray, ...]], Tuple[np.ndarray, ...]]] = None,
    ) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.dtype = resolve_dtype(dtype)
        self.backend = backend
        self.collate_fn = collate_fn
        self.item_tfm = item_tfm
        self.epoch = 0

    @property
    def n(self) -> int:
        """The number of examples."""
        return len(self.dataset)

    def __len__(self) -> int:
        full, rest = divmod(self.n, self.batch_size)
        return full if (self.drop_last or rest == 0) else full + 1

    def order(self, epoch: Optional[int] = None) -> np.ndarray:
        """The example indices visited in ``epoch`` (default: the next one)."""
        epoch = self.epoch if epoch is None else epoch
        if not self.shuffle:
            return np.arange(self.n)
        rng = np.random.default_rng(None if self.seed is None else [self.seed, epoch])
        return rng.permutation(self.n)

    def batch_indices(self, epoch: Optional[int] = None) -> List[np.ndarray]:
        """The indices of each batch of ``epoch``."""
        idx = self.order(epoch)
        batches = [idx[i : i + self.batch_size] for i in range(0, self.n, self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches

    def fetch(self, indices: np.ndarray) -> Tuple[np.ndarray, ...]:
        """The batched arrays for ``indices`` (before conversion to tensors)."""
        get_batch = getattr(self.dataset, "get_batch", None)
        if get_batch is not None:
            arrays = get_batch(indices)
        else:
            arrays = self.collate_fn([self.dataset[int(i)] for i in indices])
        return self.item_tfm(arrays) if self.item_tfm is not None else arrays

    def __iter__(self) -> Iterator[Batch]:
        batches = self.batch_indices()
        self.epoch += 1
        for indices in batches:
            arrays = self.fetch(indices)
            yield tuple(to_tensor(a, self.dtype, self.backend) for a in arrays)

    def one_batch(self) -> Batch:
        """The first batch (without advancing the epoch), for a quick look."""
        indices = self.batch_indices(self.epoch)[0]
        return tuple(to_tensor(a, self.dtype, self.backend) for a in self.fetch(indices))


class DataLoaders:
    """A training and a validation ``DataLoader``, as the Learner expects.

    Args:
        train: the training loader (usually shuffled).
        valid: the validation loader.
        vocab: the class names, if known (``dls.vocab``; ``dls.c`` is their number).
        path: the data folder (``Learner`` saves models under it).
    """

    def __init__(
        self,
        train: DataLoader,
        valid: DataLoader,
        vocab: Optional[Sequence[str]] = None,
        path: Union[str, os.PathLike] = ".",
    ) -> None:
        self.train = train
        self.valid = valid
        self.vocab = list(vocab) if vocab is not None else None
        self.path = Path(path)

    @property
    def train_ds(self) -> Any:
        """The training data set."""
        return self.train.dataset

    @property
    def valid_ds(self) -> Any:
        """The validation data set."""
        return self.valid.dataset

    def __getitem__(self, i: int) -> DataLoader:
        return (self.train, self.valid)[i]

    def __len__(self) -> int:
        return 2

    @property
    def c(self) -> Optional[int]:
        """The number of classes (``None`` if the vocabulary is unknown)."""
        return None if self.vocab is None else len(self.vocab)

    def one_batch(self) -> Batch:
        """A batch of the training loader."""
        return self.train.one_batch()

    @classmethod
    def from_arrays(
        cls,
        x_train: Any,
        y_train: Any,
        x_valid: Any,
        y_valid: Any,
        bs: int = 64,
        seed: Optional[int] = None,
        vocab: Optional[Sequence[str]] = None,
        **kwargs: Any,
    ) -> "DataLoaders":
        """Loaders over numpy arrays: shuffled training batches, ordered validation ones.

        Args:
            x_train, y_train, x_valid, y_valid: the arrays.
            bs: the batch size (validation uses twice as many: no gradients to keep).
            seed: makes the training order repeatable.
            vocab: the class names.
            **kwargs: passed to both ``DataLoader``s (``dtype``, ``backend``, ``item_tfm``).
        """
        train = DataLoader(
            ArrayDataset(x_train, y_train), bs, shuffle=True, drop_last=False, seed=seed, **kwargs
        )
        valid = DataLoader(ArrayDataset(x_valid, y_valid), 2 * bs, shuffle=False, **kwargs)
        return cls(train, valid, vocab)
