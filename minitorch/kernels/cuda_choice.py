"""Decide, before numba.cuda is imported, whether CUDA kernels run on a GPU or on the simulator.

numba reads that choice once per process, when ``numba.cuda`` is first
imported (``NUMBA_ENABLE_CUDASIM``). ``import minitorch`` imports numba.cuda,
as the MiniTorch course's package does (the course's tests read
``numba.cuda.is_available()`` right after ``import minitorch``), so the
choice is made here, first:

- a machine with an NVIDIA driver gets the real GPU;
- any other machine gets numba's CUDA *simulator*, which runs the kernels in
  Python threads: slowly, but everywhere, so the CUDA tasks can be done and
  tested on a laptop;
- ``MINITORCH_CUDASIM=0`` or ``1`` forces the choice, and an explicit
  ``NUMBA_ENABLE_CUDASIM`` is respected.

The simulator never becomes the default backend: ``backends.gpu_available()``
is False under it. Importing this module makes the choice and then imports
numba.cuda; ``minitorch/__init__.py`` imports it first.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["nvidia_driver_present", "use_cuda_simulator", "choose_cuda_device"]


def nvidia_driver_present() -> bool:
    """True when this machine has an NVIDIA driver loaded."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidiactl").exists()


def use_cuda_simulator() -> bool:
    """Whether CUDA kernels should run on numba's simulator (see the module docstring)."""
    forced = os.environ.get("MINITORCH_CUDASIM", "").strip()
    if forced:
        return forced != "0"
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "").strip():
        return os.environ["NUMBA_ENABLE_CUDASIM"].strip() != "0"
    return not nvidia_driver_present()


def choose_cuda_device() -> None:
    """Set numba's simulator switch before numba.cuda is imported (a no-op afterwards)."""
    simulate = use_cuda_simulator()
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1" if simulate else "0"
    try:  # numba may be imported already: its config was read then.
        from numba.core import config

        config.ENABLE_CUDASIM = int(simulate)
    except ImportError:  # pragma: no cover - numba is a dependency
        pass


choose_cuda_device()
import numba.cuda  # noqa: E402,F401 - after the choice; the course's tests read numba.cuda
