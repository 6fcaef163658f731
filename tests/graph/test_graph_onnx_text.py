"""``Learner.export_onnx`` for a text classifier, on a tiny BERT (no pretrained weights or shared data needed).

A text model takes two inputs (token ids and the attention mask) and reads
them as numpy arrays; the export traces its tensor-input twin
(``TextClassifier.traceable()``) at the loaders' ``max_length``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Learner, cross_entropy
from tests.text.test_text_data import random_texts, tiny_tokenizer_json  # the same tiny vocabulary
from text import TextDataLoaders, WordPieceTokenizer
from text.learner import SentenceEncoder, TextClassifier, text_head
from text.models import BertConfig, BertModel, masked_mean, mean_pool


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=4), st.integers(0, 2**16))
def test_masked_mean_is_mean_pool_with_tensor_ops(lengths: list, seed: int) -> None:
    rng = np.random.default_rng(seed)
    hidden = minitorch.Tensor.from_numpy(rng.standard_normal((len(lengths), 5, 3)).astype(np.float32))
    mask = (np.arange(5) < np.array(lengths)[:, None]).astype(np.float32)  # a length 0 is a row of padding only
    got = masked_mean(hidden, minitorch.Tensor.from_numpy(mask)).to_numpy()
    np.testing.assert_allclose(got, mean_pool(hidden, mask).to_numpy(), atol=1e-6)


@pytest.fixture
def tiny_learner(tmp_path) -> Learner:
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(tiny_tokenizer_json()), encoding="utf-8")
    tokenizer = WordPieceTokenizer.from_file(path)
    texts = random_texts(12, longest=8)
    dls = TextDataLoaders.from_lists(texts[:8], [i % 2 for i in range(8)], texts[8:], [0, 1, 0, 1],
                                     classes=["neg", "pos"], tokenizer=tokenizer, bs=4, max_length=16, seed=0)
    config = BertConfig(vocab_size=len(tokenizer.vocab), hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=16)
    np.random.seed(0)
    model = TextClassifier(SentenceEncoder(BertModel(config)), text_head(8, 2))
    return Learner(dls, model, cross_entropy)


def test_text_learner_exports_both_inputs_at_max_length(tiny_learner: Learner, tmp_path) -> None:
    ort = pytest.importorskip("onnxruntime", reason="ONNX export checks need onnxruntime")
    pytest.importorskip("onnx", reason="ONNX export needs the onnx package")
    learn = tiny_learner
    session = ort.InferenceSession(str(learn.export_onnx(tmp_path / "text.onnx")), providers=["CPUExecutionProvider"])
    assert [(i.name, i.shape) for i in session.get_inputs()] == [("input_ids", ["batch", 16]),
                                                                   ("attention_mask", ["batch", 16])]
    learn.model.eval()
    for texts in (["good film"], random_texts(7, seed=3, longest=8)):
        enc = learn.dls.tokenizer(texts, padding="max_length", max_length=16)
        ids, mask = enc["input_ids"], enc["attention_mask"]
        assert mask[:, -1].max() == 0  # every row padded
        theirs = session.run(None, {"input_ids": ids.astype(np.float32), "attention_mask": mask.astype(np.float32)})[0]
        np.testing.assert_allclose(theirs, learn.model(ids, mask).to_numpy(), atol=1e-5)


def test_traceable_shares_the_classifiers_weights(tiny_learner: Learner) -> None:
    model = tiny_learner.model
    twin = model.traceable()
    assert {id(p) for p in twin.parameters()} <= {id(p) for p in model.parameters()}  # views, not copies
    ids = np.array([[2, 5, 6, 3, 0]])
    mask = (ids > 0).astype(np.int64)
    model.eval()
    as_tensor = lambda a: minitorch.Tensor.from_numpy(a.astype(np.float32))  # noqa: E731
    np.testing.assert_allclose(twin(as_tensor(ids), as_tensor(mask)).to_numpy(), model(ids, mask).to_numpy(),
                               atol=1e-6)
