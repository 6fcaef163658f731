"""Transfer-learning speed: EfficientNet-Lite0 in minitorch against PyTorch, in one run.

Three workloads, batch 32 of 224x224 float32 images, both frameworks on 2 threads:

- ``forward``: inference (evaluation mode, no gradients), as the zoo's ``predict``
  and feature extraction run it;
- ``frozen body``: one training step of ``vision_learner``'s model while frozen:
  the body's convolutions fixed, its BatchNorms and the fast.ai head training
  (so the backward pass still runs through the whole body);
- ``full``: one training step with everything trainable (after ``unfreeze``).

Each step is forward, cross-entropy, backward and an Adam step. The two
frameworks alternate, repetition after repetition, so a busy machine slows
both alike; the table shows medians and the *speed ratio* PyTorch time /
minitorch time (1.0 = as fast as PyTorch; the issue asks >= 0.7 for forward and
frozen-body training, >= 0.5 for full training).

Usage: python bench/bench_vision.py [--reps 5] [--batch 32]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import minitorch  # noqa: E402
from minitorch.backends import layer_backend  # noqa: E402
from minitorch.data import to_tensor  # noqa: E402
from minitorch.freeze import norm_params, set_requires_grad  # noqa: E402
from minitorch.losses import cross_entropy  # noqa: E402
from vision.head import create_head  # noqa: E402
from vision.models.efficientnet_lite import efficientnet_lite0  # noqa: E402


def minitorch_steps(x: np.ndarray, y: np.ndarray) -> Dict[str, Callable[[], None]]:
    """The three workloads for minitorch: forward, frozen-body step, full step."""
    net = efficientnet_lite0()
    model = minitorch.Sequential(net.body(), create_head(1280, 10))
    xt = to_tensor(x, np.float32, layer_backend())
    norms = {id(p) for p in norm_params(model[0])}

    def freeze(frozen: bool) -> minitorch.Adam:
        for p in model[0].parameters():
            set_requires_grad(p, not frozen or id(p) in norms)
        params = [p for p in model.parameters() if p.value.requires_grad()]
        return minitorch.Adam(params, lr=1e-4)

    def forward() -> None:
        model.eval()
        with minitorch.no_grad():
            model(xt)

    def step(opt: Any) -> None:
        model.train()
        cross_entropy(model(xt), y).backward()
        opt.step()
        opt.zero_grad()

    frozen_opt, full_opt = freeze(True), None

    def frozen() -> None:
        nonlocal full_opt
        freeze(True)
        step(frozen_opt)

    def full() -> None:
        nonlocal full_opt
        opt = freeze(False)
        full_opt = full_opt or opt
        step(full_opt)

    return {"forward": forward, "frozen body": frozen, "full": full}


def torch_steps(torch: Any, x: np.ndarray, y: np.ndarray) -> Dict[str, Callable[[], None]]:
    """The same three workloads in PyTorch (its own Lite0 and fast.ai-style head)."""
    from tests.torch_lite0 import torch_lite0

    nn = torch.nn
    net = torch_lite0(torch)
    body = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6(), *net._blocks, net._conv_head, net._bn1, nn.ReLU6())

    class ConcatPool(nn.Module):
        def forward(self, t: Any) -> Any:
            return torch.cat([t.amax(dim=(2, 3)), t.mean(dim=(2, 3))], dim=1)

    head = nn.Sequential(ConcatPool(), nn.BatchNorm1d(2560), nn.Dropout(0.25), nn.Linear(2560, 512, bias=False),
                         nn.ReLU(), nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, 10, bias=False))
    model = nn.Sequential(body, head)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    bn_types = (nn.BatchNorm2d,)

    def freeze(frozen: bool) -> Any:
        for m in body.modules():
            for p in m.parameters(recurse=False):
                p.requires_grad_(not frozen or isinstance(m, bn_types))
        return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)

    def forward() -> None:
        model.eval()
        with torch.no_grad():
            model(xt)

    def step(opt: Any) -> None:
        model.train()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
        opt.zero_grad()

    frozen_opt = freeze(True)
    full_opt: List[Any] = []

    def frozen() -> None:
        freeze(True)
        step(frozen_opt)

    def full() -> None:
        opt = freeze(False)
        if not full_opt:
            full_opt.append(opt)
        step(full_opt[0])

    return {"forward": forward, "frozen body": frozen, "full": full}


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(args.batch, 3, 224, 224)).astype(np.float32)
    y = rng.integers(0, 10, size=args.batch).astype(np.int64)
    ours = minitorch_steps(x, y)
    try:
        import torch

        torch.set_num_threads(2)
        theirs = torch_steps(torch, x, y)
    except ImportError:
        torch, theirs = None, {}
    print(f"EfficientNet-Lite0, batch {args.batch}, 224x224 float32; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus; PyTorch {'%s' % torch.__version__ if torch else 'not installed'}")
    print(f"{'workload':<14}{'minitorch s':>13}{'PyTorch s':>11}{'speed ratio':>13}{'images/s':>10}")
    for name, ours_fn in ours.items():
        ours_fn()  # compile and warm up
        if name in theirs:
            theirs[name]()
        mt, pt = [], []
        for _ in range(args.reps):
            mt.append(timed(ours_fn))
            if name in theirs:
                pt.append(timed(theirs[name]))
        m = statistics.median(mt)
        p = statistics.median(pt) if pt else float("nan")
        print(f"{name:<14}{m:>13.3f}{p:>11.3f}{p / m:>13.2f}{args.batch / m:>10.1f}")


if __name__ == "__main__":
    main()
