"""get_preds returns rows in data-set order by default (fast.ai's reorder=True), whatever order the loader visits."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.learner.data import ArrayDataset, DataLoader, DataLoaders
from minitorch.learner.predictions import data_set_order
from tests.learner_helpers import blobs, learner


class LongestFirst(DataLoader):
    """A text-like loader: visits examples sorted by a "length" (here the first feature), longest first."""

    def order(self, epoch=None):
        return np.argsort(-self.dataset.arrays[0][:, 0], kind="stable")


@pytest.fixture
def data():
    return blobs()


def test_rows_come_back_in_data_set_order_from_a_sorting_loader(data) -> None:
    x, y, xv, yv = data
    sorted_dl = LongestFirst(ArrayDataset(xv, yv), 8)
    plain_dl = DataLoader(ArrayDataset(xv, yv), 8)
    learn = learner(dls=DataLoaders(DataLoader(ArrayDataset(x, y), 16), sorted_dl))
    visited = sorted_dl.order()
    assert not np.array_equal(visited, np.arange(len(yv)))
    inputs, preds, targets, losses = learn.get_preds(with_input=True, with_loss=True)
    plain = learn.get_preds(dl=plain_dl, with_input=True, with_loss=True)
    np.testing.assert_array_equal(targets, yv)
    np.testing.assert_allclose(inputs, xv)
    for got, want in zip((inputs, preds, targets, losses), plain):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    raw_inputs, raw_preds, raw_targets = learn.get_preds(with_input=True, reorder=False)
    np.testing.assert_array_equal(raw_targets, yv[visited])
    np.testing.assert_allclose(raw_preds, preds[visited], rtol=1e-6)


def test_shuffled_training_loader_rows_are_in_data_set_order(data) -> None:
    x, y, xv, yv = data
    learn = learner(dls=DataLoaders(DataLoader(ArrayDataset(x, y), 16, shuffle=True, seed=1),
                                    DataLoader(ArrayDataset(xv, yv), 8)))
    _, targets = learn.get_preds(ds_idx=0)
    np.testing.assert_array_equal(targets, y)
    _, shuffled = learn.get_preds(ds_idx=0, reorder=False)
    assert not np.array_equal(shuffled, y) and sorted(shuffled.tolist()) == sorted(y.tolist())


def test_a_pass_that_drops_the_last_batch_keeps_the_visited_examples_in_index_order(data) -> None:
    x, y, xv, yv = data
    dl = DataLoader(ArrayDataset(x[:90], y[:90]), 16, shuffle=True, drop_last=True, seed=2)
    visited = dl.order(dl.epoch)[:80]
    learn = learner()
    _, targets = learn.get_preds(dl=dl)
    np.testing.assert_array_equal(targets, y[np.sort(visited)])


def test_loaders_without_an_order_keep_their_own_order() -> None:
    x, y, xv, yv = blobs()

    class Batches:  # just an iterable of batches
        def __init__(self, dl):
            self.dl = dl

        def __iter__(self):
            return iter(self.dl)

        def __len__(self):
            return len(self.dl)

    learn = learner()
    _, targets = learn.get_preds(dl=Batches(LongestFirst(ArrayDataset(xv, yv), 8)))
    np.testing.assert_array_equal(targets, yv[LongestFirst(ArrayDataset(xv, yv), 8).order()])


def test_data_set_order_refuses_more_rows_than_visited() -> None:
    np.testing.assert_array_equal(data_set_order(np.array([2, 0, 1]), 3), [1, 2, 0])
    with pytest.raises(ValueError, match="reorder=False"):
        data_set_order(np.array([1, 0]), 3)
