"""Elementwise speed of FastOps, the effect of the malloc tuning, and JIT cold versus warm start.

1. map / zip / reduce throughput, in millions of entries per second, through
   the backend (allocation of the result included), contiguous and
   transposed, next to the numpy expression doing the same work.
2. A chain of operations on 1, 4 and 16 MiB tensors, run in two
   subprocesses: with minitorch's ``mallopt`` settings and with
   ``MINITORCH_NO_MALLOPT=1``.
3. JIT: a subprocess that imports minitorch and runs each kernel once,
   first with an empty numba cache (everything compiles), then again with
   the cache it left (everything loads).

Usage: python bench/bench_ops.py [--skip-jit]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minitorch.backends import FastTensorBackend  # noqa: E402
from minitorch.tensor import Tensor  # noqa: E402


def best_seconds(run: Callable[[], object], repeats: int = 7) -> float:
    run()
    times: List[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def cases(dtype: type, n: int) -> Dict[str, Tuple[Callable[[], object], Callable[[], object]]]:
    """Each measured operation, through the backend and as the numpy expression doing the same work."""
    backend = FastTensorBackend
    x = np.random.default_rng(0).uniform(-1, 1, (n, n)).astype(dtype)
    row = x[0].copy()
    t = Tensor.from_numpy(x, backend=backend)
    tt = Tensor.from_numpy(np.ascontiguousarray(x.T), backend=backend).permute(1, 0)
    r = Tensor.from_numpy(row, backend=backend)
    xt = np.ascontiguousarray(x.T).T  # the same non-contiguous layout for numpy
    return {
        "neg (contiguous)": (lambda: backend.neg_map(t), lambda: -x),
        "exp (contiguous)": (lambda: backend.exp_map(t), lambda: np.exp(x)),
        "neg (transposed)": (lambda: backend.neg_map(tt), lambda: -xt),
        "add (contiguous)": (lambda: backend.add_zip(t, t), lambda: x + x),
        "mul (broadcast row)": (lambda: backend.mul_zip(t, r), lambda: x * row),
        "add (transposed + contig.)": (lambda: backend.add_zip(tt, t), lambda: xt + x),
        "sum over last dim": (lambda: backend.add_reduce(t, 1), lambda: x.sum(1)),
        "sum over first dim": (lambda: backend.add_reduce(t, 0), lambda: x.sum(0)),
    }


def throughput(n: int = 1000) -> None:
    """Section 1: M entries/s of backend ops and of numpy on ``n x n`` tensors."""
    print(f"1. throughput, {n}x{n} tensors, M entries/s (result allocation included)")
    print(f"   {'operation':<28}{'float64':>10}{'numpy':>10}{'float32':>10}{'numpy':>10}")
    rows: Dict[str, List[float]] = {}
    for dtype in (np.float64, np.float32):
        for name, (ours, numpy_version) in cases(dtype, n).items():
            rows.setdefault(name, []).extend(n * n / best_seconds(f) / 1e6 for f in (ours, numpy_version))
    for name, values in rows.items():
        print(f"   {name:<28}" + "".join(f"{v:>10.0f}" for v in values))


MALLOC_WORKLOAD = """
import json, sys, time
import numpy as np
from minitorch.backends import FastTensorBackend as B
from minitorch.tensor import Tensor
results = {}
for mib in (1, 4, 16):
    x = Tensor.from_numpy(np.random.rand(mib * 1024 * 1024 // 8), backend=B)
    def step():
        return B.neg_map(B.exp_map(B.add_zip(B.mul_zip(x, x), x)))
    for _ in range(3):  # warm up
        step()
    times = []
    for _ in range(15):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) / 4)
    results[mib] = sorted(times)[len(times) // 2]
print(json.dumps(results))
"""


def malloc_effect() -> None:
    """Section 2: time per operation with and without the mallopt settings (one numba thread each)."""
    print("2. malloc tuning: median ms per elementwise op (fresh output each op), one numba thread")
    results = {}
    for label, extra in (("mallopt (default)", {}), ("MINITORCH_NO_MALLOPT=1", {"MINITORCH_NO_MALLOPT": "1"})):
        # One thread: the allocator's cost, not the scheduling noise of a busy machine.
        env = {**os.environ, "NUMBA_NUM_THREADS": "1", **extra}
        done = subprocess.run([sys.executable, "-c", MALLOC_WORKLOAD], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"   {label}: failed\n{done.stderr[-2000:]}")
            return
        results[label] = json.loads(done.stdout)
    tuned, plain = results.values()
    print(f"   {'tensor size':<14}{'mallopt':>10}{'no mallopt':>12}{'speed-up':>10}")
    for mib in tuned:
        print(f"   {mib + ' MiB':<14}{1000 * tuned[mib]:>10.2f}{1000 * plain[mib]:>12.2f}{plain[mib] / tuned[mib]:>9.1f}x")


JIT_WORKLOAD = """
import json, time
start = time.perf_counter()
import numpy as np
from minitorch import fast_ops as F
from minitorch.backends import FastTensorBackend as B
from minitorch.tensor import Tensor
imported = time.perf_counter()
firsts = {}
for dtype in ("float64", "float32"):
    a = Tensor.from_numpy(np.ones((4, 3), dtype), backend=B)
    m = Tensor.from_numpy(np.ones((3, 5), dtype), backend=B)
    for name, run in (("map", lambda: B.neg_map(a)), ("zip", lambda: B.add_zip(a, a)),
                      ("reduce", lambda: B.add_reduce(a, 1)),
                      ("matmul", lambda: F.tensor_matrix_multiply(*(a @ m).tuple(), *a.tuple(), *m.tuple()))):
        t = time.perf_counter(); run(); firsts[f"{name} {dtype}"] = time.perf_counter() - t
print(json.dumps({"import": imported - start, "first calls": firsts, "total": time.perf_counter() - start}))
"""


def jit_start() -> None:
    """Section 3: a fresh process's JIT cost with an empty cache, then with a warm one."""
    print("3. JIT: seconds for a new process to import minitorch and run each kernel once")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold (empty cache)", "warm (cache from the cold run)"):
            done = subprocess.run([sys.executable, "-c", JIT_WORKLOAD], env=env, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"   {label}: failed\n{done.stderr[-2000:]}")
                return
            report = json.loads(done.stdout)
            firsts = report["first calls"]
            slowest = max(firsts, key=firsts.get)
            print(
                f"   {label:<31} total {report['total']:6.2f} s (import {report['import']:.2f} s; "
                f"{len(firsts)} first calls, slowest {slowest} {firsts[slowest]:.2f} s)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-jit", action="store_true", help="skip the cold-compile measurement (~30 s)")
    args = parser.parse_args()
    throughput()
    malloc_effect()
    if not args.skip_jit:
        jit_start()


if __name__ == "__main__":
    main()
