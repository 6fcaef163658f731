"""Callbacks: how you change what the training loop does without rewriting it.

The ``Learner`` runs one fixed loop (see ``learner.py``). At each step of it
the Learner announces an *event*, and every callback that defines a method
of that name runs it, in ascending ``order``::

    before_fit
      before_epoch                                  (for each epoch)
        before_train                                (training pass)
          before_batch                              (for each batch)
            after_pred      model(xb) is in learn.pred
            after_loss      learn.loss (and learn.loss_grad, which backward() uses)
            before_backward / after_backward
            before_step     / after_step            optimizer.step()
          after_batch
        after_train
        before_validate                             (validation pass, no gradients)
          before_batch / after_pred / after_loss / after_batch
        after_validate
      after_epoch
    after_fit

A callback can cut the loop short by raising one of the ``Cancel...Exception``
classes below: ``CancelBatchException`` skips the rest of the batch (a
callback that accumulates gradients skips the optimizer step this way),
``CancelFitException`` ends training (early stopping). The Learner then fires
``after_cancel_<stage>`` and still fires ``after_<stage>``, so cleanup always
happens. These names are fast.ai's, so fast.ai callbacks port line by line.

Inside a callback, ``self.learn`` is the Learner; reading an attribute the
callback does not have falls through to the Learner (``self.epoch`` is
``self.learn.epoch``), but writing must be explicit (``self.learn.loss = ...``)
so a callback never changes the Learner by accident.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from ..hypers import read_hyper, write_hyper

# The events, in the order a fit announces them.
EVENTS = (
    "after_create",
    "before_fit",
    "before_epoch",
    "before_train",
    "before_batch",
    "after_pred",
    "after_loss",
    "before_backward",
    "after_cancel_backward",
    "after_backward",
    "before_step",
    "after_cancel_step",
    "after_step",
    "after_cancel_batch",
    "after_batch",
    "after_cancel_train",
    "after_train",
    "before_validate",
    "after_cancel_validate",
    "after_validate",
    "after_cancel_epoch",
    "after_epoch",
    "after_cancel_fit",
    "after_fit",
)

# Events that happen once per batch: ``run_train``/``run_valid`` filter only these.
INNER_LOOP = frozenset(
    "before_batch after_pred after_loss before_backward after_cancel_backward after_backward "
    "before_step after_cancel_step after_step after_cancel_batch after_batch".split()
)


class CancelFitException(Exception):
    """Stop training now (``after_cancel_fit`` and ``after_fit`` still run)."""


class CancelEpochException(Exception):
    """Skip the rest of this epoch."""


class CancelTrainException(Exception):
    """Skip the rest of this epoch's training pass (validation still runs)."""


class CancelValidException(Exception):
    """Skip the rest of this epoch's validation pass."""


class CancelBatchException(Exception):
    """Skip the rest of this batch (for a training batch: no step, no zero_grad)."""


class CancelBackwardException(Exception):
    """Skip the backward pass of this batch."""


class CancelStepException(Exception):
    """Skip the optimizer step of this batch."""


