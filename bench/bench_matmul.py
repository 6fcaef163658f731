"""Matrix multiply speed: the pure-numba kernel and the BLAS route against numpy (and PyTorch).

Every figure is GFLOP/s (2 n^3 floating point operations per product),
the best of several interleaved runs, measured in this process; the ratios
compare figures from the same run. The graded bar: the pure-numba kernel
reaches at least 0.45x numpy at n=512, float64 (exit status 1 otherwise).

numpy's speed depends on OpenBLAS's settings: the run reports the
``OPENBLAS_*`` variables and the core OpenBLAS chose, and when any variable
is set it also measures numpy with them unset (in a subprocess), so both
figures are on the table.

Usage: python bench/bench_matmul.py [--sizes 64 128 ...] [--seconds 0.6]

On a busy machine a parallel region waits for its slowest thread, and the
2-thread figures scatter; one thread each measures the kernels themselves:
``NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/bench_matmul.py``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minitorch import fast_ops  # noqa: E402

BAR_SIZE, BAR_DTYPE, BAR_RATIO = 512, "float64", 0.45


def processor() -> str:
    """The CPU model and its widest vector extension, e.g. ``AMD EPYC (AVX-512), 2 cores``."""
    model = platform.processor() or "unknown CPU"
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("", "unknown CPU", platform.machine()):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line
                break
    except OSError:
        pass
    vector = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "no AVX2"
    return f"{model} ({vector}), {os.cpu_count()} cores"


def openblas_info() -> Dict[str, str]:
    """OpenBLAS's environment variables and, where it can be asked, the core it runs for."""
    info = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_NUM", "MKL_"))}
    try:
        from threadpoolctl import threadpool_info  # optional

        for pool in threadpool_info():
            if pool.get("internal_api") == "openblas":
                info["openblas core"] = f"{pool.get('architecture')}, {pool.get('num_threads')} threads"
                return info
    except ImportError:
        pass
    for line in Path("/proc/self/maps").read_text().splitlines():
        if "openblas" in line and line.endswith(".so"):
            library = ctypes.CDLL(line.split()[-1])
            for symbol in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
                if hasattr(library, symbol):
                    getattr(library, symbol).restype = ctypes.c_char_p
                    info["openblas core"] = getattr(library, symbol)().decode()
                    return info
    return info


def best_seconds(run: Callable[[], object], budget: float) -> float:
    """The fastest of several runs of ``run`` (at least 3, about ``budget`` seconds in all)."""
    run()  # warm up: compile, fault in memory
    times: List[float] = []
    start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < budget:
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
        if len(times) >= 200:
            break
    return min(times)


