"""What every benchmark shares: the processor's name, clean child processes, and a busy machine on request.

Frameworks are timed each in its own process: the thread pools of PyTorch,
numba and OpenBLAS slow each other down when they share one, and importing
minitorch sets ``OMP_WAIT_POLICY=PASSIVE`` (good for minitorch's own pool,
a handicap for PyTorch's). :func:`child_env` gives a child the environment
the user started with, so each framework runs as its own users run it.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parents[1]
# The environment before anything here imported minitorch (bench scripts import this first).
START_ENV = dict(os.environ)


def processor_model() -> str:
    """The processor's marketing name (``lscpu``'s "Model name"), and the core count."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} cores"


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The user's original environment (plus ``extra``), with the repository importable."""
    env = dict(START_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), START_ENV.get("PYTHONPATH", "")] if p)
    env.update(extra or {})
    return env


def run_child(script: str, args: List[str], timeout: float = 1800) -> Dict[str, Any]:
    """Run ``python script args`` in a fresh process; its last stdout line is JSON, returned."""
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                          env=child_env(), timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(script).name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def torch_available() -> bool:
    """True if PyTorch imports in a child process (it is never a dependency)."""
    done = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True,
                          env=child_env())
    return done.returncode == 0


@contextlib.contextmanager
def busy_processes(count: int, max_seconds: float = 3600) -> Iterator[None]:
    """Keep ``count`` processes spinning on the CPU while the block runs (``--load N``).

    Each one stops by itself after ``max_seconds`` even if this process dies.
    """
    spin = f"import time\nend = time.time() + {max_seconds}\nwhile time.time() < end: pass\n"
    workers = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        if workers:
            time.sleep(0.5)  # let them reach the spinning loop
        yield
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()


def median_times(runs: Dict[str, Callable[[], object]], reps: int, warmups: int = 1) -> Dict[str, float]:
    """Median seconds per call of each run, the runs taking turns (after ``warmups`` calls each).

    Taking turns makes a busy machine slow every contender alike.
    """
    for run in runs.values():
        for _ in range(warmups):
            run()
    times: Dict[str, List[float]] = {name: [] for name in runs}
    for _ in range(reps):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}
