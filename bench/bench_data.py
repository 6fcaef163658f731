"""How fast does the DataLoader turn MNIST into batches?

Prints batches/s for one shuffled epoch of MNIST (60,000 images) at several
batch sizes, against a bare numpy loop doing the same gather-and-convert in
the same run (and PyTorch's DataLoader over a TensorDataset when torch is
installed). Batching must never be the bottleneck of training: an MLP step
on a batch of 32 takes about a millisecond.

    python bench/bench_data.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minitorch.learner.data import ArrayDataset, DataLoader  # noqa: E402


def load_mnist() -> tuple:
    """MNIST through the catalogue (the mirror beside the repo when present)."""
    mirror = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    if "MINITORCH_MIRROR" not in os.environ and mirror.is_dir():
        os.environ["MINITORCH_MIRROR"] = str(mirror)
    from minitorch.hub import datasets

    x_train, y_train, _, _, _ = datasets.load("mnist")
    return x_train, y_train


def time_epoch(make_batches) -> tuple:
    start = time.perf_counter()
    n = 0
    for _ in make_batches():
        n += 1
    return n, time.perf_counter() - start


def main() -> None:
    x, y = load_mnist()
    print(f"MNIST train: {x.shape} {x.dtype}; one shuffled epoch per row")
    print(f"{'batch':>6} {'minitorch b/s':>14} {'numpy b/s':>10} {'ratio':>6} {'torch b/s':>10}")
    try:
        import torch
        from torch.utils.data import DataLoader as TorchLoader
        from torch.utils.data import TensorDataset

        torch.set_num_threads(2)
    except ImportError:
        torch = None
    for bs in (32, 64, 256):
        dl = DataLoader(ArrayDataset(x, y), batch_size=bs, shuffle=True, seed=0)
        n, t_mt = time_epoch(lambda dl=dl: iter(dl))

        def numpy_batches(bs: int = bs):
            order = np.random.default_rng(0).permutation(len(x))
            for i in range(0, len(x), bs):
                idx = order[i : i + bs]
                yield x[idx].astype(np.float32), y[idx]

        _, t_np = time_epoch(numpy_batches)
        torch_col = "-"
        if torch is not None:
            tds = TensorDataset(torch.from_numpy(np.array(x)), torch.from_numpy(np.array(y)))
            tl = TorchLoader(tds, batch_size=bs, shuffle=True)
            _, t_torch = time_epoch(lambda tl=tl: iter(tl))
            torch_col = f"{n / t_torch:10.0f}"
        print(f"{bs:6d} {n / t_mt:14.0f} {n / t_np:10.0f} {t_np / t_mt:6.2f} {torch_col:>10}")
    print("ratio = minitorch speed / bare numpy speed (1.0 = no overhead)")
    time_sst2_loaders()


def time_sst2_loaders() -> None:
    """Tokenising SST-2 (67,349 phrases + 872 sentences) into TextDataLoaders."""
    from minitorch.hub import datasets
    from text import TextDataLoaders

    try:
        splits = datasets.load("sst2", progress=False)
    except Exception as error:  # noqa: BLE001 - the bench reports what it could not run
        print(f"SST-2 loaders: skipped ({error})")
        return
    start = time.perf_counter()
    dls = TextDataLoaders.from_splits(splits, bs=64, seed=0)
    seconds = time.perf_counter() - start
    print(f"SST-2 TextDataLoaders ({len(dls.train_ds)} + {len(dls.valid_ds)} texts, WordPiece): "
          f"{seconds:.2f} s (was a timed test asserting < 10 s)")


if __name__ == "__main__":
    main()
