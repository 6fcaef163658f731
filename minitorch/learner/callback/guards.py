"""Guards that keep bad numbers out of training: checked arguments, and a NaN guard.

One NaN reaches every weight it touches in a single optimizer step; from
then on the model predicts NaN. Unless something checks, training runs on,
the table prints ``nan`` (or, worse, finite losses while half a layer is
NaN), and the broken model is saved and exported. So:

- ``fit``, ``fit_one_cycle``, ``fine_tune`` and ``lr_find`` check their
  arguments first (:func:`check_lr`, :func:`check_n_epoch`): a learning rate
  of ``nan``, ``inf``, 0 or ``-1e-3`` is a typo, not an experiment;
- :class:`NanGuardCallback`, installed in every Learner, stops training at
  the first non-finite loss or gradient, before the optimizer step, so the
  weights stay those from before the offending batch.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterator, Tuple

import numpy as np

from .core import Callback


class NonFiniteError(FloatingPointError):
    """Training met a NaN or infinite loss or gradient (raised by :class:`NanGuardCallback`)."""


def _lr_values(lr: Any) -> Iterator[Any]:
    """The numbers inside ``lr``: a number, a ``slice`` (its start, if any, and stop) or a sequence."""
    if isinstance(lr, slice):
        if lr.start is not None:
            yield lr.start
        yield lr.stop
    elif isinstance(lr, (list, tuple, np.ndarray)):
        yield from np.asarray(lr, dtype=object).ravel()
    else:
        yield lr


def check_lr(lr: Any, name: str = "lr") -> None:
    """Raise ``ValueError`` unless every learning rate in ``lr`` is a finite positive number.

    Args:
        lr: a number, ``slice(hi)``, ``slice(lo, hi)`` or one number per parameter group.
        name: the argument's name, for the message.
    """
    for value in _lr_values(lr):
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite positive number (or a slice or list of them), "
                             f"got {lr!r}")


def check_n_epoch(n_epoch: Any, name: str = "n_epoch", minimum: int = 1) -> None:
    """Raise ``ValueError`` unless ``n_epoch`` is an int of at least ``minimum``."""
    if not isinstance(n_epoch, (int, np.integer)) or isinstance(n_epoch, bool) or n_epoch < minimum:
        raise ValueError(f"{name} must be an int of at least {minimum}, got {n_epoch!r}")


def _numbers(t: Any) -> np.ndarray:
    """A tensor's (or a number's) values as a numpy array."""
    return np.asarray(t.to_numpy() if hasattr(t, "to_numpy") else t)


def _all_finite(t: Any) -> bool:
    return bool(np.isfinite(_numbers(t)).all())


class NanGuardCallback(Callback):
    """Stop training with :class:`NonFiniteError` at the first NaN or inf, before it reaches the weights.

    Two checks, on training batches only:

    - ``after_loss``: the loss is finite (checked before ``backward``);
    - ``after_backward``: every gradient is finite (checked before the
      optimizer step). The loss can stay finite while a gradient is not: a
      NaN input that a max-pool or a mask hides from the forward pass still
      multiplies into the first layer's weight gradient. Checking gradients
      rather than weights after the step keeps the weights clean.

    Either way the error names the epoch, the batch and what was not finite,
    and the weights are those from before that batch. Validation batches are
    not checked (they change no weights; ``get_preds`` reports NaN
    predictions as they are). ``lr_find`` runs without this guard: it stops
    by itself when the loss diverges and restores the weights.

    Installed in every Learner; remove it with ``learn.remove_cb(NanGuardCallback)``
    (or ``with learn.removed_cbs(NanGuardCallback): ...``).
    """

    order = -5  # before anything reads or rescales the loss
    run_valid = False

    def _where(self) -> str:
        n_iter = getattr(self.learn, "n_iter", None)
        of = f" of {n_iter}" if n_iter is not None else ""
        return f"epoch {self.learn.epoch}, batch {self.learn.iter}{of}"

    def _stop(self, what: str) -> None:
        raise NonFiniteError(
            f"{what} at {self._where()}: training stopped before the optimizer step, so the weights "
            "are those from before this batch. Usual causes: a learning rate too high (try "
            "learn.lr_find()), NaN or inf in the data, log(0) or 0/0 in the loss. To train on "
            "regardless, learn.remove_cb(NanGuardCallback)."
        )

    def after_loss(self) -> None:
        loss = getattr(self.learn, "loss", None)
        if loss is not None and len(self.learn.yb) and not _all_finite(loss):
            self._stop(f"non-finite loss ({_numbers(loss).ravel()[0]})")

    def after_backward(self) -> None:
        bad = next(self._non_finite_grads(), None)
        if bad is not None:
            loss = _numbers(self.learn.loss).ravel()[0]
            self._stop(f"non-finite gradient of parameter {bad[0]!r} (the loss, {loss:.6g}, was finite)")

    def _non_finite_grads(self) -> Iterator[Tuple[str, Any]]:
        for name, p in self.learn.model.named_parameters():
            grad = getattr(p.value, "grad", None)
            if grad is not None and not _all_finite(grad):
                yield name, grad


__all__ = ["NanGuardCallback", "NonFiniteError"]
