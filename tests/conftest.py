"""Test-session setup shared by every test module.

numba decides once per process, when ``numba.cuda`` is first imported,
whether CUDA kernels run on a GPU or on its simulator. The CUDA tests
(``test_cuda_ops.py``) must run on the simulator on machines without an
NVIDIA GPU, and they share the pytest process (and its xdist workers) with
every other test, so the choice is made here, before any test module is
imported: the simulator unless an NVIDIA driver is present. Set
``MINITORCH_CUDASIM=0`` or ``1`` to force the choice.
"""

from __future__ import annotations

import os
from pathlib import Path


def _nvidia_driver_present() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidiactl").exists()


def _use_cuda_simulator() -> bool:
    forced = os.environ.get("MINITORCH_CUDASIM", "").strip()
    if forced:
        return forced != "0"
    return not _nvidia_driver_present()


if _use_cuda_simulator():
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
    try:  # numba may already be imported (by a plugin): its config was read then.
        from numba.core import config

        config.ENABLE_CUDASIM = 1
    except ImportError:  # pragma: no cover - numba is a dependency
        pass
