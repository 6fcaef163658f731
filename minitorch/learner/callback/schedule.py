"""Hyper-parameter schedules: how a learning rate (or momentum) moves during training.

A schedule is a function of ``pos``, the fraction of training done (0 at the
first step, 1 at the end). These follow fast.ai's definitions exactly, so
``fit_one_cycle`` here and there produce the same numbers:

- ``sched_lin``: straight line from ``start`` to ``end``;
- ``sched_cos``: half a cosine wave, flat at both ends (gentle start and finish);
- ``sched_exp``: geometric, used by ``lr_find`` to sweep many orders of magnitude;
- ``combine_scheds``: glue schedules together, each over a share of training.

The one-cycle policy (Smith, 2018) warms the learning rate up from
``lr_max / div`` to ``lr_max`` over the first ``pct_start`` of training and
anneals it down to ``lr_max / div_final``; momentum moves the opposite way.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

__all__ = ["combine_scheds", "combined_cos", "sched_cos", "sched_exp", "sched_lin", "sched_no"]

Schedule = Callable[[float], float]


def sched_lin(start: float, end: float) -> Schedule:
    """Linear from ``start`` (pos 0) to ``end`` (pos 1)."""
    return lambda pos: start + pos * (end - start)


def sched_cos(start: float, end: float) -> Schedule:
    """Cosine from ``start`` to ``end``: slow at both ends, fastest in the middle."""
    return lambda pos: start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def sched_exp(start: float, end: float) -> Schedule:
    """Exponential from ``start`` to ``end`` (both must be positive)."""
    if start <= 0 or end <= 0:
        raise ValueError(f"sched_exp needs positive start and end, got {start} and {end}")
    return lambda pos: start * (end / start) ** pos


def sched_no(start: float, end: float) -> Schedule:
    """Constant ``start`` (``end`` is ignored)."""
    return lambda pos: start


def combine_scheds(pcts: Sequence[float], scheds: Sequence[Schedule]) -> Schedule:
    """Run ``scheds[i]`` over a share ``pcts[i]`` of training, one after the other.

    Args:
        pcts: the shares, non-negative and summing to 1.
        scheds: one schedule per share; each sees its own pos from 0 to 1.

    Returns:
        The combined schedule.
    """
    if len(pcts) != len(scheds):
        raise ValueError(f"combine_scheds needs one share per schedule, got {len(pcts)} and {len(scheds)}")
    if any(p < 0 for p in pcts) or not math.isclose(sum(pcts), 1.0, abs_tol=1e-9):
        raise ValueError(f"schedule shares must be non-negative and sum to 1, got {list(pcts)}")
    bounds = [0.0]
    for p in pcts:
        bounds.append(bounds[-1] + p)

    def schedule(pos: float) -> float:
        if pos >= 1.0:
            return scheds[-1](1.0)
        # The phase that contains pos (skipping phases of zero length).
        i = max(k for k in range(len(pcts)) if bounds[k] <= pos and pcts[k] > 0)
        return scheds[i]((pos - bounds[i]) / pcts[i])

    return schedule


def combined_cos(pct: float, start: float, middle: float, end: float) -> Schedule:
    """Cosine from ``start`` to ``middle`` over ``pct`` of training, then to ``end``."""
    if not 0.0 <= pct <= 1.0:
        raise ValueError(f"pct_start must be between 0 and 1, got {pct}")
    return combine_scheds([pct, 1 - pct], [sched_cos(start, middle), sched_cos(middle, end)])


def one_cycle_lr(
    lr_max: float, pct_start: float = 0.25, div: float = 25.0, div_final: float = 1e5
) -> Schedule:
    """The one-cycle learning-rate schedule (fast.ai's ``fit_one_cycle``)."""
    return combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final)


def one_cycle_mom(
    moms: Sequence[float] = (0.95, 0.85, 0.95), pct_start: float = 0.25
) -> Schedule:
    """The one-cycle momentum schedule: high, low at the peak learning rate, high again."""
    if len(moms) != 3:
        raise ValueError(f"moms must be (start, middle, end), got {tuple(moms)}")
    return combined_cos(pct_start, *moms)
