"""``model.fit`` on the Learner: Keras' loop and progress line as one Learner callback.

Keras' ``fit`` is the training loop every course writes (shuffle, batch,
forward, loss, backward, step; then validate) and minitorch's ``Learner``
already runs it. ``fit`` here builds ``DataLoaders`` over the numpy
arrays and a ``Learner`` over the model, and adds :class:`KerasLogger`,
which does what Keras prints and returns: the running training loss and
accuracy on the progress line, validation values at the end of each
epoch, the ``History``, and the Keras callbacks' ``on_epoch_end``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..layers.fused import as_array
from ..learner.callback.core import Callback, CancelFitException, TrainEvalCallback
from ..learner.data import ArrayDataset, DataLoader, DataLoaders
from ..learner.learner import Learner
from ..module import Module
from ..tensor import Tensor
from . import losses
from .progbar import Progbar

__all__ = ["History", "KerasLogger", "fit_on_learner"]


class History:
    """What ``fit`` returns: ``history.history["loss"]`` is the loss of each epoch, and so on."""

    def __init__(self) -> None:
        self.history: Dict[str, List[float]] = {}
        self.epoch: List[int] = []

    def append(self, epoch: int, logs: Dict[str, float]) -> None:
        """Record the values of one epoch."""
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)


def _numpy(y: Any) -> np.ndarray:
    return y.to_numpy() if isinstance(y, Tensor) else np.asarray(y)


class KerasLogger(Callback):
    """Keras' progress line, running metrics, ``History`` and epoch callbacks.

    Args:
        spec: the compiled loss (decides how accuracy is judged).
        metrics: the metric names to report (``["accuracy"]`` or none).
        fused: the model hands logits to the loss (see ``keras.losses``).
        verbose: 0, 1 or 2, as for Keras' ``fit``.
        keras_callbacks: objects with ``on_epoch_end(epoch, logs)``.
        initial_epoch: the number of the first epoch (to resume).
        epochs: the number printed after the slash (``Epoch 1/5``).
    """

    order = 50

    def __init__(self, spec: losses.LossSpec, metrics: Sequence[str], fused: bool, verbose: int,
                 keras_callbacks: Sequence[Any], initial_epoch: int, epochs: int) -> None:
        self.spec, self.metric_names, self.fused = spec, list(metrics), fused
        self.verbose, self.keras_callbacks = verbose, list(keras_callbacks)
        self.initial_epoch, self.epochs = initial_epoch, epochs
        self.history = History()

    def before_epoch(self) -> None:
        if self.verbose:
            print(f"Epoch {self.initial_epoch + self.learn.epoch + 1}/{self.epochs}")
        self.bar = Progbar(len(self.learn.dls.train), self.verbose)
        self.sums = {"train": [0.0, 0.0, 0], "valid": [0.0, 0.0, 0]}

    def after_batch(self) -> None:
        if not hasattr(self.learn, "loss_grad") or self.learn.loss_grad is None:
            return
        y = _numpy(self.learn.yb[0])
        n = len(y)
        sums = self.sums["train" if self.learn.training else "valid"]
        sums[0] += float(self.learn.loss.item()) * n
        if self.metric_names:  # read in place: the predictions are not kept
            sums[1] += losses.accuracy(self.spec, as_array(self.learn.pred), y, self.fused) * n
        sums[2] += n
        if self.learn.training and self.verbose == 1:  # only the progress bar shows running values
            self.bar.update(self.learn.iter + 1, self.logs("train"))

    def logs(self, split: str) -> Dict[str, float]:
        """The running loss and metrics of ``split`` (named as Keras names them)."""
        total_loss, total_correct, seen = self.sums[split]
        prefix = "" if split == "train" else "val_"
        out = {prefix + "loss": total_loss / max(seen, 1)}
        out.update({prefix + m: total_correct / max(seen, 1) for m in self.metric_names})
        return out

    def after_epoch(self) -> None:
        logs = self.logs("train")
        if self.sums["valid"][2]:
            logs.update(self.logs("valid"))
        self.bar.update(len(self.learn.dls.train), logs, finalize=True)
        epoch = self.initial_epoch + self.learn.epoch
        self.history.append(epoch, logs)
        model = self.learn.model
        for cb in self.keras_callbacks:
            if hasattr(cb, "on_epoch_end"):
                cb.on_epoch_end(epoch, logs)
        if getattr(model, "stop_training", False):
            raise CancelFitException()


def fit_on_learner(
    model: Module, opt_factory: Any, lr: float, spec: losses.LossSpec, metrics: Sequence[str], fused: bool,
    x: np.ndarray, y: np.ndarray, validation: Optional[tuple], batch_size: int, epochs: int, verbose: int,
    keras_callbacks: Sequence[Any], shuffle: bool, initial_epoch: int, backend: Any, learner: Optional[Learner],
) -> tuple:
    """Train ``model`` with a ``Learner`` (reused across calls so the optimizer keeps its state).

    Returns:
        ``(history, learner)``.
    """
    def loader(a: np.ndarray, b: np.ndarray, shuffle_it: bool) -> DataLoader:
        return DataLoader(ArrayDataset(a, b), batch_size, shuffle=shuffle_it, dtype=np.float32, backend=backend)

    empty = (x[:0], y[:0])
    dls = DataLoaders(loader(x, y, shuffle), loader(*(validation if validation is not None else empty), False))

    def loss_func(pred: Tensor, target: Any) -> Tensor:
        return losses.compute(spec, pred, _numpy(target), fused)

    if learner is None:
        learner = Learner(dls, model, loss_func=loss_func, opt_func=lambda groups, lr: opt_factory(groups),
                          lr=lr, default_cbs=False, cbs=[TrainEvalCallback()])
    learner.dls, learner.loss_func = dls, loss_func
    logger = KerasLogger(spec, metrics, fused, verbose, keras_callbacks, initial_epoch, epochs)
    model.stop_training = False
    learner.fit(epochs - initial_epoch, cbs=[logger])
    model.eval()
    return logger.history, learner
