"""Module 2: how a tensor lays its numbers out in memory.

A tensor's numbers live in one flat array, its *storage*. The *shape* says how
many entries each dimension has; the *strides* say how far to jump in storage
to move one step along each dimension. The position of the entry at index
``(i, j, k)`` is ``i * strides[0] + j * strides[1] + k * strides[2]``.

Because the layout is only shape + strides, many tensors can share one
storage: a transpose swaps two strides, a broadcast gives a dimension stride
0, a slice starts the storage further along. None of them copies a number.

The index helpers (``index_to_position``, ``to_index``, ``broadcast_index``)
take plain numpy arrays and use only loops and integer arithmetic, so the
compiled kernels of Module 3 can call the very same functions.
"""

from __future__ import annotations

import random
from functools import cached_property
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__all__ = [
    "Index",
    "IndexingError",
    "OutIndex",
    "Shape",
    "Storage",
    "Strides",
    "TensorData",
    "UserIndex",
    "UserShape",
    "UserStrides",
    "broadcast_index",
    "index_to_position",
    "shape_broadcast",
    "strides_from_shape",
    "to_index",
]

# Storage is a flat float64 (default) or float32 array; indices, shapes and
# strides are int64 arrays inside kernels and tuples of ints for users.
Storage = npt.NDArray[np.floating]
OutIndex = npt.NDArray[np.int64]
Index = npt.NDArray[np.int64]
Shape = npt.NDArray[np.int64]
Strides = npt.NDArray[np.int64]

UserIndex = Sequence[int]
UserShape = Sequence[int]
UserStrides = Sequence[int]

DTypeLike = Union[None, str, type, np.dtype]

# The floating types a storage may hold; everything else is converted or refused.
FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class IndexingError(ValueError, IndexError):
    """An index, shape, stride or permutation that does not fit a tensor.

    It is a ``ValueError`` (a bad argument) and an ``IndexError`` (what
    Python and numpy raise for an out-of-range index), so either ``except``
    clause catches it.
    """


def resolve_dtype(dtype: DTypeLike, default: np.dtype = FLOAT_DTYPES[0]) -> np.dtype:
    """Turn ``dtype`` (``None``, ``"float32"``, ``np.float64``, ...) into a storage dtype.

    Args:
        dtype: the requested type; ``None`` means ``default``.
        default: the type used when ``dtype`` is ``None``.

    Returns:
        ``np.dtype('float64')`` or ``np.dtype('float32')``.

    Raises:
        ValueError: for any other type (tensors hold floating point numbers only).
    """
    if dtype is None:
        return default
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise ValueError(f"unknown dtype {dtype!r}; use float64 or float32") from error
    if resolved not in FLOAT_DTYPES:
        raise ValueError(f"tensors hold float64 or float32 numbers, not {resolved}")
    return resolved


def index_to_position(index: Index, strides: Strides) -> int:
    """Find the storage position of a multidimensional index.

    Args:
        index: one integer per dimension.
        strides: the tensor's strides.

    Returns:
        ``sum(index[i] * strides[i])``, the entry's position in storage.
    """
    # BEGIN SOLUTION task2_1
    position = 0
    for i in range(len(index)):
        position += index[i] * strides[i]
    return position
    # END SOLUTION


def to_index(ordinal: int, shape: Shape, out_index: OutIndex) -> None:
    """Turn an ordinal ``0 <= ordinal < size`` into the index it numbers.

    Ordinals count the entries in row-major order (the last dimension moves
    fastest), so walking ordinals ``0 .. size - 1`` visits every index once.
    Unlike ``index_to_position`` this ignores strides: it is about the shape.

    Args:
        ordinal: the entry's number.
        shape: the tensor's shape.
        out_index: filled with the index (written in place, so kernels need
            not allocate); as long as ``shape``.

    Returns:
        None. For shape ``(2, 3)``, ordinal 4 gives index ``[1, 1]``.
    """
    # BEGIN SOLUTION task2_1
    remaining = ordinal + 0
    for i in range(len(shape) - 1, -1, -1):
        out_index[i] = remaining % shape[i]
        remaining = remaining // shape[i]
    # END SOLUTION


