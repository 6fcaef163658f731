"""Small data and models shared by the Learner tests (fast: a few batches, tiny layers)."""

from __future__ import annotations

from typing import List, Tuple

import numpy as np

import minitorch
from minitorch.layers.losses import cross_entropy
from minitorch.layers.modules import BatchNorm1d, Linear, ReLU, Sequential
from minitorch.learner.data import DataLoaders


def blobs(n_train: int = 96, n_valid: int = 40, n_classes: int = 3, seed: int = 0) -> Tuple[np.ndarray, ...]:
    """Three well separated Gaussian blobs in 2-D (float32 features, int64 labels)."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])[:n_classes]

    def sample(n: int) -> Tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, n_classes, size=n)
        x = centers[y] + rng.normal(scale=0.7, size=(n, 2))
        return x.astype(np.float32), y.astype(np.int64)

    return (*sample(n_train), *sample(n_valid))


def blob_dls(bs: int = 16, seed: int = 0, **kwargs) -> DataLoaders:
    """Loaders over :func:`blobs`: 96 training examples (6 batches of 16), 40 validation
    examples in batches of 32 and 8 (uneven on purpose)."""
    x, y, xv, yv = blobs(**kwargs)
    return DataLoaders.from_arrays(x, y, xv, yv, bs=bs, seed=seed, vocab=["a", "b", "c"])


def mlp(seed: int = 0, hidden: int = 16) -> Sequential:
    np.random.seed(seed)
    return Sequential(Linear(2, hidden), ReLU(), Linear(hidden, 3))


def body_head_model(seed: int = 0) -> Sequential:
    """A body (Linear + BatchNorm) and a head (Linear): two parameter groups."""
    np.random.seed(seed)
    return Sequential(Linear(2, 8), BatchNorm1d(8), ReLU(), Linear(8, 3))


def body_head_splitter(model: Sequential) -> List[list]:
    body = list(model[0].parameters()) + list(model[1].parameters())
    return [body, list(model[3].parameters())]


def learner(model=None, dls=None, cbs=None, **kwargs) -> minitorch.learner.Learner:
    """A quiet Learner over the blobs: no default progress output, results not printed."""
    from minitorch.learner.callback.progress import ProgressCallback
    from minitorch.learner.learner import Learner

    learn = Learner(dls or blob_dls(), model if model is not None else mlp(),
                    loss_func=cross_entropy, **kwargs)
    learn.remove_cb(ProgressCallback)
    learn.add_cbs(cbs)
    learn.logger = lambda row: None
    return learn


def weights(model) -> List[np.ndarray]:
    """Copies of every parameter's numbers."""
    return [p.value.to_numpy().copy() for p in model.parameters()]
