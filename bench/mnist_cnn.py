"""Train the MNIST CNN with the Learner and fit_one_cycle; print accuracy and epoch time.

The model is fastbook's (chapter 13) simple CNN: five stride-2 3x3
convolutions (5x5 for the first), each followed by BatchNorm and ReLU,
halving the image 28 -> 14 -> 7 -> 4 -> 2 -> 1 while the channels grow
8 -> 16 -> 32 -> 64 -> 10. The 10-channel 1x1 output is the logits.

Usage (the numbers in the README come from the default settings)::

    MINITORCH_MIRROR=../shared/datasets python bench/mnist_cnn.py
    python bench/mnist_cnn.py --epochs 1 --subset 10000   # a quick run
    python bench/mnist_cnn.py --lr-find                    # plot-free lr_find first

It trains on the 60,000 training images and reports accuracy on the 10,000
test images (used as the validation set, as fast.ai does for MNIST).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's minitorch

from minitorch.hub import datasets  # noqa: E402
from minitorch.layers import BatchNorm2d, Conv2d, Flatten, ReLU, Sequential  # noqa: E402
from minitorch.layers.losses import cross_entropy  # noqa: E402
from minitorch.learner import Learner  # noqa: E402
from minitorch.learner.arch import register_model  # noqa: E402
from minitorch.learner.data import DataLoaders  # noqa: E402
from minitorch.learner.metrics import accuracy  # noqa: E402

MEAN, STD = 0.1307, 0.3081


def conv(ni: int, nf: int, ks: int = 3, act: bool = True) -> list:
    """A stride-2 convolution, BatchNorm and (optionally) ReLU: halves the image."""
    layers = [Conv2d(ni, nf, ks, stride=2, padding=ks // 2, bias=False), BatchNorm2d(nf)]
    return layers + [ReLU()] if act else layers


@register_model("mnist_cnn")
def mnist_cnn(width: int = 8, n_classes: int = 10) -> Sequential:
    """fastbook's MNIST CNN with BatchNorm; ``width`` channels in the first layer."""
    w = width
    return Sequential(*conv(1, w, ks=5), *conv(w, 2 * w), *conv(2 * w, 4 * w), *conv(4 * w, 8 * w),
                      *conv(8 * w, n_classes, act=False), Flatten())


def mnist_dls(bs: int = 128, subset: int = 0, seed: int = 0) -> DataLoaders:
    """MNIST as normalised float32 images ``(N, 1, 28, 28)``; the test set validates."""
    x, y, xt, yt, classes = datasets.load("mnist")
    if subset:
        keep = np.random.default_rng(seed).permutation(len(x))[:subset]
        x, y = x[keep], y[keep]

    def prep(a: np.ndarray) -> np.ndarray:
        return ((a.astype(np.float32) / 255.0 - MEAN) / STD)[:, None]

    return DataLoaders.from_arrays(prep(x), y, prep(xt), yt, bs=bs, seed=seed, vocab=classes)


def cpu_name() -> str:
    """The processor's model name (for the README table), as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-2)
    parser.add_argument("--bs", type=int, default=128)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--subset", type=int, default=0, help="train on this many images (0: all)")
    parser.add_argument("--lr-find", action="store_true", help="run lr_find first and print its suggestion")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--export", default="", help="export the trained Learner to this file")
    args = parser.parse_args()

    np.random.seed(args.seed)
    dls = mnist_dls(args.bs, args.subset, args.seed)
    learn = Learner(dls, mnist_cnn(args.width), loss_func=cross_entropy, metrics=accuracy)
    n_params = sum(p.value.size for p in learn.model.parameters())
    print(f"mnist_cnn(width={args.width}): {n_params} parameters; {len(dls.train)} batches of {args.bs}")
    if args.lr_find:
        print("lr_find:", learn.lr_find(show_plot=False))
    start = time.perf_counter()
    learn.fit_one_cycle(args.epochs, args.lr)
    total = time.perf_counter() - start
    loss, acc = learn.validate()
    print(f"test accuracy {acc:.4f} (loss {loss:.4f}) after {args.epochs} epochs of fit_one_cycle, "
          f"lr_max={args.lr}: {total / args.epochs:.1f} s per epoch (training + validation), "
          f"{cpu_name()}, {os.cpu_count()} cores")
    if args.export:
        print("exported to", learn.export(args.export))


if __name__ == "__main__":
    main()
