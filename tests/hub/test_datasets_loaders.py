"""Loaders on tiny files the tests write, then on the real shared copies where present."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from minitorch.hub.datasets.loaders import (
    UnsafePickleError,
    load_cifar_batches,
    load_glove,
    load_idx_set,
    load_image_folder,
    load_labelled_csv,
    load_sst2,
    read_batch,
    read_idx,
    read_tsv,
)
from tests.shared_data import SHARED

needs_shared = pytest.mark.skipif(
    SHARED is None,
    reason="real data copies not found: set MINITORCH_MIRROR to the shared/datasets folder "
    "(default <repo>/../shared/datasets)",
)


# ------------------------------------------------------------------ IDX


def write_idx(path: Path, array: np.ndarray, code: int, gz: bool = True) -> Path:
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def test_read_idx_uint8_gz_and_raw(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(write_idx(tmp_path / "a.gz", images, 0x08)), images)
    assert np.array_equal(read_idx(write_idx(tmp_path / "a", images, 0x08, gz=False)), images)


def test_read_idx_big_endian_float_becomes_native(tmp_path):
    values = np.array([1.5, -2.0, 3.25], dtype=np.float32)
    out = read_idx(write_idx(tmp_path / "f.gz", values, 0x0D))
    assert out.dtype == np.float32 and out.dtype.isnative
    assert np.array_equal(out, values)


def test_read_idx_rejects_bad_header_and_truncation(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    good = write_idx(tmp_path / "t", np.zeros((4, 5), np.uint8), 0x08, gz=False)
    good.write_bytes(good.read_bytes()[:-3])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(good)


def test_load_idx_set_on_tiny_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 2)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), 0x08)  # fmt: skip
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8), 0x08)
    data = load_idx_set(tmp_path, classes=list("0123456789"))
    assert data.x_train.shape == (6, 28, 28) and data.x_test.shape == (2, 28, 28)
    assert data.y_train.dtype == np.int64 and list(data.y_test) == [0, 1]
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / name).unlink()
    only_test = load_idx_set(tmp_path, classes=list("0123456789"))
    assert only_test.x_train.shape == (0, 28, 28) and only_test.x_test.shape == (2, 28, 28)


# ------------------------------------------------------------------ CIFAR pickles


def write_cifar_batch(path: Path, images: np.ndarray, labels: list[int]) -> None:
    """A batch in the published layout: bytes keys (Python 2 str), channel-major rows."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {
        b"batch_label": b"testing batch 1 of 1",
        b"labels": labels,
        b"data": rows,
        b"filenames": [f"img_{i}.png".encode() for i in range(len(labels))],
    }
    path.write_bytes(pickle.dumps(batch, protocol=2))


def test_cifar_batches_load_as_hwc_uint8(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(1)
    train = rng.integers(0, 256, (5, 32, 32, 3)).astype(np.uint8)
    test = rng.integers(0, 256, (3, 32, 32, 3)).astype(np.uint8)
    write_cifar_batch(folder / "data_batch_1", train[:3], [0, 1, 2])
    write_cifar_batch(folder / "data_batch_2", train[3:], [3, 4])
    write_cifar_batch(folder / "test_batch", test, [9, 8, 7])
    names = [b"airplane", b"automobile"] + [f"c{i}".encode() for i in range(8)]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names}, protocol=2))
    data = load_cifar_batches(tmp_path, train=("data_batch_1", "data_batch_2"))
    assert data.x_train.shape == (5, 32, 32, 3) and data.x_train.dtype == np.uint8
    assert np.array_equal(data.x_train, train) and np.array_equal(data.x_test, test)
    assert list(data.y_train) == [0, 1, 2, 3, 4] and list(data.y_test) == [9, 8, 7]
    assert data.classes[:2] == ["airplane", "automobile"]
    assert read_batch(folder / "data_batch_1")["batch_label"] == "testing batch 1 of 1"


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_unpickler_refuses_arbitrary_globals(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _Evil()}, protocol=2))
    with pytest.raises(UnsafePickleError, match="system"):
        read_batch(path)


# ------------------------------------------------------------------ image folders


