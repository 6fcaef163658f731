"""Weight files whose headers ask for absurd sizes or nest absurdly deep.

Each must raise CheckpointError naming the file and the problem before any
large allocation: never RecursionError, numpy's "array is too big" without a
file name, or a MemoryError.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from minitorch.io.checkpoint import load_checkpoint, load_npz
from minitorch.io.errors import CheckpointError
from minitorch.io.safetensors import load_safetensors, read_safetensors_header
from minitorch.io.torch_format import load_torch
from tests.pth_builder import storage, tensor, write_zip


def safetensors_bytes(header_json: bytes, buffer: bytes = b"") -> bytes:
    return struct.pack("<Q", len(header_json)) + header_json + buffer


def test_safetensors_header_nested_200k_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.safetensors"
    path.write_bytes(safetensors_bytes(b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}"))
    for read in (load_safetensors, read_safetensors_header, load_checkpoint):
        with pytest.raises(CheckpointError, match="nested too deeply") as info:
            read(path)
        assert str(path) in str(info.value)


@pytest.mark.parametrize("shape", [[0, 2**62, 2**62], [2**40, 0, 2**40, 3], [0, 2**64]])
def test_safetensors_absurd_shape_with_no_elements(tmp_path: Path, shape: list) -> None:
    path = tmp_path / "huge.safetensors"
    header = {"a": {"dtype": "F32", "shape": shape, "data_offsets": [0, 0]}}
    path.write_bytes(safetensors_bytes(json.dumps(header).encode()))
    with pytest.raises(CheckpointError, match="too big for any array") as info:
        load_safetensors(path)
    assert str(path) in str(info.value) and "'a'" in str(info.value)


def test_safetensors_zero_size_tensor_is_still_fine(tmp_path: Path) -> None:
    path = tmp_path / "empty.safetensors"
    header = {"a": {"dtype": "F32", "shape": [0, 1000], "data_offsets": [0, 0]}}
    path.write_bytes(safetensors_bytes(json.dumps(header).encode()))
    assert load_safetensors(path)["a"].shape == (0, 1000)


def test_pth_absurd_shape_with_no_elements(tmp_path: Path) -> None:
    obj = {"a": tensor(storage("FloatStorage", "0", 0), 0, (0, 2**62, 2**62), (0, 0, 0))}
    path = write_zip(tmp_path / "w.pth", obj, {"0": np.zeros(0, np.float32)})
    with pytest.raises(CheckpointError, match="too big for any array") as info:
        load_torch(path)
    assert str(path) in str(info.value)


def npz_with_header(path: Path, name: str, header: dict, data: bytes, compress: bool = False) -> Path:
    """An npz whose member has the .npy header we choose (np.save would refuse a lie)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        zf.writestr(name, buf.getvalue() + data)
    return path


def test_npz_header_asking_for_terabytes(tmp_path: Path) -> None:
    header = {"descr": "<f8", "fortran_order": False, "shape": (1 << 20, 1 << 20)}
    path = npz_with_header(tmp_path / "tiny.npz", "w.npy", header, b"")
    assert path.stat().st_size < 400
    for read in (load_npz, load_checkpoint):
        with pytest.raises(CheckpointError, match=r"'w.npy'.*needs 8796093022208 bytes") as info:
            read(path)
        assert str(path) in str(info.value)


def test_npz_truncated_and_absurd_members(tmp_path: Path) -> None:
    header = {"descr": "<f4", "fortran_order": False, "shape": (4,)}
    short = npz_with_header(tmp_path / "short.npz", "a.npy", header, b"\0" * 12)
    with pytest.raises(CheckpointError, match="needs 16 bytes but the member holds 12"):
        load_npz(short)
    header = {"descr": "<f4", "fortran_order": False, "shape": (0, 2**62, 2**62)}
    absurd = npz_with_header(tmp_path / "absurd.npz", "a.npy", header, b"")
    with pytest.raises(CheckpointError, match="too big for any array"):
        load_npz(absurd)
    good = npz_with_header(tmp_path / "good.npz", "a.npy", {**header, "shape": (2, 2)},
                           np.arange(4, dtype="<f4").tobytes(), compress=True)
    np.testing.assert_array_equal(load_npz(good)["a"], [[0, 1], [2, 3]])


def test_npz_member_claiming_more_than_deflate_can_give(tmp_path: Path) -> None:
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, a=np.zeros(1000))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[0]
    # Patch the claimed size in the central directory (and local header) to 4 GiB.
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)
    struct.pack_into("<I", data, 22, 0xFFFFFFF0)
    path.write_bytes(bytes(data))
    assert info.compress_size < 200
    with pytest.raises(CheckpointError, match="zip bomb"):
        load_npz(path)
