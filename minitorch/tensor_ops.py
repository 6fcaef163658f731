"""Module 2: tensor operations built from scalar functions.

Every elementwise tensor operation is one of three shapes of loop:

- ``map``: apply ``fn(x)`` to each entry (neg, exp, relu, copy, ...);
- ``zip``: combine two tensors entry by entry with ``fn(x, y)``, broadcasting
  them to a common shape (add, mul, lt, ...);
- ``reduce``: fold one dimension away with ``fn(acc, x)`` (sum, prod, all).

A *backend* decides how those loops run. ``TensorOps`` holds what all
backends share (argument checks, broadcasting rules, allocating the output);
a backend subclass only supplies the *kernels*: functions that walk storages
with the signatures ``kernel(out, out_shape, out_strides, in_storage,
in_shape, in_strides)``. ``SimpleOps`` is the readable reference in plain
Python; Module 3's ``FastOps`` supplies compiled kernels with the same
signatures. ``TensorBackend(ops)`` builds the named operations a ``Tensor``
uses (``add_zip``, ``mul_reduce``, ...) from one ``TensorOps`` class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional, Protocol, Sequence, Type

import numpy as np

from . import operators
from .tensor_data import (
    IndexingError,
    Shape,
    Storage,
    Strides,
    broadcast_index,
    index_to_position,
    shape_broadcast,
    strides_from_shape,
    to_index,
)

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["MapProto", "SimpleBackend", "SimpleOps", "TensorBackend", "TensorOps"]

MapKernel = Callable[[Storage, Shape, Strides, Storage, Shape, Strides], None]
ZipKernel = Callable[[Storage, Shape, Strides, Storage, Shape, Strides, Storage, Shape, Strides], None]
ReduceKernel = Callable[[Storage, Shape, Strides, Storage, Shape, Strides, int], None]
MatMulKernel = ZipKernel


class MapProto(Protocol):
    def __call__(self, x: "Tensor", out: Optional["Tensor"] = ..., /) -> "Tensor":
        """Apply the map to ``x``, into ``out`` if given (``x`` broadcast to its shape)."""


class TensorOps:
    """The operations a backend provides, with the checks every backend shares.

    A backend subclass provides four static methods: ``map_kernel(fn)``,
    ``zip_kernel(fn)`` and ``reduce_kernel(fn)`` turn a scalar function into a
    kernel over storages, and ``matmul_kernel`` is the batched matrix
    product kernel. The class methods below wrap kernels into tensor
    operations, so a new backend never repeats the shape logic.
    """

    cuda: bool = False

    @staticmethod
    def map_kernel(fn: Callable[[float], float]) -> MapKernel:
        """Build the kernel that applies ``fn`` to every entry."""
        raise NotImplementedError("a TensorOps subclass must provide map_kernel")

    @staticmethod
    def zip_kernel(fn: Callable[[float, float], float]) -> ZipKernel:
        """Build the kernel that combines two broadcast tensors with ``fn``."""
        raise NotImplementedError("a TensorOps subclass must provide zip_kernel")

    @staticmethod
    def reduce_kernel(fn: Callable[[float, float], float]) -> ReduceKernel:
        """Build the kernel that folds one dimension with ``fn``."""
        raise NotImplementedError("a TensorOps subclass must provide reduce_kernel")

    @staticmethod
    def matmul_kernel(*args: object) -> None:
        """The batched matrix-multiply kernel (zip signature: out, a, b)."""
        raise NotImplementedError("a TensorOps subclass must provide matmul_kernel")

    @classmethod
    def map(cls, fn: Callable[[float], float]) -> MapProto:
        """Lift a one-argument float function to tensors.

        Args:
            fn: e.g. ``operators.neg``.

        Returns:
            ``apply(a, out=None)``: a new tensor of ``a``'s shape and dtype,
            or, with ``out``, ``a`` broadcast into ``out``'s shape and written there.
        """
        kernel = cls.map_kernel(fn)

        def apply(a: "Tensor", out: Optional["Tensor"] = None) -> "Tensor":
            if out is None:
                out = a.zeros(a.shape)
            elif shape_broadcast(a.shape, out.shape) != tuple(out.shape):
                raise IndexingError(f"cannot broadcast shape {a.shape} into out shape {out.shape}")
            kernel(*out.tuple(), *a.tuple())
            return out

        return apply

    @classmethod
    def zip(cls, fn: Callable[[float, float], float]) -> Callable[["Tensor", "Tensor"], "Tensor"]:
        """Lift a two-argument float function to tensors, with broadcasting.

        Args:
            fn: e.g. ``operators.add``.

        Returns:
            ``apply(a, b)``: a new tensor of the broadcast shape. Its dtype is
            numpy's promotion of the two (float32 with float64 gives float64).

        Raises:
            IndexingError: naming both shapes, if they do not broadcast.
        """
        kernel = cls.zip_kernel(fn)

        def apply(a: "Tensor", b: "Tensor") -> "Tensor":
            out = a.zeros(shape_broadcast(a.shape, b.shape), dtype=np.promote_types(a.dtype, b.dtype))
            kernel(*out.tuple(), *a.tuple(), *b.tuple())
            return out

        return apply

    @classmethod
    def reduce(
        cls, fn: Callable[[float, float], float], start: float = 0.0
    ) -> Callable[["Tensor", int], "Tensor"]:
        """Lift a two-argument float function to a reduction over one dimension.

        Args:
            fn: combines the running value with the next entry, e.g. ``operators.add``.
            start: the running value's start (0 for a sum, 1 for a product).

        Returns:
            ``apply(a, dim)``: ``a`` with dimension ``dim`` folded to size 1.
        """
        kernel = cls.reduce_kernel(fn)

        def apply(a: "Tensor", dim: int) -> "Tensor":
            if not 0 <= dim < a.dims:
                raise IndexingError(f"cannot reduce dim {dim} of a tensor of shape {a.shape}")
            out_shape = list(a.shape)
            out_shape[dim] = 1
            out = a.zeros(tuple(out_shape))
            out._tensor._storage[:] = start
            kernel(*out.tuple(), *a.tuple(), dim)
            return out

        return apply

    @classmethod
    def matrix_multiply(cls, a: "Tensor", b: "Tensor") -> "Tensor":
        """Batched matrix product: ``out[..., i, j] = sum_k a[..., i, k] * b[..., k, j]``.

        Both tensors need at least 2 dims; the leading (batch) dims broadcast.

        Raises:
            ValueError: naming both shapes, if they do not fit.
        """
        if a.dims < 2 or b.dims < 2:
            raise ValueError(
                f"matrix multiply needs tensors with at least 2 dims, got shapes {a.shape} "
                f"and {b.shape}; use .view(1, n) or .view(n, 1) for a vector"
            )
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(
                f"cannot matrix multiply shapes {a.shape} and {b.shape}: "
                f"inner sizes {a.shape[-1]} and {b.shape[-2]} differ"
            )
        try:
            batch = shape_broadcast(a.shape[:-2], b.shape[:-2])
        except IndexingError as error:
            raise IndexingError(
                f"cannot matrix multiply shapes {a.shape} and {b.shape}: batch dims do not broadcast"
            ) from error
        out_shape = (*batch, a.shape[-2], b.shape[-1])
        out = a.zeros(out_shape, dtype=np.promote_types(a.dtype, b.dtype))
        cls.matmul_kernel(*out.tuple(), *a.tuple(), *b.tuple())
        return out


class TensorBackend:
    """The named tensor operations of one backend, built once from its ``TensorOps``.

    Args:
        ops: a ``TensorOps`` subclass (``SimpleOps``, ``FastOps``, ...).

    Attributes:
        neg_map, sigmoid_map, relu_map, log_map, exp_map, id_map, inv_map:
            maps, e.g. ``backend.exp_map(t)``.
        add_zip, mul_zip, lt_zip, eq_zip, is_close_zip, relu_back_zip,
            log_back_zip, inv_back_zip: zips.
        add_reduce, mul_reduce: reductions over one dimension.
        matrix_multiply: the batched matrix product.
    """

    def __init__(self, ops: Type[TensorOps]) -> None:
        self.ops = ops
        self.cuda = ops.cuda

        self.neg_map = ops.map(operators.neg)
        self.sigmoid_map = ops.map(operators.sigmoid)
        self.relu_map = ops.map(operators.relu)
        self.log_map = ops.map(operators.log)
        self.exp_map = ops.map(operators.exp)
        self.id_map = ops.map(operators.id)
        self.inv_map = ops.map(operators.inv)

        self.add_zip = ops.zip(operators.add)
        self.mul_zip = ops.zip(operators.mul)
        self.lt_zip = ops.zip(operators.lt)
        self.eq_zip = ops.zip(operators.eq)
        self.is_close_zip = ops.zip(operators.is_close)
        self.relu_back_zip = ops.zip(operators.relu_back)
        self.log_back_zip = ops.zip(operators.log_back)
        self.inv_back_zip = ops.zip(operators.inv_back)

        self.add_reduce = ops.reduce(operators.add, 0.0)
        self.mul_reduce = ops.reduce(operators.mul, 1.0)
        self.matrix_multiply = ops.matrix_multiply

    def __repr__(self) -> str:
        return f"TensorBackend({self.ops.__name__})"


# ## The reference kernels: plain Python, written with the index helpers.
#
# Kernels receive numpy arrays (the signature compiled kernels share), but
# plain Python indexes a list several times faster than a numpy array, and
# computes faster on floats than on numpy scalars. So these kernels read
# storage through ``.tolist()``, and ``_lists_in`` hands them their shapes
# and strides as lists. The index helpers work on either.


def _lists_in(kernel: Callable[..., None]) -> Callable[..., None]:
    """Wrap a plain-Python kernel so that its shape and stride arguments arrive as lists."""

    def run(out: Storage, *args: object) -> None:
        kernel(out, *(_as_list(a) for a in args))

    return run


def _as_list(arg: object) -> object:
    if isinstance(arg, np.ndarray) and arg.dtype.kind == "i":
        return arg.tolist()
    return arg


def _size(shape: Sequence[int]) -> int:
    size = 1
    for s in shape:
        size *= s
    return size


def _same_layout(shape: Sequence[int], strides: Sequence[int], *others: Sequence[int]) -> bool:
    """True if all tensors have this shape and these strides, and those are contiguous.

    ``others`` alternates shapes and strides. Then entry ``k`` of every
    tensor sits at position ``k`` of its storage, and a kernel can skip the
    index arithmetic: the common case of same-shape tensors and fresh outputs.
    """
    contiguous = strides_from_shape(shape)
    if any(n != 1 and s != c for n, s, c in zip(shape, strides, contiguous)):
        return False
    return all(list(others[i]) == list(shape) and list(others[i + 1]) == list(strides)
               for i in range(0, len(others), 2))


def tensor_map(fn: Callable[[float], float]) -> MapKernel:
    """Build a map kernel: ``out[i] = fn(in[broadcast(i)])`` for every index ``i`` of ``out``.

    Args:
        fn: the function applied to each entry.

    Returns:
        ``kernel(out, out_shape, out_strides, in_storage, in_shape, in_strides)``,
        which writes into ``out``. ``in_shape`` must broadcast to ``out_shape``;
        either side may be non-contiguous (any strides).
    """

    def _map(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        in_storage: Storage,
        in_shape: Shape,
        in_strides: Strides,
    ) -> None:
        """Write ``fn`` of the broadcast input entry into every entry of ``out``.

        For each ordinal ``k`` in ``range(size of out_shape)``: turn ``k`` into an
        index of ``out`` (``to_index``), map it to the input's index
        (``broadcast_index``: size-1 and missing dims of ``in_shape`` read index 0),
        and store ``fn(input value)`` at ``index_to_position(out_index, out_strides)``.
        Never assume contiguous strides; a contiguous same-layout fast path is
        allowed as long as results are identical.

        Args:
            out: the output's flat storage (a numpy array); write every entry of it.
            out_shape: the output's shape, a list of ints.
            out_strides: the output's strides, a list of ints (any layout, not
                necessarily contiguous).
            in_storage: the input's flat storage.
            in_shape: the input's shape; broadcasts to ``out_shape``.
            in_strides: the input's strides.

        Returns:
            None; the result is written into ``out``.
        """
        # BEGIN SOLUTION task2_3
        size = _size(out_shape)
        if _same_layout(out_shape, out_strides, in_shape, in_strides):
            out[:size] = [fn(x) for x in in_storage[:size].tolist()]
            return
        values = in_storage.tolist()
        out_index = [0] * len(out_shape)
        in_index = [0] * len(in_shape)
        for ordinal in range(size):
            to_index(ordinal, out_shape, out_index)
            broadcast_index(out_index, out_shape, in_shape, in_index)
            value = values[index_to_position(in_index, in_strides)]
            out[index_to_position(out_index, out_strides)] = fn(value)
        # END SOLUTION

    return _lists_in(_map)


def tensor_zip(fn: Callable[[float, float], float]) -> ZipKernel:
    """Build a zip kernel: ``out[i] = fn(a[broadcast(i)], b[broadcast(i)])``.

    Args:
        fn: the function combining an entry of ``a`` with one of ``b``.

    Returns:
        ``kernel(out, out_shape, out_strides, a_storage, a_shape, a_strides,
        b_storage, b_shape, b_strides)``; ``a_shape`` and ``b_shape`` must
        broadcast to ``out_shape``.
    """

    def _zip(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        b_storage: Storage,
        b_shape: Shape,
        b_strides: Strides,
    ) -> None:
        """Write ``fn(a entry, b entry)`` into every entry of ``out``, broadcasting both inputs.

        For each index ``i`` of ``out``, read ``a`` at ``broadcast_index(i)`` for
        ``a_shape`` and ``b`` at ``broadcast_index(i)`` for ``b_shape`` (a size-1 or
        missing dim is read at index 0), and store ``fn(a_value, b_value)`` at ``i``'s
        position in ``out``. Positions always come from the strides
        (``index_to_position``); any of the three may be non-contiguous.

        Args:
            out: the output's flat storage (a numpy array); write every entry of it.
            out_shape: the output's shape, a list of ints.
            out_strides: the output's strides, a list of ints (any layout, not
                necessarily contiguous).
            a_storage: the first input's flat storage.
            a_shape: its shape; broadcasts to ``out_shape``.
            a_strides: its strides.
            b_storage: the second input's flat storage.
            b_shape: its shape; broadcasts to ``out_shape``.
            b_strides: its strides.

        Returns:
            None; the result is written into ``out``.
        """
        # BEGIN SOLUTION task2_3
        size = _size(out_shape)
        if _same_layout(out_shape, out_strides, a_shape, a_strides, b_shape, b_strides):
            a_values = a_storage[:size].tolist()
            b_values = b_storage[:size].tolist()
            out[:size] = [fn(a, b) for a, b in zip(a_values, b_values)]
            return
        a_values = a_storage.tolist()
        b_values = b_storage.tolist()
        out_index = [0] * len(out_shape)
        a_index = [0] * len(a_shape)
        b_index = [0] * len(b_shape)
        for ordinal in range(size):
            to_index(ordinal, out_shape, out_index)
            broadcast_index(out_index, out_shape, a_shape, a_index)
            broadcast_index(out_index, out_shape, b_shape, b_index)
            a = a_values[index_to_position(a_index, a_strides)]
            b = b_values[index_to_position(b_index, b_strides)]
            out[index_to_position(out_index, out_strides)] = fn(a, b)
        # END SOLUTION

    return _lists_in(_zip)


def tensor_reduce(fn: Callable[[float, float], float]) -> ReduceKernel:
    """Build a reduce kernel: ``out[i] = fn(... fn(fn(out[i], a[i_0]), a[i_1]) ...)``.

    ``i_k`` is ``i`` with index ``k`` in dimension ``reduce_dim``. ``out`` has
    the shape of ``a`` with ``reduce_dim`` set to 1, and arrives filled with
    the start value.

    Returns:
        ``kernel(out, out_shape, out_strides, a_storage, a_shape, a_strides, reduce_dim)``.
    """

    def _reduce(
        out: Storage,
        out_shape: Shape,
        out_strides: Strides,
        a_storage: Storage,
        a_shape: Shape,
        a_strides: Strides,
        reduce_dim: int,
    ) -> None:
        """Fold dimension ``reduce_dim`` of ``a`` into ``out`` with ``fn``.

        ``out_shape`` is ``a_shape`` with ``out_shape[reduce_dim] == 1``, and ``out``
        arrives filled with the start value (0.0 for a sum, 1.0 for a product). For
        each index ``i`` of ``out``, combine its current value with every entry of
        ``a`` along ``reduce_dim`` in order, ``acc = fn(acc, a[i with
        reduce_dim = j])`` for ``j = 0 .. a_shape[reduce_dim] - 1``, and store
        ``acc`` at ``i``'s position. Positions come from the strides.

        Args:
            out: the output's flat storage (a numpy array); write every entry of it.
            out_shape: the output's shape, a list of ints.
            out_strides: the output's strides, a list of ints (any layout, not
                necessarily contiguous).
            a_storage: the input's flat storage.
            a_shape: the input's shape, a list of ints.
            a_strides: the input's strides.
            reduce_dim: the dimension to fold, in ``[0, len(a_shape))``.

        Returns:
            None; the result is written into ``out``.
        """
        # BEGIN SOLUTION task2_3
        values = a_storage.tolist()
        out_index = [0] * len(out_shape)
        step = a_strides[reduce_dim]
        for ordinal in range(_size(out_shape)):
            to_index(ordinal, out_shape, out_index)
            o = index_to_position(out_index, out_strides)
            # out_index is 0 along reduce_dim, so it is also a's first index.
            position = index_to_position(out_index, a_strides)
            acc = float(out[o])
            for _ in range(a_shape[reduce_dim]):
                acc = fn(acc, values[position])
                position += step
            out[o] = acc
        # END SOLUTION

    return _lists_in(_reduce)


def tensor_matrix_multiply(
    out: Storage,
    out_shape: Shape,
    out_strides: Strides,
    a_storage: Storage,
    a_shape: Shape,
    a_strides: Strides,
    b_storage: Storage,
    b_shape: Shape,
    b_strides: Strides,
) -> None:
    """The batched matrix product ``out[..., i, j] = sum_k a[..., i, k] * b[..., k, j]``.

    Batch dimensions broadcast like a zip. The kernel fills one output row
    ``(..., i, :)`` at a time: the index helpers locate the row's start in
    ``out``, ``a`` and ``b`` once, and the loops over ``j`` and ``k`` then
    just add strides.
    """
    a_values = a_storage.tolist()
    b_values = b_storage.tolist()
    out_index = [0] * len(out_shape)
    a_index = [0] * len(a_shape)
    b_index = [0] * len(b_shape)
    inner, cols = a_shape[-1], out_shape[-1]
    for row in range(_size(out_shape[:-1])):
        to_index(row * cols, out_shape, out_index)  # entry (..., i, 0)
        # Batch dims and row i come from the broadcast; a's column and b's row start at 0.
        broadcast_index(out_index, out_shape, a_shape, a_index)
        a_index[-1] = 0
        broadcast_index(out_index, out_shape, b_shape, b_index)
        b_index[-2] = 0
        a_row = index_to_position(a_index, a_strides)
        b_start = index_to_position(b_index, b_strides)
        o = index_to_position(out_index, out_strides)
        for j in range(cols):
            a_position = a_row
            b_position = b_start + j * b_strides[-1]
            acc = 0.0
            for _ in range(inner):
                acc += a_values[a_position] * b_values[b_position]
                a_position += a_strides[-1]
                b_position += b_strides[-2]
            out[o + j * out_strides[-1]] = acc


class SimpleOps(TensorOps):
    """The reference backend: every kernel is a plain Python loop."""

    map_kernel = staticmethod(tensor_map)
    zip_kernel = staticmethod(tensor_zip)
    reduce_kernel = staticmethod(tensor_reduce)
    matmul_kernel = staticmethod(_lists_in(tensor_matrix_multiply))


SimpleBackend = TensorBackend(SimpleOps)
