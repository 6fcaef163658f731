"""Module 4, task 4.5: a convolutional network that reads handwritten digits (MNIST).

The network is the course's: two 3x3 convolutions (4 then 8 feature maps,
padded so the image stays 28x28), a 4x4 average pooling down to 7x7, and
two fully connected layers with dropout between them::

    (B, 1, 28, 28) -conv1-> (B, 4, 28, 28) -conv2-> (B, 8, 28, 28)
      -avgpool 4x4-> (B, 8, 7, 7) -view-> (B, 392) -linear1-> (B, 64) -linear2-> (B, 10)

It returns logits (raw class scores); training uses the fused
``cross_entropy``, and ``softmax`` turns logits into probabilities.

Command line (downloads MNIST through the data catalogue the first time)::

    python -m project.train_mnist --epochs 3 --train 60000
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, Dict, List, Optional

import numpy as np

from minitorch import nn
from minitorch.autodiff import no_grad
from minitorch.backends import layer_backend
from minitorch.fast_ops import course_kernels
from minitorch.layers import modules as layers
from minitorch.layers.losses import cross_entropy
from minitorch.module import Module
from minitorch.optim import Adam
from minitorch.tensor import Tensor
from minitorch.tensor_data import DTypeLike, TensorData, resolve_dtype
from minitorch.tensor_ops import TensorBackend

LogFn = Callable[[str], None]


class MnistCNN(Module):
    """The course's MNIST network (see the module docstring).

    Args:
        classes: the number of outputs.
        dropout: the dropout rate before the last layer.
        backend, dtype: where and in what precision the parameters live.

    Attributes:
        mid, out: the feature maps of the last forward pass after ``conv1``
            and ``conv2`` (kept for drawing them).
    """

    def __init__(
        self, classes: int = 10, dropout: float = 0.25,
        backend: Optional[TensorBackend] = None, dtype: DTypeLike = "float32",
    ) -> None:
        super().__init__()
        self.conv1 = layers.Conv2d(1, 4, 3, padding=1, backend=backend, dtype=dtype)
        self.conv2 = layers.Conv2d(4, 8, 3, padding=1, backend=backend, dtype=dtype)
        self.linear1 = layers.Linear(392, 64, backend=backend, dtype=dtype)
        self.linear2 = layers.Linear(64, classes, backend=backend, dtype=dtype)
        self.dropout = layers.Dropout(dropout)
        self.mid: Optional[Tensor] = None
        self.out: Optional[Tensor] = None

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(B, classes)`` for images ``(B, 1, 28, 28)``.

        In order: ``conv1`` then ReLU (store it in ``self.mid``), ``conv2``
        then ReLU (store it in ``self.out``), a 4x4 average pooling
        (``(B, 8, 7, 7)``), flatten to ``(B, 392)``, ``linear1`` then ReLU,
        ``self.dropout``, ``linear2``. No softmax: the result is logits. In
        ``eval()`` mode the dropout layer passes its input through.

        Args:
            x: images, ``(B, 1, 28, 28)``, in the parameters' dtype and backend.

        Returns:
            ``(B, classes)`` logits.
        """
        # BEGIN SOLUTION task4_5
        self.mid = self.conv1(x).relu()
        self.out = self.conv2(self.mid).relu()
        pooled = nn.avg_pool2d(self.out, 4)
        hidden = self.linear1(pooled.contiguous().view(x.shape[0], 392)).relu()
        return self.linear2(self.dropout(hidden))
        # END SOLUTION


def images_to_tensor(
    images: np.ndarray, backend: Optional[TensorBackend] = None, dtype: DTypeLike = "float32"
) -> Tensor:
    """uint8 images ``(B, 28, 28)`` as a ``(B, 1, 28, 28)`` tensor scaled to ``[0, 1]``."""
    array = np.ascontiguousarray(images.reshape(len(images), 1, *images.shape[1:]), dtype=resolve_dtype(dtype))
    if images.dtype == np.uint8:
        array /= 255.0
    return Tensor(TensorData(array.reshape(-1), array.shape), backend=backend or layer_backend())


