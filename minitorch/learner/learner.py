"""The Learner: a model, its data, a loss and an optimizer, trained by one loop.

This is fast.ai's ``Learner`` (same names, arguments, defaults and
semantics), written to be read. The whole training loop is four nested
calls — fit, epoch, pass over a DataLoader, batch — and each one announces
events to the callbacks (see ``callbacks.py``), which do everything else:
recording, progress bars, schedules, early stopping, saving::

    learn = Learner(dls, model, loss_func=cross_entropy, metrics=accuracy)
    learn.lr_find()                  # plot loss vs learning rate, suggest one
    learn.fit_one_cycle(3, 1e-3)     # warm up then anneal the learning rate
    learn.fine_tune(2)               # pretrained model: head first, then all
    learn.predict(image)             # ('7', 7, probabilities)

Freezing and discriminative learning rates work on *parameter groups*: the
``splitter`` cuts the model's parameters into groups (say body, head);
``freeze()`` trains only the last group; ``lr=slice(1e-5, 1e-3)`` gives the
groups learning rates spread geometrically from 1e-5 to 1e-3.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..autodiff import no_grad
from ..graph.learner_onnx import export_learner_onnx
from ..module import Module, Parameter
from ..optim import Adam
from ..tensor import Tensor
from .callback import schedule
from .callback.core import (
    EVENTS,
    Callback,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
    ParamScheduler,
    TrainEvalCallback,
)
from .callback.guards import NanGuardCallback, check_lr, check_n_epoch
from .callback.progress import ProgressCallback, _noop
from .callback.recorder import Recorder
from .export import export_learner, load_model, save_model
from .freeze import freeze_groups, lrs_for_groups, norm_params, requires_grad, trainable_params
from .hypers import param_groups, write_hyper
from .metrics import as_metric
from .predictions import GatherPredsCallback, decodes_for, loss_activation

LR = Union[float, slice, Sequence[float]]


def cast_model(model: Module, dtype: Any) -> Module:
    """Convert the model's floating-point parameters and buffers to ``dtype``, in place.

    The Learner makes the model compute in the data's precision (float32 by
    default), the way fast.ai moves a model to the data's device. Parameters
    keep whether they are trainable; 0-d buffers (counters) are left alone.

    Returns:
        ``model``.
    """
    dtype = np.dtype(dtype)
    for p in model.parameters():
        value = p.value
        if isinstance(value, Tensor) and value.dtype != dtype:
            trainable = requires_grad(p)
            p.update(value.detach().astype(dtype))
            if not trainable:
                p.value.requires_grad_(False)
    for _, module in model.named_modules():
        buffers = module.__dict__["_buffers"]
        for name, b in buffers.items():
            if isinstance(b, Tensor) and b.dims > 0 and b.dtype != dtype:
                buffers[name] = b.astype(dtype)
    return model


def listify(x: Any) -> list:
    """``None`` -> ``[]``, a list or tuple -> a list, anything else -> ``[x]``."""
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


class Learner:
    """Group a model, data, loss and optimizer, and train them with callbacks.

    Args:
        dls: ``DataLoaders`` (``dls.train``, ``dls.valid``, optionally ``dls.vocab``).
        model: the ``Module`` to train; called as ``model(*xb)``.
        loss_func: called as ``loss_func(pred, *yb)``; by default
            ``cross_entropy`` when the data has classes (``dls.c``).
        opt_func: builds the optimizer from parameter groups and ``lr``.
        lr: the default learning rate.
        splitter: ``model -> parameters`` or ``model -> [group, group, ...]``.
        cbs: extra callbacks, kept for every fit.
        metrics: functions or ``Metric``s computed on the validation set.
        path: where ``save``/``export`` write (default: ``dls.path`` or ``.``).
        model_dir: the folder under ``path`` for ``save``/``load``.
        wd: weight decay for every fit (None: the optimizer's default).
        moms: momentum (Adam's beta1) at the start, middle and end of a one-cycle fit.
        train_bn: keep normalisation layers trainable in frozen groups.
        default_cbs: install ``TrainEvalCallback``, ``Recorder``, ``ProgressCallback`` and
            ``NanGuardCallback`` (stops at the first NaN/inf loss or gradient; see ``guards.py``).
    """

    def __init__(
        self,
        dls: Any,
        model: Module,
        loss_func: Optional[Callable[..., Any]] = None,
        opt_func: Callable[..., Any] = Adam,
        lr: float = 1e-3,
        splitter: Callable[[Module], Any] = trainable_params,
        cbs: Any = None,
        metrics: Any = None,
        path: Optional[Union[str, Path]] = None,
        model_dir: Union[str, Path] = "models",
        wd: Optional[float] = None,
        moms: Tuple[float, float, float] = (0.95, 0.85, 0.95),
        train_bn: bool = True,
        default_cbs: bool = True,
    ) -> None:
        if loss_func is None:
            loss_func = getattr(dls, "loss_func", None)
        if loss_func is None and getattr(dls, "c", None):
            from ..layers.losses import cross_entropy

            loss_func = cross_entropy
        if loss_func is None:
            raise ValueError("Learner needs a loss_func (e.g. minitorch.layers.losses.cross_entropy)")
        self.dls, self.model, self.loss_func = dls, model, loss_func
        data_dtype = getattr(getattr(dls, "train", None), "dtype", None)
        if data_dtype is not None and np.issubdtype(data_dtype, np.floating):
            cast_model(model, data_dtype)
        self.opt_func, self.lr, self.splitter = opt_func, lr, splitter
        self.path = Path(path) if path is not None else Path(getattr(dls, "path", "."))
        self.model_dir = Path(model_dir)
        self.wd, self.moms, self.train_bn = wd, moms, train_bn
        self.metrics = metrics
        self.opt: Any = None
        self.frozen_idx = 0
        self.logger: Callable[..., None] = print
        self.training = False
        self.yb: tuple = ()
        self.cbs: List[Callback] = []
        if default_cbs:
            self.add_cbs([TrainEvalCallback(), Recorder(), ProgressCallback(), NanGuardCallback()])
        self.add_cbs(cbs)
        self("after_create")

    @property
    def metrics(self) -> list:
        """The metrics, as ``Metric`` objects (functions are wrapped in ``AvgMetric``)."""
        return self._metrics

    @metrics.setter
    def metrics(self, metrics: Any) -> None:
        self._metrics = [as_metric(m) for m in listify(metrics)]

    # ## Callbacks

    def add_cb(self, cb: Union[Callback, type]) -> "Learner":
        """Add a callback (an instance, or a class to instantiate); ``learn.<cb.name>`` refers to it."""
        if isinstance(cb, type):
            cb = cb()
        existing = getattr(self, cb.name, None)
        if existing is not None and not isinstance(existing, Callback):
            raise ValueError(f"a callback named {cb.name!r} would hide Learner.{cb.name}; rename its class")
        cb.learn = self
        setattr(self, cb.name, cb)
        self.cbs.append(cb)
        return self

    def add_cbs(self, cbs: Any) -> "Learner":
        for cb in listify(cbs):
            self.add_cb(cb)
        return self

    def remove_cb(self, cb: Union[Callback, type]) -> "Learner":
        """Remove a callback (or every callback of a class)."""
        found = [c for c in self.cbs if c is cb or (isinstance(cb, type) and isinstance(c, cb))]
        for c in found:
            self.cbs.remove(c)
            if getattr(self, c.name, None) is c:
                delattr(self, c.name)
        return self

    def remove_cbs(self, cbs: Any) -> "Learner":
        for cb in listify(cbs):
            self.remove_cb(cb)
        return self

    @contextmanager
    def added_cbs(self, cbs: Any) -> Iterator["Learner"]:
        """Add callbacks for the duration of a ``with`` block."""
        added = listify(cbs)
        self.add_cbs(added)
        try:
            yield self
        finally:
            self.remove_cbs(added)

    @contextmanager
    def removed_cbs(self, cbs: Any) -> Iterator["Learner"]:
        """Remove callbacks for the duration of a ``with`` block."""
        removed = [c for c in self.cbs if any(c is cb or (isinstance(cb, type) and isinstance(c, cb))
                                               for cb in listify(cbs))]
        self.remove_cbs(removed)
        try:
            yield self
        finally:
            self.add_cbs(removed)

    @contextmanager
    def no_logging(self) -> Iterator["Learner"]:
        """Silence the results table for a ``with`` block."""
        old, self.logger = self.logger, _noop
        try:
            yield self
        finally:
            self.logger = old

    @contextmanager
    def no_bar(self) -> Iterator["Learner"]:
        """Hide the progress bars (and the table) for a ``with`` block."""
        with self.removed_cbs(ProgressCallback):
            yield self

    def __call__(self, event: str) -> None:
        """Announce ``event`` to every callback, in ``order``."""
        for cb in sorted(self.cbs, key=lambda c: c.order):
            cb(event)

    def show_training_loop(self) -> None:
        """Print the loop's events, nested as they happen, with the callbacks acting on each."""
        depth = {"fit": 0, "epoch": 1, "train": 2, "validate": 2, "batch": 3}
        for event in EVENTS:
            if event == "after_create" or event.startswith("after_cancel"):
                continue
            stage = event.split("_", 1)[1]
            indent = "  " * depth.get(stage, 4)
            names = [type(cb).__name__ for cb in sorted(self.cbs, key=lambda c: c.order)
                     if getattr(type(cb), event, None) is not None]
            print(f"{indent}{event:<{18 - len(indent) + 8}} {', '.join(names) or '-'}")

    # ## The optimizer and parameter groups

    def create_opt(self) -> None:
        """Build the optimizer over the splitter's parameter groups."""
        groups = list(self.splitter(self.model))
        if groups and isinstance(groups[0], Parameter):
            groups = [groups]
        self.opt = self.opt_func([{"params": list(g)} for g in groups], lr=self.lr)
        self._apply_freeze()

    @property
    def n_groups(self) -> int:
        if self.opt is None:
            self.create_opt()
        return len(param_groups(self.opt))

    def _lrs(self, lr: LR) -> List[float]:
        """One learning rate per group (see ``freeze.lrs_for_groups`` for slices)."""
        return lrs_for_groups(lr, self.n_groups)

    def freeze_to(self, n: int) -> None:
        """Train only the parameter groups from ``n`` on (``n < 0`` counts from the end).

        Parameters of normalisation layers stay trainable if ``train_bn``.
        The optimizer's state (momentum, Adam's averages) is reset.
        """
        groups = self.n_groups
        self.frozen_idx = n if n >= 0 else groups + n
        if self.frozen_idx >= groups:
            warnings.warn(
                f"freezing {self.frozen_idx} groups of a model with {groups}: the whole model is "
                "frozen (a splitter that returns several groups makes freeze() useful)",
                stacklevel=2,
            )
        self._apply_freeze()
        self.opt.state.clear()

    def freeze(self) -> None:
        """Train only the last parameter group (the head)."""
        self.freeze_to(-1)

    def unfreeze(self) -> None:
        """Train every parameter group."""
        self.freeze_to(0)

    def _apply_freeze(self) -> None:
        # Re-applied at every fit: loading weights marks parameters trainable again.
        keep = {id(p) for p in norm_params(self.model)} if self.train_bn else set()
        freeze_groups(self.opt, self.frozen_idx, keep)

    # ## The training loop

    def _with_events(self, f: Callable[[], None], event: str, cancel: type) -> None:
        try:
            self(f"before_{event}")
            f()
        except cancel:
            self(f"after_cancel_{event}")
        self(f"after_{event}")

    def _model_backend(self) -> Any:
        """The backend of the model's first parameter (None for a model without any)."""
        params = self.model.parameters()
        return getattr(params[0].value, "backend", None) if params else None

    def _to_backend(self, batch: tuple, backend: Any = None) -> tuple:
        """The batch's tensors on ``backend`` (default: the model's), sharing their numbers: fast.ai's device move."""
        backend = backend or self._model_backend()
        if backend is None:
            return batch
        return tuple(
            Tensor(x._tensor, backend=backend) if isinstance(x, Tensor) and x.backend is not backend else x
            for x in batch
        )

    def _split(self, batch: tuple) -> None:
        n_inp = getattr(self.dls, "n_inp", 1)
        self.xb, self.yb = tuple(batch[:n_inp]), tuple(batch[n_inp:])

    def _do_one_batch(self) -> None:
        self.pred = self.model(*self.xb)
        self("after_pred")
        if len(self.yb):
            self.loss_grad = self.loss_func(self.pred, *self.yb)
            self.loss = self.loss_grad.detach() if isinstance(self.loss_grad, Tensor) else self.loss_grad
        self("after_loss")
        if not self.training or not len(self.yb):
            return
        self._with_events(self._backward, "backward", CancelBackwardException)
        self._with_events(self._step, "step", CancelStepException)
        self.opt.zero_grad()

    def _backward(self) -> None:
        self.loss_grad.backward()

    def _step(self) -> None:
        self.opt.step()

    def one_batch(self, i: int, batch: tuple, backend: Any = None) -> None:
        """Run batch number ``i``: predict, score and (when training) update."""
        self.iter = i
        self._split(self._to_backend(batch, backend))
        self._with_events(self._do_one_batch, "batch", CancelBatchException)

    def all_batches(self) -> None:
        self.n_iter = len(self.dl)
        backend = self._model_backend()  # once a pass: walking the model each batch costs ~10 us
        for i, batch in enumerate(self.dl):
            self.one_batch(i, batch, backend)

    def _do_epoch_train(self) -> None:
        self.dl = self.dls.train
        self._with_events(self.all_batches, "train", CancelTrainException)

    def _do_epoch_validate(self, ds_idx: int = 1, dl: Any = None) -> None:
        self.dl = self.dls[ds_idx] if dl is None else dl
        with no_grad():
            self._with_events(self.all_batches, "validate", CancelValidException)

    def _do_epoch(self) -> None:
        self._do_epoch_train()
        self._do_epoch_validate()

    def _do_fit(self) -> None:
        for epoch in range(self.n_epoch):
            self.epoch = epoch
            self._with_events(self._do_epoch, "epoch", CancelEpochException)

    def fit(self, n_epoch: int, lr: Optional[LR] = None, wd: Optional[float] = None,
            cbs: Any = None, reset_opt: bool = False) -> None:
        """Train for ``n_epoch`` epochs at a constant learning rate.

        Args:
            n_epoch: passes over the training data.
            lr: a learning rate, one per group, or a ``slice`` (default: ``self.lr``).
            wd: weight decay (default: the Learner's ``wd``, else the optimizer's).
            cbs: callbacks for this fit only.
            reset_opt: build a fresh optimizer (forgetting its state) first.

        Raises:
            ValueError: ``n_epoch`` below 1, or a learning rate that is not a finite positive number.
            NonFiniteError: from ``NanGuardCallback``, at a NaN/inf loss or gradient.
        """
        check_n_epoch(n_epoch)
        check_lr(self.lr if lr is None else lr)
        with self.added_cbs(cbs):
            if reset_opt or self.opt is None:
                self.create_opt()
            self._apply_freeze()
            wd = self.wd if wd is None else wd
            if wd is not None:
                write_hyper(self.opt, "wd", wd)
            write_hyper(self.opt, "lr", self._lrs(self.lr if lr is None else lr))
            self.n_epoch = n_epoch
            logger = self.logger
            try:
                self._with_events(self._do_fit, "fit", CancelFitException)
            except BaseException:
                self.logger = logger  # a callback that swapped it never reached after_fit
                raise
            finally:
                self.dl, self.xb, self.yb, self.pred, self.loss_grad = None, (), (), None, None

    def fit_one_cycle(self, n_epoch: int, lr_max: Optional[LR] = None, div: float = 25.0,
                      div_final: float = 1e5, pct_start: float = 0.25, wd: Optional[float] = None,
                      moms: Optional[Sequence[float]] = None, cbs: Any = None,
                      reset_opt: bool = False) -> None:
        """Train with the one-cycle policy (Smith 2018), as fast.ai does.

        The learning rate rises from ``lr_max/div`` to ``lr_max`` along a
        cosine over the first ``pct_start`` of the batches, then falls to
        ``lr_max/div_final``; momentum (Adam's beta1) moves the opposite way,
        ``moms[0] -> moms[1] -> moms[2]``.

        Args:
            n_epoch: passes over the training data.
            lr_max: the peak learning rate (one per group, or a ``slice``).
            div, div_final: start and end learning rates as divisions of the peak.
            pct_start: the share of training spent warming up.
            wd, cbs, reset_opt: as for ``fit``.
            moms: (start, middle, end) momentum; default ``self.moms``.
        """
        check_n_epoch(n_epoch)
        check_lr(self.lr if lr_max is None else lr_max, "lr_max")
        if self.opt is None:
            self.create_opt()
        peaks = self._lrs(self.lr if lr_max is None else lr_max)
        scheds = {
            "lr": [schedule.one_cycle_lr(p, pct_start, div, div_final) for p in peaks],
            "mom": schedule.one_cycle_mom(self.moms if moms is None else moms, pct_start),
        }
        self.fit(n_epoch, cbs=[ParamScheduler(scheds)] + listify(cbs), reset_opt=reset_opt, wd=wd)

    def fine_tune(self, epochs: int, base_lr: float = 2e-3, freeze_epochs: int = 1,
                  lr_mult: float = 100, pct_start: float = 0.3, div: float = 5.0, **kwargs: Any) -> None:
        """Fine-tune a pretrained model: the head alone first, then everything.

        Frozen, ``fit_one_cycle(freeze_epochs, slice(base_lr), pct_start=0.99)``;
        then ``base_lr`` is halved, the model unfrozen, and
        ``fit_one_cycle(epochs, slice(base_lr/lr_mult, base_lr), pct_start, div)``:
        the body learns up to ``lr_mult`` times more slowly than the head.

        Args:
            epochs: epochs with the whole model trainable.
            base_lr: the head's learning rate.
            freeze_epochs: epochs training only the last parameter group.
            lr_mult: the ratio between the last and the first group's learning rate.
            pct_start, div: of the unfrozen one-cycle fit.
            **kwargs: passed to both ``fit_one_cycle`` calls (``wd``, ``cbs``, ``moms``).
        """
        check_n_epoch(epochs, "epochs")
        check_n_epoch(freeze_epochs, "freeze_epochs", minimum=0)
        check_lr(base_lr, "base_lr")
        self.freeze()
        if freeze_epochs:
            self.fit_one_cycle(freeze_epochs, slice(base_lr), pct_start=0.99, **kwargs)
        base_lr /= 2
        self.unfreeze()
        self.fit_one_cycle(epochs, slice(base_lr / lr_mult, base_lr), pct_start=pct_start, div=div, **kwargs)

    def lr_find(self, start_lr: float = 1e-7, end_lr: float = 10, num_it: int = 100,
                stop_div: bool = True, show_plot: bool = True, suggest_funcs: Any = None) -> Any:
        """Train briefly with an exponentially growing learning rate and suggest one.

        See ``lr_finder.py``. The model and optimizer are restored afterwards.

        Returns:
            ``SuggestedLRs(valley=...)`` (or the fields named by ``suggest_funcs``:
            ``valley``, ``minimum``, ``steep``, ``slide``).
        """
        from .lr_finder import lr_find

        check_lr(start_lr, "start_lr")
        check_lr(end_lr, "end_lr")
        return lr_find(self, start_lr, end_lr, num_it, stop_div, show_plot, suggest_funcs)

    # ## Evaluation and prediction

    def validate(self, ds_idx: int = 1, dl: Any = None, cbs: Any = None) -> List[Optional[float]]:
        """The loss and metrics on a DataLoader (the validation set by default).

        Returns:
            ``[valid_loss, metric1, ...]``.
        """
        if not hasattr(self, "recorder"):
            raise RuntimeError("validate() needs the Recorder (Learner(..., default_cbs=True))")
        with self.added_cbs(cbs), self.no_logging():
            self._do_epoch_validate(ds_idx, dl)
        self.dl = None
        return list(self.recorder.valid_log)

    def get_preds(self, ds_idx: int = 1, dl: Any = None, with_input: bool = False,
                  with_decoded: bool = False, with_loss: bool = False, act: Any = None,
                  cbs: Any = None, reorder: bool = True) -> tuple:
        """Predictions on a whole DataLoader, after the loss's activation (softmax for cross-entropy).

        Args:
            ds_idx: 0 for the training set, 1 for validation (ignored if ``dl`` is given).
            dl: any DataLoader (``learn.dls.valid`` by default).
            with_input: also return the inputs.
            with_decoded: also return decoded predictions (class indices).
            with_loss: also return the loss of every example.
            act: the activation (default: from the loss function).
            cbs: extra callbacks for this pass.
            reorder: rows in data-set order, as fast.ai (False: in the order the loader visited them).

        Returns:
            ``(inputs?, preds, targets, decoded?, losses?)`` as numpy arrays,
            in fast.ai's order (targets None when the data has none).
        """
        act = loss_activation(self.loss_func) if act is None else act
        gather = GatherPredsCallback(with_input=with_input, with_loss=with_loss, reorder=reorder)
        with self.added_cbs([gather] + listify(cbs)), self.no_logging():
            self._do_epoch_validate(ds_idx, dl)
        self.dl = None
        inputs, raw, targets, losses = gather.result()
        preds = act(raw)
        out: list = ([inputs] if with_input else []) + [preds, targets]
        if with_decoded:
            out.append(decodes_for(self.loss_func)(preds))
        if with_loss:
            out.append(losses)
        return tuple(out)

    def _item_batch(self, item: Any) -> tuple:
        """One example, prepared like a validation batch of size 1."""
        from .data import to_tensor

        dl = self.dls.valid
        x = item.to_numpy() if isinstance(item, Tensor) else np.asarray(item)
        arrays: tuple = (x[None], np.zeros(1, dtype=np.int64))
        tfm = getattr(dl, "item_tfm", None)
        if tfm is not None:
            arrays = tfm(arrays)
        return (to_tensor(arrays[0], getattr(dl, "dtype", np.float32), getattr(dl, "backend", None)),)

    def predict(self, item: Any) -> Tuple[Any, int, np.ndarray]:
        """Predict one example: an array shaped like one input of the data, or (as
        fast.ai) a file name when the validation data set can ``prepare`` one
        (image folders can: ``learn.predict("cat.jpg")``).

        Returns:
            ``(label, index, probabilities)``: the class name (``dls.vocab``,
            or the index when there is none), its index and every class's probability.
        """
        if isinstance(item, (str, os.PathLike)):
            prepare = getattr(getattr(self.dls, "valid_ds", None), "prepare", None)
            if prepare is None:
                raise TypeError(
                    f"predict({str(item)!r}): this Learner's data cannot open files; pass the "
                    "example as an array shaped like one input (e.g. an image prepared as in training)"
                )
            item = prepare(item)
        (x,) = self._to_backend(self._item_batch(item))
        self.model.eval()
        with no_grad():
            raw = np.asarray(self.model(x))
        probs = loss_activation(self.loss_func)(raw)[0]
        idx = int(np.asarray(decodes_for(self.loss_func)(probs[None])).reshape(-1)[0])
        vocab = getattr(self.dls, "vocab", None)
        return (vocab[idx] if vocab else idx), idx, probs

    def show_results(self, ds_idx: int = 1, dl: Any = None, max_n: int = 9, **kwargs: Any) -> Any:
        """Show examples of a batch with their targets and predictions (green right, red wrong)."""
        from .interpret import show_results

        return show_results(self, ds_idx, dl, max_n, **kwargs)

    # ## Saving

    def save(self, file: str, with_opt: bool = True) -> Path:
        """Save the model (and optimizer) to ``path/model_dir/file.safetensors``; return the path."""
        target = self.path / self.model_dir / f"{file}.safetensors"
        save_model(target, self.model, self.opt if with_opt else None)
        return target

    def load(self, file: str, with_opt: bool = True, strict: bool = True) -> "Learner":
        """Load what ``save(file)`` wrote (the optimizer too, if it was saved)."""
        if self.opt is None:
            self.create_opt()
        load_model(self.path / self.model_dir / f"{file}.safetensors", self.model,
                   self.opt if with_opt else None, strict=strict)
        self._apply_freeze()
        return self

    def export(self, fname: str = "export.safetensors") -> Path:
        """Write a self-contained file that ``load_learner`` rebuilds in a fresh process."""
        return export_learner(self, self.path / fname)

    def export_onnx(self, path: Any, opset: int = 17, dynamic_batch: bool = True) -> Path:
        """Write the model as ONNX, with the data's normalisation inside and ``dls.vocab`` in its metadata."""
        return export_learner_onnx(self, path, opset=opset, dynamic_batch=dynamic_batch)

    def __repr__(self) -> str:
        return f"Learner(model={type(self.model).__name__}, cbs={self.cbs})"


__all__ = ["Learner", "trainable_params"]
