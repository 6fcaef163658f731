"""The backends a tensor can run on, and how the default one is chosen.

- ``SimpleBackend``: pure Python loops (Module 2), the readable reference.
- ``FastTensorBackend``: compiled, parallel CPU kernels (``FastOps``).
- ``GPUBackend``: CUDA kernels (``CudaOps``), for machines with an NVIDIA GPU.

``GPUBackend`` is built on first use (``from minitorch.backends import
GPUBackend``), so that importing minitorch never loads ``numba.cuda``: the
tests decide whether numba.cuda runs on the real GPU or on its simulator
before anything imports it.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from .fast_ops import FastOps
from .tensor_ops import SimpleBackend, TensorBackend

__all__ = ["FastTensorBackend", "default_backend", "gpu_available", "layer_backend"]

FastTensorBackend = TensorBackend(FastOps)

# ``MINITORCH_BACKEND=simple|fast|gpu`` overrides the automatic choice.
BACKEND_ENV = "MINITORCH_BACKEND"


def gpu_available() -> bool:
    """True when numba can run kernels on a real CUDA GPU (not the simulator)."""
    from numba import cuda  # imported here: see the module docstring
    from numba.core import config

    if config.ENABLE_CUDASIM:
        return False
    try:
        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver means no GPU, not a crash
        return False


@functools.lru_cache(maxsize=None)
def _gpu_backend() -> TensorBackend:
    from .cuda_ops import CudaOps

    return TensorBackend(CudaOps)


def default_backend() -> TensorBackend:
    """The fastest backend this machine can run: the GPU if usable, else FastOps.

    Returns:
        ``GPUBackend`` on a machine with a CUDA GPU, ``FastTensorBackend``
        otherwise; ``MINITORCH_BACKEND`` (simple, fast or gpu) overrides.

    Raises:
        ValueError: for an unknown ``MINITORCH_BACKEND``.
    """
    choice = os.environ.get(BACKEND_ENV, "").strip().lower()
    if choice == "simple":
        return SimpleBackend
    if choice == "fast":
        return FastTensorBackend
    if choice == "gpu":
        return _gpu_backend()
    if choice:
        raise ValueError(f"{BACKEND_ENV}={choice!r}: use simple, fast or gpu")
    return _gpu_backend() if _cached_gpu_available() else FastTensorBackend


def layer_backend() -> TensorBackend:
    """The backend layers and the Keras API use when none is given.

    ``FastTensorBackend`` unless ``MINITORCH_BACKEND`` asks for another: the
    convolution, pooling and fused layer kernels of Module 4 run on the CPU,
    so on a GPU machine ``CudaOps`` would only add copies to and from the
    device around them. The GPU is therefore opt-in for networks.
    """
    if os.environ.get(BACKEND_ENV, "").strip():
        return default_backend()
    return FastTensorBackend


@functools.lru_cache(maxsize=None)
def _cached_gpu_available() -> bool:
    return gpu_available()


def __getattr__(name: str) -> Any:
    # PEP 562: build GPUBackend (and import numba.cuda) only when asked for.
    if name == "GPUBackend":
        return _gpu_backend()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

