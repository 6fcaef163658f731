"""ONNX export checked on real data: ONNX Runtime must agree with minitorch photo by photo, sentence by sentence.

- EfficientNet-Lite0 (the zoo's weights) on all 500 Imagenette validation photos;
- the MiniLM encoder and a fine-tuned ``text_classifier_learner`` on SST-2 sentences, padded;
- a fine-tuned ``vision_learner``, run from the file alone as a deployment would, against ``learn.predict``.

Each model is checked at batch sizes 1 and 7 as well (the exported batch size is free).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest

import minitorch

onnx = pytest.importorskip("onnx", reason="ONNX export checks need the onnx package")
ort = pytest.importorskip("onnxruntime", reason="ONNX export checks need onnxruntime")

from tests.shared_data import SHARED  # noqa: E402

ATOL = 1e-4  # float32: ONNX Runtime and minitorch sum in other orders


def _shared(folder: str) -> Path:
    """A folder of the shared data sets; missing data fails (these checks must run wherever onnxruntime does)."""
    if SHARED is None or not (SHARED / folder).is_dir():
        pytest.fail(f"the shared data set {folder!r} is missing: point MINITORCH_MIRROR at the folder that holds it "
                    "(make test sets ../shared/datasets)")
    return SHARED / folder


def _session(path: Path) -> "ort.InferenceSession":
    onnx.checker.check_model(onnx.load(str(path)))
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _tensor(a: np.ndarray) -> minitorch.Tensor:
    return minitorch.Tensor.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def _in_batches(run, x: np.ndarray, bs: int) -> np.ndarray:
    return np.concatenate([run(x[i:i + bs]) for i in range(0, len(x), bs)])


# ## 1. EfficientNet-Lite0 on every Imagenette validation photo


def _imagenette_val() -> List[Path]:
    return sorted((_shared("imagenette2-224-subset") / "val").glob("*/*.JPEG"))


@pytest.fixture(scope="module")
def lite0(tmp_path_factory) -> Tuple[object, "ort.InferenceSession", np.ndarray, List[Path]]:
    """The zoo's EfficientNet-Lite0, its ONNX export, and the 500 photos prepared by its own preprocessing."""
    import vision
    from vision.zoo import load_image_batch

    photos = _imagenette_val()
    batch, ok, failures = load_image_batch(photos, "efficientnet_lite0")
    assert not failures and len(ok) == 500
    model = vision.create_model("efficientnet_lite0")
    model.eval()
    path = tmp_path_factory.mktemp("lite0") / "lite0.onnx"
    minitorch.onnx.export(model, _tensor(batch[:2]), path)
    return model, _session(path), batch, ok


@pytest.mark.slow
def test_lite0_top1_identical_on_all_500_imagenette_photos(lite0) -> None:
    import vision
    from vision.zoo import imagenet_wnids

    model, session, batch, photos = lite0
    with minitorch.no_grad():
        ours = _in_batches(lambda x: model(_tensor(x)).to_numpy(), batch, 32)
    theirs = _in_batches(lambda x: session.run(None, {"x": x})[0], batch, 50)
    np.testing.assert_allclose(theirs, ours, atol=ATOL, rtol=0)
    mismatched = [(p.name, int(a), int(b)) for p, a, b in zip(photos, ours.argmax(1), theirs.argmax(1)) if a != b]
    assert not mismatched, f"top-1 differs on {len(mismatched)} photos: {mismatched[:5]}"
    # The inputs are the real preprocessing's: the README's 72.4% top-1 of 1000 (99.4% among the ten classes).
    wnids = imagenet_wnids()
    truth = np.array([wnids.index(p.parent.name) for p in photos])
    assert (theirs.argmax(1) == truth).mean() >= 0.72
    ten = sorted(set(truth))
    assert (np.array(ten)[theirs[:, ten].argmax(1)] == truth).mean() >= 0.99
    assert len(vision.imagenet_classes()) == theirs.shape[1]


