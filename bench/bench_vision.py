"""Fine-tuning speed: EfficientNet-Lite0 training steps in minitorch against PyTorch, in one run.

Workloads, batch 32 of 224x224 float32 images, both frameworks on 2 threads,
each framework in its own fresh process with the user's environment
(``bench/common.py`` says why); PyTorch runs its SAME-padding port (these
weights need it) in NCHW and in ``channels_last``, and its faster layout is
the reference. Inference has its own, fuller comparison in
``bench_inference.py``.

- ``forward``: inference (evaluation mode, no gradients);
- ``frozen body``: one training step of ``vision_learner``'s model while frozen:
  the body's convolutions fixed, its BatchNorms and the fast.ai head training
  (so the backward pass still runs through the whole body);
- ``full``: one training step with everything trainable (after ``unfreeze``).

Each step is forward, cross-entropy, backward and an Adam step. The table
shows medians and the *speed ratio* PyTorch time / minitorch time (1.0 = as
fast as PyTorch).

Usage: python bench/bench_vision.py [--reps 5] [--batch 32]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from common import processor_model, run_child, torch_available  # noqa: E402

WORKLOADS = ["forward", "frozen body", "full"]


def minitorch_steps(x: np.ndarray, y: np.ndarray) -> Dict[str, Callable[[], None]]:
    """The three workloads for minitorch: forward, frozen-body step, full step."""
    import minitorch
    from minitorch.backends import layer_backend
    from minitorch.layers.losses import cross_entropy
    from minitorch.learner.data import to_tensor
    from minitorch.learner.freeze import norm_params, set_requires_grad
    from vision.head import create_head
    from vision.models.efficientnet_lite import efficientnet_lite0

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


def torch_steps(torch: Any, x: np.ndarray, y: np.ndarray, channels_last: bool) -> Dict[str, Callable[[], None]]:
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
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        xt = xt.contiguous(memory_format=torch.channels_last)
    bn_types = (nn.BatchNorm2d,)

    def freeze(frozen: bool) -> Any:
        for m in body.modules():
            for p in m.parameters(recurse=False):
                p.requires_grad_(not frozen or isinstance(m, bn_types))
        return torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)

    def forward() -> None:
        model.eval()
        with torch.inference_mode():
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


def child(framework: str, batch: int, reps: int) -> None:
    """Time every workload of one framework variant here; print ``{workload: [times]}`` as JSON."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(batch, 3, 224, 224)).astype(np.float32)
    y = rng.integers(0, 10, size=batch).astype(np.int64)
    if framework == "minitorch":
        steps = minitorch_steps(x, y)
    else:
        import torch

        torch.set_num_threads(2)
        steps = torch_steps(torch, x, y, channels_last=framework.endswith("channels_last"))
    times: Dict[str, List[float]] = {}
    for name in WORKLOADS:
        steps[name]()  # compile and warm up
        times[name] = [timed(steps[name]) for _ in range(reps)]
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch, args.reps)
        return
    variants = ["minitorch"] + (["PyTorch nchw", "PyTorch channels_last"] if torch_available() else [])
    medians = {}
    for variant in variants:
        result = run_child(__file__, ["--child", variant, "--batch", str(args.batch), "--reps", str(args.reps)])
        medians[variant] = {name: statistics.median(ts) for name, ts in result.items()}
    print(f"EfficientNet-Lite0, batch {args.batch}, 224x224 float32; {processor_model()}; "
          f"medians of {args.reps}, each variant in its own process")
    print(f"{'workload':<14}" + "".join(f"{v + ' s':>24}" for v in variants) + f"{'speed ratio':>13}")
    for name in WORKLOADS:
        row = f"{name:<14}" + "".join(f"{medians[v][name]:>24.3f}" for v in variants)
        theirs = [medians[v][name] for v in variants[1:]]
        ratio = min(theirs) / medians["minitorch"][name] if theirs else float("nan")
        print(row + f"{ratio:>13.2f}")
    print("speed ratio: PyTorch's faster layout / minitorch (1.0 = as fast as PyTorch)")


if __name__ == "__main__":
    main()
