"""Check the CUDA backend on a real NVIDIA GPU: its tests, then its matrix-multiply speed.

Run it from the repository root on a machine with a GPU (about 2-3 minutes)::

    python3 bench/gpu_check.py            # results also go to $OUT/gpu_results.txt

1. prints the GPU, numba and numba-cuda versions (and installs numba, numpy,
   pytest and hypothesis with pip if one is missing);
2. runs ``tests/test_cuda_ops.py`` on the GPU (not the simulator);
3. times ``cuda_ops.matmul_kernel`` on device-resident ``n x n`` matrices,
   n = 256 ... 4096, float32 and float64, next to cuBLAS (through PyTorch,
   else CuPy; the column is left out when neither is installed), and one
   ``CudaOps`` product including the host <-> device copies.

Exit status: that of the tests (the timings are information).
"""

from __future__ import annotations

import functools
import importlib
import io
import os
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Callable, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get("OUT", ROOT / ".gpu_results"))
SIZES = [256, 512, 1024, 2048, 4096]
SECONDS_PER_SIZE = 1.0


def ensure_packages() -> None:
    """pip-install the few packages the check needs, only if one is missing."""
    missing = [name for name in ("numba", "numpy", "pytest", "hypothesis") if importlib.util.find_spec(name) is None]
    if missing:
        print(f"installing {missing}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=False)


def describe() -> None:
    import numba
    import numpy as np
    from numba import cuda

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, numba {numba.__version__}, "
          f"numba.cuda: {getattr(cuda, 'implementation', '?')}")
    try:
        import numba_cuda  # the NVIDIA-maintained target, when installed

        print(f"numba-cuda {getattr(numba_cuda, '__version__', '?')}")
    except ImportError:
        pass
    if not cuda.is_available():
        raise SystemExit("numba.cuda sees no GPU: " + str(cuda.detect()))
    device = cuda.get_current_device()
    print(f"GPU: {device.name.decode() if isinstance(device.name, bytes) else device.name}, "
          f"compute capability {device.compute_capability}")


def run_tests() -> int:
    env = {**os.environ, "MINITORCH_CUDASIM": "0", "NUMBA_ENABLE_CUDASIM": "0"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cuda_ops.py"]
    print("$ " + " ".join(command[1:]), flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    print(done.stdout[-6000:] + done.stderr[-3000:])
    return done.returncode


def cublas() -> Optional[Callable]:
    """A function ``(n, dtype) -> seconds per cuBLAS product``, or None."""
    try:
        import torch

        if torch.cuda.is_available():
            torch.backends.cuda.matmul.allow_tf32 = False  # true float32, like our kernel

            def run(n: int, dtype: str) -> float:
                a = torch.rand(n, n, dtype=getattr(torch, dtype), device="cuda")
                b = torch.rand(n, n, dtype=getattr(torch, dtype), device="cuda")
                return best_time(lambda: torch.matmul(a, b), torch.cuda.synchronize)

            run.name = "cuBLAS (torch)"  # type: ignore[attr-defined]
            return run
    except ImportError:
        pass
    try:
        import cupy

        def run(n: int, dtype: str) -> float:
            a = cupy.random.rand(n, n).astype(dtype)
            b = cupy.random.rand(n, n).astype(dtype)
            return best_time(lambda: a @ b, cupy.cuda.Device().synchronize)

        run.name = "cuBLAS (cupy)"  # type: ignore[attr-defined]
        return run
    except ImportError:
        return None


def best_time(run: Callable[[], object], synchronize: Callable[[], None]) -> float:
    run()
    synchronize()
    times: List[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < SECONDS_PER_SIZE and len(times) < 50):
        t = time.perf_counter()
        run()
        synchronize()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_matmul() -> None:
    import numpy as np
    from numba import cuda

    from minitorch import cuda_ops
    from minitorch.tensor import Tensor
    from minitorch.tensor_ops import TensorBackend

    reference = cublas()
    print(f"\nmatmul GFLOP/s, device-resident operands; TILE={cuda_ops.TILE}")
    header = f"{'dtype':<8}{'n':>6}{'ours':>10}"
    if reference:
        header += f"{reference.name:>18}{'ours/cuBLAS':>13}"
    print(header)
    for dtype in ("float32", "float64"):
        for n in SIZES:
            rng = np.random.default_rng(n)
            a, b = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
            d_a, d_b, d_out = cuda.to_device(a.ravel()), cuda.to_device(b.ravel()), cuda.device_array(n * n, dtype)
            zero = cuda.to_device(np.zeros(1, np.int64))
            grid = ((n + cuda_ops.TILE - 1) // cuda_ops.TILE, (n + cuda_ops.TILE - 1) // cuda_ops.TILE, 1)

            launch = cuda_ops.matmul_kernel[grid, (cuda_ops.TILE, cuda_ops.TILE)]
            ours = functools.partial(launch, d_out, zero, n, 1, d_a, zero, n, 1, d_b, zero, n, 1, n, n, n)
            seconds = best_time(ours, cuda.synchronize)
            if n <= 1024:  # check the numbers too
                np.testing.assert_allclose(d_out.copy_to_host().reshape(n, n), a @ b, rtol=1e-3 if dtype == "float32" else 1e-9)
            gflops = 2 * n**3 / seconds / 1e9
            row = f"{dtype:<8}{n:>6}{gflops:>10.0f}"
            if reference:
                theirs = 2 * n**3 / reference(n, dtype) / 1e9
                row += f"{theirs:>18.0f}{gflops / theirs:>12.2f}x"
            print(row, flush=True)
    backend = TensorBackend(cuda_ops.CudaOps)
    x = Tensor.from_numpy(np.random.rand(1024, 1024), backend=backend)
    seconds = best_time(lambda: backend.matrix_multiply(x, x), cuda.synchronize)
    print(f"CudaOps.matrix_multiply, 1024 float64, host copies included: {2 * 1024**3 / seconds / 1e9:.0f} GFLOP/s")


def main() -> int:
    os.environ["MINITORCH_CUDASIM"] = "0"
    if "--bench-only" in sys.argv:  # a child run for one TILE (see below)
        bench_matmul()
        return 0
    ensure_packages()
    log = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, text: str) -> int:
            sys.__stdout__.write(text)
            sys.__stdout__.flush()
            return log.write(text)

    status = 1
    with redirect_stdout(Tee()):
        try:
            describe()
            status = run_tests()
            bench_matmul()
            # TILE is fixed when the kernel compiles: measure the other size in a fresh process.
            other = "32" if os.environ.get("MINITORCH_CUDA_TILE", "16") != "32" else "16"
            child = subprocess.run(
                [sys.executable, __file__, "--bench-only"], cwd=ROOT, capture_output=True, text=True,
                env={**os.environ, "MINITORCH_CUDA_TILE": other}, timeout=240,
            )
            print(child.stdout[-5000:] + child.stderr[-2000:])
        except BaseException as error:  # noqa: BLE001 - report whatever broke, then save the log
            print(f"gpu_check stopped: {type(error).__name__}: {error}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gpu_results.txt").write_text(log.getvalue())
    print(f"results written to {OUT / 'gpu_results.txt'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
