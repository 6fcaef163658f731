"""Module 2, task 2.5: the network of task 1.5, rewritten with tensors.

The model is the same (two hidden ReLU layers, a sigmoid output) but each
layer is now one matrix product instead of a double loop over ``Scalar``
weights, and the whole data set goes through it in one batch. The graph
has a few dozen tensor nodes per epoch instead of tens of thousands of
scalar ones, which is where the speed-up comes from.
"""

from __future__ import annotations

from typing import Optional, Sequence

from minitorch.datasets import Graph
from minitorch.module import Module, Parameter
from minitorch.optim import SGD
from minitorch.tensor import Tensor
from minitorch.tensor_functions import no_grad, rand, tensor
from project.train_scalar import LogFn, TrainResult, default_log_fn, run_command_line


def RParam(*shape: int) -> Parameter:
    """A parameter of the given shape, uniform in ``[-1, 1)``."""
    r = 2 * (rand(shape) - 0.5)
    return Parameter(r)


class Linear(Module):
    """A fully connected layer: ``y = x @ weights + bias`` for a batch of rows.

    Args:
        in_size: the number of input features.
        out_size: the number of outputs.
    """

    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.weights = RParam(in_size, out_size)
        self.bias = RParam(out_size)
        self.out_size = out_size

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer.

        Args:
            x: a batch of shape ``(batch, in_size)``.

        Returns:
            ``x @ weights + bias``, shape ``(batch, out_size)``; the bias of
            shape ``(out_size,)`` broadcasts over the rows. Use the
            parameters' ``.value`` tensors so gradients reach them.
        """
        # BEGIN SOLUTION task2_5
        # The bias of shape (out_size,) broadcasts over the batch rows.
        return x @ self.weights.value + self.bias.value
        # END SOLUTION


class Network(Module):
    """Two hidden ReLU layers and a sigmoid output: the probability of label 1.

    Args:
        hidden_layers: the width of each hidden layer.
    """

    def __init__(self, hidden_layers: int) -> None:
        super().__init__()
        self.layer1 = Linear(2, hidden_layers)
        self.layer2 = Linear(hidden_layers, hidden_layers)
        self.layer3 = Linear(hidden_layers, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Map a batch of points ``(batch, 2)`` to probabilities ``(batch, 1)``.

        ``layer1`` then ReLU, ``layer2`` then ReLU, ``layer3`` then sigmoid.

        Args:
            x: ``(batch, 2)`` points.

        Returns:
            ``(batch, 1)`` probabilities of label 1, in [0, 1].
        """
        # BEGIN SOLUTION task2_5
        middle = self.layer1.forward(x).relu()
        end = self.layer2.forward(middle).relu()
        return self.layer3.forward(end).sigmoid()
        # END SOLUTION


class TensorTrain:
    """Train ``Network`` on a toy data set with full-batch gradient descent.

    Args:
        hidden_layers: the width of the hidden layers.
    """

    def __init__(self, hidden_layers: int) -> None:
        self.hidden_layers = hidden_layers
        self.model = Network(hidden_layers)

    def run_one(self, x: Sequence[float]) -> Tensor:
        """The model's probability of label 1 for one point, shape ``(1, 1)``."""
        with no_grad():
            return self.model.forward(tensor([list(x)]))

    def run_many(self, X: Sequence[Sequence[float]]) -> Tensor:
        """The model's probabilities for many points, shape ``(len(X), 1)``."""
        with no_grad():
            return self.model.forward(tensor([list(x) for x in X]))

    def train(
        self,
        data: Graph,
        learning_rate: float,
        max_epochs: int = 500,
        log_fn: Optional[LogFn] = default_log_fn,
        log_every: int = 10,
    ) -> TrainResult:
        """Fit a fresh model to ``data`` and return the loss curve and final accuracy.

        Args:
            data: the training points.
            learning_rate: the SGD step size.
            max_epochs: how many passes over the data.
            log_fn: called every ``log_every`` epochs (None for silence).
            log_every: how often to log.
        """
        self.model = Network(self.hidden_layers)
        optim = SGD(self.model.parameters(), learning_rate)
        X = tensor([list(x) for x in data.X])
        y = tensor(data.y)
        result = TrainResult()
        for epoch in range(1, max_epochs + 1):
            optim.zero_grad()
            out = self.model.forward(X).view(data.N)
            # Cross-entropy: -log of the probability given to the true label,
            # written without branches: out where y == 1, 1 - out where y == 0.
            prob = out * y + (out - 1.0) * (y - 1.0)
            loss = -prob.log()
            (loss.sum() / data.N).backward()
            total_loss = loss.sum().item()
            result.losses.append(total_loss)
            optim.step()
            if log_fn is not None and (epoch % log_every == 0 or epoch == max_epochs):
                correct = int(((out.detach() > 0.5) == y).sum().item())
                log_fn(epoch, total_loss, correct, data.N)
        result.correct = int(((self.run_many(data.X).view(data.N) > 0.5) == y).sum().item())
        result.accuracy = result.correct / data.N
        return result


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line: ``python -m project.train_tensor --dataset Xor``."""
    run_command_line(TensorTrain, "tensor", argv, hidden=10, seed=5)


if __name__ == "__main__":
    main()
