"""Module 3, task 3.5: the tensor network of task 2.5, trained on a fast backend.

Nothing about the model changes: ``Network`` is the one of ``train_tensor``.
What changes is where its tensors run. Each tensor carries its backend, and
every operation on it (and on the tensors computed from it, gradients
included) runs there, so moving the parameters and the data onto
``FastTensorBackend`` (or ``GPUBackend``) is all it takes.

Training also switches to minibatches: a step per ``batch_size`` points
instead of one per pass over the data, the way every real network trains.

Command line (prints the time per epoch, the figure of task 3.5)::

    python -m project.train_fast --backend fast --dataset Split --hidden 100
"""

from __future__ import annotations

import random
import time
from typing import Optional, Sequence

from minitorch.backends import FastTensorBackend
from minitorch.datasets import Graph
from minitorch.fast_ops import course_kernels
from minitorch.module import Module
from minitorch.optim import SGD
from minitorch.tensor import Tensor
from minitorch.tensor_functions import no_grad, tensor
from minitorch.tensor_ops import TensorBackend
from project.train_scalar import LogFn, TrainResult, default_log_fn
from project.train_tensor import Network


def to_backend(module: Module, backend: TensorBackend) -> Module:
    """Move every parameter of ``module`` onto ``backend`` (the numbers are shared, not copied).

    Args:
        module: a model; its parameters hold tensors.
        backend: where their operations (and their gradients') should run.

    Returns:
        ``module`` itself, for chaining.
    """
    # BEGIN SOLUTION task3_5
    for parameter in module.parameters():
        parameter.update(Tensor(parameter.value._tensor, backend=backend))
    # END SOLUTION
    return module


class FastTrain:
    """Train ``Network`` with minibatch SGD on a chosen backend.

    Args:
        hidden_layers: the width of the hidden layers.
        backend: where the tensors run (``FastTensorBackend`` by default).
        batch_size: points per SGD step.
    """

    def __init__(
        self, hidden_layers: int, backend: TensorBackend = FastTensorBackend, batch_size: int = 10
    ) -> None:
        self.hidden_layers = hidden_layers
        self.backend = backend
        self.batch_size = batch_size
        self.model = to_backend(Network(hidden_layers), backend)

    def run_one(self, x: Sequence[float]) -> Tensor:
        """The model's probability of label 1 for one point, shape ``(1, 1)``."""
        with no_grad():
            return self.model.forward(tensor([list(x)], backend=self.backend))

    def run_many(self, X: Sequence[Sequence[float]]) -> Tensor:
        """The model's probabilities for many points, shape ``(len(X), 1)``."""
        with no_grad():
            return self.model.forward(tensor([list(x) for x in X], backend=self.backend))

    @course_kernels()  # the products run your Task 3.2 kernel, not BLAS
    def train(
        self,
        data: Graph,
        learning_rate: float,
        max_epochs: int = 500,
        log_fn: Optional[LogFn] = default_log_fn,
        log_every: int = 10,
    ) -> TrainResult:
        """Fit a fresh model to ``data`` in minibatches; return the loss curve and final accuracy.

        Args:
            data: the training points, visited in order in batches of ``batch_size``.
            learning_rate: the SGD step size.
            max_epochs: how many passes over the data.
            log_fn: called every ``log_every`` epochs (None for silence).
            log_every: how often to log.

        Steps: set ``self.model`` to a new ``Network(self.hidden_layers)`` moved
        to ``self.backend`` (``to_backend``) and make an ``SGD`` optimizer for
        its parameters. Each epoch walks the data in order in batches of
        ``self.batch_size`` points; for each batch, compute the model's
        probabilities, the binary cross-entropy of each point
        (``-log p(true label)``, as in Task 2.5), back-propagate their *mean*
        and take one SGD step. Append the epoch's *summed* loss (over all
        points) to ``result.losses``; call ``log_fn(epoch, total_loss,
        self.correct(data), data.N)`` when ``epoch % log_every == 0`` and after
        the last epoch. ``result.correct``/``accuracy`` are filled below.

        Returns:
            The total loss of each epoch (``max_epochs`` entries), and the
            accuracy after the last.
        """
        result = TrainResult()
        # BEGIN SOLUTION task3_5
        self.model = to_backend(Network(self.hidden_layers), self.backend)
        optim = SGD(self.model.parameters(), learning_rate)
        for epoch in range(1, max_epochs + 1):
            total_loss = 0.0
            for start in range(0, data.N, self.batch_size):
                X = tensor([list(x) for x in data.X[start : start + self.batch_size]], backend=self.backend)
                y = tensor(list(data.y[start : start + self.batch_size]), backend=self.backend)
                optim.zero_grad()
                out = self.model.forward(X).view(y.shape[0])
                # Cross-entropy, as in task 2.5: -log of the probability of the true label.
                prob = out * y + (out - 1.0) * (y - 1.0)
                loss = -prob.log()
                (loss.sum() / y.shape[0]).backward()
                total_loss += loss.sum().item()
                optim.step()
            result.losses.append(total_loss)
            if log_fn is not None and (epoch % log_every == 0 or epoch == max_epochs):
                log_fn(epoch, total_loss, self.correct(data), data.N)
        # END SOLUTION
        result.correct = self.correct(data)
        result.accuracy = result.correct / data.N
        return result

    def correct(self, data: Graph) -> int:
        """How many points of ``data`` the model classifies correctly."""
        labels = tensor(list(data.y), backend=self.backend)
        return int(((self.run_many(data.X).view(data.N) > 0.5) == labels).sum().item())


def seconds_per_epoch(trainer: FastTrain, data: Graph, learning_rate: float, epochs: int) -> float:
    """Train for ``epochs`` epochs (after one warm-up epoch) and return the mean time of one."""
    trainer.train(data, learning_rate, max_epochs=1, log_fn=None)  # compile / load kernels
    start = time.perf_counter()
    trainer.train(data, learning_rate, max_epochs=epochs, log_fn=None)
    return (time.perf_counter() - start) / epochs


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line: ``python -m project.train_fast --backend fast --dataset Split``."""
    import argparse

    from minitorch.backends import _gpu_backend
    from minitorch.datasets import datasets
    from minitorch.tensor_ops import SimpleBackend

    parser = argparse.ArgumentParser(description="Train the tensor network on a fast backend.")
    parser.add_argument("--backend", default="fast", choices=["simple", "fast", "gpu"])
    parser.add_argument("--dataset", default="Split", choices=sorted(datasets))
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)

    backend = {"simple": lambda: SimpleBackend, "fast": lambda: FastTensorBackend, "gpu": _gpu_backend}
    random.seed(args.seed)
    data = datasets[args.dataset](args.points)
    trainer = FastTrain(args.hidden, backend[args.backend](), args.batch)
    print(f"{args.dataset}, {args.points} points, {args.hidden} hidden units, {args.backend} backend")
    start = time.perf_counter()
    result = trainer.train(data, args.lr, args.epochs, log_every=max(1, args.epochs // 10))
    seconds = (time.perf_counter() - start) / args.epochs
    print(f"final accuracy: {result.accuracy:.2%}; {seconds:.4f} s per epoch (first epoch's compile included)")


if __name__ == "__main__":
    main()
