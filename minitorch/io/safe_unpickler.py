"""Reading PyTorch's pickles without running anything from the file.

Why pickle is dangerous
-----------------------
A pickle is a small program for a stack machine. Most opcodes push data
(``BININT``, ``BINUNICODE``, ``EMPTY_DICT`` ...), but two make it a general
"call anything" language:

- ``GLOBAL module name`` pushes *any* importable object, for example
  ``os.system`` or ``builtins.eval``;
- ``REDUCE`` pops a callable and a tuple and pushes ``callable(*tuple)``.

So ``GLOBAL os system`` + ``("rm -rf ~",)`` + ``REDUCE`` is a complete attack,
and it is exactly what a class's ``__reduce__`` produces when pickled.
``pickle.load`` on a downloaded ``.pth`` file runs whatever the author wrote.

What PyTorch actually needs
---------------------------
A ``state_dict`` saved by ``torch.save`` needs only a handful of globals::

    collections.OrderedDict            the dict itself
    torch._utils._rebuild_tensor_v2    (storage, offset, size, stride, requires_grad, hooks)
    torch._utils._rebuild_parameter    (tensor, requires_grad, hooks) for nn.Parameter
    torch.FloatStorage, ...            storage classes, i.e. element types
    torch.storage.UntypedStorage +     newer files: plain bytes plus a dtype given to
    torch.uint16, ... + _rebuild_tensor_v3

and *persistent ids*: instead of the tensor bytes the pickle holds a tuple
``('storage', FloatStorage, key, location, numel)`` that the reader resolves
(``BINPERSID`` calls our ``persistent_load``). The bytes live elsewhere: in the
zip's ``data/<key>`` records or after the pickle in the legacy format.

How this module reads them
--------------------------
Two passes. :func:`scan_pickle` first lists the opcodes without executing any
(``pickletools.genops``): it checks that each is complete and well formed,
that every ``GLOBAL`` is on the allow-list, and refuses opcodes that PyTorch
never writes (``INST``, ``OBJ``, ``NEWOBJ``, ``EXT*``, out-of-band buffers).
Then :class:`SafeUnpickler` runs the pickle. It overrides ``find_class``, the one door through which
``GLOBAL`` reaches Python objects. Each allowed name maps to *our own*
stand-in, never to torch or to any real function: ``_rebuild_tensor_v2``
becomes a function that records a :class:`TensorRef` (which storage, which
offset, shape and strides), a storage class becomes a :class:`StorageType`
that only knows its element type. Every other name raises
:class:`~minitorch.io.errors.UnsafeCheckpointError` *before* anything is
called, so nothing from the file ever runs. The stand-ins also refuse pickle's
``BUILD`` (``__setstate__``), so a file cannot change them for the next file
either. The format readers then fill the :class:`TensorRef` placeholders with
numpy arrays.
"""

from __future__ import annotations

import io
import pickle
import pickletools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, NoReturn

from .dtypes import TORCH_STORAGE_DTYPES, itemsize
from .errors import CheckpointError, UnsafeCheckpointError

__all__ = [
    "TorchDType",
    "StorageType",
    "StorageRef",
    "TensorRef",
    "SafeUnpickler",
    "scan_pickle",
    "load_pickle",
    "decode_ascii",
    "StorageTable",
]


class _Refused(Exception):
    """Raised by a stand-in when the pickle tries to modify it; becomes UnsafeCheckpointError."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse_setstate(self: object, state: object) -> NoReturn:
    raise _Refused(f"BUILD (__setstate__) on {type(self).__name__}")


@dataclass(frozen=True, slots=True)
class TorchDType:
    """Stand-in for ``torch.float32`` & co.: just the dtype's name."""

    name: str
    __setstate__ = _refuse_setstate


@dataclass(frozen=True, slots=True)
class StorageType:
    """Stand-in for ``torch.FloatStorage`` & co.: a storage class is an element type."""

    name: str
    dtype: str
    __setstate__ = _refuse_setstate


@dataclass(frozen=True, slots=True)
class StorageRef:
    """What a persistent id resolves to: which bytes in the file hold a storage.

    Attributes:
        key: the storage's name: zip record ``data/<key>``; legacy: an entry of the key list.
        dtype: element type of the storage.
        numel: elements in the whole storage ``key``.
        view_offset: legacy storage views only: first element of the view.
        view_numel: legacy storage views only: elements in the view (else ``numel``).
    """

    key: str
    dtype: str
    numel: int
    view_offset: int = 0
    view_numel: int | None = None
    __setstate__ = _refuse_setstate

    @property
    def nbytes(self) -> int:
        """Bytes of the whole storage ``key``."""
        return self.numel * itemsize(self.dtype)


