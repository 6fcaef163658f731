"""The Learner refuses bad arguments and stops at the first NaN/inf, before it reaches the weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

from minitorch.layers.losses import cross_entropy
from minitorch.learner.callback.core import Callback
from minitorch.learner.callback.guards import NanGuardCallback, NonFiniteError
from minitorch.learner.data import ArrayDataset, DataLoader, DataLoaders
from tests.learner_helpers import blob_dls, blobs, learner, weights

BAD_LRS = [math.nan, math.inf, -math.inf, 0.0, -1e-3, slice(math.nan, 1e-3), slice(None, math.inf),
           [1e-3, math.nan], "1e-3", True]


@pytest.mark.parametrize("lr", BAD_LRS, ids=[repr(v) for v in BAD_LRS])
def test_fit_refuses_a_learning_rate_that_is_not_finite_and_positive(lr: object) -> None:
    learn = learner()
    before = weights(learn.model)
    with pytest.raises(ValueError, match="lr must be a finite positive number"):
        learn.fit(1, lr=lr)
    with pytest.raises(ValueError, match="lr_max must be a finite positive number"):
        learn.fit_one_cycle(1, lr)
    assert all((a == b).all() for a, b in zip(before, weights(learn.model)))


def test_fine_tune_lr_find_and_a_bad_default_lr_are_checked_too() -> None:
    learn = learner()
    with pytest.raises(ValueError, match="base_lr"):
        learn.fine_tune(1, base_lr=math.nan)
    with pytest.raises(ValueError, match="start_lr"):
        learn.lr_find(start_lr=-1.0, show_plot=False)
    with pytest.raises(ValueError, match="end_lr"):
        learn.lr_find(end_lr=math.inf, show_plot=False)
    with pytest.raises(ValueError, match="lr must be"):
        learner(lr=math.nan).fit(1)


@pytest.mark.parametrize("n", [0, -1, 1.5, None])
def test_epoch_counts_below_one_are_refused(n: object) -> None:
    learn = learner()
    with pytest.raises(ValueError, match="n_epoch must be an int of at least 1"):
        learn.fit(n, 1e-3)
    with pytest.raises(ValueError, match="n_epoch"):
        learn.fit_one_cycle(n, 1e-3)
    with pytest.raises(ValueError, match="epochs must be"):
        learn.fine_tune(n)


def test_fine_tune_with_no_frozen_epochs_trains_unfrozen_only() -> None:
    learn = learner()
    learn.fine_tune(1, freeze_epochs=0)
    assert len(learn.recorder.values) == 1


class NanLossAt(Callback):
    """Make the loss NaN at one (epoch, batch) of training, and keep the weights of each batch."""

    order = -10  # before the guard looks

    def __init__(self, epoch: int, batch: int) -> None:
        self.at, self.history = (epoch, batch), []

    def before_batch(self) -> None:
        if self.learn.training:
            self.history.append(weights(self.learn.model))

    def after_loss(self) -> None:
        if (self.learn.epoch, self.learn.iter) == self.at:
            self.learn.loss = self.learn.loss * math.nan
            self.learn.loss_grad = self.learn.loss_grad * math.nan


def test_a_nan_loss_stops_training_before_the_step_naming_epoch_and_batch() -> None:
    spy = NanLossAt(1, 3)
    learn = learner(cbs=spy)
    with pytest.raises(NonFiniteError, match=r"non-finite loss \(nan\) at epoch 1, batch 3 of 6"):
        learn.fit(3, 1e-2)
    after = weights(learn.model)
    assert all((a == b).all() for a, b in zip(spy.history[-1], after)), "the bad batch changed the weights"
    assert all(np.isfinite(w).all() for w in after)


def test_without_the_guard_nan_spreads_into_the_weights() -> None:
    learn = learner(cbs=NanLossAt(0, 0))
    learn.remove_cb(NanGuardCallback)
    learn.fit(1, 1e-2)
    assert any(np.isnan(w).any() for w in weights(learn.model))


def test_one_nan_in_the_training_data_is_caught_at_its_batch() -> None:
    x, y, xv, yv = blobs()
    x[40, 1] = np.nan  # batch 2 (of 16 examples) of the unshuffled data
    dls = DataLoaders(DataLoader(ArrayDataset(x, y), 16), DataLoader(ArrayDataset(xv, yv), 32))
    learn = learner(dls=dls)
    with pytest.raises(NonFiniteError, match="epoch 0, batch 2 of 6"):
        learn.fit(1, 1e-2)
    assert all(np.isfinite(w).all() for w in weights(learn.model))


class NanGradient(Callback):
    """A finite loss with a NaN gradient (what a NaN input hidden from the forward pass does)."""

    order = -10

    def after_backward(self) -> None:
        if self.learn.iter == 1:
            grad = self.learn.model[0].weight.value.grad
            grad._tensor._storage[0] = math.nan


def test_a_nan_gradient_with_a_finite_loss_stops_before_the_step() -> None:
    learn = learner(cbs=NanGradient())
    with pytest.raises(NonFiniteError, match=r"non-finite gradient of parameter '0\.weight'.*batch 1"):
        learn.fit(1, 1e-2)
    assert all(np.isfinite(w).all() for w in weights(learn.model))


def test_validation_nans_are_reported_not_raised() -> None:
    x, y, xv, yv = blobs()
    xv[0, 0] = np.nan
    learn = learner(dls=DataLoaders.from_arrays(x, y, xv, yv, bs=16))
    preds, _ = learn.get_preds()
    assert np.isnan(preds[0]).all() and np.isfinite(preds[1:]).all()


def test_lr_find_still_stops_itself_on_divergence_and_keeps_the_guard() -> None:
    learn = learner(dls=blob_dls(n_train=400))
    before = weights(learn.model)
    result = learn.lr_find(start_lr=1e-4, end_lr=1e8, num_it=60, show_plot=False)
    assert math.isfinite(result.valley)
    assert len(learn.recorder.losses) < 60  # stopped early: the loss exploded
    assert hasattr(learn, "nan_guard") and all((a == b).all() for a, b in zip(before, weights(learn.model)))


def test_the_guard_is_a_default_callback() -> None:
    from minitorch.learner.learner import Learner

    learn = Learner(blob_dls(), learner().model, loss_func=cross_entropy)
    assert isinstance(learn.nan_guard, NanGuardCallback)
