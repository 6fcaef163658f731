"""The Learner: training, freezing and fine_tune, metrics, predictions, save/load."""

from __future__ import annotations

import numpy as np
import pytest

from minitorch.learner.callback.core import Callback
from minitorch.learner.metrics import F1Score, accuracy, error_rate
from minitorch.optim import SGD
from tests.learner_helpers import (
    blob_dls,
    blobs,
    body_head_model,
    body_head_splitter,
    learner,
    mlp,
    weights,
)


def test_learner_trains_to_high_accuracy():
    learn = learner(metrics=[accuracy, error_rate])
    learn.fit_one_cycle(3, 2e-2)
    valid_loss, acc, err = learn.validate()
    assert acc > 0.9 and err == pytest.approx(1 - acc)
    assert learn.recorder.values[-1][1] == pytest.approx(valid_loss)
    assert learn.recorder.metric_names == ["epoch", "train_loss", "valid_loss", "accuracy", "error_rate", "time"]


def test_model_follows_the_data_precision():
    learn = learner()
    assert all(p.value.dtype == np.float32 for p in learn.model.parameters())
    learn.fit(1)
    assert learn.get_preds()[0].dtype == np.float32


def test_metrics_on_uneven_batches_match_the_whole_set():
    # 40 validation examples in batches of 32 and 8: a plain mean of batch scores would be wrong.
    learn = learner(metrics=[accuracy, F1Score()])
    learn.fit(1, lr=3e-3)
    loss, acc, f1 = learn.validate()
    preds, targets = learn.get_preds()
    assert acc == pytest.approx(np.mean(preds.argmax(1) == targets))
    from minitorch.layers.losses import cross_entropy
    from minitorch.tensor import Tensor

    _, _, xv, yv = blobs()
    logits = learn.model(Tensor.from_numpy(xv))
    assert loss == pytest.approx(float(cross_entropy(logits, yv).item()), rel=1e-5)
    decoded = preds.argmax(1)
    per_class = []
    for c in range(3):
        tp = np.sum((decoded == c) & (targets == c))
        per_class.append(2 * tp / (np.sum(decoded == c) + np.sum(targets == c)))
    assert f1 == pytest.approx(np.mean(per_class))


class GroupWatch(Callback):
    """At every step: which parameters have gradients, and each group's learning rate."""

    order = 70

    def __init__(self):
        self.steps = []

    def before_step(self):
        grads = [p.value.grad is not None for p in self.learn.model.parameters()]
        lrs = [g["lr"] for g in self.learn.opt.param_groups]
        self.steps.append((grads, lrs))


def test_fine_tune_phases():
    model = body_head_model()
    learn = learner(model=model, splitter=body_head_splitter)
    watch = GroupWatch()
    start = weights(model)
    snapshots = []

    class Snap(Callback):
        def after_fit(self):
            snapshots.append(weights(self.learn.model))

    learn.fine_tune(2, base_lr=1e-2, freeze_epochs=1, cbs=[watch, Snap()])
    # Parameters in order: body Linear (w, b), BatchNorm (w, b), head Linear (w, b).
    frozen_steps, unfrozen_steps = watch.steps[:6], watch.steps[6:]
    assert len(unfrozen_steps) == 12
    for grads, _ in frozen_steps:
        assert grads == [False, False, True, True, True, True]  # BatchNorm stays trainable
    for grads, _ in unfrozen_steps:
        assert all(grads)
    after_frozen, after_all = snapshots
    assert np.array_equal(after_frozen[0], start[0]) and np.array_equal(after_frozen[1], start[1])
    assert all(not np.array_equal(a, b) for a, b in zip(start[2:], after_frozen[2:]))
    assert all(not np.array_equal(a, b) for a, b in zip(after_frozen, after_all))
    # Learning rates: the frozen phase uses slice(base_lr) = [base_lr/10, base_lr] (one-cycle
    # from peak/25); the unfrozen one slice(base_lr/2/100, base_lr/2), starting at peak/5.
    assert frozen_steps[0][1] == pytest.approx([1e-3 / 25, 1e-2 / 25])
    assert all(lrs[0] / lrs[1] == pytest.approx(0.1) for _, lrs in frozen_steps)
    assert unfrozen_steps[0][1] == pytest.approx([5e-5 / 5, 5e-3 / 5])
    assert all(lrs[0] / lrs[1] == pytest.approx(0.01) for _, lrs in unfrozen_steps)
    top = max(lrs[1] for _, lrs in unfrozen_steps)
    assert 0.9 * 5e-3 < top <= 5e-3