def test_image_folder_labels_follow_sorted_folders(tmp_path):
    for split, names in (("train", ("n2", "n1")), ("val", ("n1", "n2"))):
        for cls in names:
            (tmp_path / split / cls).mkdir(parents=True)
            for i in range(2):
                (tmp_path / split / cls / f"{i}.JPEG").write_bytes(b"")
    (tmp_path / "train" / "n1" / "notes.txt").write_text("not an image")
    (tmp_path / "classes.csv").write_text("wnid,name\nn1,tench\n")
    data = load_image_folder(tmp_path, class_names={"n2": "springer"})
    assert data.folders == ["n1", "n2"] and data.classes == ["tench", "springer"]
    assert [(p.parent.name, p.name, y) for p, y in data.train] == [
        ("n1", "0.JPEG", 0), ("n1", "1.JPEG", 0), ("n2", "0.JPEG", 1), ("n2", "1.JPEG", 1),
    ]  # fmt: skip
    assert len(data.valid) == 4
    with pytest.raises(FileNotFoundError, match="neither"):
        load_image_folder(tmp_path / "train")


# ------------------------------------------------------------------ text and GloVe


def test_tsv_and_sst2_on_tiny_files(tmp_path):
    (tmp_path / "train.tsv").write_text('sentence\tlabel\nsays "hi" , ok \t1\nbad \t0\n')
    (tmp_path / "dev.tsv").write_text("sentence\tlabel\nfine \t1\n")
    data = load_sst2(tmp_path)
    assert data.train == [('says "hi" , ok ', 1), ("bad ", 0)]
    assert data.valid == [("fine ", 1)] and data.test == []
    (tmp_path / "broken.tsv").write_text("a\tb\nonly-one-field\n")
    with pytest.raises(ValueError, match="broken.tsv:2"):
        read_tsv(tmp_path / "broken.tsv")


def test_labelled_csv_splits_on_is_valid(tmp_path):
    (tmp_path / "texts.csv").write_text(
        'label,text,is_valid\npositive,"good, really",False\nnegative,bad,True\n'
    )
    data = load_labelled_csv(tmp_path / "texts.csv")
    assert data.classes == ["negative", "positive"]
    assert data.train == [("good, really", 1)] and data.valid == [("bad", 0)]


def test_glove_text_format(tmp_path):
    (tmp_path / "g.txt").write_text("the 0.5 -1.0 2\n, 1 2 3\nking 0.25 0 1e-3\n")
    vec = load_glove(tmp_path / "g.txt")
    assert vec.words == ["the", ",", "king"] and vec.vectors.dtype == np.float32
    assert np.allclose(vec.vectors[vec.index["king"]], [0.25, 0, 1e-3])
    assert load_glove(tmp_path, max_words=2).vectors.shape == (2, 3)
    (tmp_path / "g.txt").write_text("a 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError, match="g.txt:2"):
        load_glove(tmp_path / "g.txt")


# ------------------------------------------------------------------ the real copies


@needs_shared
def test_real_mnist_idx_files():
    labels = read_idx(SHARED / "mnist" / "t10k-labels-idx1-ubyte.gz")
    images = read_idx(SHARED / "mnist" / "t10k-images-idx3-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert list(labels[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first test labels
    assert np.bincount(labels).tolist()[0] == 980


@needs_shared
def test_real_fashion_mnist_test_labels_are_balanced():
    labels = read_idx(SHARED / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz")
    assert np.bincount(labels).tolist() == [1000] * 10


@needs_shared
def test_real_sst2_and_imdb_sample():
    sst = load_sst2(SHARED / "sst2")
    assert (len(sst.train), len(sst.valid), len(sst.test)) == (67349, 872, 1821)
    assert {y for _, y in sst.valid} == {0, 1}
    imdb = load_labelled_csv(SHARED / "imdb_sample" / "texts.csv")
    assert (len(imdb.train), len(imdb.valid)) == (800, 200)


@needs_shared
def test_real_glove_first_words():
    vec = load_glove(SHARED / "glove" / "glove.6B.50d.top50000.txt", max_words=1000)
    assert vec.words[:3] == ["the", ",", "."] and vec.vectors.shape == (1000, 50)
    assert vec.vectors[0, 0] == pytest.approx(0.418)


@needs_shared
def test_real_imagenette_subset_tree():
    data = load_image_folder(SHARED / "imagenette2-224-subset")
    assert (len(data.train), len(data.valid)) == (1000, 500)
    assert data.classes[0] == "tench" and data.folders[0] == "n01440764"
