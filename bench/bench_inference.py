"""Inference speed: EfficientNet-Lite0 and ResNet-18 in minitorch against PyTorch at its best.

What ``predict``, the zoo CLI and feature extraction run: evaluation mode, no
gradients, float32, 224x224, at batch 32 and batch 1. Every framework variant
runs in its own fresh process with the user's environment and 2 threads.
PyTorch is given every variant a PyTorch user would try, and the fastest
one is the reference:

- ``inference_mode`` (cheaper than ``no_grad``) for all of them;
- NCHW and ``channels_last`` memory layouts;
- for Lite0, two ports with the same FLOPs: TF "SAME" padding via ``F.pad``
  before each convolution (what these checkpoints need, ``tests/torch_lite0.py``)
  and symmetric ``k // 2`` padding inside the convolution (timm's layout).

Each process warms up, then times ``--reps`` forward passes; medians are
compared. The *speed ratio* is PyTorch's best time / minitorch's time
(1.0 = as fast as PyTorch at its best).

Usage: python bench/bench_inference.py [--reps 5] [--batches 32 1] [--models lite0 resnet18]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import processor_model, run_child, torch_available  # noqa: E402

TORCH_VARIANTS = {
    "lite0": ["same-nchw", "same-channels_last", "symmetric-nchw", "symmetric-channels_last"],
    "resnet18": ["nchw", "channels_last"],
}


def minitorch_forward(model_name: str, batch: int) -> Callable[[], None]:
    """One forward pass of the minitorch model in evaluation mode, without gradients."""
    import minitorch
    from minitorch.backends import layer_backend
    from minitorch.learner.data import to_tensor
    from vision.models.efficientnet_lite import efficientnet_lite0
    from vision.models.resnet import resnet18

    np.random.seed(0)
    # float32, as the zoo loads both (resnet18()'s own default is the course's float64).
    model = efficientnet_lite0() if model_name == "lite0" else resnet18(dtype="float32")
    model.eval()
    x = np.random.default_rng(0).uniform(-1, 1, (batch, 3, 224, 224)).astype(np.float32)
    xt = to_tensor(x, np.float32, layer_backend())

    def forward() -> None:
        with minitorch.no_grad():
            model(xt)

    return forward


def torch_forward(model_name: str, variant: str, batch: int) -> Callable[[], None]:
    """One forward pass of a PyTorch variant, under ``inference_mode``."""
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(0)
    if model_name == "lite0":
        from tests.torch_lite0 import torch_lite0

        model = torch_lite0(torch, same_padding=variant.startswith("same"))
    else:
        from tests.vision.test_vision_resnet import torch_reference

        model = torch_reference("basic", (2, 2, 2, 2))
    model.eval()
    x = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (batch, 3, 224, 224)).astype(np.float32))
    if variant.endswith("channels_last"):
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def forward() -> None:
        with torch.inference_mode():
            model(x)

    return forward


def child(args: argparse.Namespace) -> None:
    """Time one variant in this process and print ``{"times": [...]}`` as the last line."""
    if args.framework == "minitorch":
        forward = minitorch_forward(args.model, args.batch)
    else:
        forward = torch_forward(args.model, args.variant, args.batch)
    for _ in range(2):  # compile, allocate, warm caches
        forward()
    times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        forward()
        times.append(time.perf_counter() - start)
    print(json.dumps({"times": times}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 1])
    parser.add_argument("--models", nargs="+", default=["lite0", "resnet18"],
                        choices=sorted(TORCH_VARIANTS))
    parser.add_argument("--framework", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.framework:
        child(args)
        return
    has_torch = torch_available()
    print(f"processor: {processor_model()}; 2 threads each; medians of {args.reps} forward passes, "
          "each variant in its own process")
    if not has_torch:
        print("(PyTorch is not installed: only minitorch's times are shown)")
    print(f"{'model':<9}{'batch':>6}  {'variant':<48}{'seconds':>9}{'images/s':>10}")
    summary: List[str] = []
    for model in args.models:
        for batch in args.batches:
            base = ["--model", model, "--batch", str(batch), "--reps", str(args.reps)]
            ours = statistics.median(run_child(__file__, ["--framework", "minitorch", *base])["times"])
            print(f"{model:<9}{batch:>6}  {'minitorch':<48}{ours:>9.4f}{batch / ours:>10.1f}")
            theirs: Dict[str, float] = {}
            for variant in TORCH_VARIANTS[model] if has_torch else []:
                result = run_child(__file__, ["--framework", "torch", "--variant", variant, *base])
                theirs[variant] = statistics.median(result["times"])
                name = f"PyTorch {variant}, inference_mode"
                print(f"{model:<9}{batch:>6}  {name:<48}{theirs[variant]:>9.4f}{batch / theirs[variant]:>10.1f}")
            if theirs:
                best = min(theirs, key=theirs.__getitem__)
                summary.append(f"{model} batch {batch}: speed ratio {theirs[best] / ours:.2f} "
                               f"against PyTorch's fastest ({best})")
    if summary:
        print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
