"""ClassificationInterpretation and show_results: numbers, and plots rendered without a display."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from minitorch.layers.modules import Flatten, Linear, Sequential
from minitorch.learner.data import DataLoaders
from minitorch.learner.interpret import ClassificationInterpretation
from tests.learner_helpers import learner

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def trained():
    learn = learner()
    learn.fit_one_cycle(2, 2e-2)
    return learn


def test_confusion_matrix_and_most_confused(trained):
    interp = ClassificationInterpretation.from_learner(trained)
    preds, targets = trained.get_preds()
    cm = interp.confusion_matrix()
    expected = np.zeros((3, 3), dtype=np.int64)
    for t, p in zip(targets, preds.argmax(1)):
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    confused = interp.most_confused()
    counts = [c for _, _, c in confused]
    assert counts == sorted(counts, reverse=True)
    assert sum(counts) == cm.sum() - np.trace(cm)
    assert all(a in "abc" and p in "abc" and a != p for a, p, _ in confused)


def test_top_losses_are_the_largest(trained):
    interp = ClassificationInterpretation.from_learner(trained)
    losses, idx = interp.top_losses(5)
    assert list(losses) == sorted(interp.losses, reverse=True)[:5]
    np.testing.assert_array_equal(interp.losses[idx], losses)


def test_plots_render_to_png(trained, tmp_path):
    interp = ClassificationInterpretation.from_learner(trained)
    interp.plot_confusion_matrix().savefig(tmp_path / "cm.png")
    interp.plot_confusion_matrix(normalize=True).savefig(tmp_path / "cmn.png")
    interp.plot_top_losses(4).savefig(tmp_path / "top.png")
    trained.show_results(max_n=4).savefig(tmp_path / "results.png")
    for name in ["cm.png", "cmn.png", "top.png", "results.png"]:
        assert (tmp_path / name).stat().st_size > 2000


def test_image_inputs_are_drawn_as_images(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.random((24, 1, 6, 6)).astype(np.float32)
    y = rng.integers(0, 2, 24)
    dls = DataLoaders.from_arrays(x, y, x[:10], y[:10], bs=8, vocab=["no", "yes"])
    learn = learner(model=Sequential(Flatten(), Linear(36, 2)), dls=dls)
    learn.fit(1)
    interp = ClassificationInterpretation.from_learner(learn)
    fig = interp.plot_top_losses(3)
    assert len(fig.axes[0].images) == 1  # imshow, not a line plot
    fig.savefig(tmp_path / "img.png")
    interp.print_classification_report()
    assert "macro avg" in capsys.readouterr().out
