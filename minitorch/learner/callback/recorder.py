"""The Recorder: what happened during training, and the plots that show it.

Every Learner has one (``learn.recorder``). During a fit it keeps:

- ``losses``: the *smoothed* training loss after every batch (an exponential
  moving average with bias correction, as in fast.ai: raw batch losses are
  too noisy to read);
- ``lrs``, ``moms``: the learning rate and momentum of the last parameter
  group at every batch;
- ``values``: one row per epoch: train loss, valid loss, then each metric;
- ``iters``: how many batches had run at the end of each epoch;
- ``hps``: what ``ParamScheduler`` set (for ``plot_sched``).

At the end of each epoch it hands a row ``[epoch, train_loss, valid_loss,
metrics..., time]`` to ``learn.logger`` (``print`` by default; the progress
callback prints it as a table).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..hypers import read_hyper
from .core import Callback

__all__ = ["Recorder"]


def _to_float(loss: Any) -> float:
    """A loss (one-entry tensor, array or number) as a float."""
    return float(np.asarray(loss).reshape(-1).mean())


class AvgLoss:
    """The mean loss over an epoch, each batch weighted by its size (``valid_loss``)."""

    name = "loss"

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def accumulate(self, loss: float, bs: int) -> None:
        self.total += loss * bs
        self.count += bs

    @property
    def value(self) -> Optional[float]:
        return self.total / self.count if self.count else None


class AvgSmoothLoss:
    """An exponential moving average of batch losses with bias correction (``train_loss``).

    ``value = sum_i beta**(n-i) (1-beta) loss_i / (1 - beta**n)``: a weighted
    mean of recent losses, correct from the first batch on.

    Args:
        beta: how much of the previous average each new batch keeps.
    """

    name = "loss"

    def __init__(self, beta: float = 0.98) -> None:
        self.beta = beta
        self.reset()

    def reset(self) -> None:
        self.count, self.val = 0, 0.0

    def accumulate(self, loss: float) -> None:
        self.count += 1
        self.val = self.beta * self.val + (1 - self.beta) * loss

    @property
    def value(self) -> Optional[float]:
        return self.val / (1 - self.beta**self.count) if self.count else None


def format_time(seconds: float) -> str:
    """``mm:ss`` (or ``h:mm:ss``), as in fast.ai's results table."""
    t = int(seconds)
    h, m, s = t // 3600, (t // 60) % 60, t % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Recorder(Callback):
    """Record losses, metrics and hyper-parameters; plot them.

    Args:
        add_time: add each epoch's duration to the results.
        train_metrics: compute the metrics on the training set too.
        valid_metrics: compute the validation loss and metrics.
        beta: the smoothing of the training loss.
    """

    order = 50

    def __init__(
        self,
        add_time: bool = True,
        train_metrics: bool = False,
        valid_metrics: bool = True,
        beta: float = 0.98,
    ) -> None:
        self.add_time, self.train_metrics, self.valid_metrics = add_time, train_metrics, valid_metrics
        self.loss = AvgLoss()
        self.smooth_loss = AvgSmoothLoss(beta)
        self.lrs: List[float] = []
        self.moms: List[Optional[float]] = []
        self.losses: List[float] = []
        self.values: List[List[Optional[float]]] = []
        self.iters: List[int] = []
        self.hps: Dict[str, List[float]] = {}
        self.train_log: List[Optional[float]] = []
        self.valid_log: List[Optional[float]] = []

    @property
    def metric_names(self) -> List[str]:
        """The columns of the results table: ``epoch``, losses, metrics, ``time``."""
        names = [m.name for m in self.learn.metrics]
        if self.train_metrics and self.valid_metrics:
            names = ["loss"] + names
            names = [f"train_{n}" for n in names] + [f"valid_{n}" for n in names]
        elif self.valid_metrics:
            names = ["train_loss", "valid_loss"] + names
        else:
            names = ["train_loss"] + names
        return ["epoch"] + names + (["time"] if self.add_time else [])

    def before_fit(self) -> None:
        self.lrs, self.moms, self.losses, self.values, self.iters = [], [], [], [], []
        self.hps = {}
        self.smooth_loss.reset()

    def before_epoch(self) -> None:
        self.start_epoch = time.time()
        self.train_log: List[Optional[float]] = []
        self.valid_log: List[Optional[float]] = []
        self.cancel_train = self.cancel_valid = False

    def before_train(self) -> None:
        self.cancel_train = False
        for m in self.learn.metrics:
            m.reset()

    def before_validate(self) -> None:
        self.cancel_valid = False
        self.loss.reset()
        for m in self.learn.metrics:
            m.reset()

    def after_batch(self) -> None:
        learn = self.learn
        if not len(learn.yb):
            return  # nothing to score without targets
        if learn.training:
            loss = _to_float(learn.loss)
            self.smooth_loss.accumulate(loss)
            learn.smooth_loss = self.smooth_loss.value
            self.losses.append(self.smooth_loss.value)
            self.lrs.append(read_hyper(learn.opt, "lr")[-1])
            self.moms.append(read_hyper(learn.opt, "mom")[-1])
            if self.train_metrics:
                for m in learn.metrics:
                    m.accumulate(learn.pred, *learn.yb)
        elif self.valid_metrics:
            self.loss.accumulate(_to_float(learn.loss), len(learn.yb[0]))
            for m in learn.metrics:
                m.accumulate(learn.pred, *learn.yb)

    def after_cancel_train(self) -> None:
        self.cancel_train = True

    def after_cancel_validate(self) -> None:
        self.cancel_valid = True

    def after_train(self) -> None:
        scores = [self.smooth_loss.value]
        if self.train_metrics:
            scores += [m.value for m in self.learn.metrics]
        self.train_log = [None if self.cancel_train else s for s in scores]

    def after_validate(self) -> None:
        if not self.valid_metrics:
            return
        scores = [self.loss.value] + [m.value for m in self.learn.metrics]
        self.valid_log = [None if self.cancel_valid else s for s in scores]

    def after_epoch(self) -> None:
        # One row: the epoch, the training pass's scores, the validation pass's, the time.
        n_train = 1 + (len(self.learn.metrics) if self.train_metrics else 0)
        train_log = self.train_log or [None] * n_train
        valid_log = self.valid_log or ([None] * (1 + len(self.learn.metrics)) if self.valid_metrics else [])
        self.log: List[Any] = [self.learn.epoch] + train_log + valid_log
        self.values.append(list(self.log[1:]))
        if self.add_time:
            self.log.append(format_time(time.time() - self.start_epoch))
        self.learn.logger(self.log)
        self.iters.append(self.smooth_loss.count)

    # ## Plots (matplotlib is imported only when a plot is asked for)

    def plot_loss(self, skip_start: int = 5, with_valid: bool = True, ax: Any = None) -> Any:
        """Plot the smoothed training loss per batch and the validation loss per epoch.

        Args:
            skip_start: batches to leave out at the start (the first losses dwarf the rest).
            with_valid: add the validation loss at the end of each epoch.
            ax: the matplotlib axes to draw on (a new figure by default).

        Returns:
            The axes.
        """
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
        ax.plot(range(skip_start, len(self.losses)), self.losses[skip_start:], label="train")
        names = self.metric_names
        if with_valid and "valid_loss" in names:
            col = names.index("valid_loss") - 1
            first = int((np.array(self.iters) < skip_start).sum())
            points = [(i, row[col]) for i, row in zip(self.iters[first:], self.values[first:])
                      if row[col] is not None]
            if points:
                ax.plot(*zip(*points), "o-", label="valid")
            ax.legend()
        ax.set_xlabel("steps")
        ax.set_ylabel("loss")
        ax.set_title("learning curve")
        return ax

    def plot_lr(self, ax: Any = None) -> Any:
        """Plot the learning rate at every training batch; returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
        ax.plot(self.lrs)
        ax.set_xlabel("steps")
        ax.set_ylabel("learning rate")
        return ax

    def plot_sched(self, keys: Optional[Sequence[str]] = None, figsize: Any = None) -> Any:
        """Plot each scheduled hyper-parameter (``lr``, ``mom``) against the step.

        Returns:
            The figure.
        """
        import matplotlib.pyplot as plt

        hps = self.hps if self.hps else {"lr": self.lrs, "mom": self.moms}
        keys = list(hps) if keys is None else list(keys)
        fig, axs = plt.subplots(1, len(keys), figsize=figsize or (5 * len(keys), 3.5), squeeze=False)
        for key, ax in zip(keys, axs[0]):
            ax.plot(hps[key])
            ax.set_xlabel("steps")
            ax.set_ylabel(key)
        fig.tight_layout()
        return fig

    def plot_lr_find(
        self,
        skip_end: int = 5,
        suggestions: Optional[Sequence[tuple]] = None,
        nms: Optional[Sequence[str]] = None,
        ax: Any = None,
    ) -> Any:
        """Plot loss against learning rate (log scale) after ``learn.lr_find()``.

        Args:
            skip_end: points to leave out at the end (the loss blowing up).
            suggestions: ``(lr, loss)`` points to mark.
            nms: their names, for the legend.
            ax: the axes to draw on.

        Returns:
            The axes.
        """
        import matplotlib.pyplot as plt

        end = len(self.lrs) - skip_end if skip_end else len(self.lrs)
        ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
        ax.plot(self.lrs[:end], self.losses[:end])
        ax.set_xscale("log")
        ax.set_xlabel("Learning Rate")
        ax.set_ylabel("Loss")
        if suggestions:
            colors = plt.rcParams["axes.prop_cycle"].by_key()["color"][1:]
            for (lr, loss), name, color in zip(suggestions, nms or [], colors):
                ax.plot(lr, loss, "o", color=color, label=f"{name}: {lr:.2e}")
            ax.legend(loc="best")
        return ax