@dataclass(frozen=True, slots=True)
class TensorRef:
    """A tensor as the pickle describes it, before its bytes are read.

    Element ``[i0, i1, ...]`` lives at storage element
    ``offset + i0*stride[0] + i1*stride[1] + ...``. The readers check that
    every element stays inside the storage before touching any byte.
    """

    storage: StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: str
    __setstate__ = _refuse_setstate


@dataclass(frozen=True, slots=True)
class _TensorClass:
    """Stand-in for ``torch.Tensor`` / ``torch.nn.Parameter`` (only used as a marker)."""

    name: str
    __setstate__ = _refuse_setstate


class _StandIn:
    """A callable handed to the pickle in place of a real global; immutable."""

    __slots__ = ("qualname", "fn")

    def __init__(self, qualname: str, fn: Callable[..., Any]) -> None:
        object.__setattr__(self, "qualname", qualname)
        object.__setattr__(self, "fn", fn)

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise _Refused(f"setting {name!r} on {self.qualname}")

    __setstate__ = _refuse_setstate

    def __repr__(self) -> str:
        return f"<safe stand-in for {self.qualname}>"


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, tuple | list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValueError(f"tensor {what} must be a tuple of ints, got {value!r}")
    return tuple(value)


def _tensor(
    storage: Any, offset: Any, size: Any, stride: Any, dtype: str | None, metadata: Any = None
) -> TensorRef:
    if metadata:  # {'conj': True} / {'neg': True}: a lazy view whose bytes are not its values
        raise ValueError(
            f"tensor metadata {metadata!r} (a lazy conjugate/negative view) is not supported; "
            "save t.resolve_conj().resolve_neg() instead"
        )
    if not isinstance(storage, StorageRef):
        raise ValueError(f"a tensor's storage must be a persistent-id storage, got {storage!r}")
    if not isinstance(offset, int) or isinstance(offset, bool):
        raise ValueError(f"tensor storage offset must be an int, got {offset!r}")
    return TensorRef(
        storage, offset, _ints(size, "size"), _ints(stride, "stride"), dtype or storage.dtype
    )


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any) -> TensorRef:
    return _tensor(storage, offset, size, stride, None)


def _rebuild_tensor_v2(
    storage: Any,
    offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any = False,
    backward_hooks: Any = None,
    metadata: Any = None,
) -> TensorRef:
    return _tensor(storage, offset, size, stride, None, metadata)


def _rebuild_tensor_v3(
    storage: Any,
    offset: Any,
    size: Any,
    stride: Any,
    requires_grad: Any,
    backward_hooks: Any,
    dtype: Any,
    metadata: Any = None,
) -> TensorRef:
    # v3 reads an untyped (byte) storage as `dtype`: offset and strides count dtype elements.
    if not isinstance(dtype, TorchDType):
        raise ValueError(f"_rebuild_tensor_v3 needs a torch dtype, got {dtype!r}")
    return _tensor(storage, offset, size, stride, dtype.name, metadata)


def _rebuild_parameter(
    data: Any, requires_grad: Any, backward_hooks: Any, state: Any = None
) -> Any:
    if not isinstance(data, TensorRef):
        raise ValueError(f"a Parameter must wrap a tensor, got {data!r}")
    return data  # a Parameter is its tensor plus requires_grad, which numpy has no use for


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    if not isinstance(func, _StandIn) or not isinstance(new_type, _TensorClass):
        raise ValueError("_rebuild_from_type_v2 may only rebuild a plain tensor or Parameter")
    return _rebuild_parameter(func(*args), False, None)


def _latin1_bytes(text: Any, encoding: Any = "latin1") -> bytes:
    # Protocol 2 has no bytes opcode, so Python 3 pickles bytes as _codecs.encode(str, 'latin1').
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError("_codecs.encode is allowed only as (str, 'latin1')")
    return text.encode("latin-1")


def _torch_size(dims: Any = ()) -> tuple[int, ...]:
    return _ints(dims, "Size")