def broadcast_index(big_index: Index, big_shape: Shape, shape: Shape, out_index: OutIndex) -> None:
    """Map an index of a broadcast (bigger) shape to the index of a smaller shape.

    Broadcasting lines the two shapes up on the right. A dimension of size 1
    in ``shape`` is repeated along ``big_shape``, so its index is always 0;
    extra leading dimensions of ``big_shape`` are dropped.

    Args:
        big_index: an index into ``big_shape``.
        big_shape: the broadcast shape.
        shape: the shape being broadcast (``len(shape) <= len(big_shape)``).
        out_index: filled with the matching index into ``shape`` (written in
            place; as long as ``shape``).

    Returns:
        None. E.g. index ``[1, 2, 3]`` of ``(2, 4, 5)`` maps to ``[0, 3]`` of
        shape ``(1, 5)``.
    """
    # BEGIN SOLUTION task2_2
    offset = len(big_shape) - len(shape)
    for i in range(len(shape)):
        if shape[i] == 1:
            out_index[i] = 0
        else:
            out_index[i] = big_index[i + offset]
    # END SOLUTION


def shape_broadcast(shape1: UserShape, shape2: UserShape) -> Tuple[int, ...]:
    """The shape two shapes broadcast to.

    Align the shapes on the right; in each position the sizes must be equal
    or one of them must be 1 (missing positions count as 1).

    Args:
        shape1: the first shape.
        shape2: the second shape.

    Returns:
        The broadcast shape, e.g. ``(2, 1, 5)`` and ``(3, 1)`` give ``(2, 3, 5)``.

    Raises:
        IndexingError: if the shapes cannot be broadcast; the message names both.
    """
    # BEGIN SOLUTION task2_2
    n = max(len(shape1), len(shape2))
    padded1 = [1] * (n - len(shape1)) + [int(s) for s in shape1]
    padded2 = [1] * (n - len(shape2)) + [int(s) for s in shape2]
    out = []
    for a, b in zip(padded1, padded2):
        if a != b and a != 1 and b != 1:
            raise IndexingError(
                f"shapes {tuple(shape1)} and {tuple(shape2)} cannot be broadcast: "
                f"sizes {a} and {b} differ and neither is 1"
            )
        out.append(b if a == 1 else a)
    return tuple(out)
    # END SOLUTION


def strides_from_shape(shape: UserShape) -> Tuple[int, ...]:
    """The strides of a contiguous (row-major) tensor of this shape.

    The last dimension has stride 1; each earlier one jumps over a whole
    block of the later ones: ``(2, 3, 4)`` gives ``(12, 4, 1)``.
    """
    strides = [1]
    offset = 1
    for s in reversed(shape[1:]):
        offset *= int(s)
        strides.append(offset)
    return tuple(reversed(strides)) if shape else ()


def _as_storage(storage: Union[Sequence[float], Storage]) -> Storage:
    """A flat float array over ``storage``, shared when it already is one."""
    if isinstance(storage, np.ndarray):
        if storage.ndim != 1:
            raise ValueError(
                f"storage must be a flat (1-D) array, got shape {storage.shape}; "
                "use minitorch.tensor(array) to keep the shape"
            )
        if storage.dtype in FLOAT_DTYPES:
            return storage
        return storage.astype(np.float64)
    return np.array(storage, dtype=np.float64)