def predict(model: Module, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """The predicted class of each image (evaluation mode, no graph)."""
    model.eval()
    out = []
    with no_grad():
        for i in range(0, len(images), batch_size):
            out.append(model(images_to_tensor(images[i : i + batch_size])).to_numpy().argmax(axis=1))
    model.train()
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def train(
    model: Module, x: np.ndarray, y: np.ndarray, epochs: int = 1, batch_size: int = 32, lr: float = 1e-3,
    x_valid: Optional[np.ndarray] = None, y_valid: Optional[np.ndarray] = None,
    log_fn: Optional[LogFn] = print, seed: int = 0, course: bool = True,
) -> Dict[str, List[float]]:
    """Train with Adam and cross-entropy in minibatches.

    With ``course=True`` (the default) every convolution, matrix product and
    linear layer runs the kernels of Tasks 3.2, 4.1 and 4.2
    (:func:`~minitorch.fast_ops.course_kernels`); ``course=False`` takes the
    toolkit's faster BLAS/im2col route.

    Args:
        model: a module mapping ``(B, 1, 28, 28)`` images to logits.
        x, y: uint8 images ``(N, 28, 28)`` and int labels ``(N,)``.
        epochs, batch_size, lr: the schedule.
        x_valid, y_valid: evaluated after every epoch if given.
        log_fn: receives one line per epoch (None: silent).
        seed: seeds the shuffling.
        course: run on the course's kernels (see above).

    Returns:
        ``{"loss": [...], "valid_accuracy": [...], "seconds": [...]}`` per epoch.
    """
    with course_kernels(course):
        return _train(model, x, y, epochs, batch_size, lr, x_valid, y_valid, log_fn, seed)


def _train(
    model: Module, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float,
    x_valid: Optional[np.ndarray], y_valid: Optional[np.ndarray], log_fn: Optional[LogFn], seed: int,
) -> Dict[str, List[float]]:
    opt = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history: Dict[str, List[float]] = {"loss": [], "valid_accuracy": [], "seconds": []}
    model.train()
    for epoch in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            loss = cross_entropy(model(images_to_tensor(x[idx])), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history["loss"].append(total / len(x))
        history["seconds"].append(time.perf_counter() - start)
        line = f"epoch {epoch + 1}: loss {history['loss'][-1]:.4f}, {history['seconds'][-1]:.1f}s"
        if x_valid is not None and y_valid is not None:
            history["valid_accuracy"].append(float(np.mean(predict(model, x_valid) == y_valid)))
            line += f", valid accuracy {history['valid_accuracy'][-1]:.4f}"
        if log_fn is not None:
            log_fn(line)
    return history


def probabilities(model: Module, images: np.ndarray) -> np.ndarray:
    """Softmax probabilities ``(B, classes)`` for images (evaluation mode)."""
    model.eval()
    with no_grad():
        logits = model(images_to_tensor(images))
        out = nn.softmax(logits, 1).to_numpy()
    model.train()
    return out


def main(argv: Optional[List[str]] = None) -> None:
    """Train the CNN on MNIST and print the test accuracy."""
    from minitorch.hub import datasets  # only the command line loads data (requests, tqdm)

    parser = argparse.ArgumentParser(description="Train the course's CNN on MNIST.")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train", type=int, default=60000, help="training images to use")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--blas", action="store_true",
                        help="the toolkit's BLAS/im2col route instead of your kernels")
    args = parser.parse_args(argv)
    x_train, y_train, x_test, y_test, _ = datasets.load("mnist")
    model = MnistCNN()
    train(model, x_train[: args.train], y_train[: args.train], args.epochs, args.batch_size, args.lr,
          x_valid=x_test, y_valid=y_test, course=not args.blas)


if __name__ == "__main__":
    main()