@pytest.mark.parametrize("bs", [1, 7])
def test_lite0_at_batch_sizes_1_and_7(lite0, bs: int) -> None:
    model, session, batch, _ = lite0
    x = batch[100:100 + bs]  # photos of the second class on, not the ones the export traced
    with minitorch.no_grad():
        ours = model(_tensor(x)).to_numpy()
    theirs = session.run(None, {"x": x})[0]
    assert theirs.shape == (bs, 1000)
    np.testing.assert_allclose(theirs, ours, atol=ATOL, rtol=0)


# ## 2. Text: the MiniLM encoder and a fine-tuned text classifier on SST-2


def _sst2(split: str, n: int) -> Tuple[List[str], List[int]]:
    """The first ``n`` rows of SST-2's ``split`` file (tab separated: sentence, label; quotes are text)."""
    with open(_shared("sst2") / f"{split}.tsv", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in itertools.islice(f, 1, n + 1)]
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def _padded(tokenizer, texts: List[str], length: int) -> Dict[str, np.ndarray]:
    """Token ids and attention mask of ``texts`` padded to ``length`` (float32, as the ONNX inputs take them)."""
    enc = tokenizer(texts, padding="max_length", max_length=length)
    mask = enc["attention_mask"]
    assert mask.shape == (len(texts), length) and mask[:, -1].max() == 0, "every row should end in padding"
    return {"input_ids": enc["input_ids"].astype(np.float32), "attention_mask": mask.astype(np.float32)}


def _dev_batches(tokenizer, length: int) -> List[Dict[str, np.ndarray]]:
    """Dev sentences (of different lengths, so padded differently) in batches of 1 and 7."""
    texts, _ = _sst2("dev", 8)
    return [_padded(tokenizer, texts[:1], length), _padded(tokenizer, texts[1:8], length)]


def _input_length(session: "ort.InferenceSession") -> int:
    """The sequence length the exported graph takes (its inputs' second dim), as a deployment reads it."""
    return int(session.get_inputs()[0].shape[1])


def test_minilm_encoder_on_sst2_sentences(tmp_path) -> None:
    from text import load_minilm, minilm_tokenizer
    from text.models.traceable import TensorInputBert

    bert, _ = load_minilm()
    tokenizer = minilm_tokenizer()
    example = _padded(tokenizer, _sst2("dev", 12)[0][10:12], 40)
    path = tmp_path / "minilm.onnx"
    minitorch.onnx.export(TensorInputBert(bert), (_tensor(example["input_ids"]), _tensor(example["attention_mask"])),
                          path)
    session = _session(path)
    assert _input_length(session) == 40
    for feed in _dev_batches(tokenizer, 40):
        theirs = session.run(None, feed)[0]
        ours = bert(feed["input_ids"].astype(np.int64), feed["attention_mask"].astype(np.int64)).to_numpy()
        assert theirs.shape == ours.shape

        np.testing.assert_allclose(theirs, ours, atol=ATOL, rtol=0)


@pytest.mark.slow
def test_text_classifier_learner_export_onnx_on_sst2(tmp_path) -> None:
    from text import TextDataLoaders, text_classifier_learner

    train_texts, train_labels = _sst2("train", 32)
    valid_texts, valid_labels = _sst2("dev", 16)
    dls = TextDataLoaders.from_lists(train_texts, train_labels, valid_texts, valid_labels, classes=[0, 1], bs=16,
                                     max_length=48, seed=0)
    learn = text_classifier_learner(dls, seed=0)
    learn.fine_tune(1, 1e-3)  # head, then everything: the exported weights are the learner's own
    path = learn.export_onnx(tmp_path / "sst2.onnx")
    session = _session(path)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["class_names"]) == ["0", "1"]
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    learn.model.eval()
    length = _input_length(session)
    assert length == 48  # the loaders' max_length, not one batch's longest sentence
    for feed in _dev_batches(dls.tokenizer, length):
        theirs = session.run(None, feed)[0]
        with minitorch.no_grad():
            ours = learn.model(feed["input_ids"].astype(np.int64), feed["attention_mask"].astype(np.int64)).to_numpy()
        np.testing.assert_allclose(theirs, ours, atol=ATOL, rtol=0)
    for text in valid_texts[:4]:  # one sentence at a time, as learn.predict reads it
        _, index, _ = learn.predict(text)
        feed = _padded(dls.tokenizer, [text], length)
        assert int(session.run(None, feed)[0].argmax()) == index