class TensorData:
    """Storage plus the shape and strides that give it dimensions.

    Args:
        storage: the flat numbers (a list, or a 1-D float32/float64 numpy
            array, which is shared, not copied).
        shape: the size of each dimension.
        strides: the step in storage along each dimension; ``None`` means
            contiguous row-major strides.

    Raises:
        IndexingError: if the strides do not match the shape, or the storage
            is too small for them.
    """

    _storage: Storage
    shape: Tuple[int, ...]
    strides: Tuple[int, ...]
    size: int
    dims: int

    def __init__(
        self,
        storage: Union[Sequence[float], Storage],
        shape: UserShape,
        strides: Optional[UserStrides] = None,
    ) -> None:
        self._storage = _as_storage(storage)
        shape = tuple(map(int, shape))
        size = 1
        for s in shape:
            if s < 0:
                raise IndexingError(f"shape {shape} has a negative size")
            size *= s
        if strides is None:
            if len(self._storage) != size:
                raise IndexingError(
                    f"storage holds {len(self._storage)} numbers but shape {shape} needs {size}"
                )
            # Row-major strides over exactly ``size`` numbers: nothing more to check.
            strides = strides_from_shape(shape)
            self._contiguous: Optional[bool] = True
        else:
            strides = self._checked_strides(shape, strides, size)
            self._contiguous = None  # found out when first asked
        self.shape = shape
        self.strides = strides
        self.size = size
        self.dims = len(shape)

    # The int64 arrays kernels take, made on first use: many tensors (views,
    # gradients, results of numpy-backed layers) never reach a kernel.
    @cached_property
    def _shape(self) -> Shape:
        return np.array(self.shape, dtype=np.int64)

    @cached_property
    def _strides(self) -> Strides:
        return np.array(self.strides, dtype=np.int64)

    def _checked_strides(self, shape: Tuple[int, ...], strides: UserStrides, size: int) -> Tuple[int, ...]:
        """``strides`` as ints, after checking they fit ``shape`` and stay inside the storage."""
        strides = tuple(map(int, strides))
        if len(strides) != len(shape):
            raise IndexingError(f"strides {strides} must have one entry per dim of shape {shape}")
        if any(s < 0 for s in strides):
            raise IndexingError(f"strides {strides} must not be negative")
        if size > 0:
            last = sum((n - 1) * s for n, s in zip(shape, strides))
            if last >= len(self._storage):
                raise IndexingError(
                    f"shape {shape} with strides {strides} reaches position {last}, "
                    f"past the end of a storage of {len(self._storage)} numbers"
                )
        return strides

    @property
    def dtype(self) -> np.dtype:
        """The storage's number type (float64 or float32)."""
        return self._storage.dtype

    def is_contiguous(self) -> bool:
        """True if the entries lie in storage in row-major order with no gaps.

        Dimensions of size 1 are ignored: their stride is never used.
        """
        if self._contiguous is None:
            expected = strides_from_shape(self.shape)
            self._contiguous = all(n == 1 or s == e for n, s, e in zip(self.shape, self.strides, expected))
        return self._contiguous

    @staticmethod
    def shape_broadcast(shape_a: UserShape, shape_b: UserShape) -> Tuple[int, ...]:
        """See :func:`shape_broadcast`."""
        return shape_broadcast(shape_a, shape_b)

    def index(self, index: Union[int, UserIndex, Index]) -> int:
        """The storage position of ``index``, after checking it fits the shape.

        Args:
            index: one non-negative integer per dimension (an int for 1-D).

        Raises:
            IndexingError: for the wrong number of entries or an entry out of range.
        """
        if isinstance(index, (int, np.integer)):
            index = (int(index),)
        index = tuple(index)
        if len(index) != self.dims:
            raise IndexingError(f"index {index} needs {self.dims} entries for shape {self.shape}")
        for i, n in zip(index, self.shape):
            if not 0 <= i < n:
                raise IndexingError(f"index {index} is out of range for shape {self.shape}")
        return int(index_to_position(np.array(index, dtype=np.int64), self._strides))

    def indices(self) -> Iterable[Tuple[int, ...]]:
        """Every index of the shape, in row-major order."""
        out_index = np.zeros(self.dims, dtype=np.int64)
        for ordinal in range(self.size):
            to_index(ordinal, self._shape, out_index)
            yield tuple(int(i) for i in out_index)

    def sample(self) -> Tuple[int, ...]:
        """A random index (drawn with Python's ``random``)."""
        return tuple(random.randint(0, s - 1) for s in self.shape)

    def get(self, key: Union[int, UserIndex]) -> float:
        """The number at index ``key``."""
        return float(self._storage[self.index(key)])

    def set(self, key: Union[int, UserIndex], val: float) -> None:
        """Write ``val`` at index ``key`` (seen by every view of this storage)."""
        self._storage[self.index(key)] = val

    def tuple(self) -> Tuple[Storage, Shape, Strides]:
        """``(storage, shape, strides)``: the arguments a kernel takes for this tensor."""
        return (self._storage, self._shape, self._strides)

    def permute(self, *order: int) -> "TensorData":
        """The same storage with its dimensions reordered (no copy).

        Args:
            order: a permutation of ``range(dims)``; dimension ``i`` of the
                result is dimension ``order[i]`` of this tensor.

        Returns:
            A ``TensorData`` sharing this storage, whose shape and strides are
            this tensor's, reordered by ``order`` (``(2, 3, 4)`` permuted by
            ``(2, 0, 1)`` has shape ``(4, 2, 3)``).

        Raises:
            IndexingError: if ``order`` is not a permutation of the dimensions.
        """
        if sorted(int(o) for o in order) != list(range(self.dims)):
            raise IndexingError(
                f"permute order {tuple(order)} must list each of the {self.dims} dims "
                f"of shape {self.shape} exactly once"
            )
        # BEGIN SOLUTION task2_1
        return TensorData(
            self._storage,
            tuple(self.shape[o] for o in order),
            tuple(self.strides[o] for o in order),
        )
        # END SOLUTION

    def to_numpy(self) -> np.ndarray:
        """A numpy copy with this shape (the strides are read, not assumed)."""
        if self.size == 0:
            return np.zeros(self.shape, dtype=self.dtype)
        itemsize = self._storage.itemsize
        # Safe: __init__ checked every reachable position lies inside storage.
        view = np.lib.stride_tricks.as_strided(
            self._storage,
            shape=self.shape,
            strides=tuple(s * itemsize for s in self.strides),
            writeable=False,
        )
        return view.copy()

    def to_string(self) -> str:
        """The numbers laid out with nested brackets, like numpy prints them."""
        return np.array2string(self.to_numpy(), separator=", ", precision=4)


