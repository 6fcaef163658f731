"""Feature extraction: run a frozen network over the data once, then train a small head on what it produced.

Transfer learning with a frozen pretrained body spends almost all its time
in the body's forward pass, and that pass gives the same numbers every
epoch. So compute them once (:func:`compute_features`) and train the head
on the stored arrays (:func:`feature_learner`): an epoch then costs what the
head costs, a fraction of a second instead of minutes. Because the new
Learner trains *the same head module* the full model holds, the full model
is trained too, ready for ``unfreeze()`` and fine-tuning.

The price: the body's BatchNorm statistics stay as they are and data
augmentation is not applied (each example is seen once, as at test time).
``vision.learner.head_learner`` and ``text.learner.text_head_learner`` build on this.
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from ..autodiff import no_grad
from ..backends import layer_backend
from ..module import Module
from .callback.progress import progress
from .data import DataLoaders
from .learner import Learner


def compute_features(model: Module, loader: Any, n_inp: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """Run ``model`` over every batch of ``loader`` in evaluation mode, without gradients.

    Args:
        model: the frozen feature extractor (every submodule's training mode is restored afterwards).
        loader: yields batches ``(*inputs, targets)``; its order is kept, so
            features and targets stay paired.
        n_inp: how many leading batch entries are the model's inputs.

    Returns:
        ``(features, targets)``: float32 outputs and the targets, each concatenated over the batches.

    A long run shows its progress (a bar, or lines in a log: see ``progress.progress``).
    """
    modes = [(m, m.training) for _, m in model.named_modules()]  # each module's mode, restored after
    model.eval()
    feats, targets = [], []
    try:
        with no_grad():
            for batch in progress(loader, "features"):
                feats.append(model(*batch[:n_inp]).to_numpy().astype(np.float32))
                targets.append(np.asarray(batch[n_inp]))
    finally:
        for module, training in modes:
            module.__dict__["training"] = training
    return np.concatenate(feats), np.concatenate(targets)


def feature_learner(learn: Learner, extractor: Module, head: Module, train_dl: Any, valid_dl: Any,
                    bs: int = 64, **kwargs: Any) -> Learner:
    """A Learner that trains ``head`` on ``extractor``'s outputs, computed once for both loaders.

    Args:
        learn: the full model's Learner (its loss, metrics, path and vocabulary are reused).
        extractor: the frozen part, run once over ``train_dl`` and ``valid_dl``.
        head: the module to train on the features (shared with ``learn.model``).
        train_dl, valid_dl: the data to extract features from.
        bs: batch size for the head.
        **kwargs: passed to ``Learner``, overriding the defaults above (``opt_func``, ``wd``, ...).
    """
    n_inp = getattr(learn.dls, "n_inp", 1)
    x_train, y_train = compute_features(extractor, train_dl, n_inp)
    x_valid, y_valid = compute_features(extractor, valid_dl, n_inp)
    fdls = DataLoaders.from_arrays(x_train, y_train, x_valid, y_valid, bs=bs, seed=0,
                                   vocab=getattr(learn.dls, "vocab", None), backend=layer_backend())
    options = {"loss_func": learn.loss_func, "metrics": list(learn.metrics), "path": learn.path}
    options.update(kwargs)
    return Learner(fdls, head, **options)


__all__ = ["compute_features", "feature_learner"]
