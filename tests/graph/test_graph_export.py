"""Learner.export_onnx and ``minitorch-zoo export``: a deployable file with normalisation and class names."""

from __future__ import annotations

import json

import numpy as np
import pytest

import minitorch
from minitorch.layers.losses import cross_entropy
from minitorch.layers.modules import Conv2d, Flatten, Linear, ReLU, Sequential
from minitorch.learner.data import DataLoaders
from minitorch.learner.learner import Learner

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.shared_data import SHARED  # noqa: E402


def _images(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 3, 6, 6)).astype(np.float32)


def _learner(normalize: bool) -> Learner:
    y = np.arange(8) % 2
    dls = DataLoaders.from_arrays(_images(8, 0), y, _images(4, 1), y[:4], bs=4, vocab=["cat", "dog"],
                                  dtype="float32")
    if normalize:
        from vision.transforms import Normalize

        dls.normalize = Normalize([0.4, 0.5, 0.6], [0.2, 0.25, 0.3])
    model = Sequential(Conv2d(3, 4, 3, padding=1, dtype="float32"), ReLU(), Flatten(),
                       Linear(144, 2, dtype="float32"))
    return Learner(dls, model, cross_entropy)


def _run(path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def test_learner_export_onnx_puts_normalisation_in_the_graph_and_classes_in_metadata(tmp_path) -> None:
    learn = _learner(normalize=True)
    path = learn.export_onnx(tmp_path / "model.onnx")
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    assert [n.op_type for n in proto.graph.node][:2] == ["Sub", "Div"]
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["class_names"]) == ["cat", "dog"]
    assert json.loads(meta["normalize"])["std"] == pytest.approx([0.2, 0.25, 0.3])
    x = _images(5, 2)  # raw pixels in [0, 1]
    mean = np.array([0.4, 0.5, 0.6], np.float32).reshape(1, 3, 1, 1)
    std = np.array([0.2, 0.25, 0.3], np.float32).reshape(1, 3, 1, 1)
    learn.model.eval()
    expected = learn.model(minitorch.Tensor.from_numpy((x - mean) / std)).to_numpy()
    np.testing.assert_allclose(_run(path, x), expected, atol=1e-5)


def test_learner_export_onnx_without_normalisation(tmp_path) -> None:
    learn = _learner(normalize=False)
    path = learn.export_onnx(tmp_path / "plain.onnx")
    proto = onnx.load(str(path))
    assert proto.graph.node[0].op_type == "Conv"
    assert "normalize" not in {p.key for p in proto.metadata_props}
    x = _images(3, 3)
    np.testing.assert_allclose(_run(path, x), learn.model(minitorch.Tensor.from_numpy(x)).to_numpy(), atol=1e-5)


@pytest.mark.skipif(SHARED is None, reason="needs the shared data sets")
def test_zoo_cli_exports_lite0_with_its_preprocessing(tmp_path, capsys) -> None:
    import vision
    from vision import zoo_cli
    from vision.zoo import load_image_batch

    path = tmp_path / "lite0.onnx"
    assert zoo_cli.main(["export", "efficientnet_lite0", "--onnx", str(path)]) == 0
    assert "1000 classes" in capsys.readouterr().out
    proto = onnx.load(str(path))
    names = json.loads({p.key: p.value for p in proto.metadata_props}["class_names"])
    assert len(names) == 1000 and names[0] == "tench"
    photo = sorted((SHARED / "imagenette2-224-subset" / "val" / "n01440764").glob("*.JPEG"))[0]
    normalised, _, _ = load_image_batch([photo], "efficientnet_lite0")
    mean, std = (np.array(s, np.float32).reshape(1, 3, 1, 1) for s in vision.zoo.get_entry("efficientnet_lite0").stats)
    pixels = normalised * std + mean
    model = vision.create_model("efficientnet_lite0")
    ours = model(minitorch.Tensor.from_numpy(normalised)).to_numpy()
    theirs = _run(path, pixels.astype(np.float32))
    assert names[int(theirs.argmax())] == names[int(ours.argmax())]
    np.testing.assert_allclose(theirs, ours, atol=1e-3)


def test_zoo_cli_export_needs_an_image_model_and_a_path(tmp_path, capsys) -> None:
    from vision import zoo_cli

    assert zoo_cli.main(["export", "efficientnet_lite0"]) == 2  # --onnx is required
    assert zoo_cli.main(["export", "no_such_model", "--onnx", str(tmp_path / "x.onnx")]) == 2


@pytest.mark.skipif(SHARED is None, reason="needs the shared Imagenette photos")
def test_vision_learner_exports_with_its_normalisation(tmp_path) -> None:
    import shutil

    import vision

    src = SHARED / "imagenette2-224-subset"
    for split in ("train", "val"):
        for d in sorted((src / split).iterdir())[:2]:
            (tmp_path / split / d.name).mkdir(parents=True)
            for f in sorted(d.glob("*.JPEG"))[:2]:
                shutil.copy(f, tmp_path / split / d.name / f.name)
    dls = vision.ImageDataLoaders.from_folder(tmp_path, bs=2, num_workers=0)
    learn = vision.vision_learner(dls, "efficientnet_lite0")
    path = learn.export_onnx(tmp_path / "learner.onnx")
    proto = onnx.load(str(path))
    assert json.loads({p.key: p.value for p in proto.metadata_props}["class_names"]) == list(dls.vocab)
    x = dls.valid.one_batch()[0]  # already normalised by the loader
    norm = dls.normalize
    pixels = x.to_numpy() * norm.std.reshape(1, 3, 1, 1) + norm.mean.reshape(1, 3, 1, 1)
    learn.model.eval()
    np.testing.assert_allclose(_run(path, pixels.astype(np.float32)), learn.model(x).to_numpy(), atol=1e-4)