def index_view(data: TensorData, key: Any) -> Union[Tuple[int, ...], TensorData]:
    """Resolve ``t[key]``: a full integer index, or the ``TensorData`` of a view.

    Args:
        data: the indexed tensor's data.
        key: an int, a slice, ``...``, or a tuple of them (numpy's basic indexing;
            negative integers count from the end, slice steps must be positive).

    Returns:
        A tuple of non-negative ints when ``key`` picks one entry, otherwise the
        view's ``TensorData`` (sharing ``data``'s storage).

    Raises:
        IndexingError: for too many indices, an index out of range, or a key
            that is not an int, slice or ``...``.
    """
    keys = list(key) if isinstance(key, tuple) else [key]
    ellipses = sum(k is Ellipsis for k in keys)
    if ellipses > 1:
        raise IndexingError(f"an index can only have one '...', got {key!r}")
    if ellipses:
        at = next(i for i, k in enumerate(keys) if k is Ellipsis)
        keys[at : at + 1] = [slice(None)] * (data.dims - len(keys) + 1)
    if len(keys) > data.dims:
        raise IndexingError(f"too many indices {key!r} for a tensor of shape {data.shape}")
    keys += [slice(None)] * (data.dims - len(keys))

    offset = 0
    shape: List[int] = []
    strides: List[int] = []
    for k, n, stride in zip(keys, data.shape, data.strides):
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            i = int(k) + n if k < 0 else int(k)
            if not 0 <= i < n:
                raise IndexingError(f"index {k} is out of range for size {n} in shape {data.shape}")
            offset += i * stride
        elif isinstance(k, slice):
            start, stop, step = k.indices(n)
            if step <= 0:
                raise IndexingError(f"slice steps must be positive, got {k}")
            shape.append(len(range(start, stop, step)))
            strides.append(stride * step)
            offset += start * stride if shape[-1] > 0 else 0
        else:
            raise IndexingError(
                f"unsupported index {k!r}: use ints, slices and '...' (got {type(k).__name__})"
            )
    if len(shape) == 0:
        return tuple(int(k) + n if k < 0 else int(k) for k, n in zip(keys, data.shape))
    return TensorData(data._storage[offset:], tuple(shape), tuple(strides))
