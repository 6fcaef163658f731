"""DataLoader: batching, shuffling with seeds, conversion to tensors."""

import os
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch.learner.data import ArrayDataset, DataLoader, DataLoaders, Dataset, to_tensor


def make_arrays(n: int = 10):
    x = np.arange(n * 4, dtype=np.float64).reshape(n, 2, 2)
    y = np.arange(n, dtype=np.int64) % 3
    return x, y


def test_batches_cover_every_example_once_in_order() -> None:
    x, y = make_arrays(10)
    dl = DataLoader(ArrayDataset(x, y), batch_size=4)
    batches = list(dl)
    assert len(dl) == len(batches) == 3
    xb, yb = batches[0]
    assert isinstance(xb, minitorch.Tensor) and xb.shape == (4, 2, 2)
    assert xb.dtype == np.float32
    assert isinstance(yb, np.ndarray) and yb.dtype == np.int64
    got = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(got, y)
    np.testing.assert_array_equal(batches[-1][0].to_numpy(), x[8:].astype(np.float32))


def test_drop_last() -> None:
    x, y = make_arrays(10)
    dl = DataLoader(ArrayDataset(x, y), batch_size=4, drop_last=True)
    assert len(dl) == 2
    assert [b[0].shape[0] for b in dl] == [4, 4]


def test_shuffle_is_a_permutation_and_repeatable_with_a_seed() -> None:
    x, y = make_arrays(50)
    a = DataLoader(ArrayDataset(x, y), batch_size=8, shuffle=True, seed=3)
    b = DataLoader(ArrayDataset(x, y), batch_size=8, shuffle=True, seed=3)
    epoch_a1 = np.concatenate([yb for _, yb in a])
    epoch_b1 = np.concatenate([yb for _, yb in b])
    np.testing.assert_array_equal(epoch_a1, epoch_b1)
    assert sorted(a.order(0).tolist()) == list(range(50))
    assert not np.array_equal(a.order(0), np.arange(50))
    # A new epoch gets a new order, the same one for the same seed.
    assert not np.array_equal(a.order(0), a.order(1))
    np.testing.assert_array_equal(a.order(1), b.order(1))


def test_dataset_without_get_batch_is_collated_item_by_item() -> None:
    class Squares(Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int):
            return np.array([i, i * i], dtype=np.float64), i

    (xb, yb), (xb2, yb2) = list(DataLoader(Squares(), batch_size=3))
    np.testing.assert_array_equal(xb.to_numpy(), [[0, 0], [1, 1], [2, 4]])
    np.testing.assert_array_equal(yb2, [3, 4])


def test_dtype_backend_and_item_tfm() -> None:
    pixels = np.full((4, 3, 3), 255, dtype=np.uint8)
    labels = np.array([0, 1, 0, 1], dtype=np.uint8)
    dl = DataLoader(
        ArrayDataset(pixels, labels),
        batch_size=2,
        dtype="float64",
        item_tfm=lambda b: (b[0] / 255.0, b[1]),
    )
    xb, yb = dl.one_batch()
    assert xb.dtype == np.float64
    assert float(xb.to_numpy().max()) == 1.0
    assert yb.dtype == np.int64


def test_to_tensor_keeps_integer_ids_and_converts_pixels() -> None:
    assert isinstance(to_tensor(np.zeros((2, 5), dtype=np.int32)), np.ndarray)
    assert isinstance(to_tensor(np.zeros((2, 5, 5), dtype=np.uint8)), minitorch.Tensor)


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="same length"):
        ArrayDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ArrayDataset(np.zeros(3)), batch_size=0)
    with pytest.raises(ValueError, match="float64 or float32"):
        DataLoader(ArrayDataset(np.zeros(3)), dtype="int8")


def test_dataloaders_pair() -> None:
    x, y = make_arrays(20)
    dls = DataLoaders.from_arrays(x[:15], y[:15], x[15:], y[15:], bs=4, seed=0, vocab=["a", "b", "c"])
    assert dls.c == 3 and dls[0] is dls.train and dls[1] is dls.valid
    assert dls.train.shuffle and not dls.valid.shuffle
    assert len(dls.valid) == 1  # validation batches are twice as large
    xb, yb = dls.one_batch()
    assert xb.shape == (4, 2, 2)


def test_mnist_through_the_catalogue(tmp_path, monkeypatch) -> None:
    """Real data: MNIST from the shared mirror, batched into float32 tensors."""
    from minitorch.hub import datasets

    default = Path(__file__).resolve().parents[3] / "shared" / "datasets"
    mirror = Path(os.environ.get("MINITORCH_MIRROR", default))
    if not (mirror / "mnist").is_dir():
        pytest.skip(f"MNIST mirror not found at {mirror}: set MINITORCH_MIRROR to shared/datasets")
    monkeypatch.setenv("MINITORCH_MIRROR", str(mirror))
    monkeypatch.setenv("MINITORCH_HOME", str(tmp_path))
    monkeypatch.setenv("MINITORCH_OFFLINE", "1")
    x_train, y_train, x_test, y_test, classes = datasets.load("mnist")
    dls = DataLoaders.from_arrays(x_train, y_train, x_test, y_test, bs=64, seed=0, vocab=classes)
    xb, yb = dls.one_batch()
    assert xb.shape == (64, 28, 28) and xb.dtype == np.float32
    assert yb.shape == (64,) and yb.max() <= 9
    assert len(dls.train) == 938 and dls.c == 10
