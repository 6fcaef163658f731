"""fit_one_cycle and lr_find against their formulas; lr_find leaves the model as it found it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from minitorch.learner.lr_finder import minimum, steep, valley
from minitorch.optim import SGD
from tests.learner_helpers import blob_dls, body_head_model, body_head_splitter, learner, weights


def one_cycle(step: int, total: int, lr_max: float, pct: float, div: float, div_final: float,
              lo_mom: float = 0.85, hi_mom: float = 0.95):
    """fast.ai's one cycle written out: two cosine halves, momentum mirrored."""
    pos = step / total

    def cos_anneal(start, end, p):
        return start + (1 + math.cos(math.pi * (1 - p))) * (end - start) / 2

    if pos < pct:
        p = pos / pct
        return cos_anneal(lr_max / div, lr_max, p), cos_anneal(hi_mom, lo_mom, p)
    p = (pos - pct) / (1 - pct)
    return cos_anneal(lr_max, lr_max / div_final, p), cos_anneal(lo_mom, hi_mom, p)


def test_one_cycle_lr_and_momentum_follow_the_formula():
    learn = learner()
    learn.fit_one_cycle(4, lr_max=0.01)  # 6 batches per epoch: 24 steps
    rec = learn.recorder
    assert len(rec.lrs) == 24
    for step in [0, 3, 6, 12, 17, 23]:
        lr, mom = one_cycle(step, 24, 0.01, 0.25, 25.0, 1e5)
        assert rec.lrs[step] == pytest.approx(lr, rel=1e-9)
        assert rec.moms[step] == pytest.approx(mom, rel=1e-9)
    assert rec.lrs[0] == pytest.approx(0.01 / 25)
    assert rec.lrs[6] == pytest.approx(0.01)  # the peak at pct_start
    assert rec.moms[6] == pytest.approx(0.85)
    assert rec.hps["lr"] == rec.lrs  # ParamScheduler's record agrees


def test_one_cycle_with_custom_settings_and_sgd_momentum():
    learn = learner(opt_func=SGD, lr=0.1)
    learn.fit_one_cycle(2, lr_max=0.2, div=10, div_final=100, pct_start=0.5, moms=(0.9, 0.8, 0.9))
    for step in [0, 5, 6, 11]:
        lr, mom = one_cycle(step, 12, 0.2, 0.5, 10, 100, 0.8, 0.9)
        assert learn.recorder.lrs[step] == pytest.approx(lr)
        assert learn.recorder.moms[step] == pytest.approx(mom)
    assert learn.opt.param_groups[0]["momentum"] == pytest.approx(learn.recorder.moms[-1])


def test_one_cycle_discriminative_peaks():
    learn = learner(model=body_head_model(), splitter=body_head_splitter)
    seen = []

    from minitorch.learner.callback.core import Callback

    class Lrs(Callback):
        order = 70  # after the scheduler

        def before_step(self):
            seen.append([g["lr"] for g in self.learn.opt.param_groups])

    learn.fit_one_cycle(4, lr_max=slice(1e-4, 1e-2), cbs=Lrs())
    peak = seen[6]
    assert peak == pytest.approx([1e-4, 1e-2])
    assert seen[0] == pytest.approx([1e-4 / 25, 1e-2 / 25])


def test_fit_spreads_slice_geometrically_over_three_groups():
    from minitorch.layers.modules import Linear, ReLU, Sequential

    model = Sequential(Linear(2, 4), ReLU(), Linear(4, 4), ReLU(), Linear(4, 3))
    learn = learner(model=model, splitter=lambda m: [m[0].parameters(), m[2].parameters(), m[4].parameters()])
    learn.fit(1, lr=slice(1e-5, 1e-3))
    assert [g["lr"] for g in learn.opt.param_groups] == pytest.approx([1e-5, 1e-4, 1e-3])
    learn.fit(1, lr=slice(1e-3))  # slice(hi): hi/10 for all but the last group
    assert [g["lr"] for g in learn.opt.param_groups] == pytest.approx([1e-4, 1e-4, 1e-3])


def test_lr_find_schedule_suggestion_and_restore(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    learn = learner(model=body_head_model(), splitter=body_head_splitter, dls=blob_dls(bs=4))
    learn.fit(1, lr=1e-3)  # the optimizer now has state worth restoring
    before_w = weights(learn.model)
    before_bn = learn.model[1].running_mean.to_numpy().copy()
    before_opt = learn.opt.state_dict()
    result = learn.lr_find(start_lr=1e-6, end_lr=1.0, num_it=20, stop_div=False)
    rec = learn.recorder
    assert len(rec.lrs) == 20
    for i in [0, 7, 19]:
        assert rec.lrs[i] == pytest.approx(1e-6 * (1.0 / 1e-6) ** (i / 20))
    assert 1e-6 <= result.valley <= 1.0
    # Everything is back: weights, BatchNorm statistics, optimizer state and hyper-parameters.
    for a, b in zip(before_w, weights(learn.model)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(before_bn, learn.model[1].running_mean.to_numpy())
    after_opt = learn.opt.state_dict()
    assert after_opt["param_groups"] == before_opt["param_groups"]
    for k, state in before_opt["state"].items():
        np.testing.assert_array_equal(state["exp_avg"], after_opt["state"][k]["exp_avg"])
    ax = rec.plot_lr_find()
    ax.figure.savefig(tmp_path / "lr_find.png")


def test_lr_find_stops_when_the_loss_diverges():
    learn = learner(opt_func=SGD, dls=blob_dls(bs=4))
    learn.lr_find(start_lr=1e-3, end_lr=1e6, num_it=60, show_plot=False)
    losses = learn.recorder.losses
    assert len(losses) < 60
    assert losses[-1] > 4 * min(losses) or not np.isfinite(losses[-1])


def test_lr_find_returns_every_suggestion_asked_for():
    learn = learner(dls=blob_dls(bs=4))
    res = learn.lr_find(num_it=24, show_plot=False, suggest_funcs=(valley, minimum, steep))
    assert res._fields == ("valley", "minimum", "steep")
    assert all(r > 0 for r in res)


def test_suggestion_functions_on_a_known_curve():
    lrs = np.logspace(-6, 0, 61)
    # Flat, then falling fastest around 1e-3, bottom at 1e-2, then rising.
    x = np.log10(lrs)
    losses = 2.0 - 1.0 / (1 + np.exp(-(x + 3) * 3)) + np.where(x > -2, (x + 2) ** 2, 0.0)
    lr_min, _ = minimum(lrs, losses, 61)
    assert lr_min == pytest.approx(lrs[np.argmin(losses)] / 10)
    lr_steep, _ = steep(lrs, losses, 61)
    assert 10**-3.3 < lr_steep < 10**-2.7
    lr_valley, (_, loss_at) = valley(lrs, losses, 61)
    assert lrs[0] < lr_valley < lrs[np.argmin(losses)]
    assert loss_at == pytest.approx(losses[list(lrs).index(lr_valley)])
