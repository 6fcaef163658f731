"""Schedules against fast.ai's formulas at chosen steps."""

import math

import pytest

from minitorch.learner.callback.schedule import (
    combine_scheds,
    combined_cos,
    one_cycle_lr,
    one_cycle_mom,
    sched_cos,
    sched_exp,
    sched_lin,
    sched_no,
)


def test_basic_schedules() -> None:
    assert sched_lin(1, 3)(0.5) == 2
    assert sched_cos(1, 3)(0.0) == pytest.approx(1)
    assert sched_cos(1, 3)(0.5) == pytest.approx(2)
    assert sched_cos(1, 3)(1.0) == pytest.approx(3)
    assert sched_cos(0, 2)(0.25) == pytest.approx(1 - math.cos(math.pi / 4))
    assert sched_exp(1e-7, 10)(0.5) == pytest.approx(math.sqrt(1e-6))
    assert sched_no(4, 9)(0.7) == 4
    with pytest.raises(ValueError):
        sched_exp(0, 1)


def test_combine_scheds_switches_at_the_boundary() -> None:
    f = combine_scheds([0.3, 0.7], [sched_lin(0, 1), sched_lin(1, 0)])
    assert f(0.0) == 0
    assert f(0.15) == pytest.approx(0.5)
    assert f(0.3) == pytest.approx(1.0)
    assert f(0.65) == pytest.approx(0.5)
    assert f(1.0) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        combine_scheds([0.5, 0.6], [sched_no(0, 0), sched_no(0, 0)])


def test_one_cycle_matches_fastai() -> None:
    lr = one_cycle_lr(1e-2, pct_start=0.25, div=25.0, div_final=1e5)
    assert lr(0.0) == pytest.approx(1e-2 / 25)
    assert lr(0.25) == pytest.approx(1e-2)
    assert lr(1.0) == pytest.approx(1e-2 / 1e5)
    # halfway through the annealing phase: the mean of the peak and the floor
    assert lr(0.625) == pytest.approx((1e-2 + 1e-7) / 2)
    mom = one_cycle_mom((0.95, 0.85, 0.95), 0.25)
    assert mom(0.0) == pytest.approx(0.95)
    assert mom(0.25) == pytest.approx(0.85)
    assert mom(1.0) == pytest.approx(0.95)


def test_pct_start_edge_cases() -> None:
    f = combined_cos(0.99, 1.0, 2.0, 0.0)
    assert f(0.99) == pytest.approx(2.0)
    g = combined_cos(0.0, 5.0, 2.0, 0.0)  # no warm-up phase at all
    assert g(0.0) == pytest.approx(2.0)
    assert g(1.0) == pytest.approx(0.0)