# ## 3. A fine-tuned vision learner, deployed from its ONNX file alone


def _photo_folder(root: Path, classes: int, train: int, valid: int) -> Path:
    """``root/{train,val}/<wnid>/`` with links to the first photos of the first ``classes`` Imagenette classes."""
    src = _shared("imagenette2-224-subset")
    for split, n in (("train", train), ("val", valid)):
        for folder in sorted((src / split).iterdir())[:classes]:
            (root / split / folder.name).mkdir(parents=True)
            for photo in sorted(folder.glob("*.JPEG"))[:n]:
                (root / split / folder.name / photo.name).symlink_to(photo)
    return root


class _Deployed:
    """What an application does with the exported file: read its input size, normalisation and classes from it."""

    def __init__(self, path: Path) -> None:
        self.session = _session(path)
        proto = onnx.load(str(path))
        meta = {p.key: p.value for p in proto.metadata_props}
        self.classes = json.loads(meta["class_names"])
        self.normalize = json.loads(meta["normalize"])
        self.height, self.width = (d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim[2:])
        # The export writes the normalisation into the graph (so pixels in [0, 1] go in) and says so in metadata.
        assert [n.op_type for n in proto.graph.node][:2] == ["Sub", "Div"]

    def pixels(self, photo: Path) -> np.ndarray:
        from PIL import Image

        with Image.open(photo) as img:
            rgb = img.convert("RGB").resize((self.width, self.height), Image.BILINEAR)
        return (np.asarray(rgb, np.float32) / 255).transpose(2, 0, 1)

    def scores(self, photos: List[Path]) -> np.ndarray:
        x = np.stack([self.pixels(p) for p in photos])
        return self.session.run(None, {self.session.get_inputs()[0].name: x})[0]


@pytest.mark.slow
def test_vision_learner_fine_tuned_and_deployed_predicts_like_learn_predict(tmp_path) -> None:
    from vision import ImageDataLoaders, Resize, vision_learner

    root = _photo_folder(tmp_path / "photos", classes=3, train=16, valid=20)
    dls = ImageDataLoaders.from_folder(root, item_tfms=Resize(64), bs=12, num_workers=0, seed=0)
    learn = vision_learner(dls, "efficientnet_lite0", seed=0)
    learn.fine_tune(1)
    deployed = _Deployed(learn.export_onnx(tmp_path / "learner.onnx"))
    assert deployed.classes == list(dls.vocab) and (deployed.height, deployed.width) == (64, 64)
    assert deployed.normalize["mean"] == pytest.approx(list(dls.normalize.mean.reshape(-1)))
    photos = [path for path, _ in dls.valid_ds.items]
    assert len(photos) == 60
    expected = [learn.predict(dls.valid_ds.prepare(p)) for p in photos]
    for bs in (1, 7, 60):
        scores = np.concatenate([deployed.scores(photos[i:i + bs]) for i in range(0, min(len(photos), 2 * bs), bs)])
        got = [deployed.classes[i] for i in scores.argmax(1)]
        assert got == [label for label, _, _ in expected[:len(got)]]
        probs = np.exp(scores - scores.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        np.testing.assert_allclose(probs, np.stack([p for _, _, p in expected[:len(got)]]), atol=ATOL)
    assert len({label for label, _, _ in expected}) > 1  # a learner that says one class for all proves little
