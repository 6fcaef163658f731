"""vision.data: ImageDataset and ImageDataLoaders on small synthetic trees and real photos."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minitorch
from minitorch.backends import layer_backend
from tests.shared_data import SHARED
from vision import ImageDataLoaders, Normalize, Resize, aug_transforms, inception_stats
from vision.data import get_image_files
from vision.transforms import ImageReadError

# Each class is one colour, so a batch shows whether labels and pixels agree.
COLOURS = {"bird": (0, 0, 255), "cat": (255, 0, 0), "dog": (0, 255, 0)}
CHANNEL = {"bird": 2, "cat": 0, "dog": 1}


def write_image(path: Path, colour, size=(20, 16)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    a = np.zeros((size[1], size[0], 3), np.uint8)
    a[...] = colour
    a[0, 0] = 128  # one odd pixel, so flips and crops change the picture
    Image.fromarray(a).save(path)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """train/<class>/ 3 images each (sizes vary), val/<class>/ 1 each: 12 PNGs."""
    for name, colour in COLOURS.items():
        for k, size in enumerate([(20, 16), (24, 24), (16, 30)]):
            write_image(tmp_path / "train" / name / f"{name}{k}.png", colour, size)
        write_image(tmp_path / "val" / name / f"{name}_v.png", colour, (18, 18))
    return tmp_path


@pytest.fixture
def flat(tmp_path: Path) -> Path:
    """<class>/ with 4 images each and no split folders: 12 PNGs."""
    for name, colour in COLOURS.items():
        for k in range(4):
            write_image(tmp_path / name / f"{k}.png", colour)
    return tmp_path


@pytest.fixture
def imagenette() -> Path:
    """The offline Imagenette subset: $MINITORCH_MIRROR or ../shared/datasets next to the repo."""
    folder = (SHARED or Path("../shared/datasets")) / "imagenette2-224-subset"
    if not (folder / "train").is_dir():
        pytest.skip(
            f"real photos not available: no {folder} (set MINITORCH_MIRROR to the datasets folder)"
        )
    return folder


def labels_match_colours(x: np.ndarray, y: np.ndarray, vocab) -> bool:
    means = x.mean(axis=(2, 3))  # (B, 3)
    return all(np.argmax(m) == CHANNEL[vocab[int(label)]] for m, label in zip(means, y))


def test_from_folder_vocab_labels_shapes_and_dtypes(tree: Path) -> None:
    dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(16), bs=4, seed=0)
    assert dls.vocab == ["bird", "cat", "dog"] and dls.c == 3
    assert len(dls.train_ds) == 9 and len(dls.valid_ds) == 3
    assert dls.valid.batch_size == 8 and dls.path == tree
    xb, yb = dls.one_batch()
    assert (
        isinstance(xb, minitorch.Tensor) and xb.shape == (4, 3, 16, 16) and xb.dtype == np.float32
    )
    assert xb.backend is layer_backend()
    assert isinstance(yb, np.ndarray) and yb.dtype == np.int64 and yb.shape == (4,)
    assert labels_match_colours(xb.to_numpy(), yb, dls.vocab)
    x, y = dls.valid_ds[1]
    assert x.shape == (3, 16, 16) and x.dtype == np.float32 and isinstance(y, np.int64)
    assert 0 <= x.min() and x.max() <= 1 and dls.vocab[int(y)] == "cat"


def test_training_epoch_drops_the_ragged_batch_and_reshuffles(tree: Path) -> None:
    dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(16), bs=4, seed=0)
    first = [yb.tolist() for _, yb in dls.train]
    second = [yb.tolist() for _, yb in dls.train]
    assert [len(b) for b in first] == [4, 4]  # 9 images: fast.ai drops the last, partial batch
    assert first != second
    valid = [(xb.to_numpy(), yb) for xb, yb in dls.valid]
    assert [len(yb) for _, yb in valid] == [3]
    assert labels_match_colours(*valid[0], dls.vocab)


def test_augmentation_is_reproducible_and_changes_each_epoch(tree: Path) -> None:
    def loaders(seed: int) -> ImageDataLoaders:
        return ImageDataLoaders.from_folder(
            tree, item_tfms=Resize(16), batch_tfms=aug_transforms(max_rotate=30), bs=4, seed=seed
        )

    a, b, c = loaders(0), loaders(0), loaders(1)
    ep_a = [xb.to_numpy() for xb, _ in a.train]
    ep_b = [xb.to_numpy() for xb, _ in b.train]
    for xa, xb in zip(ep_a, ep_b):
        np.testing.assert_array_equal(xa, xb)
    list(a.train)
    assert a.train_ds.epoch == 1  # the loader tells the data set which epoch it draws
    idx = np.arange(9)
    ds = a.train_ds
    ds.epoch = 0
    x0 = ds.get_batch(idx)[0]
    ds.epoch = 1
    assert not np.array_equal(x0, ds.get_batch(idx)[0])  # new epoch, new augmentations
    c.train_ds.epoch = 0
    assert not np.array_equal(x0, c.train_ds.get_batch(idx)[0])  # new seed, new augmentations
    v1, v2 = a.valid_ds.get_batch([0, 1, 2])[0], a.valid_ds.get_batch([0, 1, 2])[0]
    np.testing.assert_array_equal(v1, v2)  # validation never augments


def test_normalize_applies_to_x_and_is_undone_for_display(tree: Path) -> None:
    dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(16), bs=4, seed=0)
    raw = dls.valid.one_batch()[0].to_numpy()
    dls.normalize = Normalize.from_stats(*inception_stats)
    assert dls.valid.item_tfm is dls.normalize and dls.train.item_tfm is dls.normalize
    xb = dls.valid.one_batch()[0].to_numpy()
    np.testing.assert_allclose(xb, raw * 2 - 1, atol=1e-6)
    np.testing.assert_allclose(dls.normalize.decode(xb), raw, atol=1e-6)
    via_tfms = ImageDataLoaders.from_folder(
        tree,
        item_tfms=Resize(16),
        batch_tfms=[*aug_transforms(), Normalize.from_stats(*inception_stats)],
    )
    assert isinstance(via_tfms.normalize, Normalize)
    assert not any(isinstance(t, Normalize) for t in via_tfms.train_ds.aug_tfms)


def test_valid_pct_split_sizes_and_reproducibility(flat: Path) -> None:
    def split(seed):
        dls = ImageDataLoaders.from_folder(
            flat, valid_pct=0.25, seed=seed, item_tfms=Resize(8), bs=4
        )
        return dls, sorted(str(p) for p, _ in dls.valid_ds.items)

    dls, v0 = split(42)
    assert len(dls.train_ds) == 9 and len(dls.valid_ds) == 3
    assert dls.vocab == ["bird", "cat", "dog"]
    assert split(42)[1] == v0
    assert any(split(s)[1] != v0 for s in range(5))
    train = {str(p) for p, _ in dls.train_ds.items}
    assert not train & set(v0) and len(train | set(v0)) == 12


def test_valid_pct_uses_the_train_folder_when_there_is_one(tree: Path) -> None:
    dls = ImageDataLoaders.from_folder(tree, valid_pct=1 / 3, seed=0, item_tfms=Resize(8))
    assert len(dls.train_ds) + len(dls.valid_ds) == 9
    assert all("train" in p.parts for p, _ in dls.train_ds.items + dls.valid_ds.items)


def test_from_name_func_and_from_lists(tmp_path: Path) -> None:
    names = [f"{'Cat' if k % 2 else 'dog'}_{k}.png" for k in range(10)]
    for k, n in enumerate(names):
        write_image(tmp_path / n, COLOURS["cat"] if k % 2 else COLOURS["dog"])
    dls = ImageDataLoaders.from_name_func(
        tmp_path, get_image_files(tmp_path), lambda f: f.name[0].isupper(), valid_pct=0.2, seed=1,
        item_tfms=Resize(8), bs=2,
    )  # fmt: skip
    assert dls.vocab == [False, True]
    assert len(dls.train_ds) == 8 and len(dls.valid_ds) == 2
    for p, label in dls.train_ds.items:
        assert dls.vocab[label] == p.name.startswith("Cat")
    rel = ImageDataLoaders.from_lists(tmp_path, names, ["cat" if k % 2 else "dog" for k in range(10)],
                                      valid_pct=0.5, seed=0, item_tfms=Resize(8))  # fmt: skip
    assert rel.vocab == ["cat", "dog"] and len(rel.valid_ds) == 5
    x, y = rel.train_ds.get_batch([0, 1, 2])
    assert x.shape == (3, 3, 8, 8) and labels_match_colours(x, y, rel.vocab)
    with pytest.raises(ValueError, match="one label per file"):
        ImageDataLoaders.from_lists(tmp_path, names, ["cat"])


def test_from_files_takes_catalogue_style_lists(tree: Path) -> None:
    items = [
        (p, ["bird", "cat", "dog"].index(p.parent.name)) for p in get_image_files(tree / "train")
    ]
    dls = ImageDataLoaders.from_files(items[:6], items[6:], ["bird", "cat", "dog"], item_tfms=Resize(8),
                                      bs=3, val_bs=5, shuffle=False)  # fmt: skip
    assert dls.train.batch_size == 3 and dls.valid.batch_size == 5
    assert [int(y) for _, y in dls.train_ds.items] == [0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="does not index"):
        ImageDataLoaders.from_files(items, [], ["bird"])


def test_image_files_match_extensions_in_any_case(tmp_path: Path) -> None:
    for name in ["a.JPG", "b.Tiff", "c.webp", "sub/d.PNG", "notes.txt", "e.jpeg.bak"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert [p.relative_to(tmp_path).as_posix() for p in get_image_files(tmp_path)] == [
        "a.JPG", "b.Tiff", "c.webp", "sub/d.PNG"
    ]  # fmt: skip


def test_empty_or_missing_folders_say_which(tmp_path: Path) -> None:
    (tmp_path / "train" / "cat").mkdir(parents=True)
    (tmp_path / "val").mkdir()
    (tmp_path / "train" / "cat" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match=r"no images found in .*train"):
        ImageDataLoaders.from_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="valid_pct"):
        ImageDataLoaders.from_folder(tmp_path, valid="valid")


def test_unequal_sizes_ask_for_resize(tree: Path) -> None:
    dls = ImageDataLoaders.from_folder(tree, item_tfms=None, bs=9, shuffle=False)
    with pytest.raises(ValueError, match=r"add Resize\(\.\.\.\)"):
        dls.train_ds.get_batch(range(9))


def test_corrupt_image_raises_naming_the_file(tree: Path) -> None:
    (tree / "val" / "cat" / "broken.jpg").write_text("not a jpeg")
    dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(8), bs=2)
    with pytest.raises(ImageReadError, match="broken.jpg"):
        list(dls.valid)


def test_prepare_a_new_image_like_validation(tree: Path) -> None:
    dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(12), bs=2, shuffle=False)
    x = dls.valid_ds.prepare(tree / "val" / "dog" / "dog_v.png")
    np.testing.assert_array_equal(x, dls.valid_ds[2][0])


def test_show_batch_runs_headless(tree: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(16), batch_tfms=aug_transforms(), bs=4,
                                       normalize=Normalize.from_stats(*inception_stats))  # fmt: skip
    fig, axes = dls.show_batch(max_n=4, ncols=3)
    assert axes.shape == (2, 3)
    titles = [ax.get_title() for ax in axes.flat]
    assert all(t in dls.vocab for t in titles[:4]) and titles[4:] == ["", ""]
    shown = axes.flat[0].get_images()[0].get_array()
    assert shown.min() >= 0 and shown.max() <= 1  # normalisation undone
    plt.close(fig)


def test_real_imagenette_subset(imagenette: Path) -> None:
    dls = ImageDataLoaders.from_folder(imagenette, item_tfms=Resize(224), batch_tfms=aug_transforms(),
                                       bs=32, seed=0)  # fmt: skip
    assert dls.c == 10 and dls.vocab[0] == "n01440764"
    assert len(dls.train_ds) == 1000 and len(dls.valid_ds) == 500
    xb, yb = dls.one_batch()
    assert xb.shape == (32, 3, 224, 224) and yb.shape == (32,) and yb.dtype == np.int64
    assert 0 <= xb.to_numpy().min() and xb.to_numpy().max() <= 1


def test_a_class_folder_empty_in_every_split_is_warned_about(tree: Path) -> None:
    (tree / "train" / "zebra").mkdir()
    (tree / "val" / "zebra").mkdir()
    (tree / "train" / "zebra" / "notes.txt").write_text("no images")
    with pytest.warns(UserWarning, match=r"train/zebra.*val/zebra.*no images") as record:
        dls = ImageDataLoaders.from_folder(tree, item_tfms=Resize(16), bs=4)
    assert "zebra" not in dls.vocab and len(record) == 1
    with pytest.warns(UserWarning, match="zebra"):
        ImageDataLoaders.from_folder(tree, valid_pct=0.3, seed=0, item_tfms=Resize(16), bs=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a vocab the user gave is their choice: no warning
        ImageDataLoaders.from_folder(tree, vocab=sorted(COLOURS), item_tfms=Resize(16), bs=4)
