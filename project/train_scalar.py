"""Module 1, task 1.5: train a small network built from ``Scalar`` values.

Every weight is its own ``Scalar``, so a forward pass builds a graph of a
few hundred nodes per point. That is slow, and that is the point: Module 2
replaces these loops with tensors and the same network trains many times
faster.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence

from minitorch.datasets import Graph
from minitorch.module import Module, Parameter
from minitorch.optim import SGD
from minitorch.scalar import Scalar


class Linear(Module):
    """A fully connected layer: ``y_j = b_j + sum_i x_i * w_ij``, one Scalar per weight.

    Args:
        in_size: the number of inputs.
        out_size: the number of outputs.
    """

    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.weights: List[List[Parameter]] = []
        self.bias: List[Parameter] = []
        for i in range(in_size):
            self.weights.append(
                [
                    self.add_parameter(f"weight_{i}_{j}", Scalar(2 * (random.random() - 0.5)))
                    for j in range(out_size)
                ]
            )
        for j in range(out_size):
            self.bias.append(self.add_parameter(f"bias_{j}", Scalar(2 * (random.random() - 0.5))))

    def forward(self, inputs: Sequence[Scalar]) -> List[Scalar]:
        """Apply the layer to a list of ``in_size`` Scalars.

        Args:
            inputs: ``in_size`` Scalars (or floats).

        Returns:
            A list of ``out_size`` Scalars, ``y_j = bias[j] + sum_i inputs[i] *
            weights[i][j]``, built from the parameters' ``.value`` Scalars so
            that ``backward`` reaches them.
        """
        # BEGIN SOLUTION task1_5
        y: List[Scalar] = [b.value for b in self.bias]
        for i, x in enumerate(inputs):
            for j in range(len(y)):
                y[j] = y[j] + x * self.weights[i][j].value
        return y
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

    def forward(self, x: Sequence[Scalar]) -> Scalar:
        middle = [h.relu() for h in self.layer1.forward(x)]
        end = [h.relu() for h in self.layer2.forward(middle)]
        return self.layer3.forward(end)[0].sigmoid()


@dataclass
class TrainResult:
    """What ``ScalarTrain.train`` reports.

    Attributes:
        losses: the total loss of every epoch.
        correct: points classified correctly after the last epoch.
        accuracy: ``correct / N``.
    """

    losses: List[float] = field(default_factory=list)
    correct: int = 0
    accuracy: float = 0.0


LogFn = Callable[[int, float, int, int], None]


def default_log_fn(epoch: int, total_loss: float, correct: int, n: int) -> None:
    """Print one line of progress."""
    print(f"epoch {epoch:4d}  loss {total_loss:8.4f}  correct {correct}/{n}")


class ScalarTrain:
    """Train ``Network`` on a toy data set with full-batch gradient descent.

    Args:
        hidden_layers: the width of the hidden layers.
    """

    def __init__(self, hidden_layers: int) -> None:
        self.hidden_layers = hidden_layers
        self.model = Network(hidden_layers)

    def run_one(self, x: Sequence[float]) -> Scalar:
        """The model's probability of label 1 for one point."""
        return self.model.forward((Scalar(x[0], name="x_1"), Scalar(x[1], name="x_2")))

    def train(
        self,
        data: Graph,
        learning_rate: float,
        max_epochs: int = 500,
        log_fn: Optional[LogFn] = default_log_fn,
        log_every: int = 10,
    ) -> TrainResult:
        """Fit the model to ``data`` and return the loss curve and final accuracy.

        Args:
            data: the training points.
            learning_rate: the SGD step size.
            max_epochs: how many passes over the data.
            log_fn: called every ``log_every`` epochs (None for silence).
            log_every: how often to log.
        """
        self.model = Network(self.hidden_layers)
        optim = SGD(self.model.parameters(), learning_rate)
        result = TrainResult()
        for epoch in range(1, max_epochs + 1):
            total_loss = 0.0
            correct = 0
            optim.zero_grad()
            for (x_1, x_2), y in zip(data.X, data.y):
                out = self.model.forward((Scalar(x_1), Scalar(x_2)))
                # Cross-entropy: -log of the probability given to the true label.
                prob = out if y == 1 else -out + 1.0
                correct += int((out.data > 0.5) == (y == 1))
                loss = -prob.log()
                (loss / data.N).backward()
                total_loss += loss.data
            result.losses.append(total_loss)
            optim.step()
            if log_fn is not None and (epoch % log_every == 0 or epoch == max_epochs):
                log_fn(epoch, total_loss, correct, data.N)
        result.correct = sum(
            int((self.run_one(x).data > 0.5) == (y == 1)) for x, y in zip(data.X, data.y)
        )
        result.accuracy = result.correct / data.N
        return result


def run_command_line(
    make_trainer: Callable[[int], Any],
    engine: str,
    argv: Optional[Sequence[str]] = None,
    hidden: int = 6,
    seed: int = 1,
) -> TrainResult:
    """The command line shared by the toy trainers of Modules 1 and 2.

    Args:
        make_trainer: builds a trainer from a hidden width (``ScalarTrain``, ``TensorTrain``).
        engine: "scalar" or "tensor", for the messages.
        argv: the arguments (``sys.argv[1:]`` when None).
        hidden: the default hidden width.
        seed: the default random seed.
    """
    import argparse

    from minitorch.datasets import datasets

    parser = argparse.ArgumentParser(description=f"Train the {engine} network on a toy data set.")
    parser.add_argument("--dataset", default="Xor", choices=sorted(datasets))
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=hidden)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=seed)
    args = parser.parse_args(argv)

    random.seed(args.seed)
    data = datasets[args.dataset](args.points)
    print(
        f"Training a {engine} network ({args.hidden} hidden units) on {args.dataset} "
        f"({args.points} points) for {args.epochs} epochs"
    )
    result = make_trainer(args.hidden).train(
        data, args.lr, args.epochs, log_every=max(1, args.epochs // 10)
    )
    print(f"final accuracy: {result.accuracy:.2%} ({result.correct}/{data.N} points correct)")
    return result


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line: ``python -m project.train_scalar --dataset Xor``."""
    run_command_line(ScalarTrain, "scalar", argv, hidden=6, seed=1)


if __name__ == "__main__":
    main()
