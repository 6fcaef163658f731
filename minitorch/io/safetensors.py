"""safetensors: the weight format that is only data.

Hugging Face designed safetensors so that loading weights can never run code
and can be zero-copy. A file is three parts::

    8 bytes     N, the header length, unsigned 64-bit little-endian
    N bytes     the header: UTF-8 JSON, possibly padded with trailing spaces
    the rest    the byte buffer: every tensor's bytes, back to back

The header maps each tensor name to where its bytes are::

    {
      "conv.weight": {"dtype": "F32", "shape": [32, 3, 3, 3], "data_offsets": [0, 3456]},
      "conv.bias":   {"dtype": "F32", "shape": [32],          "data_offsets": [3456, 3584]},
      "__metadata__": {"format": "pt"}          (optional, str -> str only)
    }

``data_offsets`` are ``[begin, end)`` byte positions *relative to the start of
the buffer*; tensors are C-contiguous (row-major) and little-endian, and
``end - begin`` must equal ``prod(shape) * itemsize``. Like the reference
implementation we also insist that the tensors tile the buffer exactly (no
gaps, no overlaps, nothing after the last one): anything else means a
damaged file. dtype codes: F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8
BOOL (see :mod:`minitorch.io.dtypes`; BF16 is widened to float32 on reading).

Writing pads the header with spaces to a multiple of 8 bytes so every tensor
starts aligned, writes to a temporary file next to the target and then
``os.replace``-s it into place: a crash mid-write never leaves half a file
under the real name.
"""

from __future__ import annotations

import json
import math
import mmap as mmap_module
import os
import struct
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .dtypes import SAFETENSORS_DTYPES, absurd_shape, decode, itemsize, stored_dtype
from .errors import CheckpointError

__all__ = [
    "read_safetensors_header",
    "load_safetensors",
    "load_safetensors_metadata",
    "save_safetensors",
]

MAX_HEADER_BYTES = 100_000_000  # the reference implementation's limit
METADATA_KEY = "__metadata__"

# numpy dtype -> safetensors code, for writing (numpy has no bfloat16, so no BF16 here).
_CODE_FOR_NUMPY: dict[np.dtype, str] = {
    np.dtype(name): code for code, name in SAFETENSORS_DTYPES.items() if name != "bfloat16"
}


