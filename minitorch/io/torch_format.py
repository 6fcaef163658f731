"""Reading PyTorch ``.pth`` / ``.pt`` files without PyTorch.

``torch.save(obj, f)`` pickles ``obj`` (usually a ``state_dict``: an
OrderedDict from names to tensors), but it keeps the tensors' bytes out of the
pickle. In the pickle each tensor is a call
``_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
whose ``storage`` is a *persistent id* ``('storage', FloatStorage, key,
location, numel)``: "the ``numel`` floats stored under ``key``". Several
tensors may share one storage (tied weights, or views such as ``w.t()`` and
``w[1:]``), which is why offset and strides are stored per tensor and the
bytes per storage. There are two container layouts for those bytes.

The zip format (PyTorch >= 1.6, the default)
--------------------------------------------
A plain zip archive (records stored uncompressed, 64-byte aligned, so they can
be memory-mapped)::

    archive/data.pkl              the pickle
    archive/byteorder             "little" or "big" (missing in old files: little)
    archive/data/0, data/1, ...   one record per storage key: its raw bytes
    archive/version, .format_version, .storage_alignment, .data/serialization_id

The top folder is ``archive`` in files from recent versions and the file's own
name in some older ones, so we look for the one ``<folder>/data.pkl``.

The legacy format (``_use_new_zipfile_serialization=False``, PyTorch < 1.6)
--------------------------------------------------------------------------
Five things written one after another into a single file::

    pickle  0x1950a86a20f9469cfc6c            the magic number
    pickle  1001                              the protocol version
    pickle  {'protocol_version': 1001, 'little_endian': True,
             'type_sizes': {'short': 2, 'int': 4, 'long': 4 or 8}}
    pickle  the object (persistent ids have a 6th item, view_metadata)
    pickle  ['key1', 'key2', ...]             the storage keys, sorted
    for each key: int64 element count, then count * itemsize raw bytes

Reading
-------
1. Unpickle with :mod:`minitorch.io.safe_unpickler` (an allow-list: nothing in
   the file runs); tensors come back as :class:`TensorRef` placeholders and
   the persistent ids tell us which storages exist and how big they are.
2. Read each storage's bytes into its own buffer, checking sizes against what
   the pickle promised.
3. Replace every placeholder with a numpy array: check that
   ``offset + sum((size_i - 1) * stride_i)`` stays inside the storage, view the
   buffer with the tensor's strides, and copy, unless the tensor is simply its
   whole storage in C order (the usual case), which stays a zero-copy view.
   Tensors that share a whole storage (tied weights) therefore share memory,
   as they do in PyTorch.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .dtypes import absurd_shape, decode, itemsize, stored_dtype
from .errors import CheckpointError
from .safe_unpickler import StorageTable, TensorRef, decode_ascii, load_pickle

__all__ = ["load_torch", "tensor_from_storage"]

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
ZIP_MAGIC = b"PK\x03\x04"
# What pickle.dumps(LEGACY_MAGIC_NUMBER, protocol=2) starts with: PROTO 2, LONG1 of 10 bytes.
Buffer = bytearray | memoryview  # a storage's raw bytes

# What zipfile raises for damaged archives (bad CRC, headers, versions, encodings, ...).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)
# Largest tensor we build from a smaller storage by copying an expanded (stride-0) view.
MAX_EXPANDED_BYTES = 1 << 28
LEGACY_PREFIX = b"\x80\x02\x8a\x0a" + LEGACY_MAGIC_NUMBER.to_bytes(10, "little")


def load_torch(path: str | os.PathLike[str]) -> Any:
    """Load a file written by ``torch.save``, either format, without PyTorch.

    Args:
        path: a ``.pth`` / ``.pt`` / ``.bin`` file.

    Returns:
        The saved object with every tensor (and ``nn.Parameter``) replaced by a
        numpy array of the same shape and dtype (bfloat16 becomes float32);
        usually a ``dict[str, np.ndarray]``.

    Raises:
        UnsafeCheckpointError: the pickle asks for anything but tensors and
            plain containers (a pickled ``nn.Module``, a class from a training
            script, or an attack). Nothing from the file was run.
        CheckpointError: the file is truncated, corrupt, or not a PyTorch file.
    """
    source = os.fspath(path)
    with open(source, "rb") as f:
        head = f.read(len(LEGACY_PREFIX))
    if head.startswith(ZIP_MAGIC):
        return _load_zip(source)
    if head[:1] == b"\x80":  # a pickle: the legacy reader checks the magic number itself
        return _load_legacy(source)
    if not head:
        raise CheckpointError(source, "the file is empty")
    raise CheckpointError(
        source,
        f"not a PyTorch file: it starts with {head[:8]!r}, not with a zip header "
        f"({ZIP_MAGIC!r}) or a pickle (b'\\x80')",
    )


# ---------------------------------------------------------------------------- zip format


def _load_zip(source: str) -> Any:
    try:
        with zipfile.ZipFile(source) as archive:
            return _read_zip(archive, source)
    except (CheckpointError, FileNotFoundError):
        raise
    except ZIP_ERRORS as exc:
        raise CheckpointError(
            source, f"the zip archive is truncated or corrupt ({type(exc).__name__}: {exc})"
        ) from exc


def _read_zip(archive: zipfile.ZipFile, source: str) -> Any:
    pickles = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise CheckpointError(
            source,
            "not a PyTorch zip checkpoint: expected exactly one '<folder>/data.pkl', "
            f"found {pickles or 'none'}",
        )
    folder = pickles[0][: -len("data.pkl")]
    byteorder = "little"
    if folder + "byteorder" in archive.namelist():
        byteorder = archive.read(folder + "byteorder").decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise CheckpointError(source, f"byteorder record says {byteorder!r}")

    table = StorageTable()
    pickled = _read_record(archive, pickles[0], source)
    obj, end = load_pickle(pickled, source, persistent_load=table.persistent_load)
    if end != len(pickled):
        raise CheckpointError(source, f"{len(pickled) - end} unexpected bytes after the pickle")

    names = set(archive.namelist())
    buffers: dict[str, bytearray] = {}
    for key, ref in table.storages.items():
        name = f"{folder}data/{key}"
        if name not in names:
            raise CheckpointError(source, f"record {name!r} (storage {key!r}) is missing")
        buffers[key] = _read_record(archive, name, source, expected_size=ref.nbytes)
    return _materialise(obj, buffers, "<" if byteorder == "little" else ">", source)


def _read_record(
    archive: zipfile.ZipFile, name: str, source: str, expected_size: int | None = None
) -> bytearray:
    """Read one zip record into a fresh writable buffer (the zip's CRC is checked)."""
    info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        # torch writes records uncompressed; refusing others also rules out zip bombs
        raise CheckpointError(source, f"record {name!r} is compressed; PyTorch never does that")
    if expected_size is not None and info.file_size != expected_size:
        raise CheckpointError(
            source,
            f"record {name!r} holds {info.file_size} bytes but the pickle promises {expected_size}",
        )
    buffer = bytearray(info.file_size)
    with archive.open(info) as member:
        got = member.readinto(buffer)
    if got != info.file_size:
        raise CheckpointError(source, f"record {name!r} is truncated")
    return buffer


# ------------------------------------------------------------------------- legacy format


def _load_legacy(source: str) -> Any:
    # One read of the whole file: the pickles are parsed from it and the storages
    # become views into it, so the weights are never copied again.
    with open(source, "rb") as f:
        data = bytearray(os.fstat(f.fileno()).st_size)
        if f.readinto(data) != len(data):
            raise CheckpointError(source, "the file changed size while being read")

    magic, pos = load_pickle(data, source)
    if magic != LEGACY_MAGIC_NUMBER:
        raise CheckpointError(
            source,
            f"not a PyTorch file: the magic number is {magic!r}, not {LEGACY_MAGIC_NUMBER:#x}",
        )
    protocol, pos = load_pickle(data, source, pos)
    if protocol != LEGACY_PROTOCOL_VERSION:
        raise CheckpointError(source, f"unsupported legacy protocol version {protocol!r}")
    sys_info, pos = load_pickle(data, source, pos)
    if not isinstance(sys_info, dict):
        raise CheckpointError(source, f"the system-info record is {sys_info!r}, not a dict")
    byteorder = "<" if sys_info.get("little_endian", True) else ">"

    table = StorageTable()
    obj, pos = load_pickle(data, source, pos, table.persistent_load)
    keys, pos = load_pickle(data, source, pos)
    if not isinstance(keys, list) or not all(isinstance(k, str | bytes) for k in keys):
        raise CheckpointError(source, "the storage key list is not a list of strings")
    keys = [decode_ascii(k) for k in keys]
    if len(set(keys)) != len(keys) or set(keys) != set(table.storages):
        raise CheckpointError(
            source,
            f"the storage key list ({len(keys)} keys) does not match the "
            f"{len(table.storages)} storages the pickle uses",
        )

    view = memoryview(data)
    buffers: dict[str, memoryview] = {}
    for key in keys:  # <int64 element count><count * itemsize bytes>, in key-list order
        ref = table.storages[key]
        if pos + 8 > len(data):
            raise CheckpointError(source, f"the file ends before storage {key!r}")
        (numel,) = struct.unpack_from(byteorder + "q", data, pos)
        if numel != ref.numel:
            raise CheckpointError(
                source,
                f"storage {key!r} says it has {numel} elements, the pickle expects {ref.numel}",
            )
        pos += 8
        if pos + ref.nbytes > len(data):
            raise CheckpointError(
                source,
                f"the file is truncated: storage {key!r} needs {ref.nbytes} bytes, "
                f"{len(data) - pos} are left",
            )
        buffers[key] = view[pos : pos + ref.nbytes]
        pos += ref.nbytes
    if pos != len(data):
        raise CheckpointError(source, f"{len(data) - pos} unexpected bytes after the last storage")
    return _materialise(obj, buffers, byteorder, source)


# ------------------------------------------------------------------- placeholders -> arrays


def _materialise(obj: Any, buffers: Mapping[str, Buffer], byteorder: str, source: str) -> Any:
    """Replace every TensorRef in ``obj`` (dicts, lists, tuples) by its numpy array."""

    def tensor(ref: TensorRef, where: str) -> np.ndarray:
        return tensor_from_storage(ref, buffers[ref.storage.key], byteorder, source, where)

    try:
        return _walk(obj, tensor, "", {})
    except RecursionError:
        raise CheckpointError(source, "the object is nested too deeply") from None


def _walk(
    obj: Any, tensor: Callable[[TensorRef, str], np.ndarray], where: str, seen: dict[int, Any]
) -> Any:
    """Replace the TensorRefs inside ``obj`` by arrays; dicts and lists change in place.

    Args:
        obj: the unpickled object (or a part of it).
        tensor: makes the array for a TensorRef found at ``where``.
        where: the path to ``obj``, for error messages (``"model/layer[0]"``).
        seen: ``id(container) -> (container, result)`` for the containers
            already converted. A pickle can share one container many times
            (255 bytes of tuples nested 40 deep, each holding the previous one
            twice, make 2**40 paths), so each is converted once; the original
            is kept in the entry so its id cannot be reused while we walk.

    Returns:
        ``obj`` with arrays in place of TensorRefs (a new tuple for a tuple).
    """
    if isinstance(obj, TensorRef):
        return tensor(obj, where)
    if id(obj) in seen:  # shared or cyclic containers: convert each once
        return seen[id(obj)][1]
    if isinstance(obj, dict):
        seen[id(obj)] = (obj, obj)
        for key, value in obj.items():
            obj[key] = _walk(value, tensor, f"{where}/{key}" if where else str(key), seen)
        return obj
    if isinstance(obj, list):
        seen[id(obj)] = (obj, obj)
        for i, value in enumerate(obj):
            obj[i] = _walk(value, tensor, f"{where}[{i}]", seen)
        return obj
    if isinstance(obj, tuple):  # cannot contain itself, so converting the items first is safe
        result = tuple(_walk(v, tensor, f"{where}[{i}]", seen) for i, v in enumerate(obj))
        seen[id(obj)] = (obj, result)
        return result
    return obj


def tensor_from_storage(
    ref: TensorRef, buffer: Buffer, byteorder: str, source: str, where: str = "tensor"
) -> np.ndarray:
    """Make the numpy array a :class:`TensorRef` describes from its storage's bytes.

    Args:
        ref: offset, shape, strides (in elements of ``ref.dtype``) into the storage.
        buffer: the raw bytes of the whole storage ``ref.storage.key``.
        byteorder: ``"<"`` or ``">"``, as the file records it.
        source, where: file and tensor name for error messages.

    Returns:
        A native-byte-order array; a view of ``buffer`` when the tensor is the
        whole storage in C order, otherwise a C-contiguous copy.

    Raises:
        CheckpointError: negative sizes or strides, or any element outside the storage.
    """
    storage, size = ref.storage, itemsize(ref.dtype)
    if len(ref.shape) != len(ref.stride):
        raise CheckpointError(
            source, f"{where}: size {ref.shape} and stride {ref.stride} differ in length"
        )
    if ref.offset < 0 or min(ref.shape + ref.stride, default=0) < 0:
        raise CheckpointError(
            source,
            f"{where}: negative offset, size or stride ({ref.offset}, {ref.shape}, {ref.stride})",
        )
    # The bytes this tensor may touch: the storage, or the legacy view of it.
    start = storage.view_offset * itemsize(storage.dtype)
    view_numel = storage.numel if storage.view_numel is None else storage.view_numel
    end = start + view_numel * itemsize(storage.dtype)
    if absurd_shape(ref.shape, size):
        raise CheckpointError(source, f"{where}: size {ref.shape} is too big for any array")
    numel = math.prod(ref.shape)
    if numel == 0:
        return decode(np.empty(ref.shape, stored_dtype(ref.dtype, byteorder)), ref.dtype)
    first = start + ref.offset * size
    last = first + sum((n - 1) * s for n, s in zip(ref.shape, ref.stride)) * size + size
    if last > end:
        raise CheckpointError(
            source,
            f"{where}: offset {ref.offset}, size {ref.shape}, stride {ref.stride} reach byte "
            f"{last - start} of storage {storage.key!r}, which has only {end - start} bytes",
        )
    raw = np.ndarray(
        ref.shape,
        dtype=stored_dtype(ref.dtype, byteorder),
        buffer=buffer,
        offset=first,
        strides=tuple(s * size for s in ref.stride),
    )
    if raw.nbytes > max(end - start, MAX_EXPANDED_BYTES):
        # Only overlapping strides (e.g. stride 0 from expand()) make a tensor bigger than
        # its storage; copying a huge one would exhaust memory for a few bytes of file.
        raise CheckpointError(
            source, f"{where}: strides {ref.stride} expand {end - start} bytes to {raw.nbytes}"
        )
    whole = (
        first == 0 and raw.nbytes == len(buffer) and raw.flags.c_contiguous and raw.flags.aligned
    )
    return decode(raw if whole else np.array(raw, order="C", copy=True), ref.dtype)
