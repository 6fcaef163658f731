"""Module 4: convolution speed, minitorch against PyTorch and a numpy im2col, in one run.

Each case times a forward and backward pass (gradients for the input and the
weight, float32, no bias) of ``minitorch.conv2d`` through autograd, of
``torch.nn.functional.conv2d`` on 2 threads (skipped when PyTorch is not
installed), and of a plain numpy im2col implementation (``sliding_window_view``
+ ``tensordot``/``einsum``, stride 1). The contenders take turns, repetition after
repetition, so that a busy machine slows them alike; the table shows the
median of each and the ratios of the medians (``< 1`` means minitorch is
faster).

Usage: python bench/bench_conv.py [--reps 15] [--batch 64]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_times  # noqa: E402

import minitorch
from minitorch.backends import FastTensorBackend
from minitorch.fast_conv import conv2d

# (name, input shape without batch, weight shape, padding, groups)
CASES: List[Tuple[str, Tuple[int, ...], Tuple[int, ...], int, int]] = [
    ("dense 3->32 3x3 32x32", (3, 32, 32), (32, 3, 3, 3), 1, 1),
    ("depthwise 32ch 3x3 56x56", (32, 56, 56), (32, 1, 3, 3), 1, 32),
    ("dense 32->64 3x3 16x16", (32, 16, 16), (64, 32, 3, 3), 1, 1),
    ("pointwise 32->64 1x1 28x28", (32, 28, 28), (64, 32, 1, 1), 0, 1),
]


def numpy_conv(x: np.ndarray, w: np.ndarray, grad: np.ndarray, padding: int,
               groups: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward, input gradient and weight gradient with numpy alone (stride 1)."""
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    oh, ow = windows.shape[2:4]
    grad_xp = np.zeros_like(xp)
    if groups == 1:
        out = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
        grad_w = np.tensordot(grad, windows, axes=([0, 2, 3], [0, 2, 3]))
        for i in range(kh):
            for j in range(kw):
                grad_xp[:, :, i:i + oh, j:j + ow] += np.einsum("bohw,oc->bchw", grad, w[:, :, i, j])
    else:  # depthwise, one filter per channel
        out = np.einsum("bchwij,cij->bchw", windows, w[:, 0])
        grad_w = np.einsum("bchw,bchwij->cij", grad, windows)[:, None]
        for i in range(kh):
            for j in range(kw):
                grad_xp[:, :, i:i + oh, j:j + ow] += grad * w[None, :, 0, i, j, None, None]
    return out, grad_xp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], grad_w


def contenders(x: np.ndarray, w: np.ndarray, padding: int, groups: int) -> Dict[str, Callable[[], None]]:
    """One zero-argument function per implementation, each a forward + backward pass."""
    grad = np.ones((x.shape[0], w.shape[0], x.shape[2] + 2 * padding - w.shape[2] + 1,
                    x.shape[3] + 2 * padding - w.shape[3] + 1), dtype=x.dtype)
    mx = minitorch.Tensor.from_numpy(x, backend=FastTensorBackend)
    mw = minitorch.Tensor.from_numpy(w, backend=FastTensorBackend)
    mg = minitorch.Tensor.from_numpy(grad, backend=FastTensorBackend)

    mx.requires_grad_(True)
    mw.requires_grad_(True)

    def run_minitorch() -> None:
        mx.zero_grad_()
        mw.zero_grad_()
        conv2d(mx, mw, padding=padding, groups=groups).backward(mg)

    runs = {"minitorch": run_minitorch}
    torch = _torch()
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_(True)
        tw = torch.from_numpy(w).requires_grad_(True)
        tg = torch.from_numpy(grad)

        def run_torch() -> None:
            tx.grad = tw.grad = None
            torch.nn.functional.conv2d(tx, tw, padding=padding, groups=groups).backward(tg)

        runs["torch"] = run_torch
    runs["numpy"] = lambda: numpy_conv(x, w, grad, padding, groups) and None
    return runs


def _torch() -> Optional[object]:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    print(f"conv2d forward + backward, float32, batch {args.batch}, median of {args.reps}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    if _torch() is None:
        print("(PyTorch is not installed: its column is skipped)")
    print(f"{'case':<28} {'minitorch ms':>12} {'torch ms':>9} {'numpy ms':>9} "
          f"{'vs torch':>9} {'vs numpy':>9}")
    print("(anchors: dense 3->32 and depthwise; target within 2x of PyTorch)")
    for name, shape, weight_shape, padding, groups in CASES:
        x = rng.standard_normal((args.batch, *shape), dtype=np.float32)
        w = rng.standard_normal(weight_shape, dtype=np.float32)
        seconds = median_times(contenders(x, w, padding, groups), args.reps, warmups=2)
        ms = {name: 1000 * value for name, value in seconds.items()}
        torch_ms = ms.get("torch")
        torch_col = f"{torch_ms:9.2f}" if torch_ms else f"{'-':>9}"
        ratio_col = f"{ms['minitorch'] / torch_ms:8.2f}x" if torch_ms else f"{'-':>9}"
        print(f"{name:<28} {ms['minitorch']:12.2f} {torch_col} {ms['numpy']:9.2f} "
              f"{ratio_col} {ms['minitorch'] / ms['numpy']:8.2f}x")


if __name__ == "__main__":
    main()