def read_safetensors_header(path: str | os.PathLike[str]) -> tuple[dict[str, Any], int]:
    """Read and validate a safetensors header without touching the tensor bytes.

    Args:
        path: the file.

    Returns:
        ``(header, buffer_start)``: the parsed JSON (tensor entries and, if
        present, ``"__metadata__"``) and the file offset where the buffer begins.

    Raises:
        CheckpointError: truncated file, bad JSON, unknown dtype, offsets that
            disagree with shapes or leave the buffer.
    """
    source = os.fspath(path)
    with open(source, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        prefix = f.read(8)
        if len(prefix) < 8:
            raise CheckpointError(source, f"only {size} bytes: too short for a safetensors file")
        (header_len,) = struct.unpack("<Q", prefix)
        if header_len > min(MAX_HEADER_BYTES, size - 8):
            raise CheckpointError(
                source,
                f"the header claims {header_len} bytes but the file has {size - 8} after the "
                "length: truncated, or not a safetensors file",
            )
        raw_header = f.read(header_len)
    try:
        header = json.loads(raw_header.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(source, f"the header is not valid UTF-8 JSON ({exc})") from None
    except RecursionError:  # a valid header nests 3 deep; [[[[... is an attack or garbage
        raise CheckpointError(source, "the header's JSON is nested too deeply") from None
    if not isinstance(header, dict):
        raise CheckpointError(source, "the header is not a JSON object")
    _check_header(header, size - 8 - header_len, source)
    return header, 8 + header_len


def _naturals(value: Any, length: int | None = None) -> bool:
    """Is ``value`` a JSON list of non-negative ints (of the given length)?"""
    return (
        isinstance(value, list)
        and (length is None or len(value) == length)
        and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in value)
    )


def _check_header(header: dict[str, Any], buffer_len: int, source: str) -> None:
    metadata = header.get(METADATA_KEY, {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise CheckpointError(source, "__metadata__ must map strings to strings")
    spans = []
    for name, entry in header.items():
        if name == METADATA_KEY:
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(
                source, f"tensor {name!r}: entry must have dtype, shape, data_offsets"
            )
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in SAFETENSORS_DTYPES:
            raise CheckpointError(
                source,
                f"tensor {name!r}: unsupported dtype {dtype!r} "
                f"(supported: {', '.join(SAFETENSORS_DTYPES)})",
            )
        if not _naturals(shape) or not _naturals(offsets, 2) or offsets[0] > offsets[1]:
            raise CheckpointError(
                source, f"tensor {name!r}: bad shape {shape} or offsets {offsets}"
            )
        if absurd_shape(shape, itemsize(SAFETENSORS_DTYPES[dtype])):
            raise CheckpointError(
                source, f"tensor {name!r}: shape {shape} is too big for any array"
            )
        nbytes = math.prod(shape) * itemsize(SAFETENSORS_DTYPES[dtype])
        if offsets[1] - offsets[0] != nbytes:
            raise CheckpointError(
                source,
                f"tensor {name!r}: {dtype} {shape} needs {nbytes} bytes, "
                f"data_offsets {offsets} give {offsets[1] - offsets[0]}",
            )
        spans.append((offsets[0], offsets[1], name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise CheckpointError(
                source,
                f"tensor {name!r} starts at byte {begin} of the buffer, expected {position} "
                "(tensors must tile the buffer with no gaps or overlaps)",
            )
        position = end
    if position != buffer_len:
        raise CheckpointError(
            source,
            f"the tensors cover {position} bytes but the buffer has {buffer_len}: "
            "the file is truncated or has trailing bytes",
        )


def load_safetensors(path: str | os.PathLike[str], *, mmap: bool = False) -> dict[str, np.ndarray]:
    """Load every tensor of a safetensors file.

    Args:
        path: the file.
        mmap: map the file instead of reading it. Loading is then instant and
            pages are read on first use (copy-on-write: writing to an array
            never changes the file). Do not overwrite the file in place while
            the arrays are alive; :func:`save_safetensors` replaces it
            atomically, which is safe.

    Returns:
        name -> native-byte-order array, in header order. F16 stays float16,
        BF16 becomes float32; all arrays are writable.

    Raises:
        CheckpointError: the file is truncated or its header is invalid.
    """
    source = os.fspath(path)
    header, start = read_safetensors_header(source)
    with open(source, "rb") as f:
        if mmap and os.fstat(f.fileno()).st_size > 0:
            data: Any = mmap_module.mmap(f.fileno(), 0, access=mmap_module.ACCESS_COPY)
        else:
            data = bytearray(os.fstat(f.fileno()).st_size - start)
            f.seek(start)
            if f.readinto(data) != len(data):
                raise CheckpointError(source, "the file changed size while being read")
            start = 0
    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name == METADATA_KEY:
            continue
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        begin, _ = entry["data_offsets"]
        raw = np.ndarray(
            tuple(entry["shape"]), dtype=stored_dtype(dtype, "<"), buffer=data, offset=start + begin
        )
        tensors[name] = decode(raw, dtype)
    return tensors


def load_safetensors_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The optional ``__metadata__`` (str -> str) of a safetensors file, or ``{}``."""
    header, _ = read_safetensors_header(path)
    return dict(header.get(METADATA_KEY, {}))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_safetensors(
    tensors: Mapping[str, Any],
    path: str | os.PathLike[str],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write arrays to a safetensors file, atomically.

    Args:
        tensors: name -> array (anything ``np.asarray`` accepts) of dtype
            float64/32/16, int64/32/16/8, uint64/32/16/8 or bool.
        path: destination; replaced only once the new file is complete.
        metadata: optional str -> str pairs stored as ``__metadata__``.

    Raises:
        TypeError: a name or metadata item is not a string.
        ValueError: an array's dtype has no safetensors code.
    """
    arrays: dict[str, np.ndarray] = {}
    header: dict[str, Any] = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors metadata must map str to str")
        header[METADATA_KEY] = dict(metadata)
    offset = 0
    for name, value in tensors.items():
        if not isinstance(name, str) or name == METADATA_KEY:
            raise TypeError(f"tensor names must be strings other than {METADATA_KEY!r}: {name!r}")
        array = np.asarray(value)
        code = _CODE_FOR_NUMPY.get(array.dtype.newbyteorder("="))
        if code is None:
            raise ValueError(
                f"tensor {name!r} has dtype {array.dtype}, which safetensors cannot store "
                "(use float64/32/16, int8..int64, uint8..uint64 or bool)"
            )
        array = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
        arrays[name] = array
        header[name] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # pad so the buffer (and each tensor) starts aligned

    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".safetensors.part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(encoded)))
            f.write(encoded)
            for array in arrays.values():
                f.write(array.data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual mode
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
