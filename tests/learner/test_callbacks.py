"""The training loop as events: order, cancellation, and the built-in callbacks."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.learner.callback.core import (
    Callback,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CSVLogger,
    EarlyStoppingCallback,
    GradientAccumulation,
    SaveModelCallback,
)
from minitorch.learner.data import DataLoaders
from minitorch.optim import SGD
from tests.learner_helpers import blob_dls, learner, mlp, weights


class Events(Callback):
    """Records every event it sees (optionally raising at one of them)."""

    def __init__(self, raise_at=None, exc=None, only_training=True):
        self.seen = []
        self.raise_at, self.exc, self.only_training = raise_at, exc, only_training

    def __call__(self, event):
        self.seen.append(event)
        if event == self.raise_at and (not self.only_training or self.learn.training):
            raise self.exc()
        return super().__call__(event)


def tiny_dls():
    # 2 training batches, 1 validation batch: short event lists.
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    return DataLoaders.from_arrays(x, y, x[:4], y[:4], bs=4, seed=0)


BATCH_TRAIN = ["before_batch", "after_pred", "after_loss", "before_backward", "after_backward",
               "before_step", "after_step", "after_batch"]
BATCH_VALID = ["before_batch", "after_pred", "after_loss", "after_batch"]


def test_events_fire_in_order():
    cb = Events()
    learn = learner(dls=tiny_dls(), cbs=cb)
    learn.fit(1)
    fit_events = [e for e in cb.seen if e != "after_create"]
    expected = (["before_fit", "before_epoch", "before_train"] + BATCH_TRAIN * 2
                + ["after_train", "before_validate"] + BATCH_VALID + ["after_validate", "after_epoch", "after_fit"])
    assert fit_events == expected


def test_callbacks_run_in_order_attribute():
    calls = []

    class A(Callback):
        order = 5

        def before_fit(self):
            calls.append("A")

    class B(Callback):
        order = -20

        def before_fit(self):
            calls.append("B")

    learn = learner(dls=tiny_dls(), cbs=[A(), B()])
    learn.fit(1)
    assert calls == ["B", "A"]
    assert learn.a is learn.cbs[-2] and learn.b is learn.cbs[-1]  # named after their class


def test_cancel_batch_skips_step_but_runs_after_batch():
    cb = Events(raise_at="after_pred", exc=CancelBatchException)
    learn = learner(dls=tiny_dls(), cbs=cb, opt_func=SGD, lr=0.1)
    before = weights(learn.model)
    learn.fit(1)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(learn.model)))
    train = cb.seen[cb.seen.index("before_train"): cb.seen.index("after_train")]
    assert train.count("after_cancel_batch") == 2 and train.count("after_batch") == 2
    assert "before_step" not in train


def test_cancel_step_keeps_weights():
    learn = learner(dls=tiny_dls(), cbs=Events(raise_at="before_step", exc=CancelStepException),
                    opt_func=SGD, lr=0.1)
    before = weights(learn.model)
    learn.fit(1)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(learn.model)))


def test_cancel_fit_stops_and_cleans_up():
    cb = Events(raise_at="after_step", exc=CancelFitException)
    learn = learner(dls=tiny_dls(), cbs=cb)
    learn.fit(3)
    assert cb.seen[-2:] == ["after_cancel_fit", "after_fit"]
    assert cb.seen.count("before_epoch") == 1
    assert learn.train_iter == 0  # cancelled inside the first batch, before after_batch


def test_cancel_train_still_validates():
    cb = Events(raise_at="before_batch", exc=CancelTrainException)
    learn = learner(dls=tiny_dls(), cbs=cb)
    learn.fit(2)
    assert cb.seen.count("after_cancel_train") == 2
    assert cb.seen.count("after_validate") == 2
    assert learn.recorder.values[0][0] is None  # no training loss that epoch
    assert learn.recorder.values[0][1] is not None


def test_cancel_epoch_goes_to_next_epoch():
    cb = Events(raise_at="after_train", exc=CancelEpochException, only_training=False)
    learn = learner(dls=tiny_dls(), cbs=cb)
    learn.fit(2)
    assert cb.seen.count("after_cancel_epoch") == 2 and cb.seen.count("before_validate") == 0
    assert cb.seen.count("after_epoch") == 2


def test_run_valid_false_skips_validation_batches():
    class TrainOnly(Callback):
        run_valid = False

        def __init__(self):
            self.n = 0

        def after_batch(self):
            self.n += 1

    cb = TrainOnly()
    learn = learner(dls=tiny_dls(), cbs=cb)
    learn.fit(2)
    assert cb.n == 4  # 2 training batches x 2 epochs, no validation batches


def test_callback_reads_learner_attributes():
    class Peek(Callback):
        def after_loss(self):
            self.last = (self.epoch, self.iter, float(np.asarray(self.loss).reshape(-1)[0]))

    cb = Peek()
    learn = learner(dls=tiny_dls(), cbs=cb)
    learn.fit(1)
    assert cb.last[0] == 0 and cb.last[1] == 0  # the validation batch was the last


def test_fit_cbs_are_removed_afterwards():
    learn = learner(dls=tiny_dls())
    n = len(learn.cbs)
    learn.fit(1, cbs=Events())
    assert len(learn.cbs) == n and not hasattr(learn, "events")


def test_gradient_accumulation_matches_one_big_batch():
    x = np.random.default_rng(1).normal(size=(16, 2)).astype(np.float32)
    y = np.array([0, 1, 2, 1] * 4)
    small = DataLoaders.from_arrays(x, y, x, y, bs=8, seed=0)
    big = DataLoaders.from_arrays(x, y, x, y, bs=16, seed=0)
    a = learner(model=mlp(seed=3), dls=small, opt_func=SGD, lr=0.5, cbs=GradientAccumulation(n_acc=16))
    b = learner(model=mlp(seed=3), dls=big, opt_func=SGD, lr=0.5)
    a.fit(1)
    b.fit(1)
    for wa, wb in zip(weights(a.model), weights(b.model)):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    assert not np.allclose(weights(a.model)[0], weights(mlp(seed=3))[0])  # it did step


def test_early_stopping_stops_when_no_improvement(capsys):
    learn = learner(opt_func=SGD, lr=1e-9,
                    cbs=EarlyStoppingCallback(monitor="valid_loss", min_delta=1e-3, patience=2))
    learn.fit(10)
    assert len(learn.recorder.values) == 3  # best at epoch 0, then 2 epochs without improvement
    assert "early stopping" in capsys.readouterr().out


def test_tracker_rejects_unknown_monitor():
    learn = learner(cbs=EarlyStoppingCallback(monitor="accuracy"))
    with pytest.raises(ValueError, match="accuracy"):
        learn.fit(1)


def test_save_model_callback_keeps_best(tmp_path, capsys):
    from minitorch.learner.metrics import accuracy

    learn = learner(path=tmp_path, metrics=accuracy, lr=1e-2,
                    cbs=SaveModelCallback(monitor="accuracy", fname="best"))
    learn.fit(3)
    saved = tmp_path / "models" / "best.safetensors"
    assert saved.exists()
    out = capsys.readouterr().out
    assert "Better model found at epoch 0 with accuracy value" in out
    # At the end the best weights are loaded back: they equal the file's.
    from minitorch.io.safetensors import load_safetensors

    arrays = load_safetensors(saved)
    for key, value in learn.model.state_dict().items():
        np.testing.assert_array_equal(arrays[f"model.{key}"], value.to_numpy())


def test_save_model_every_epoch(tmp_path):
    learn = learner(path=tmp_path, cbs=SaveModelCallback(every_epoch=True))
    learn.fit(2)
    assert (tmp_path / "models" / "model_0.safetensors").exists()
    assert (tmp_path / "models" / "model_1.safetensors").exists()


def test_csv_logger(tmp_path):
    from minitorch.learner.metrics import accuracy

    learn = learner(path=tmp_path, metrics=accuracy)
    logger = CSVLogger()
    learn.fit(2, cbs=logger)
    rows = logger.read_log()
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert list(rows[0]) == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    assert float(rows[1]["valid_loss"]) == pytest.approx(learn.recorder.values[1][1], abs=1e-6)
    learn.fit(1, cbs=CSVLogger(append=True))
    assert len(learn.path.joinpath("history.csv").read_text().strip().splitlines()) == 4


def test_progress_table_in_a_log(capsys):
    from minitorch.layers.losses import cross_entropy
    from minitorch.learner.learner import Learner
    from minitorch.learner.metrics import accuracy

    learn = Learner(blob_dls(), mlp(), loss_func=cross_entropy, metrics=accuracy)
    learn.fit(2)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    assert out[1].split()[0] == "0" and out[2].split()[0] == "1"
    assert len(out) == 3  # not a terminal: no bars, only the table


def test_progress_bars_in_a_terminal(capsys):
    from minitorch.learner.callback.progress import ProgressCallback

    learn = learner(cbs=ProgressCallback(mode="terminal"))
    learn.logger = print
    learn.fit(1)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out
    assert "epochs" in captured.err  # the tqdm bars


def test_progress_html_table_in_a_notebook(monkeypatch):
    from minitorch.learner.callback import progress

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj.data)

    def display(obj, display_id=False):
        if "table" in str(getattr(obj, "data", "")):  # the results table (not the bar widgets)
            shown.append(obj.data)
        return Handle()

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", display)
    learn = learner(cbs=progress.ProgressCallback(mode="notebook"))
    learn.logger = print
    learn.fit(2)
    assert "<table" in shown[-1] and shown[-1].count("<tr>") == 2  # two epochs


def test_recorder_plots_render_to_png(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    learn = learner()
    learn.fit_one_cycle(2, 1e-2)
    assert len(learn.recorder.losses) == 12 and len(learn.recorder.lrs) == 12
    for i, draw in enumerate([learn.recorder.plot_loss, learn.recorder.plot_lr]):
        ax = draw()
        ax.figure.savefig(tmp_path / f"{i}.png")
    learn.recorder.plot_sched().savefig(tmp_path / "sched.png")
    assert all((tmp_path / f).stat().st_size > 1000 for f in ["0.png", "1.png", "sched.png"])


def test_show_graph_callback_draws_the_losses(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from minitorch.learner.callback.progress import ShowGraphCallback

    graph = ShowGraphCallback()
    learn = learner()
    learn.fit(2, cbs=graph)
    lines = graph.ax.get_lines()
    assert len(lines) == 2 and len(lines[1].get_xdata()) == 2  # train curve, 2 validation points
    graph.fig.savefig(tmp_path / "graph.png")
