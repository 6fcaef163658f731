"""The Keras MNIST program: seconds per epoch against PyTorch and plain numpy, in this run.

The network of the course's opening page: Flatten -> Dense(128, relu) ->
Dropout(0.2) -> Dense(10, softmax), Adam, batch 32, float32: 1875 steps
per epoch of small matrix products, where the per-operation overhead of a
framework shows. Three implementations train one epoch on the same data,
interleaved so that they see the same machine load:

- minitorch: ``minitorch.keras`` exactly as a student writes it;
- PyTorch (when installed): the plain training loop a PyTorch user writes
  (``randperm``, index, forward, ``cross_entropy``, backward, ``Adam.step``);
- numpy: forward, backward and Adam written out by hand (the floor).

Each implementation runs in its own process (thread pools of PyTorch,
numba and OpenBLAS in one process slow each other down), and the
processes alternate so that they see the same machine load.

``--accuracy`` also runs the full program (5 epochs) and prints the test
accuracy (the target is at least 97.5%).

Usage: python bench/bench_mnist.py [--steps 1875] [--repeats 2] [--accuracy]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if (ROOT.parent / "shared" / "datasets").is_dir():
    os.environ.setdefault("MINITORCH_MIRROR", str(ROOT.parent / "shared" / "datasets"))

from common import child_env, processor_model  # noqa: E402

# minitorch is imported only in the minitorch child: importing it sets
# OMP_WAIT_POLICY=PASSIVE (right for its thread pool), which slowed PyTorch's
# OpenMP threads in the same process to 5.1 s per epoch instead of 2.0-2.5 s.
BATCH = 32


def keras_model() -> Any:
    from minitorch import keras

    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def minitorch_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    model = keras_model()

    def run() -> float:
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
        return time.perf_counter() - start

    return run


def torch_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    import torch

    model = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Linear(128, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    xt, yt = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.int64))

    def run() -> float:
        start = time.perf_counter()
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), BATCH):
            idx = order[i : i + BATCH]
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()  # as the progress line reads it
        return time.perf_counter() - start

    return run


def numpy_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], float]:
    rng = np.random.default_rng(0)
    x = x.reshape(len(x), -1).astype(np.float32)
    b1, b2 = np.sqrt(6 / 912), np.sqrt(6 / 138)
    params = [rng.uniform(-b1, b1, (784, 128)).astype(np.float32), np.zeros(128, np.float32),
              rng.uniform(-b2, b2, (128, 10)).astype(np.float32), np.zeros(10, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0]

    def step(xb: np.ndarray, yb: np.ndarray) -> float:
        w1, c1, w2, c2 = params
        h = xb @ w1 + c1
        mask = (rng.random(h.shape) > 0.2).astype(np.float32) / 0.8
        a = np.maximum(h, 0) * mask
        z = a @ w2 + c2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(yb)), yb]).mean()
        p[np.arange(len(yb)), yb] -= 1
        dz = p / len(yb)
        da = dz @ w2.T * mask * (h > 0)
        grads = [xb.T @ da, da.sum(0), a.T @ dz, dz.sum(0)]
        t[0] += 1
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] -= 1e-3 / (1 - 0.9 ** t[0]) * m[i] / (np.sqrt(v[i] / (1 - 0.999 ** t[0])) + 1e-7)
        return float(loss)

    def run() -> float:
        start = time.perf_counter()
        order = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            step(x[idx], y[idx])
        return time.perf_counter() - start

    return run


IMPLEMENTATIONS = {"minitorch": minitorch_epoch, "pytorch": torch_epoch, "numpy": numpy_epoch}


def load(steps: int) -> tuple:
    from minitorch.hub import datasets  # the catalogue reads the files into numpy arrays

    x_train, y_train, x_test, y_test, _ = datasets.load("mnist", progress=False)
    x_train, x_test = x_train / 255.0, x_test / 255.0
    n = min(len(x_train), steps * BATCH)
    return x_train[:n], y_train[:n], x_train, y_train, x_test, y_test


def child(name: str, steps: int) -> None:
    """Time one epoch of one implementation (after a warm-up batch) and print it as JSON."""
    if name == "pytorch":
        # Before the data catalogue imports minitorch: PyTorch's OpenMP reads
        # OMP_WAIT_POLICY when it loads, and minitorch sets it to PASSIVE.
        import torch  # noqa: F401
    x, y, *_ = load(steps)
    np.random.seed(0)
    IMPLEMENTATIONS[name](x[:BATCH], y[:BATCH])()  # compile / warm up
    print(json.dumps({"seconds": IMPLEMENTATIONS[name](x, y)(), "n": len(x)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1875, help="batches per timed epoch (1875 = all)")
    parser.add_argument("--repeats", type=int, default=2, help="timed epochs per implementation (best kept)")
    parser.add_argument("--accuracy", action="store_true", help="also run the 5-epoch program")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps)
        return

    names = ["minitorch", "numpy"]
    done = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, env=child_env())
    if done.returncode == 0:
        names.insert(1, "pytorch")
    else:
        print("(PyTorch is not installed: its row is skipped)")
    times: Dict[str, List[float]] = {name: [] for name in names}
    n = 0
    for _ in range(args.repeats):
        for name in names:
            run = subprocess.run([sys.executable, __file__, "--child", name, "--steps", str(args.steps)],
                                 capture_output=True, text=True, env=child_env())
            if run.returncode != 0:
                sys.exit(f"the {name} run failed:\n{run.stderr[-3000:]}")
            result = json.loads(run.stdout.strip().splitlines()[-1])
            times[name].append(result["seconds"])
            n = result["n"]
    best = {name: min(ts) * 60000 / n for name, ts in times.items()}
    print(f"processor: {processor_model()}")
    print(f"MNIST MLP 784-128-10, Adam, batch {BATCH}, float32; {n} images timed, "
          f"seconds scaled to a 60,000-image epoch (best of {args.repeats}, one process each)")
    print(f"{'implementation':<14} {'s/epoch':>8} {'ms/step':>8}")
    for name, seconds in best.items():
        print(f"{name:<14} {seconds:>8.2f} {1000 * seconds / 1875:>8.3f}")
    if "pytorch" in best:
        print(f"minitorch / PyTorch: {best['minitorch'] / best['pytorch']:.2f}x the time")
    print(f"minitorch / numpy:   {best['minitorch'] / best['numpy']:.2f}x the time")

    if args.accuracy:
        _, _, x_train, y_train, x_test, y_test = load(1875)
        np.random.seed(0)
        model = keras_model()
        model.fit(x_train, y_train, epochs=5, verbose=2)
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        print(f"5 epochs: test loss {loss:.4f}, test accuracy {accuracy:.4f} (target >= 0.975)")


if __name__ == "__main__":
    main()
