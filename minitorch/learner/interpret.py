"""Looking at what a classifier gets wrong: confusion matrix, top losses, results.

``ClassificationInterpretation.from_learner(learn)`` runs the model over the
validation set once and keeps the inputs, probabilities, targets, decoded
predictions and the loss of every example. Then:

- ``confusion_matrix()`` / ``plot_confusion_matrix()``: which classes are
  taken for which;
- ``most_confused(min_val)``: the off-diagonal cells, largest first;
- ``top_losses(k)`` / ``plot_top_losses(k)``: the examples the model is most
  confidently wrong about (often mislabelled data).

Inputs that look like images (``(H, W)``, ``(1, H, W)`` or ``(3, H, W)``)
are drawn as images; anything else is described in text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

import numpy as np

if TYPE_CHECKING:
    from .learner import Learner

__all__ = ["ClassificationInterpretation"]


def _is_image(x: np.ndarray) -> bool:
    return x.ndim == 2 or (x.ndim == 3 and x.shape[0] in (1, 3))


def show_image(x: Any, ax: Any, title: str = "", color: str = "black") -> Any:
    """Draw one input on ``ax``: an image if it looks like one (rescaled to [0, 1]), else a line plot.

    Args:
        x: ``(H, W)``, ``(C, H, W)`` with C in (1, 3), or any 1-D vector.
        ax: matplotlib axes.
        title: drawn above it.
        color: of the title.
    """
    x = np.asarray(x, dtype=np.float64)
    if _is_image(x):
        img = x if x.ndim == 2 else (x[0] if x.shape[0] == 1 else x.transpose(1, 2, 0))
        lo, hi = img.min(), img.max()
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)  # undo any normalisation
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        ax.plot(x.reshape(-1))
    ax.set_title(title, color=color, fontsize=9)
    return ax


def _grid(n: int, ncols: int = 3, size: float = 2.4) -> Tuple[Any, List[Any]]:
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axs = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    axs = list(axs.reshape(-1))
    for ax in axs[n:]:
        ax.axis("off")
    return fig, axs[:n]


def _label(vocab: Optional[Sequence[Any]], i: int) -> str:
    return str(vocab[i]) if vocab is not None and 0 <= i < len(vocab) else str(i)


def show_results(learn: "Learner", ds_idx: int = 1, dl: Any = None, max_n: int = 9,
                 ncols: int = 3) -> Any:
    """Show the first ``max_n`` examples of a batch with target and prediction (``Learner.show_results``).

    Titles read ``target / prediction``, green when right and red when wrong.

    Returns:
        The matplotlib figure.
    """
    dl = learn.dls[ds_idx] if dl is None else dl
    inputs, preds, targets, decoded = learn.get_preds(dl=_first_batches(dl, max_n), with_input=True,
                                                      with_decoded=True)
    vocab = getattr(learn.dls, "vocab", None)
    n = min(max_n, len(inputs))
    fig, axs = _grid(n, ncols)
    for i, ax in enumerate(axs):
        right = targets is not None and int(targets[i]) == int(decoded[i])
        title = (f"{_label(vocab, int(targets[i]))} / " if targets is not None else "") + _label(vocab, int(decoded[i]))
        show_image(inputs[i], ax, title, "green" if right else "red")
    fig.tight_layout()
    return fig


class _FirstBatches:
    """The first batches of a DataLoader holding at least ``n`` examples (for a quick look)."""

    def __init__(self, dl: Any, n: int) -> None:
        self.dl, self.n = dl, n

    def __len__(self) -> int:
        return max(1, int(np.ceil(self.n / self.dl.batch_size)))

    def __iter__(self) -> Any:
        for i, batch in enumerate(self.dl):
            if i >= len(self):
                break
            yield batch


def _first_batches(dl: Any, n: int) -> Any:
    return _FirstBatches(dl, n) if hasattr(dl, "batch_size") else dl


class ClassificationInterpretation:
    """Predictions, targets and losses over a data set, and plots to read them.

    Build it with :meth:`from_learner`.

    Attributes:
        inputs, preds, targs, decoded, losses: numpy arrays, one row per example.
        vocab: the class names (or None: classes are shown by index).
    """

    def __init__(self, inputs: Optional[np.ndarray], preds: np.ndarray, targs: np.ndarray,
                 decoded: np.ndarray, losses: np.ndarray, vocab: Optional[Sequence[Any]] = None) -> None:
        self.inputs, self.preds, self.targs = inputs, preds, targs
        self.decoded, self.losses, self.vocab = decoded, losses, vocab

    @classmethod
    def from_learner(cls, learn: "Learner", ds_idx: int = 1, dl: Any = None,
                     act: Any = None) -> "ClassificationInterpretation":
        """Run ``learn``'s model over a data set (the validation set by default)."""
        inputs, preds, targs, decoded, losses = learn.get_preds(
            ds_idx=ds_idx, dl=dl, with_input=True, with_decoded=True, with_loss=True, act=act)
        return cls(inputs, preds, targs, decoded, losses, getattr(learn.dls, "vocab", None))

    @property
    def n_classes(self) -> int:
        return len(self.vocab) if self.vocab is not None else int(self.preds.shape[1])

    def confusion_matrix(self) -> np.ndarray:
        """``cm[t, p]``: how many examples of class ``t`` were predicted as ``p``."""
        cm = np.zeros((self.n_classes, self.n_classes), dtype=np.int64)
        np.add.at(cm, (self.targs.astype(np.int64), self.decoded.astype(np.int64)), 1)
        return cm

    def most_confused(self, min_val: int = 1) -> List[Tuple[str, str, int]]:
        """``(actual, predicted, count)`` for every off-diagonal cell with ``count >= min_val``, largest first."""
        cm = self.confusion_matrix()
        np.fill_diagonal(cm, 0)
        cells = [(_label(self.vocab, t), _label(self.vocab, p), int(cm[t, p]))
                 for t, p in zip(*np.nonzero(cm >= min_val))]
        return sorted(cells, key=lambda c: -c[2])

    def top_losses(self, k: Optional[int] = None, largest: bool = True) -> Tuple[np.ndarray, np.ndarray]:
        """The ``k`` largest (or smallest) losses and the indices of their examples."""
        order = np.argsort(-self.losses if largest else self.losses, kind="stable")
        idx = order[:k] if k is not None else order
        return self.losses[idx], idx

    def plot_confusion_matrix(self, normalize: bool = False, title: str = "Confusion matrix",
                              cmap: str = "Blues", norm_dec: int = 2, plot_txt: bool = True,
                              figsize: Any = None) -> Any:
        """Plot the confusion matrix (rows: actual, columns: predicted); returns the figure.

        Args:
            normalize: show each row as fractions of that class's examples.
            title, cmap, figsize: matplotlib settings.
            norm_dec: decimals when normalised.
            plot_txt: write the numbers in the cells.
        """
        import matplotlib.pyplot as plt

        cm = self.confusion_matrix().astype(np.float64)
        if normalize:
            cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        n = self.n_classes
        fig, ax = plt.subplots(figsize=figsize or (max(4, 0.5 * n + 2), max(4, 0.5 * n + 2)))
        ax.imshow(cm, interpolation="nearest", cmap=cmap)
        ax.set_title(title)
        ticks = np.arange(n)
        names = [_label(self.vocab, i) for i in range(n)]
        ax.set_xticks(ticks, names, rotation=90)
        ax.set_yticks(ticks, names)
        if plot_txt:
            threshold = cm.max() / 2.0
            for t in range(n):
                for p in range(n):
                    text = f"{cm[t, p]:.{norm_dec}f}" if normalize else f"{int(cm[t, p])}"
                    ax.text(p, t, text, ha="center", va="center", fontsize=8,
                            color="white" if cm[t, p] > threshold else "black")
        ax.set_xlabel("Predicted")
        ax.set_ylabel("Actual")
        fig.tight_layout()
        return fig

    def plot_top_losses(self, k: int = 9, largest: bool = True, ncols: int = 3) -> Any:
        """Show the ``k`` examples with the largest losses: ``prediction/actual/loss/probability``.

        Returns:
            The figure.
        """
        if self.inputs is None:
            raise ValueError("plot_top_losses needs the inputs: build with from_learner")
        losses, idx = self.top_losses(k, largest)
        fig, axs = _grid(len(idx), ncols)
        for ax, i, loss in zip(axs, idx, losses):
            pred, actual = int(self.decoded[i]), int(self.targs[i])
            title = (f"{_label(self.vocab, pred)}/{_label(self.vocab, actual)} / "
                     f"{loss:.2f} / {self.preds[i, pred]:.2f}")
            show_image(self.inputs[i], ax, title)
        fig.suptitle("Prediction/Actual/Loss/Probability", fontsize=10)
        fig.tight_layout()
        return fig

    def print_classification_report(self) -> None:
        """Precision, recall and F1 of every class, and their macro averages."""
        cm = self.confusion_matrix().astype(np.float64)
        tp, predicted, actual = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
        recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
        f1 = np.divide(2 * tp, predicted + actual, out=np.zeros_like(tp), where=(predicted + actual) > 0)
        width = max(12, *(len(_label(self.vocab, i)) for i in range(self.n_classes)))
        print(f"{'':>{width}}  precision  recall  f1-score  support")
        for i in range(self.n_classes):
            print(f"{_label(self.vocab, i):>{width}}  {precision[i]:9.2f}  {recall[i]:6.2f}  "
                  f"{f1[i]:8.2f}  {int(actual[i]):7d}")
        print(f"{'macro avg':>{width}}  {precision.mean():9.2f}  {recall.mean():6.2f}  "
              f"{f1.mean():8.2f}  {int(actual.sum()):7d}")