def _build_allow_list() -> dict[tuple[str, str], object]:
    allowed: dict[tuple[str, str], object] = {}

    def callable_(module: str, name: str, fn: Callable[..., Any]) -> None:
        allowed[(module, name)] = _StandIn(f"{module}.{name}", fn)

    callable_("collections", "OrderedDict", OrderedDict)
    for builtins in ("builtins", "__builtin__"):  # protocol-2 files name it either way
        callable_(builtins, "set", set)
        callable_(builtins, "frozenset", frozenset)
    callable_("_codecs", "encode", _latin1_bytes)
    callable_("torch._utils", "_rebuild_tensor", _rebuild_tensor)
    callable_("torch._utils", "_rebuild_tensor_v2", _rebuild_tensor_v2)
    callable_("torch._utils", "_rebuild_tensor_v3", _rebuild_tensor_v3)
    callable_("torch._utils", "_rebuild_parameter", _rebuild_parameter)
    callable_("torch._utils", "_rebuild_parameter_with_state", _rebuild_parameter)
    callable_("torch._tensor", "_rebuild_from_type_v2", _rebuild_from_type_v2)
    callable_("torch", "Size", _torch_size)
    allowed[("torch", "Tensor")] = _TensorClass("Tensor")
    allowed[("torch.nn.parameter", "Parameter")] = _TensorClass("Parameter")
    for cls, dtype in TORCH_STORAGE_DTYPES.items():
        allowed[("torch", cls)] = StorageType(cls, dtype)
    allowed[("torch.storage", "UntypedStorage")] = StorageType("UntypedStorage", "uint8")
    for dtype in set(TORCH_STORAGE_DTYPES.values()) | {"uint16", "uint32", "uint64"}:
        allowed[("torch", dtype)] = TorchDType(dtype)
    return allowed


