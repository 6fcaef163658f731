"""``keras.Sequential``: compile, fit, evaluate, predict and summary over minitorch modules.

The model is an ordinary ``minitorch.Module`` whose children are the
Keras layers (each wrapping a ``minitorch.layers`` module), so
``model.parameters()``, ``model.state_dict()`` and the optimizers of
``minitorch.optim`` all apply. ``fit`` runs on the ``Learner`` (see
``fit.py``); ``evaluate`` and ``predict`` are plain loops without gradients.
"""

from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..autodiff import no_grad
from ..backends import layer_backend
from ..module import Module
from ..tensor import Tensor
from ..tensor_data import TensorData
from . import losses, optimizers
from .fit import History, fit_on_learner
from .layers import DTYPE, InputLayer, Layer, unique_name
from .progbar import Progbar
from .summary import summary_text

__all__ = ["Sequential"]

ArrayLike = Any


class Sequential(Module):
    """A stack of Keras layers, each feeding the next.

    Args:
        layers: the layers in order (the first may be ``keras.Input(shape)``
            or carry ``input_shape=``, which builds the weights at once).
        name: the model's name (``sequential``, ``sequential_1``, ...).
    """

    def __init__(self, layers: Optional[Sequence[Any]] = None, name: Optional[str] = None) -> None:
        super().__init__()
        self.name = name or unique_name("sequential")
        self.built = False
        self.input_shape: Optional[Tuple[int, ...]] = None
        self.stop_training = False
        self._compiled: Optional[Tuple[Any, losses.LossSpec, List[str]]] = None
        self._learner: Any = None
        self._fit_logits = False  # set while fit() trains from logits
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> List[Layer]:
        """The layers in order."""
        return [m for m in self.modules() if isinstance(m, Layer)]

    def add(self, layer: Any) -> None:
        """Append a layer (or declare the input shape with ``keras.Input``)."""
        if isinstance(layer, InputLayer):
            self.input_shape = layer.shape
        elif isinstance(layer, Layer):
            if not self.layers and self.input_shape is None and layer.input_shape is not None:
                self.input_shape = layer.input_shape
            setattr(self, layer.name, layer)
        else:
            raise TypeError(f"Sequential takes Keras layers, got {type(layer).__name__}")
        if self.input_shape is not None and self.layers:
            self.build(self.input_shape)

    def build(self, input_shape: Sequence[int]) -> None:
        """Make every layer's weights for examples of ``input_shape`` (no batch dim)."""
        shape = tuple(int(s) for s in input_shape)
        self.input_shape = shape
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.output_shape  # type: ignore[assignment]
        self.built = True

    # ## Running the model

    def forward(self, x: Tensor, logits: Optional[bool] = None) -> Tensor:
        """The output for a batch; with ``logits=True`` the last layer's activation is skipped.

        The default is False, except inside ``fit`` when the loss takes logits.
        """
        logits = self._fit_logits if logits is None else logits
        layers = self.layers
        for i, layer in enumerate(layers):
            x = layer(x, activate=not (logits and i == len(layers) - 1))
        return x

    def _tensor(self, x: np.ndarray) -> Tensor:
        array = np.ascontiguousarray(x, dtype=DTYPE)
        return Tensor(TensorData(array.reshape(-1), array.shape), backend=layer_backend())

    def _ensure_built(self, x: np.ndarray) -> None:
        if not self.built:
            self.build(x.shape[1:])

    # ## Training

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Optional[Sequence[str]] = None) -> None:
        """Choose the optimizer, the loss and the metrics to report.

        Args:
            optimizer: ``"adam"``, ``"sgd"``, ``"rmsprop"``, ``"adamw"`` or a
                ``keras.optimizers`` object.
            loss: ``"sparse_categorical_crossentropy"``,
                ``"categorical_crossentropy"``, ``"binary_crossentropy"``,
                ``"mse"`` or a ``keras.losses`` object.
            metrics: ``["accuracy"]`` (or ``"acc"``) or none.
        """
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='sparse_categorical_crossentropy'")
        names = list(metrics or [])
        for m in names:
            if m not in ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy"):
                raise ValueError(f"unknown metric {m!r}; use 'accuracy'")
        self._compiled = (optimizers.get(optimizer), losses.get(loss), names)
        self._learner = None  # made, with its optimizer, at the first fit

    @property
    def optimizer(self) -> Any:
        """The ``minitorch.optim`` optimizer (None before the first ``fit``)."""
        return None if self._learner is None else self._learner.opt

    def _setup(self) -> Tuple[losses.LossSpec, List[str], bool]:
        if self._compiled is None:
            raise RuntimeError("call model.compile(optimizer=..., loss=...) before fit/evaluate")
        _, spec, metrics = self._compiled
        final = self.layers[-1].activation if self.layers else None
        return spec, metrics, spec.fuses(final)

    def fit(
        self, x: ArrayLike, y: ArrayLike, batch_size: Optional[int] = None, epochs: int = 1, verbose: Any = "auto",
        callbacks: Optional[Sequence[Any]] = None, validation_split: float = 0.0,
        validation_data: Optional[Tuple[ArrayLike, ArrayLike]] = None, shuffle: bool = True,
        initial_epoch: int = 0,
    ) -> History:
        """Train for ``epochs`` passes over ``(x, y)``, printing Keras' progress line each epoch.

        Args:
            x, y: numpy arrays of examples and targets (first axis: examples).
            batch_size: examples per step (32).
            epochs: the number of the last epoch (training runs ``initial_epoch + 1 .. epochs``).
            verbose: 1 (or "auto"): progress bar; 2: one line per epoch; 0: silent.
            callbacks: objects with an ``on_epoch_end(epoch, logs)`` method (optional);
                setting ``model.stop_training = True`` stops after this epoch.
            validation_split: the fraction of the data, taken from the end, held out to validate.
            validation_data: ``(x_val, y_val)`` to validate on instead.
            shuffle: shuffle the training examples each epoch.
            initial_epoch: the epoch to start from (to resume training).

        Returns:
            A :class:`History`: ``history.history`` maps ``loss``, ``accuracy``,
            ``val_loss``, ``val_accuracy`` to one value per epoch.
        """
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y):
            raise ValueError(f"x has {len(x)} examples but y has {len(y)}")
        if validation_data is None and validation_split:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(f"validation_split must lie in (0, 1), got {validation_split}")
            split = int(len(x) * (1.0 - validation_split))
            validation_data = (x[split:], y[split:])
            x, y = x[:split], y[:split]
        if x.dtype.kind == "f" and x.dtype != DTYPE:
            x = x.astype(DTYPE)  # once, as Keras does, rather than batch after batch
        verbose = 1 if verbose == "auto" else int(verbose)
        self._ensure_built(x)
        spec, metrics, fuse = self._setup()
        keras_opt = self._compiled[0]  # type: ignore[index]
        self._fit_logits = fuse
        try:
            history, self._learner = fit_on_learner(
                self, keras_opt.create, keras_opt.learning_rate, spec, metrics, fuse, x, y, validation_data,
                batch_size or 32, epochs, verbose, callbacks or [], shuffle, initial_epoch, layer_backend(),
                self._learner,
            )
        finally:
            self._fit_logits = False
            self.train()
        return history

    def evaluate(
        self, x: ArrayLike, y: ArrayLike, batch_size: Optional[int] = None, verbose: Any = "auto"
    ) -> Union[float, List[float]]:
        """The loss (and metrics) on ``(x, y)``, in evaluation mode (no dropout).

        Returns:
            ``[loss, accuracy]`` when compiled with metrics, else the loss.
        """
        x, y = np.asarray(x), np.asarray(y)
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        self._ensure_built(x)
        spec, metrics, fuse = self._setup()
        steps = math.ceil(len(x) / batch_size)
        bar = Progbar(steps, verbose)
        total_loss, total_correct = 0.0, 0.0
        self.eval()
        with no_grad():
            for step in range(steps):
                xb, yb = x[step * batch_size : (step + 1) * batch_size], y[step * batch_size : (step + 1) * batch_size]
                out = self.forward(self._tensor(xb), logits=fuse)
                total_loss += losses.compute(spec, out, yb, fuse).item() * len(xb)
                if metrics:
                    total_correct += losses.accuracy(spec, out.to_numpy(), yb, fuse) * len(xb)
                seen = (step + 1) * batch_size if step + 1 < steps else len(x)
                logs = {"loss": total_loss / seen, **{m: total_correct / seen for m in metrics}}
                bar.update(step + 1, logs)
        self.train()
        bar.update(steps, logs, finalize=True)
        values = [logs["loss"]] + [logs[m] for m in metrics]
        return values if metrics else values[0]

    def predict(self, x: ArrayLike, batch_size: Optional[int] = None, verbose: Any = "auto") -> np.ndarray:
        """The model's outputs (after the final activation, e.g. probabilities) for ``x``, as numpy."""
        x = np.asarray(x)
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        self._ensure_built(x)
        steps = math.ceil(len(x) / batch_size)
        bar = Progbar(steps, verbose)
        outs = []
        self.eval()
        with no_grad():
            for step in range(steps):
                outs.append(self.forward(self._tensor(x[step * batch_size : (step + 1) * batch_size])).to_numpy())
                bar.update(step + 1)
        self.train()
        bar.update(steps, finalize=True)
        return np.concatenate(outs) if outs else np.zeros((0,), dtype=DTYPE)

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, np.ndarray):  # Keras models also take arrays: model(x_train[:1])
            self._ensure_built(x)
            return self.forward(self._tensor(x), *args, **kwargs)
        return self.forward(x, *args, **kwargs)

    def summary(self, print_fn: Any = print) -> None:
        """Print the table of layers, output shapes and parameter counts."""
        if not self.built:
            raise ValueError(
                "this model has not yet been built: give the first layer input_shape=..., "
                "or call fit/predict (or model.build(shape)) first"
            )
        print_fn(summary_text(self))
