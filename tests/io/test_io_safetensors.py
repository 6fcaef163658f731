"""safetensors read/write, npz, and format detection."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from minitorch.io.checkpoint import detect_format, load_checkpoint, load_npz
from minitorch.io.errors import CheckpointError
from minitorch.io.safetensors import (
    load_safetensors,
    load_safetensors_metadata,
    read_safetensors_header,
    save_safetensors,
)


def every_dtype() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "f64": rng.standard_normal((2, 3)),
        "f32": rng.standard_normal((3, 2, 2)).astype(np.float32),
        "f16": rng.standard_normal(5).astype(np.float16),
        "i64": np.array([-(2**62), 0, 2**62], np.int64),
        "i32": np.array([[1, -2], [3, -4]], np.int32),
        "i16": np.array([-7, 7], np.int16),
        "i8": np.array([-128, 127], np.int8),
        "u64": np.array([2**63], np.uint64),
        "u32": np.array([7], np.uint32),
        "u16": np.array([65535], np.uint16),
        "u8": np.arange(256, dtype=np.uint8),
        "bool": np.array([[True, False], [False, True]]),
        "scalar": np.array(1.25, np.float32),
        "empty": np.zeros((0, 3), np.float32),
    }


def raw_file(header: dict, buffer: bytes, pad: int = 0) -> bytes:
    encoded = json.dumps(header).encode() + b" " * pad
    return struct.pack("<Q", len(encoded)) + encoded + buffer


@pytest.mark.parametrize("mmap", [False, True])
def test_round_trip_every_dtype(tmp_path: Path, mmap: bool) -> None:
    arrays = every_dtype()
    path = tmp_path / "w.safetensors"
    save_safetensors(arrays, path, metadata={"format": "pt", "source": "test"})
    loaded = load_safetensors(path, mmap=mmap)
    assert list(loaded) == list(arrays)
    for name, expected in arrays.items():
        assert loaded[name].dtype == expected.dtype and loaded[name].shape == expected.shape
        np.testing.assert_array_equal(loaded[name], expected)
        assert loaded[name].flags.writeable
    assert load_safetensors_metadata(path) == {"format": "pt", "source": "test"}
    assert detect_format(path) == "safetensors"
    assert list(load_checkpoint(path)) == list(arrays)


def test_file_layout_follows_the_spec(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1, 2], np.int64)
    save_safetensors({"a": a, "b": b}, path)
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, "header padded so tensors start aligned"
    header = json.loads(data[8 : 8 + n])
    assert header["a"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert header["b"] == {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]}
    assert data[8 + n :] == a.astype("<f4").tobytes() + b.astype("<i8").tobytes()
    assert read_safetensors_header(path)[1] == 8 + n
    assert load_safetensors_metadata(path) == {}


def test_writes_little_endian_c_order_from_any_layout(tmp_path: Path) -> None:
    big = np.arange(6, dtype=">f8").reshape(2, 3)
    path = tmp_path / "w.safetensors"
    save_safetensors({"t": big.T, "slice": big[:, ::2]}, path)
    loaded = load_safetensors(path)
    np.testing.assert_array_equal(loaded["t"], big.T)
    np.testing.assert_array_equal(loaded["slice"], big[:, ::2])
    assert loaded["t"].dtype == np.float64 and loaded["t"].dtype.isnative


def test_bf16_is_read_as_float32(tmp_path: Path) -> None:
    values = np.array([1.0, -0.5, 2.0**-100, 65280.0], np.float32)  # exact in bfloat16
    bits = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    header = {"h": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(raw_file(header, bits))
    loaded = load_safetensors(path)["h"]
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, values)


def test_mmap_is_copy_on_write(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    save_safetensors({"w": np.zeros(4, np.float32)}, path)
    before = path.read_bytes()
    loaded = load_safetensors(path, mmap=True)
    loaded["w"][:] = 7
    assert path.read_bytes() == before
    save_safetensors({"w": np.ones(4, np.float32)}, path)  # atomic replace: old map unaffected
    np.testing.assert_array_equal(loaded["w"], 7)


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    save_safetensors({"w": np.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="dtype object"):
        save_safetensors({"ok": np.ones(2), "bad": np.array([None])}, path)
    with pytest.raises(TypeError, match="metadata"):
        save_safetensors({"w": np.ones(2)}, path, metadata={"epoch": 3})
    with pytest.raises(TypeError, match="names"):
        save_safetensors({"__metadata__": np.ones(2)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["w.safetensors"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_every_truncation_is_a_clear_error(tmp_path: Path) -> None:
    good = tmp_path / "w.safetensors"
    save_safetensors({"a": np.arange(3.0), "b": np.ones(2, np.int8)}, good)
    data = good.read_bytes()
    for length in range(len(data)):
        cut = tmp_path / f"cut{length}.safetensors"
        cut.write_bytes(data[:length])
        with pytest.raises(CheckpointError) as info:
            load_safetensors(cut)
        assert str(cut) in str(info.value)
        cut.unlink()


F32_2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize(
    ("header", "buffer", "message"),
    [
        ({"a": F32_2}, b"\0" * 12, "trailing bytes"),
        ({"a": {**F32_2, "dtype": "F8_E4M3"}}, b"\0" * 8, "unsupported dtype 'F8_E4M3'"),
        ({"a": {**F32_2, "shape": [3]}}, b"\0" * 8, "needs 12 bytes"),
        ({"a": {**F32_2, "shape": [-2]}}, b"\0" * 8, "bad shape"),
        ({"a": {**F32_2, "data_offsets": [8, 0]}}, b"\0" * 8, "bad shape"),
        ({"a": F32_2, "b": F32_2}, b"\0" * 8, "no gaps or overlaps"),
        ({"a": {**F32_2, "data_offsets": [4, 12]}}, b"\0" * 12, "starts at byte 4"),
        ({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8, "must have dtype, shape"),
        ({"__metadata__": {"epoch": 3}}, b"", "__metadata__"),
    ],
)
def test_bad_headers(tmp_path: Path, header: dict, buffer: bytes, message: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw_file(header, buffer))
    with pytest.raises(CheckpointError, match=message):
        load_safetensors(path)


def test_header_that_is_not_json_or_too_long(tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", 5) + b"{oops")
    with pytest.raises(CheckpointError, match="not valid UTF-8 JSON"):
        load_safetensors(path)
    path.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(CheckpointError, match="claims"):
        load_safetensors(path)
    path.write_bytes(struct.pack("<Q", 2) + b"[]")
    with pytest.raises(CheckpointError, match="not a JSON object"):
        load_safetensors(path)


def test_header_may_be_padded_with_spaces(tmp_path: Path) -> None:
    path = tmp_path / "pad.safetensors"
    path.write_bytes(raw_file({"a": F32_2}, np.array([1, 2], "<f4").tobytes(), pad=5))
    np.testing.assert_array_equal(load_safetensors(path)["a"], [1, 2])
    # A 128-byte header makes the file start with 0x80, like a pickle: still safetensors.
    pad = 128 - len(json.dumps({"a": F32_2}))
    path.write_bytes(raw_file({"a": F32_2}, np.array([3, 4], "<f4").tobytes(), pad=pad))
    assert path.read_bytes()[:1] == b"\x80"
    assert detect_format(path) == "safetensors"
    np.testing.assert_array_equal(load_checkpoint(path)["a"], [3, 4])


def test_npz_and_detection(tmp_path: Path) -> None:
    arrays = {"w": np.arange(4.0).reshape(2, 2), "b": np.array([1, 2], np.int32)}
    path = tmp_path / "w.npz"
    np.savez(path, **arrays)
    assert detect_format(path) == "npz"
    for loaded in (load_npz(path), load_checkpoint(path)):
        assert list(loaded) == ["w", "b"]
        np.testing.assert_array_equal(loaded["w"], arrays["w"])
    for name, content, message in [
        ("empty.bin", b"", "empty"),
        ("text.bin", b"just some text, no weights", "unknown format"),
        ("bad.npz", b"PK\x03\x04 broken", "truncated or corrupt"),
    ]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CheckpointError, match=message):
            load_checkpoint(tmp_path / name)