ALLOWED_GLOBALS: dict[tuple[str, str], object] = _build_allow_list()
"""``(module, name)`` -> the stand-in that ``GLOBAL module name`` receives."""


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves globals only through :data:`ALLOWED_GLOBALS`.

    Args:
        file: binary file positioned at a pickle.
        source: the file's name, for error messages.
        persistent_load: resolves ``BINPERSID`` ids (the format reader's job);
            ``None`` makes any persistent id an error.
    """

    def __init__(
        self,
        file: IO[bytes],
        source: str,
        persistent_load: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(file)
        self.source = source
        self._persistent_load = persistent_load

    def find_class(self, module: str, name: str) -> Any:
        """The only way a pickle reaches Python objects: look it up, never import it."""
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(self.source, f"{module}.{name}") from None

    def persistent_load(self, pid: Any) -> Any:
        if self._persistent_load is None:
            raise pickle.UnpicklingError("unexpected persistent id in this pickle")
        return self._persistent_load(pid)


# Opcodes that build objects other than through REDUCE on an allowed global (INST, OBJ,
# NEWOBJ: cls.__new__; EXT*: the copyreg registry) or use out-of-band buffers. PyTorch
# never writes them, so we refuse them before unpickling starts.
REFUSED_OPCODES = frozenset(
    {"INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "EXT1", "EXT2", "EXT4"}
    | {"BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"}
)


class _Cursor:
    """A read-only file over ``data[pos:]`` that never hands out more than is there."""

    def __init__(self, data: bytes | bytearray, pos: int) -> None:
        self.data, self.pos = data, pos

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else min(self.pos + n, len(self.data))
        chunk = bytes(self.data[self.pos : end])
        self.pos = end
        return chunk

    def readline(self) -> bytes:
        newline = self.data.find(b"\n", self.pos)
        return self.read(-1 if newline < 0 else newline + 1 - self.pos)

    def tell(self) -> int:
        return self.pos


def scan_pickle(data: bytes | bytearray, source: str, start: int = 0) -> int:
    """Walk the opcodes of the pickle at ``data[start:]`` without running any of them.

    This first pass (``pickletools.genops``, pure Python, ~1 ms per 1000
    opcodes) checks that every opcode is well formed and complete, that none
    is in :data:`REFUSED_OPCODES`, that every ``GLOBAL`` names an allowed
    global, and finds the STOP that ends the pickle. So
    the real unpickler below only ever sees a complete, plain pickle; a length
    field that claims gigabytes is caught here instead of being allocated.

    Returns:
        The offset just after the pickle's STOP opcode.

    Raises:
        UnsafeCheckpointError: a refused opcode or global.
        CheckpointError: an unknown, malformed or truncated opcode.
    """
    cursor = _Cursor(data, start)
    try:
        for opcode, arg, _pos in pickletools.genops(cursor):
            if opcode.name in ("GLOBAL", "INST"):  # name the global before anything else
                module, _, name = str(arg).partition(" ")
                if (module, name) not in ALLOWED_GLOBALS:
                    raise UnsafeCheckpointError(source, f"{module}.{name}")
            if opcode.name in REFUSED_OPCODES:
                raise UnsafeCheckpointError(
                    source,
                    f"opcode {opcode.name}",
                    f"the pickle uses opcode {opcode.name}, which PyTorch never writes "
                    "and which can build arbitrary objects; refusing the file",
                )
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - genops raises ValueError and friends for bad bytes
        raise CheckpointError(
            source, f"the pickle at byte {start} is truncated or corrupt ({exc})"
        ) from None
    return cursor.pos


def load_pickle(
    data: bytes | bytearray,
    source: str,
    start: int = 0,
    persistent_load: Callable[[Any], Any] | None = None,
) -> tuple[Any, int]:
    """Safely unpickle the pickle that starts at ``data[start]``.

    Args:
        data: bytes holding the pickle (and possibly more after it).
        source: the file's name, for error messages.
        start: where the pickle begins.
        persistent_load: how to resolve persistent ids (see :class:`SafeUnpickler`).

    Returns:
        ``(obj, end)``: the object, with :class:`TensorRef` placeholders where
        tensors were, and the offset just after the pickle.

    Raises:
        UnsafeCheckpointError: the pickle names a global outside the allow-list,
            uses a refused opcode, or tries to modify one of our stand-ins.
        CheckpointError: the pickle is truncated or malformed.
    """
    end = scan_pickle(data, source, start)
    try:
        obj = SafeUnpickler(io.BytesIO(data[start:end]), source, persistent_load).load()
    except CheckpointError:
        raise
    except _Refused as refused:
        raise UnsafeCheckpointError(
            source, refused.name, f"the pickle tries {refused.name}, which is never allowed"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure inside pickle means bad bytes
        raise CheckpointError(
            source, f"the pickle is corrupt or unsupported ({type(exc).__name__}: {exc})"
        ) from exc
    return obj, end


def decode_ascii(value: Any) -> Any:
    """Files written by Python 2 hold some strings as bytes; make them ``str``."""
    return value.decode("ascii") if isinstance(value, bytes) else value


class StorageTable:
    """Collects the storages a pickle's persistent ids refer to.

    ``persistent_load`` is handed to :func:`load_pickle`; afterwards
    :attr:`storages` maps each storage key to its (root) :class:`StorageRef`,
    which tells the reader how many bytes to fetch for it.

    Persistent ids look like ``('storage', StorageType, key, location, numel)``
    in the zip format and have a sixth item ``view_metadata`` in the legacy
    format: ``None``, or ``(view_key, offset, view_numel)`` for very old files
    where a tensor's storage was itself a slice of a bigger storage ``key``.
    """

    def __init__(self) -> None:
        self.storages: dict[str, StorageRef] = {}

    def persistent_load(self, pid: Any) -> StorageRef:
        if not isinstance(pid, tuple) or not pid or decode_ascii(pid[0]) != "storage":
            raise ValueError(f"unsupported persistent id {pid!r} (only storages are)")
        if len(pid) == 5:
            _, storage_type, key, _location, numel = pid
            view = None
        elif len(pid) == 6:
            _, storage_type, key, _location, numel, view = pid
        else:
            raise ValueError(f"a storage persistent id has 5 or 6 items, got {pid!r}")
        key = decode_ascii(key)
        if not isinstance(storage_type, StorageType):
            raise ValueError(f"persistent id names {storage_type!r}, not a storage class")
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise ValueError(f"bad storage key or size in persistent id {pid!r}")
        root = StorageRef(key, storage_type.dtype, numel)
        seen = self.storages.setdefault(key, root)
        if seen != root:
            raise ValueError(
                f"storage {key!r} is described twice differently: "
                f"{seen.numel} x {seen.dtype} and {numel} x {storage_type.dtype}"
            )
        if view is None:
            return root
        if not (isinstance(view, tuple) and len(view) == 3):
            raise ValueError(f"bad storage view {view!r}")
        _view_key, offset, view_numel = view
        if not all(isinstance(v, int) and v >= 0 for v in (offset, view_numel)):
            raise ValueError(f"bad storage view {view!r}")
        if offset + view_numel > numel:
            raise ValueError(
                f"storage view {view!r} reaches past the end of storage {key!r} ({numel} elements)"
            )
        return StorageRef(key, storage_type.dtype, numel, offset, view_numel)