def _snake(name: str) -> str:
    """``"SaveModelCallback"`` -> ``"save_model"`` (fast.ai's attribute names)."""
    name = re.sub(r"Callback$", "", name) or name
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Callback:
    """Base class of callbacks: define methods named after the events you need.

    Attributes:
        order: callbacks run in ascending order at each event (ties: the
            order they were added). The built-ins: ``TrainEvalCallback`` -10,
            ``Recorder`` 50, ``ProgressCallback`` and ``ParamScheduler`` 60,
            trackers 60 (after the Recorder has the epoch's values).
        run_train: run the per-batch events of training passes.
        run_valid: run the per-batch events of validation passes.
        run: set False to silence the callback until the end of this fit.
        learn: the Learner, set when the callback is added.
    """

    order: int = 0
    run: bool = True
    run_train: bool = True
    run_valid: bool = True

    @property
    def name(self) -> str:
        """The attribute name the Learner gives this callback (``learn.recorder``)."""
        return _snake(type(self).__name__)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: read the Learner's attribute.
        learn = self.__dict__.get("learn")
        if learn is not None and not name.startswith("_"):
            return getattr(learn, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __call__(self, event: str) -> Any:
        """Run this callback's method for ``event``, if it has one and should run now."""
        result = None
        method = getattr(type(self), event, None)
        if method is not None and self.run:  # most callbacks have no method for most events
            if event in INNER_LOOP:
                wanted = self.run_train if getattr(self.learn, "training", True) else self.run_valid
            else:
                wanted = True
            if wanted:
                result = method(self)
        if event == "after_fit":
            self.run = True  # a callback silenced during this fit runs again in the next
        return result

    def __repr__(self) -> str:
        return f"{type(self).__name__}"


class TrainEvalCallback(Callback):
    """Keeps the training counters and switches the model between train and eval modes.

    It is always installed (first, ``order = -10``). It maintains
    ``learn.train_iter`` (training batches so far in this fit) and
    ``learn.pct_train`` (the fraction of training done, from 0 to 1), which
    the schedulers read.
    """

    order = -10
    run_valid = False

    def before_fit(self) -> None:
        self.learn.epoch = 0
        self.learn.loss = 0.0
        self.learn.train_iter = 0
        self.learn.pct_train = 0.0

    def before_train(self) -> None:
        self.learn.pct_train = self.learn.epoch / self.learn.n_epoch
        self.learn.model.train()
        self.learn.training = True

    def after_batch(self) -> None:
        self.learn.pct_train += 1.0 / (self.learn.n_iter * self.learn.n_epoch)
        self.learn.train_iter += 1

    def before_validate(self) -> None:
        self.learn.model.eval()
        self.learn.training = False


Schedules = Dict[str, Union[Callable[[float], float], Sequence[Callable[[float], float]]]]


class ParamScheduler(Callback):
    """Set hyper-parameters (``lr``, ``mom``, ``wd`` ...) from schedules before every batch.

    Args:
        scheds: hyper-parameter name -> a schedule ``f(pct_train)`` (the same
            value for every parameter group) or a list with one schedule per
            group (discriminative learning rates).

    After the fit, the values it set (for the last group) are in
    ``learn.recorder.hps`` for ``plot_sched``.
    """

    order = 60
    run_valid = False

    def __init__(self, scheds: Schedules) -> None:
        self.scheds = scheds

    def before_fit(self) -> None:
        self.hps: Dict[str, List[float]] = {name: [] for name in self.scheds}

    def before_batch(self) -> None:
        self._update_val(self.learn.pct_train)

    def _update_val(self, pct: float) -> None:
        for name, sched in self.scheds.items():
            if callable(sched):
                write_hyper(self.learn.opt, name, sched(pct))
            else:
                write_hyper(self.learn.opt, name, [f(pct) for f in sched])

    def after_batch(self) -> None:
        for name in self.scheds:
            self.hps[name].append(read_hyper(self.learn.opt, name)[-1])

    def after_fit(self) -> None:
        recorder = getattr(self.learn, "recorder", None)
        if recorder is not None and hasattr(self, "hps"):
            recorder.hps = self.hps


class GradientAccumulation(Callback):
    """Accumulate gradients over several batches before each optimizer step.

    Trains as if batches held ``n_acc`` examples when memory allows fewer: the
    loss of each batch is scaled by ``batch size / n_acc``, gradients add up
    over batches (the Learner does not zero them while the batch is
    cancelled), and the optimizer steps once ``n_acc`` examples have been seen.

    Args:
        n_acc: the number of examples (not batches) per optimizer step.
    """

    order = 6  # before the Recorder sees the loss, as in fast.ai
    run_valid = False

    def __init__(self, n_acc: int = 32) -> None:
        self.n_acc = n_acc

    def before_fit(self) -> None:
        self.count = 0

    def after_loss(self) -> None:
        bs = _batch_size(self.learn.yb)
        self.learn.loss_grad = self.learn.loss_grad * (bs / self.n_acc)

    def after_backward(self) -> None:
        self.count += _batch_size(self.learn.yb)
        if self.count < self.n_acc:
            raise CancelBatchException()  # skip step and zero_grad: gradients keep adding up
        self.count = 0


def _batch_size(yb: Sequence[Any]) -> int:
    return len(yb[0]) if len(yb) else 1


class TrackerCallback(Callback):
    """Follow a monitored value (``valid_loss``, ``accuracy`` ...) and notice new bests.

    Args:
        monitor: a column of the results table (``learn.recorder.metric_names``).
        comp: ``numpy.less`` or ``numpy.greater``; by default lower is better
            for names containing "loss" or "error", higher for the others.
        min_delta: how much better than the best a value must be to count.
        reset_on_fit: forget the best value at the start of every fit.

    After each epoch, ``self.new_best`` says whether the value improved and
    ``self.best`` holds the best value so far.
    """

    order = 60

    def __init__(
        self,
        monitor: str = "valid_loss",
        comp: Optional[Callable[[Any, Any], Any]] = None,
        min_delta: float = 0.0,
        reset_on_fit: bool = True,
    ) -> None:
        if comp is None:
            comp = np.less if ("loss" in monitor or "error" in monitor) else np.greater
        if comp is np.less:
            min_delta = -min_delta  # "better" means smaller, by at least min_delta
        self.monitor, self.comp, self.min_delta = monitor, comp, min_delta
        self.reset_on_fit = reset_on_fit
        self.best: Optional[float] = None

    def before_fit(self) -> None:
        if self.reset_on_fit or self.best is None:
            self.best = float("inf") if self.comp is np.less else -float("inf")
        names = self.learn.recorder.metric_names[1:]
        if self.monitor not in names:
            raise ValueError(
                f"{type(self).__name__} monitors {self.monitor!r}, which is not a column of "
                f"the results ({', '.join(names[:-1])}); pass monitor= one of those"
            )
        self.idx = names.index(self.monitor)

    def after_epoch(self) -> None:
        value = self.learn.recorder.values[-1][self.idx]
        if value is not None and self.comp(value - self.min_delta, self.best):
            self.best, self.new_best = value, True
        else:
            self.new_best = False


class EarlyStoppingCallback(TrackerCallback):
    """Stop training when the monitored value has not improved for ``patience`` epochs.

    Args:
        monitor, comp, min_delta, reset_on_fit: as for ``TrackerCallback``.
        patience: epochs without improvement to tolerate.
    """

    def __init__(
        self,
        monitor: str = "valid_loss",
        comp: Optional[Callable[[Any, Any], Any]] = None,
        min_delta: float = 0.0,
        patience: int = 1,
        reset_on_fit: bool = True,
    ) -> None:
        super().__init__(monitor, comp, min_delta, reset_on_fit)
        self.patience = patience

    def before_fit(self) -> None:
        self.wait = 0
        super().before_fit()

    def after_epoch(self) -> None:
        super().after_epoch()
        if self.new_best:
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            print(f"No improvement since epoch {self.learn.epoch - self.wait}: early stopping")
            raise CancelFitException()


class SaveModelCallback(TrackerCallback):
    """Save the model whenever the monitored value improves; reload the best one at the end.

    Args:
        monitor, comp, min_delta, reset_on_fit: as for ``TrackerCallback``.
        fname: the file name (``learn.path/learn.model_dir/fname.safetensors``).
        every_epoch: save after every epoch (``fname_{epoch}``) instead of the best only.
        at_end: save once at the end instead of loading the best model back.
        with_opt: save the optimizer state too.
    """

    def __init__(
        self,
        monitor: str = "valid_loss",
        comp: Optional[Callable[[Any, Any], Any]] = None,
        min_delta: float = 0.0,
        fname: str = "model",
        every_epoch: bool = False,
        at_end: bool = False,
        with_opt: bool = False,
        reset_on_fit: bool = True,
    ) -> None:
        super().__init__(monitor, comp, min_delta, reset_on_fit)
        if every_epoch and at_end:
            raise ValueError("every_epoch and at_end cannot both be set")
        self.fname, self.every_epoch, self.at_end, self.with_opt = fname, every_epoch, at_end, with_opt
        self.last_saved_path = None

    def after_epoch(self) -> None:
        if self.every_epoch:
            self.last_saved_path = self.learn.save(f"{self.fname}_{self.learn.epoch}", with_opt=self.with_opt)
            return
        super().after_epoch()
        if self.new_best:
            print(f"Better model found at epoch {self.learn.epoch} with {self.monitor} value: {self.best}.")
            self.last_saved_path = self.learn.save(self.fname, with_opt=self.with_opt)

    def after_fit(self) -> None:
        if self.at_end:
            self.learn.save(self.fname, with_opt=self.with_opt)
        elif not self.every_epoch and self.last_saved_path is not None:
            self.learn.load(self.fname, with_opt=self.with_opt)


class CSVLogger(Callback):
    """Write the results table (one row per epoch) to a CSV file as training goes.

    Args:
        fname: the file, relative to ``learn.path``.
        append: add to an existing file instead of starting a new one.

    ``read_log()`` returns the rows written, as dicts of column -> text.
    (fast.ai returns a pandas DataFrame; minitorch does not depend on pandas.)
    """

    order = 60

    def __init__(self, fname: str = "history.csv", append: bool = False) -> None:
        self.fname, self.append = fname, append

    @property
    def path(self) -> Path:
        """The CSV file: ``learn.path / fname``."""
        return self.learn.path / self.fname

    def read_log(self) -> List[Dict[str, str]]:
        """The rows of the CSV file, as dicts."""
        import csv

        with open(self.path, newline="") as f:
            return list(csv.DictReader(f))

    def before_fit(self) -> None:
        import csv

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.append or not self.path.exists()
        self.file = open(self.path, "a" if self.append else "w", newline="")
        self.writer = csv.writer(self.file)
        if fresh:
            self.writer.writerow(self.learn.recorder.metric_names)
            self.file.flush()

    def after_epoch(self) -> None:
        # order 60: the Recorder (50) has finished this epoch's row.
        self.writer.writerow([_csv_cell(v) for v in self.learn.recorder.log])
        self.file.flush()

    def after_fit(self) -> None:
        self.file.close()


def _csv_cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


__all__ = [
    "Callback",
    "CancelBackwardException",
    "CancelBatchException",
    "CancelEpochException",
    "CancelFitException",
    "CancelStepException",
    "CancelTrainException",
    "CancelValidException",
    "CSVLogger",
    "EarlyStoppingCallback",
    "GradientAccumulation",
    "ParamScheduler",
    "SaveModelCallback",
    "TrackerCallback",
    "TrainEvalCallback",
]