def test_freeze_without_train_bn_freezes_batchnorm():
    learn = learner(model=body_head_model(), splitter=body_head_splitter, train_bn=False)
    learn.freeze()
    watch = GroupWatch()
    learn.fit(1, cbs=watch)
    assert watch.steps[0][0] == [False, False, False, False, True, True]
    learn.unfreeze()
    learn.fit(1, cbs=watch)
    assert all(watch.steps[-1][0])


def test_freeze_survives_loading_weights(tmp_path):
    learn = learner(model=body_head_model(), splitter=body_head_splitter, path=tmp_path)
    learn.save("w")
    learn.freeze()
    learn.load("w", with_opt=False)
    watch = GroupWatch()
    learn.fit(1, cbs=watch)
    assert watch.steps[0][0][:2] == [False, False]


def test_freeze_warns_with_a_single_group():
    learn = learner()
    with pytest.warns(UserWarning, match="whole model is frozen"):
        learn.freeze_to(1)


def test_get_preds_and_predict():
    learn = learner()
    learn.fit_one_cycle(2, 2e-2)
    x, preds, targets, decoded, losses = learn.get_preds(with_input=True, with_decoded=True, with_loss=True)
    assert x.shape == (40, 2) and preds.shape == (40, 3) and targets.shape == (40,)
    np.testing.assert_allclose(preds.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(decoded, preds.argmax(1))
    np.testing.assert_allclose(losses, -np.log(preds[np.arange(40), targets]), rtol=1e-4, atol=1e-6)
    label, idx, probs = learn.predict(x[3])
    assert idx == decoded[3] and label == ["a", "b", "c"][idx]
    np.testing.assert_allclose(probs, preds[3], rtol=1e-5)
    train_preds, train_targets = learn.get_preds(ds_idx=0)
    assert train_preds.shape == (96, 3)


def test_save_and_load_restore_model_and_optimizer(tmp_path):
    learn = learner(path=tmp_path)
    learn.fit(1, lr=1e-2)
    path = learn.save("stage-1")
    assert path == tmp_path / "models" / "stage-1.safetensors"
    saved_w, saved_opt = weights(learn.model), learn.opt.state_dict()
    learn.fit(1, lr=1e-2)
    learn.load("stage-1")
    for a, b in zip(saved_w, weights(learn.model)):
        np.testing.assert_array_equal(a, b)
    restored = learn.opt.state_dict()
    for k, state in saved_opt["state"].items():
        np.testing.assert_array_equal(state["exp_avg_sq"], restored["state"][k]["exp_avg_sq"])
        assert state["step"] == restored["state"][k]["step"]
    # A fresh Learner over a fresh model loads the same weights.
    other = learner(model=mlp(seed=9), path=tmp_path).load("stage-1", with_opt=False)
    for a, b in zip(saved_w, weights(other.model)):
        np.testing.assert_array_equal(a, b)


def test_load_missing_file_says_where(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing"):
        learner(path=tmp_path).load("nothing")


def test_fit_with_sgd_and_weight_decay():
    learn = learner(opt_func=SGD, lr=0.1, wd=0.01)
    learn.fit(1)
    assert learn.opt.param_groups[0]["weight_decay"] == 0.01


def test_default_loss_from_classes():
    from minitorch.layers.losses import cross_entropy
    from minitorch.learner.learner import Learner

    learn = Learner(blob_dls(), mlp())
    assert learn.loss_func is cross_entropy
