"""Build PyTorch ``.pth`` files byte by byte, as ``torch.save`` lays them out, without torch.

A tiny protocol-2 pickle writer: plain Python values plus four node types for
the opcodes torch needs (GLOBAL, REDUCE, BINPERSID, BUILD). Used by the
minitorch.io tests to make well-formed, corrupt and malicious checkpoints.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C


@dataclass
class Global:
    """``GLOBAL module name``: push an importable object."""

    module: str
    name: str


@dataclass
class Call:
    """``func args REDUCE``: push ``func(*args)``."""

    func: Any
    args: tuple


@dataclass
class PersId:
    """``pid BINPERSID``: push whatever the reader's persistent_load makes of ``pid``."""

    pid: Any


@dataclass
class Build:
    """``obj state BUILD``: ``obj.__setstate__(state)`` or update its ``__dict__``."""

    obj: Any
    state: Any


@dataclass
class ODict:
    """``collections.OrderedDict()`` filled with SETITEMS, as torch pickles state dicts."""

    items: dict = field(default_factory=dict)


@dataclass
class Raw:
    """Opcodes written as they are."""

    data: bytes


def _emit(obj: Any) -> bytes:
    if obj is None:
        return b"N"
    if obj is True:
        return b"\x88"
    if obj is False:
        return b"\x89"
    if isinstance(obj, int):
        if 0 <= obj < 256:
            return b"K" + bytes([obj])
        if 0 <= obj < 65536:
            return b"M" + struct.pack("<H", obj)
        if -(2**31) <= obj < 2**31:
            return b"J" + struct.pack("<i", obj)
        data = obj.to_bytes((obj.bit_length() + 8) // 8, "little", signed=True)
        return b"\x8a" + bytes([len(data)]) + data
    if isinstance(obj, float):
        return b"G" + struct.pack(">d", obj)
    if isinstance(obj, str):
        data = obj.encode("utf-8")
        return b"X" + struct.pack("<I", len(data)) + data
    if isinstance(obj, bytes):
        return _emit(Call(Global("_codecs", "encode"), (obj.decode("latin-1"), "latin1")))
    if isinstance(obj, tuple):
        return b")" if not obj else b"(" + b"".join(map(_emit, obj)) + b"t"
    if isinstance(obj, list):
        return b"]" + (b"(" + b"".join(map(_emit, obj)) + b"e" if obj else b"")
    if isinstance(obj, dict | ODict):
        items = obj.items if isinstance(obj, ODict) else obj
        head = (
            _emit(Call(Global("collections", "OrderedDict"), ()))
            if isinstance(obj, ODict)
            else b"}"
        )
        body = b"".join(_emit(k) + _emit(v) for k, v in items.items())
        return head + (b"(" + body + b"u" if items else b"")
    if isinstance(obj, Global):
        return b"c" + f"{obj.module}\n{obj.name}\n".encode()
    if isinstance(obj, Call):
        return _emit(obj.func) + _emit(tuple(obj.args)) + b"R"
    if isinstance(obj, PersId):
        return _emit(obj.pid) + b"Q"
    if isinstance(obj, Build):
        return _emit(obj.obj) + _emit(obj.state) + b"b"
    if isinstance(obj, Raw):
        return obj.data
    raise TypeError(f"cannot emit {obj!r}")


def dumps(obj: Any) -> bytes:
    """A complete protocol-2 pickle of ``obj``."""
    return b"\x80\x02" + _emit(obj) + b"."


STORAGE_CLASS = {
    "float64": "DoubleStorage",
    "float32": "FloatStorage",
    "float16": "HalfStorage",
    "int64": "LongStorage",
    "int32": "IntStorage",
    "int16": "ShortStorage",
    "int8": "CharStorage",
    "uint8": "ByteStorage",
    "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
}


def storage(cls: str, key: str, numel: int, legacy: bool = False, view: Any = None) -> PersId:
    """The persistent id of storage ``key``: ``numel`` elements of class ``torch.<cls>``."""
    pid = ("storage", Global("torch", cls), key, "cpu", numel)
    return PersId(pid + (view,) if legacy else pid)


def tensor(pid: PersId, offset: int, size: tuple, stride: tuple) -> Call:
    """``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())``."""
    return Call(
        Global("torch._utils", "_rebuild_tensor_v2"), (pid, offset, size, stride, False, ODict())
    )


def parameter(t: Call) -> Call:
    return Call(Global("torch._utils", "_rebuild_parameter"), (t, True, ODict()))


def c_strides(shape: tuple) -> tuple:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def state_dict(arrays: dict[str, np.ndarray], legacy: bool = False) -> tuple[ODict, dict]:
    """Each array in its own storage (keys "0", "1", ...): the pickle tree and the storages."""
    items, storages = {}, {}
    for i, (name, array) in enumerate(arrays.items()):
        key = str(i)
        cls = "BFloat16Storage" if array.dtype == np.uint16 else STORAGE_CLASS[array.dtype.name]
        pid = storage(cls, key, array.size, legacy)
        items[name] = tensor(pid, 0, array.shape, c_strides(array.shape))
        storages[key] = array.reshape(-1)
    return ODict(items), storages


def write_zip(
    path: Path,
    obj: Any,
    storages: dict[str, np.ndarray | bytes],
    folder: str = "archive",
    byteorder: str | None = "little",
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    """A zip-format checkpoint: ``<folder>/data.pkl``, ``byteorder``, ``data/<key>``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{folder}/data.pkl", dumps(obj) if not isinstance(obj, bytes) else obj)
        if byteorder is not None:
            archive.writestr(f"{folder}/byteorder", byteorder)
        for key, data in storages.items():
            raw = data if isinstance(data, bytes) else np.ascontiguousarray(data).tobytes()
            archive.writestr(f"{folder}/data/{key}", raw, compress_type=compression)
        archive.writestr(f"{folder}/version", "3\n")
    return path


def legacy_bytes(
    obj: Any,
    storages: dict[str, np.ndarray],
    little_endian: bool = True,
    keys: list | None = None,
) -> bytes:
    """A legacy-format checkpoint: magic, protocol, sys info, object, keys, storages."""
    sys_info = {
        "protocol_version": 1001,
        "little_endian": little_endian,
        "type_sizes": {"short": 2, "int": 4, "long": 8},
    }
    keys = sorted(storages) if keys is None else keys
    out = [dumps(MAGIC_NUMBER), dumps(1001), dumps(sys_info)]
    out.append(obj if isinstance(obj, bytes) else dumps(obj))
    out.append(dumps(keys))
    for key in keys:
        array = storages[key]
        out.append(struct.pack("<q" if little_endian else ">q", array.size))
        out.append(np.ascontiguousarray(array).tobytes())
    return b"".join(out)


def write_legacy(path: Path, obj: Any, storages: dict[str, np.ndarray], **kwargs: Any) -> Path:
    path.write_bytes(legacy_bytes(obj, storages, **kwargs))
    return path
