"""Inference speed of the graph tools: minitorch, minitorch with BatchNorm folded, ONNX Runtime.

For EfficientNet-Lite0 (its real weights) and ResNet-18 (random weights) at
224x224, at each batch size, the three contenders take turns repetition
after repetition (so a busy machine slows them alike) in one process; the
table shows the median of each and the ratios of the medians (``> 1``: that
many times slower than ONNX Runtime). ONNX Runtime runs on as many threads
as minitorch's kernels (``--threads``, default: the CPU count).

Usage: python bench/bench_graph.py [--reps 5] [--batches 1 32] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_times  # noqa: E402

import minitorch
from minitorch.autodiff import no_grad


def bench_model(name: str, batch: int, reps: int, threads: int) -> Dict[str, float]:
    """Median inference seconds of one zoo model at one batch size, for the three contenders."""
    import onnxruntime as ort

    import vision

    model = vision.create_model(name, pretrained=name == "efficientnet_lite0")
    folded = minitorch.fold_batchnorm(model)
    x = np.random.default_rng(0).random((batch, 3, 224, 224)).astype(np.float32)
    tensor = minitorch.Tensor.from_numpy(x)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.onnx")
        minitorch.onnx.export(model, tensor, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def ours(m: minitorch.Module) -> Callable[[], object]:
        def run() -> object:
            with no_grad():
                return m(tensor)
        return run

    return median_times({"minitorch": ours(model), "folded": ours(folded),
                          "onnxruntime": lambda: session.run(None, {"x": x})}, reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--models", nargs="+", default=["efficientnet_lite0", "resnet18"])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, onnxruntime on "
          f"{args.threads} threads, medians of {args.reps}")
    print(f"{'model':20s} {'batch':>5s} {'minitorch':>10s} {'folded':>10s} {'onnxruntime':>12s}"
          f" {'fold speedup':>13s} {'mt/ort':>7s} {'folded/ort':>11s}")
    for name in args.models:
        for batch in args.batches:
            t = bench_model(name, batch, args.reps, args.threads)
            print(f"{name:20s} {batch:5d} {t['minitorch'] * 1e3:8.1f}ms {t['folded'] * 1e3:8.1f}ms "
                  f"{t['onnxruntime'] * 1e3:10.1f}ms {t['minitorch'] / t['folded']:12.2f}x "
                  f"{t['minitorch'] / t['onnxruntime']:6.2f}x {t['folded'] / t['onnxruntime']:10.2f}x")


if __name__ == "__main__":
    main()
