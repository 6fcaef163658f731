"""Module 3, task 3.5: seconds per epoch of the minibatch trainer, SimpleOps against FastOps.

Both train the network of task 2.5 (2 -> hidden -> hidden -> 1) on the same
50 points in minibatches of 10; from the same seed they take identical
steps. Each figure is the mean of a few epochs after one warm-up epoch
(which compiles or loads the kernels), measured in this process.

Usage: python bench/bench_train_fast.py [--hidden 10 100] [--epochs 3]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minitorch  # noqa: E402
from minitorch.backends import FastTensorBackend  # noqa: E402
from minitorch.tensor_ops import SimpleBackend  # noqa: E402
from project.train_fast import FastTrain, seconds_per_epoch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dataset", default="Split")
    args = parser.parse_args()

    random.seed(5)
    data = minitorch.datasets[args.dataset](50)
    print(f"{args.dataset}, 50 points, minibatches of 10, SGD lr 0.05")
    print(f"{'hidden':>6}  {'SimpleOps s/epoch':>17}  {'FastOps s/epoch':>15}  {'speed-up':>8}")
    for hidden in args.hidden:
        times = []
        for backend in (SimpleBackend, FastTensorBackend):
            random.seed(0)
            times.append(seconds_per_epoch(FastTrain(hidden, backend), data, 0.05, args.epochs))
        print(f"{hidden:>6}  {times[0]:>17.4f}  {times[1]:>15.4f}  {times[0] / times[1]:>7.1f}x")


if __name__ == "__main__":
    main()
