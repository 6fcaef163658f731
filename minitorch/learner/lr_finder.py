"""The learning-rate finder (Smith 2015, as in fast.ai's ``lr_find``).

Train for ``num_it`` batches while the learning rate grows exponentially
from ``start_lr`` to ``end_lr``, recording the smoothed loss. Too small a
rate barely moves the loss; too large a rate makes it explode. A good rate
sits where the loss falls fastest, well before the explosion. The run stops
early once the smoothed loss exceeds 4 times its minimum, and the model and
optimizer are put back exactly as they were: ``lr_find`` only looks.

Suggestions (each returns ``(suggested lr, (lr, loss) point to mark)``):

- ``valley`` (the default): the middle of the longest stretch over which the
  loss keeps falling, a little past its start: robust and usually a bit
  conservative;
- ``minimum``: a tenth of the rate with the lowest loss;
- ``steep``: the rate where the loss falls fastest;
- ``slide``: fast.ai's interval-slide rule.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any, Callable, Dict, Sequence, Tuple

import numpy as np

from .callback.core import CancelFitException, CancelValidException, ParamScheduler
from .callback.guards import NanGuardCallback
from .callback.schedule import sched_exp

if TYPE_CHECKING:
    from .learner import Learner

__all__ = ["LRFinder", "minimum", "slide", "steep", "valley"]

Suggestion = Tuple[float, Tuple[float, float]]


class LRFinder(ParamScheduler):
    """Train with an exponentially growing learning rate; stop when the loss diverges.

    Args:
        start_lr: the first learning rate.
        end_lr: the learning rate after ``num_it`` batches.
        num_it: the number of batches (at least 6).
        stop_div: stop once the smoothed loss is over 4 times its minimum.
    """

    def __init__(self, start_lr: float = 1e-7, end_lr: float = 10, num_it: int = 100,
                 stop_div: bool = True) -> None:
        super().__init__({"lr": sched_exp(start_lr, end_lr)})
        self.num_it, self.stop_div = max(num_it, 6), stop_div

    def before_fit(self) -> None:
        super().before_fit()
        self.snapshot = snapshot(self.learn)
        self.best_loss = float("inf")

    def before_batch(self) -> None:
        # The position is counted in batches of this run, not in epochs.
        self._update_val(self.learn.train_iter / self.num_it)

    def after_batch(self) -> None:
        super().after_batch()
        loss = self.learn.smooth_loss
        if loss < self.best_loss:
            self.best_loss = loss
        diverged = not np.isfinite(loss) or loss > 4 * self.best_loss
        if self.stop_div and diverged:
            raise CancelFitException()
        if self.learn.train_iter >= self.num_it:
            raise CancelFitException()

    def before_validate(self) -> None:
        raise CancelValidException()  # only the training loss matters here

    def after_fit(self) -> None:
        super().after_fit()
        self.learn.opt.zero_grad()
        restore(self.learn, self.snapshot)


def snapshot(learn: "Learner") -> Dict[str, Any]:
    """Copies of the model's and optimizer's state, to put back with :func:`restore`."""
    model = {k: np.array(v.to_numpy() if hasattr(v, "to_numpy") else v, copy=True)
             for k, v in learn.model.state_dict().items()}
    return {"model": model, "opt": learn.opt.state_dict() if learn.opt is not None else None}


def restore(learn: "Learner", state: Dict[str, Any]) -> None:
    """Put back a :func:`snapshot` (weights, buffers, optimizer state and hyper-parameters)."""
    learn.model.load_state_dict(state["model"])
    if state["opt"] is not None and learn.opt is not None:
        learn.opt.load_state_dict(state["opt"])
    learn._apply_freeze()  # loading marks every parameter trainable again


# ## Suggestions


def valley(lrs: np.ndarray, losses: np.ndarray, num_it: int) -> Suggestion:
    """The rate a third and a half of the way down the longest valley of the loss curve.

    The longest valley is the longest decreasing subsequence of the losses.
    """
    n = len(losses)
    max_start = max_end = 0
    lds = [1] * n  # length of the longest decreasing run ending at i
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx]), (float(lrs[idx]), float(losses[idx]))


def minimum(lrs: np.ndarray, losses: np.ndarray, num_it: int) -> Suggestion:
    """A tenth of the rate at which the loss was lowest."""
    i = int(np.argmin(losses))
    return float(lrs[i]) / 10, (float(lrs[i]), float(losses[i]))


def steep(lrs: np.ndarray, losses: np.ndarray, num_it: int) -> Suggestion:
    """The rate at which the loss falls fastest (per unit of log learning rate)."""
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    i = int(np.argmin(grads))
    return float(lrs[i]), (float(lrs[i]), float(losses[i]))


def slide(lrs: np.ndarray, losses: np.ndarray, num_it: int, lr_diff: int = 15,
          thresh: float = 0.005, adjust_value: float = 1.0) -> Suggestion:
    """fast.ai's interval slide rule: walk left from the end while the slope keeps changing."""
    loss_grad = np.gradient(losses)
    r_idx = -1
    l_idx = r_idx - lr_diff
    local_min_lr = lrs[l_idx]
    while l_idx >= -len(losses) and abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh:
        local_min_lr = lrs[l_idx]
        r_idx -= 1
        l_idx -= 1
    suggestion = float(local_min_lr) * adjust_value
    loss = float(np.interp(np.log10(suggestion), np.log10(lrs), losses))
    return suggestion, (suggestion, loss)


def lr_find(learn: "Learner", start_lr: float = 1e-7, end_lr: float = 10, num_it: int = 100,
            stop_div: bool = True, show_plot: bool = True,
            suggest_funcs: Sequence[Callable[..., Suggestion]] | None = None) -> Any:
    """Run the finder on ``learn`` and return its suggestions (``Learner.lr_find`` calls this).

    Args:
        learn: the Learner (its weights are restored afterwards).
        start_lr, end_lr, num_it, stop_div: as for :class:`LRFinder`.
        show_plot: plot loss against learning rate with the suggestions marked.
        suggest_funcs: suggestion functions (default: ``(valley,)``).

    Returns:
        A named tuple, e.g. ``SuggestedLRs(valley=0.0012)``.
    """
    suggest_funcs = (valley,) if suggest_funcs is None else tuple(suggest_funcs)
    n_epoch = num_it // len(learn.dls.train) + 1
    # The finder watches the loss itself (a diverging loss ends the run, and the
    # weights are restored), so the NaN guard, which would raise, steps aside.
    with learn.no_logging(), learn.removed_cbs(NanGuardCallback):
        learn.fit(n_epoch, cbs=LRFinder(start_lr, end_lr, num_it, stop_div))
    rec = learn.recorder
    # Leave out the first tenth (the average is still warming up) and the last 5 (divergence).
    lrs = np.array(rec.lrs[num_it // 10 : -5])
    losses = np.array(rec.losses[num_it // 10 : -5])
    if len(lrs) < 2:
        raise RuntimeError(
            f"lr_find: the loss diverged after {len(rec.losses)} batches, too soon to suggest a "
            "learning rate; lower start_lr or end_lr, or pass stop_div=False"
        )
    names = [getattr(f, "__name__", "suggestion") for f in suggest_funcs]
    results = [f(lrs, losses, num_it) for f in suggest_funcs]
    if show_plot:
        rec.plot_lr_find(suggestions=[point for _, point in results], nms=names)
    SuggestedLRs = collections.namedtuple("SuggestedLRs", names)  # type: ignore[misc]
    return SuggestedLRs(*[lr for lr, _ in results])
