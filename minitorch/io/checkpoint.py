"""One entry point for every weight file: look at the first bytes, pick the reader.

File names lie (``.bin`` may be anything, ``.pth`` is either PyTorch format),
the first bytes do not:

==================  ==============================================================
format              how it starts
==================  ==============================================================
torch-zip           ``PK\\x03\\x04`` (a zip) holding ``<folder>/data.pkl``
npz                 ``PK\\x03\\x04`` (a zip) holding only ``*.npy`` members
torch-legacy        ``\\x80\\x02\\x8a\\x0a`` + ``6c fc 9c 46 f9 20 6a a8 50 19``: a
                    protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c
safetensors         an 8-byte little-endian header length, then ``{`` (JSON)
==================  ==============================================================

:func:`load_checkpoint` returns the flat ``name -> array`` mapping that
``load_state_dict`` wants. Training scripts often save more than that
(``{"epoch": 90, "state_dict": {...}, "optimizer": {...}}``); we then take the
``state_dict`` / ``model_state_dict`` / ``model`` entry, or the one you name.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .dtypes import absurd_shape
from .errors import CheckpointError
from .safetensors import load_safetensors
from .torch_format import LEGACY_PREFIX, ZIP_ERRORS, ZIP_MAGIC, load_torch

__all__ = ["detect_format", "load_npz", "load_checkpoint", "find_state_dict"]

FORMATS = ("torch-zip", "torch-legacy", "safetensors", "npz")
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model")


def detect_format(path: str | os.PathLike[str]) -> str:
    """Name the format of a weight file from its content, one of :data:`FORMATS`.

    Raises:
        CheckpointError: the file is empty or in none of the formats.
    """
    source = os.fspath(path)
    with open(source, "rb") as f:
        head = f.read(len(LEGACY_PREFIX))
        size = os.fstat(f.fileno()).st_size
    if not head:
        raise CheckpointError(source, "the file is empty")
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(source) as archive:
                names = archive.namelist()
        except ZIP_ERRORS as exc:
            raise CheckpointError(
                source, f"the zip archive is truncated or corrupt ({type(exc).__name__}: {exc})"
            ) from None
        if any(n.count("/") == 1 and n.endswith("/data.pkl") for n in names):
            return "torch-zip"
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
        raise CheckpointError(
            source, f"a zip archive, but neither a PyTorch checkpoint nor an npz: {names[:5]}"
        )
    if head.startswith(LEGACY_PREFIX):
        return "torch-legacy"
    if len(head) >= 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] <= size - 8:
        return "safetensors"  # (checked before the next line: a length of 128 starts with 0x80)
    if head[:1] == b"\x80":  # some other pickle: let the legacy reader say what is wrong
        return "torch-legacy"
    raise CheckpointError(
        source,
        f"unknown format (starts with {head!r}); expected a PyTorch .pth (zip or legacy), "
        "safetensors or npz file",
    )


def load_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` file (``np.savez``), refusing pickled objects.

    Raises:
        CheckpointError: the archive is corrupt, holds object arrays, or an
            array's header asks for more bytes than the archive holds.
    """
    source = os.fspath(path)
    try:
        _check_npz_sizes(source)
        with np.load(source, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (FileNotFoundError, CheckpointError):
        raise
    except ZIP_ERRORS as exc:  # also what np.load raises for bad .npy headers (ValueError)
        raise CheckpointError(source, f"cannot read the npz archive ({exc})") from exc


# Deflate cannot expand data more than ~1032 times; a member that claims more is lying.
_DEFLATE_MAX_RATIO = 1032


def _check_npz_sizes(source: str) -> None:
    """Check every member's ``.npy`` header against the bytes that are really there.

    ``np.load`` allocates the array an ``.npy`` header describes before reading
    its data, so 252 bytes can ask for terabytes. Here each header's
    ``shape x dtype`` must equal the member's size minus its header, and the
    member's size must be one its compressed bytes can produce.

    Raises:
        CheckpointError: naming the member and the sizes that disagree.
    """
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if info.compress_type == zipfile.ZIP_DEFLATED:
                most = info.compress_size * _DEFLATE_MAX_RATIO + 1024
                if info.file_size > most:
                    raise CheckpointError(
                        source,
                        f"member {info.filename!r} claims {info.file_size} bytes from "
                        f"{info.compress_size} compressed bytes: corrupt or a zip bomb",
                    )
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                header_len = member.tell()
            if dtype.hasobject:
                continue  # np.load refuses these itself (allow_pickle=False)
            if absurd_shape(shape, dtype.itemsize):
                raise CheckpointError(
                    source, f"member {info.filename!r}: shape {shape} is too big for any array"
                )
            need = math.prod(shape) * dtype.itemsize
            if need != info.file_size - header_len:
                raise CheckpointError(
                    source,
                    f"member {info.filename!r}: {dtype} {shape} needs {need} bytes but the "
                    f"member holds {info.file_size - header_len}: truncated or corrupt",
                )


def load_checkpoint(
    path: str | os.PathLike[str], *, key: str | None = None
) -> dict[str, np.ndarray]:
    """Load a state dict (``name -> array``) from any supported weight file.

    Args:
        path: a PyTorch ``.pth``/``.pt``/``.bin`` (zip or legacy), safetensors or npz file.
        key: for checkpoints that wrap the weights in a bigger dict, the entry
            that holds them; by default the first of :data:`STATE_DICT_KEYS`
            found, when the top level is not itself a state dict.

    Returns:
        A new dict from parameter name to numpy array, in file order.

    Raises:
        UnsafeCheckpointError: a PyTorch pickle asks for code (nothing ran).
        CheckpointError: unreadable file, or no state dict in it.
    """
    source = os.fspath(path)
    kind = detect_format(source)
    if kind == "safetensors":
        obj: Any = load_safetensors(source)
    elif kind == "npz":
        obj = load_npz(source)
    else:
        obj = load_torch(source)
    return find_state_dict(obj, source, key)


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items()
    )


def find_state_dict(
    obj: Any, source: str = "<object>", key: str | None = None
) -> dict[str, np.ndarray]:
    """Pick the ``name -> array`` mapping out of a loaded checkpoint object.

    Args:
        obj: what :func:`~minitorch.io.load_torch` (or another reader) returned.
        source: file name for error messages.
        key: the entry holding the weights, if ``obj`` wraps them.

    Raises:
        CheckpointError: ``key`` is missing, or no entry is a flat mapping of
            strings to arrays (the message lists what there is).
    """
    if key is not None:
        if not isinstance(obj, Mapping) or key not in obj:
            found = list(obj)[:10] if isinstance(obj, Mapping) else type(obj).__name__
            raise CheckpointError(source, f"no entry {key!r} in the checkpoint (found {found})")
        obj = obj[key]
    elif isinstance(obj, Mapping) and not _is_state_dict(obj):
        for candidate in STATE_DICT_KEYS:
            if _is_state_dict(obj.get(candidate)):
                obj = obj[candidate]
                break
    if not _is_state_dict(obj):
        if isinstance(obj, Mapping):
            odd = [
                f"{k!r}: {type(v).__name__}"
                for k, v in obj.items()
                if not isinstance(v, np.ndarray)
            ]
            problem = f"entries that are not tensors: {', '.join(odd[:5])}"
        else:
            problem = f"the file holds a {type(obj).__name__}, not a dict of tensors"
        raise CheckpointError(
            source,
            f"no state dict found ({problem}); pass key=... to pick the entry that holds "
            "the weights, or use minitorch.io.load_torch to see everything",
        )
    return dict(obj)