def storage_args(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple:
    """The kernel arguments for contiguous ``a @ b`` into ``out``."""

    def parts(x: np.ndarray) -> tuple:
        return (x.reshape(-1), np.array(x.shape, np.int64), np.array(x.strides, np.int64) // x.itemsize)

    return (*parts(out), *parts(a), *parts(b))


def torch_matmul() -> Optional[Callable[[np.ndarray, np.ndarray], object]]:
    """``torch.matmul`` on CPU tensors sharing numpy's memory, or None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(numba.get_num_threads())  # the same number of threads as ours
    return lambda a, b: torch.matmul(torch.from_numpy(a), torch.from_numpy(b))


def measure(n: int, dtype: str, budget: float, torch_mm: Optional[Callable]) -> Dict[str, float]:
    """GFLOP/s of each implementation for one ``n x n`` product."""
    rng = np.random.default_rng(n)
    a, b = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    out = np.zeros((n, n), dtype)
    args = storage_args(a, b, out)
    fast_ops.tensor_matrix_multiply(*args)
    np.testing.assert_allclose(out, a @ b, rtol=1e-3 if dtype == "float32" else 1e-9)
    runs: Dict[str, Callable[[], object]] = {
        "numba": lambda: fast_ops.tensor_matrix_multiply(*args),
        "blas route": lambda: fast_ops.blas_matrix_multiply(*args),
        "numpy": lambda: a @ b,
    }
    if torch_mm is not None:
        runs["torch"] = lambda: torch_mm(a, b)
    flops = 2.0 * n**3
    best = {name: float("inf") for name in runs}
    for _ in range(3):  # interleave, so a busy moment hurts every column alike
        for name, run in runs.items():
            best[name] = min(best[name], best_seconds(run, budget / 3))
    return {name: flops / seconds / 1e9 for name, seconds in best.items()}


NUMPY_ONLY = """
import json, sys, time
import numpy as np
n, dtype = int(sys.argv[1]), sys.argv[2]
a, b = np.random.rand(n, n).astype(dtype), np.random.rand(n, n).astype(dtype)
a @ b
times = []
for _ in range(30):
    start = time.perf_counter()
    a @ b
    times.append(time.perf_counter() - start)
print(json.dumps(2 * n**3 / min(times) / 1e9))
"""


def tuning_variables(names: Dict[str, str]) -> List[str]:
    """The ``OPENBLAS_*`` variables that change OpenBLAS's kernels (all but its thread count)."""
    return [k for k in names if k.startswith("OPENBLAS_") and k != "OPENBLAS_NUM_THREADS"]


def numpy_without_openblas_env(n: int, dtype: str) -> Optional[float]:
    """numpy's GFLOP/s in a subprocess with OpenBLAS's tuning variables unset."""
    unset = tuning_variables(dict(os.environ))
    env = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(
        [sys.executable, "-c", NUMPY_ONLY, str(n), dtype], env=env, capture_output=True, text=True
    )
    return json.loads(result.stdout) if result.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--seconds", type=float, default=0.6, help="time budget per measurement")
    args = parser.parse_args()

    torch_mm = torch_matmul()
    blas = openblas_info()
    print(f"processor: {processor()}; numpy {np.__version__}; numba threads {numba.get_num_threads()}")
    print("OpenBLAS: " + (", ".join(f"{k}={v}" for k, v in blas.items()) or "no settings found"))
    columns = ["numba", "blas route", "numpy"] + (["torch"] if torch_mm else [])
    print(f"{'dtype':<8}{'n':>6}" + "".join(f"{c:>12}" for c in columns) + f"{'numba/numpy':>13}{'blas/numpy':>12}")
    bar: Optional[float] = None
    for dtype in args.dtypes:
        for n in args.sizes:
            gflops = measure(n, dtype, args.seconds, torch_mm)
            ratio = gflops["numba"] / gflops["numpy"]
            if (n, dtype) == (BAR_SIZE, BAR_DTYPE):
                bar = ratio
            print(
                f"{dtype:<8}{n:>6}" + "".join(f"{gflops[c]:>12.1f}" for c in columns)
                + f"{ratio:>12.2f}x{gflops['blas route'] / gflops['numpy']:>11.2f}x"
            )
    if tuning_variables(blas):
        unset = numpy_without_openblas_env(BAR_SIZE, BAR_DTYPE)
        names = ", ".join(tuning_variables(blas))
        print(f"numpy {BAR_DTYPE} n={BAR_SIZE} with {names} unset: {unset:.1f} GFLOP/s" if unset else "")
    if bar is None:
        return 0
    for _ in range(2):  # a busy moment can sink one measurement: look again before failing
        if bar >= BAR_RATIO:
            break
        again = measure(BAR_SIZE, BAR_DTYPE, 2 * args.seconds, None)
        bar = max(bar, again["numba"] / again["numpy"])
    verdict = "holds" if bar >= BAR_RATIO else "MISSED"
    print(f"bar: numba kernel >= {BAR_RATIO}x numpy at n={BAR_SIZE} {BAR_DTYPE}: {bar:.2f}x, {verdict}")
    return 0 if bar >= BAR_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
