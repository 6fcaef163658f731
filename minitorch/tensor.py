"""Module 2: ``Tensor``, an n-dimensional array that takes part in autodiff.

A ``Tensor`` wraps a ``TensorData`` (storage, shape, strides) and, like a
``Scalar``, remembers the ``Function`` and inputs that produced it. The
arithmetic lives in two other files: ``tensor_functions.py`` defines each
differentiable ``Function`` (forward and backward), and a backend
(``tensor_ops.py``) runs the loops over storage.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Iterable,
    Iterator,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

import numpy as np

from . import recording
from .autodiff import Context, Variable, backpropagate
from .tensor_data import (
    DTypeLike,
    IndexingError,
    Shape,
    Storage,
    Strides,
    TensorData,
    UserIndex,
    UserShape,
    index_view,
    resolve_dtype,
    shape_broadcast,
)
from .tensor_ops import SimpleBackend, TensorBackend

if TYPE_CHECKING:
    from .tensor_functions import Function

TensorLike = Union[float, int, "Tensor"]


@dataclass
class History:
    """How a ``Tensor`` was made.

    Attributes:
        last_fn: the ``Function`` that produced it (None for a leaf).
        ctx: the ``Context`` that function filled during ``forward``.
        inputs: the arguments of that call (tensors, and constants such as a dim).
    """

    last_fn: Optional[Type["Function"]] = None
    ctx: Optional[Context] = None
    inputs: Sequence[Any] = ()


def real_array(values: Any, who: str) -> np.ndarray:
    """``values`` as a numpy array of real numbers (bool, int or float), checked.

    numpy turns ``None`` into NaN, ``"1.5"`` into 1.5 and drops the imaginary
    part of complex numbers (a warning at most): each is a bug upstream that
    would otherwise surface far away as NaNs or wrong answers.

    Args:
        values: a number, a (nested) list of numbers, or an array.
        who: the caller's name, for the message.

    Raises:
        TypeError: naming the bad value (or the array's dtype) for anything
            else: None, strings, complex numbers, objects.
    """
    array = np.asarray(values)
    if array.dtype.kind in "biuf":
        return array
    if array.dtype.kind == "O":
        bad = [v for v in array.flat if not isinstance(v, numbers.Real)]
        if not bad:
            return array
        raise TypeError(f"{who} needs real numbers, got {bad[0]!r} ({type(bad[0]).__name__})")
    kind = {"c": "complex numbers: take .real or abs() first", "U": "strings: parse them first",
            "S": "bytes: parse them first"}.get(array.dtype.kind, "not numbers")
    raise TypeError(f"{who} needs real numbers, got an array of dtype {array.dtype} ({kind})")


_tensor_count = 0


def _next_id() -> int:
    global _tensor_count
    _tensor_count += 1
    return _tensor_count


class Tensor:
    """An n-dimensional array of floats that records how it was computed.

    Build tensors with ``minitorch.tensor([...])``, ``zeros``, ``ones``,
    ``rand`` or ``Tensor.from_numpy``; this constructor wraps an existing
    ``TensorData``.

    Args:
        v: the data.
        back: its history: ``None`` for a constant, ``History()`` for a leaf
            that collects a gradient.
        name: an optional label.
        backend: the ``TensorBackend`` that runs its operations (``SimpleBackend``
            by default).

    Attributes:
        grad: the gradient collected by ``backward()`` (leaves only), or None.
    """

    # numpy should hand ``array + tensor`` to ``Tensor.__radd__``, not loop over us.
    __array_ufunc__ = None

    def __init__(
        self,
        v: TensorData,
        back: Optional[History] = None,
        name: Optional[str] = None,
        backend: Optional[TensorBackend] = None,
    ) -> None:
        if not isinstance(v, TensorData):
            raise TypeError(
                f"Tensor() wraps a TensorData, got {type(v).__name__}; "
                "use minitorch.tensor(...) to build a tensor from numbers"
            )
        self._tensor = v
        self.history = back
        self.backend = SimpleBackend if backend is None else backend
        self.grad: Optional[Tensor] = None
        self.unique_id = _next_id()
        self.name = name if name is not None else str(self.unique_id)

    @property
    def f(self) -> TensorBackend:
        """The backend (the course's short name for it)."""
        return self.backend

    # ## Construction

    @staticmethod
    def make(
        storage: Union[Storage, Sequence[float]],
        shape: UserShape,
        strides: Optional[Sequence[int]] = None,
        backend: Optional[TensorBackend] = None,
        dtype: DTypeLike = None,
    ) -> "Tensor":
        """A constant tensor over ``storage`` (numpy storage of the right dtype is shared)."""
        if dtype is not None:
            storage = np.asarray(storage, dtype=resolve_dtype(dtype))
        return Tensor(TensorData(storage, shape, strides), backend=backend)

    @staticmethod
    def from_numpy(
        array: np.ndarray, backend: Optional[TensorBackend] = None, requires_grad: bool = False
    ) -> "Tensor":
        """A tensor over a numpy array's numbers.

        A C-contiguous float64/float32 array is shared, not copied (writes show
        in both); other arrays are copied, and integer/bool ones become float64.

        Raises:
            TypeError: for arrays of complex numbers, strings or objects.
        """
        array = real_array(array, "Tensor.from_numpy")
        if array.dtype not in (np.float64, np.float32):
            array = array.astype(np.float64)
        array = np.ascontiguousarray(array)
        out = Tensor(TensorData(array.reshape(-1), array.shape), backend=backend)
        return out.requires_grad_(True) if requires_grad else out

    def _new(self, tensor_data: TensorData) -> "Tensor":
        return Tensor(tensor_data, backend=self.backend)

    def zeros(self, shape: Optional[UserShape] = None, dtype: DTypeLike = None) -> "Tensor":
        """A constant zero tensor on this tensor's backend.

        Args:
            shape: its shape (this tensor's by default).
            dtype: its dtype (this tensor's by default).
        """
        shape = self.shape if shape is None else tuple(shape)
        size = 1
        for s in shape:
            size *= int(s)
        storage = np.zeros(size, dtype=resolve_dtype(dtype, self.dtype))
        return Tensor(TensorData(storage, shape), backend=self.backend)

    def _ensure_tensor(self, b: Any) -> "Tensor":
        """``b`` as a tensor; a Python number keeps this tensor's dtype (like numpy)."""
        if isinstance(b, Tensor):
            return b
        if isinstance(b, (int, float, np.number)):
            return Tensor.make([float(b)], (1,), backend=self.backend, dtype=self.dtype)
        if isinstance(b, (np.ndarray, list)):
            return Tensor.from_numpy(np.array(b), backend=self.backend)
        raise TypeError(f"cannot combine a Tensor with {type(b).__name__}")

    # ## Properties

    @property
    def shape(self) -> Tuple[int, ...]:
        """The size of each dimension."""
        return self._tensor.shape

    @property
    def size(self) -> int:
        """The number of entries."""
        return self._tensor.size

    @property
    def dims(self) -> int:
        """The number of dimensions."""
        return self._tensor.dims

    @property
    def dtype(self) -> np.dtype:
        """``float64`` (the default) or ``float32``."""
        return self._tensor.dtype

    def tuple(self) -> Tuple[Storage, Shape, Strides]:
        """``(storage, shape, strides)``, the arguments a kernel takes."""
        return self._tensor.tuple()

    def is_contiguous(self) -> bool:
        """True if the entries lie in storage in row-major order."""
        return self._tensor.is_contiguous()

    # ## Autodiff state

    def requires_grad_(self, x: bool = True) -> "Tensor":
        """Make this tensor a leaf that collects ``.grad`` (or, with ``False``, a constant).

        Any history is forgotten: the tensor becomes the start of new graphs.
        Returns the tensor itself.
        """
        self.history = History() if x else None
        return self

    def requires_grad(self) -> bool:
        """True if gradients flow to this tensor (a leaf or a computed value)."""
        return self.history is not None

    def detach(self) -> "Tensor":
        """The same data (shared) as a constant with no history."""
        return Tensor(self._tensor, backend=self.backend)

    def zero_grad_(self) -> None:
        """Forget the gradient collected so far."""
        self.grad = None

    # ## Conversions

    def _leaving(self, how: str) -> None:
        """Tell a tracer, if one watches, that these numbers become a Python value."""
        w = recording.watcher()
        if w is not None:
            w.leaving(self, how)

    def to_numpy(self) -> np.ndarray:
        """A numpy copy of the numbers, with this shape and dtype."""
        self._leaving("to_numpy()")
        return self._tensor.to_numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.to_numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self) -> float:
        """The single number of a one-entry tensor, as a Python float."""
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one entry, got shape {self.shape}")
        self._leaving("item()")
        return float(self._tensor._storage[0])

    def __float__(self) -> float:
        self._leaving("float()")
        return self.item()

    def __int__(self) -> int:
        self._leaving("int()")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .all().item() or .sum().item()"
            )
        self._leaving("bool() (an `if`, `while`, `and` or `not` on a tensor)")
        return bool(self.item())

    def __len__(self) -> int:
        if self.dims == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Union[float, "Tensor"]]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        extra = "" if self.dtype == np.float64 else f", dtype={self.dtype}"
        if self.requires_grad():
            extra += ", requires_grad=True"
        body = self._tensor.to_string().replace("\n", "\n       ")
        return f"tensor({body}{extra})"

    # ## Indexing

    def __getitem__(self, key: Union[int, slice, UserIndex, Any]) -> Any:
        """``t[i, j]`` is a float; ``t[0]``, ``t[:, 1:3]``, ``t[..., 0]`` are views.

        Views share storage with ``t`` and carry gradients back to it.
        """
        where = index_view(self._tensor, key)
        if isinstance(where, tuple):
            self._leaving(f"indexing one entry [{key!r}]")
            return self._tensor.get(where)
        return F.GetItem.apply(self, key)

    def __setitem__(self, key: Union[int, slice, UserIndex, Any], value: Any) -> None:
        """Write a number (or a tensor broadcast to the selected shape) in place.

        Not recorded by autograd: do not modify tensors a graph still needs.
        """
        where = index_view(self._tensor, key)
        if isinstance(where, tuple):
            self._tensor.set(where, float(value))
            return
        target = self._new(where)
        self.backend.id_map(self._ensure_tensor(value), out=target)

    # ## Arithmetic: each operator is one autograd Function (tensor_functions.py)

    def __add__(self, b: TensorLike) -> "Tensor":
        return F.Add.apply(self, self._ensure_tensor(b))

    def __radd__(self, b: TensorLike) -> "Tensor":
        return F.Add.apply(self._ensure_tensor(b), self)

    def __sub__(self, b: TensorLike) -> "Tensor":
        return F.Add.apply(self, F.Neg.apply(self._ensure_tensor(b)))

    def __rsub__(self, b: TensorLike) -> "Tensor":
        return F.Add.apply(self._ensure_tensor(b), F.Neg.apply(self))

    def __mul__(self, b: TensorLike) -> "Tensor":
        return F.Mul.apply(self, self._ensure_tensor(b))

    def __rmul__(self, b: TensorLike) -> "Tensor":
        return F.Mul.apply(self._ensure_tensor(b), self)

    def __truediv__(self, b: TensorLike) -> "Tensor":
        return F.Mul.apply(self, F.Inv.apply(self._ensure_tensor(b)))

    def __rtruediv__(self, b: TensorLike) -> "Tensor":
        return F.Mul.apply(self._ensure_tensor(b), F.Inv.apply(self))

    def __matmul__(self, b: "Tensor") -> "Tensor":
        return F.MatMul.apply(self, self._ensure_tensor(b))

    def __neg__(self) -> "Tensor":
        return F.Neg.apply(self)

    def __lt__(self, b: TensorLike) -> "Tensor":
        return F.LT.apply(self, self._ensure_tensor(b))

    def __gt__(self, b: TensorLike) -> "Tensor":
        return F.LT.apply(self._ensure_tensor(b), self)

    def __eq__(self, b: TensorLike) -> "Tensor":  # type: ignore[override]
        if not isinstance(b, (Tensor, int, float, np.number, np.ndarray, list)):
            return NotImplemented
        return F.EQ.apply(self, self._ensure_tensor(b))

    def __ne__(self, b: TensorLike) -> "Tensor":  # type: ignore[override]
        if not isinstance(b, (Tensor, int, float, np.number, np.ndarray, list)):
            return NotImplemented
        return 1.0 - F.EQ.apply(self, self._ensure_tensor(b))

    # ``==`` is elementwise, so identity is the only sensible hash (as in PyTorch).
    __hash__ = object.__hash__

    def sigmoid(self) -> "Tensor":
        """The logistic function of every entry."""
        return F.Sigmoid.apply(self)

    def relu(self) -> "Tensor":
        """``max(x, 0)`` of every entry."""
        return F.ReLU.apply(self)

    def log(self) -> "Tensor":
        """The natural logarithm of every entry."""
        return F.Log.apply(self)

    def exp(self) -> "Tensor":
        """``e ** x`` of every entry."""
        return F.Exp.apply(self)

    def is_close(self, y: TensorLike) -> "Tensor":
        """1.0 where ``|self - y| < 1e-2``, else 0.0 (broadcasting)."""
        return F.IsClose.apply(self, self._ensure_tensor(y))

    # ## Reductions

    def _dim(self, dim: int) -> int:
        """``dim`` checked and made non-negative (``-1`` is the last dim)."""
        if not -self.dims <= dim < self.dims:
            raise IndexingError(f"dim {dim} is out of range for a tensor of shape {self.shape}")
        return dim + self.dims if dim < 0 else dim

    def sum(self, dim: Optional[int] = None) -> "Tensor":
        """Sum over ``dim`` (kept with size 1), or over everything into shape ``(1,)``."""
        return F.Sum.apply(self, None if dim is None else self._dim(dim))

    def mean(self, dim: Optional[int] = None) -> "Tensor":
        """Average over ``dim`` (kept with size 1), or over everything into shape ``(1,)``.

        The mean of nothing is NaN (0 / 0), with a ``RuntimeWarning``, as in
        PyTorch and numpy.
        """
        count = self.size if dim is None else self.shape[self._dim(dim)]
        if count == 0:
            warnings.warn(f"mean over an empty {'tensor' if dim is None else f'dim {dim}'} "
                          f"(shape {self.shape}) is nan", RuntimeWarning, stacklevel=2)
        return (self.sum() if dim is None else self.sum(dim)) / count

    def all(self, dim: Optional[int] = None) -> "Tensor":
        """1.0 if every entry (along ``dim``, or overall) is non-zero, else 0.0."""
        return F.All.apply(self, None if dim is None else self._dim(dim))

    # ## Views: new shapes over the same storage

    def permute(self, *order: Union[int, Sequence[int]]) -> "Tensor":
        """Reorder the dimensions: dim ``i`` of the result is dim ``order[i]`` of this one."""
        if len(order) == 1 and isinstance(order[0], (tuple, list)):
            order = tuple(order[0])
        return F.Permute.apply(self, tuple(int(o) for o in order))

    def view(self, *shape: Union[int, Sequence[int]]) -> "Tensor":
        """The same numbers with a new shape (one size may be ``-1``: inferred).

        Raises:
            ValueError: if the sizes do not match, or the tensor is not
                contiguous (call ``.contiguous()`` first).
        """
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        new_shape = [int(s) for s in shape]
        if new_shape.count(-1) > 1:
            raise ValueError(f"view{tuple(new_shape)}: only one size can be -1")
        if -1 in new_shape:
            known = 1
            for s in new_shape:
                known *= s if s != -1 else 1
            if known == 0 or self.size % known:
                raise ValueError(f"cannot view shape {self.shape} as {tuple(new_shape)}")
            new_shape[new_shape.index(-1)] = self.size // known
        return F.View.apply(self, tuple(new_shape))

    def contiguous(self) -> "Tensor":
        """This tensor if its entries are already in row-major order, else a row-major copy."""
        if self.is_contiguous():
            return self
        return F.Copy.apply(self)

    # ## dtype

    def astype(self, dtype: DTypeLike) -> "Tensor":
        """A copy converted to ``dtype`` (``float32``/``float64``); gradients flow back."""
        dtype = resolve_dtype(dtype)
        if dtype == self.dtype:
            return self
        return F.Cast.apply(self, dtype)

    def float(self) -> "Tensor":
        """This tensor as float32."""
        return self.astype(np.float32)

    def double(self) -> "Tensor":
        """This tensor as float64."""
        return self.astype(np.float64)

    # ## Autodiff: the Variable protocol (see autodiff.py)

    def expand(self, other: "Tensor") -> "Tensor":
        """Bring a gradient back to this tensor's shape.

        A backward pass may produce a gradient of a different (broadcast)
        shape: ``a + b`` with ``a`` of shape ``(3, 1)`` and ``b`` of shape
        ``(4,)`` sends a ``(3, 4)`` gradient to both. Each entry of ``a`` was
        used 4 times, so its gradient is the sum over the broadcast dimension;
        a gradient smaller than the input (from a reduction) is broadcast up.

        Args:
            other: a gradient whose shape broadcasts with this tensor's.

        Returns:
            A gradient of exactly ``self.shape``.
        """
        if other.shape == self.shape:
            return other
        true_shape = shape_broadcast(self.shape, other.shape)
        out = other
        if true_shape != other.shape:
            out = self.zeros(true_shape, dtype=other.dtype)
            self.backend.id_map(other, out=out)
        # Sum over the dims that broadcasting created or stretched.
        extra = len(true_shape) - self.dims
        for dim in range(len(true_shape)):
            if true_shape[dim] != 1 and (dim < extra or self.shape[dim - extra] == 1):
                out = self.backend.add_reduce(out, dim)
        return out.contiguous().view(*self.shape)

    def accumulate_derivative(self, x: "Tensor") -> None:
        """Add ``x`` to ``.grad`` (a fresh tensor of this shape and dtype)."""
        if not self.is_leaf():
            raise RuntimeError("accumulate_derivative is only for leaf tensors")
        # Copy (and cast) rather than keep ``x``: it may share storage with other
        # gradients. A numpy copy, not a kernel: this runs for every parameter on
        # every step, where a parallel kernel launch costs several times more.
        data = self.expand(x)._tensor
        if data.is_contiguous():  # one copy straight from storage, not to_numpy's and then ours
            arr = np.array(data._storage[: data.size], dtype=self.dtype)
        else:
            arr = data.to_numpy().astype(self.dtype, copy=False).reshape(-1)
        g = Tensor(TensorData(arr, self.shape), backend=self.backend)
        self.grad = g if self.grad is None else self.grad.detach() + g

    def is_leaf(self) -> bool:
        """True for a tensor the user created that collects a gradient."""
        return self.history is not None and self.history.last_fn is None

    def is_constant(self) -> bool:
        """True if no gradient flows to this tensor."""
        return self.history is None

    @property
    def parents(self) -> Iterable[Variable]:
        """The tensor inputs of the function that made this tensor."""
        assert self.history is not None
        return [x for x in self.history.inputs if isinstance(x, Tensor)]

    def chain_rule(self, d_output: "Tensor") -> Iterable[Tuple[Variable, "Tensor"]]:
        """Pair each tensor input with its gradient, brought to the input's shape."""
        h = self.history
        assert h is not None and h.last_fn is not None and h.ctx is not None
        grads = h.last_fn._backward(h.ctx, d_output)
        pairs = []
        for i, inp in enumerate(h.inputs):
            if not isinstance(inp, Tensor) or inp.is_constant():
                continue
            if i >= len(grads) or grads[i] is None:
                raise RuntimeError(
                    f"{h.last_fn.__name__}.backward returned {len(grads)} gradients "
                    f"but input {i} needs one"
                )
            pairs.append((inp, inp.expand(self._ensure_tensor(grads[i]))))
        return pairs

    def backward(self, grad_output: Optional[TensorLike] = None) -> None:
        """Fill ``.grad`` on every leaf this tensor depends on.

        Args:
            grad_output: the gradient of the final result with respect to this
                tensor (same shape); may be omitted for a one-entry tensor.
        """
        if self.is_constant():
            raise RuntimeError(
                "backward() on a tensor that does not require grad: call "
                "requires_grad_() on the inputs before computing it"
            )
        if grad_output is None:
            if self.size != 1:
                raise ValueError(
                    f"backward() without grad_output needs a one-entry tensor, got shape "
                    f"{self.shape}; call .sum() first or pass grad_output"
                )
            grad_output = 1.0
        if isinstance(grad_output, Tensor):
            if grad_output.shape != self.shape:
                raise ValueError(
                    f"grad_output has shape {grad_output.shape}, expected {self.shape}"
                )
            grad = grad_output.detach()
        else:
            grad = self.zeros(self.shape)
            grad._tensor._storage[:] = float(grad_output)
        backpropagate(self, grad)


# The Functions need ``Tensor`` to exist, so they are imported after it.
from . import tensor_functions as F  # noqa: E402

__all__ = ["History", "Tensor"]
