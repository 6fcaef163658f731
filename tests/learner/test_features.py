"""minitorch.learner.features: features computed once, in evaluation mode, with every module's mode restored."""

from __future__ import annotations

import numpy as np

import minitorch
from minitorch.layers.losses import cross_entropy
from minitorch.learner.features import compute_features, feature_learner


def test_compute_features_runs_in_eval_mode_and_restores_each_modules_mode() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 3)).astype(np.float32), rng.integers(0, 2, 10)
    body = minitorch.Sequential(minitorch.Linear(3, 4, dtype="float32"), minitorch.Dropout(0.9))
    body[0].eval()  # a mixed state must come back exactly
    dls = minitorch.DataLoaders.from_arrays(x, y, x, y, bs=4)
    feats, targets = compute_features(body, dls.valid)
    expected = x @ body[0].weight.value.to_numpy().T + body[0].bias.value.to_numpy()
    np.testing.assert_allclose(feats, expected, rtol=1e-5)  # no dropout: evaluation mode
    np.testing.assert_array_equal(targets, y)
    assert body.training and not body[0].training and body[1].training


def test_feature_learner_trains_the_shared_head() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    body, head = minitorch.Linear(3, 8, dtype="float32"), minitorch.Linear(8, 2, dtype="float32")
    learn = minitorch.Learner(minitorch.DataLoaders.from_arrays(x, y, x, y, bs=16, seed=0),
                              minitorch.Sequential(body, head), loss_func=cross_entropy)
    before = head.weight.value.to_numpy().copy()
    hl = feature_learner(learn, body, head, learn.dls.train, learn.dls.valid, bs=16)
    assert hl.dls.train.dataset.arrays[0].shape == (64, 8)
    with hl.no_bar(), hl.no_logging():
        hl.fit(3, 1e-2)
    assert hl.model is head and not np.allclose(before, head.weight.value.to_numpy())
