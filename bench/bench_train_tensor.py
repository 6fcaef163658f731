"""Module 2: how much faster the tensor network trains than the scalar one.

Both train the same network (2 -> hidden -> hidden -> 1) on the same 50 xor
points with full-batch SGD; from the same seed they even take identical
steps. We time a few epochs of each in this process and print the time per
epoch and the ratio.

Usage: python bench/bench_train_tensor.py [--hidden 10] [--epochs 20]
"""

from __future__ import annotations

import argparse
import random
import time

import minitorch
from project.train_scalar import ScalarTrain
from project.train_tensor import TensorTrain


def seconds_per_epoch(trainer_class: type, hidden: int, epochs: int, data: minitorch.Graph) -> float:
    """Best of three timed runs of ``epochs`` epochs, per epoch."""
    best = float("inf")
    for _ in range(3):
        random.seed(0)
        trainer = trainer_class(hidden)
        start = time.perf_counter()
        trainer.train(data, 0.5, max_epochs=epochs, log_fn=None)
        best = min(best, (time.perf_counter() - start) / epochs)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[2, 6, 10])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--points", type=int, default=50)
    args = parser.parse_args()

    random.seed(5)
    data = minitorch.datasets["Xor"](args.points)
    print(f"xor, {args.points} points, full batch, SimpleBackend (pure Python kernels)")
    print(f"{'hidden':>6}  {'scalar ms/epoch':>15}  {'tensor ms/epoch':>15}  {'speed-up':>8}")
    for hidden in args.hidden:
        scalar = seconds_per_epoch(ScalarTrain, hidden, args.epochs, data)
        tensor = seconds_per_epoch(TensorTrain, hidden, args.epochs, data)
        print(f"{hidden:>6}  {1000 * scalar:>15.1f}  {1000 * tensor:>15.1f}  {scalar / tensor:>7.1f}x")


if __name__ == "__main__":
    main()
