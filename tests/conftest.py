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

import pytest

# minitorch makes the choice on import (GPU if an NVIDIA driver is present,
# else the simulator; MINITORCH_CUDASIM=0|1 forces it), before numba.cuda loads.
from minitorch.kernels.cuda_choice import choose_cuda_device

choose_cuda_device()



@pytest.fixture
def isolated_hub(tmp_path, monkeypatch):
    """Downloads go to a temporary cache; no mirror or offline setting leaks in from the shell.

    Returns:
        The temporary ``MINITORCH_HOME``.
    """
    from minitorch.io import hub

    monkeypatch.setenv(hub.ENV_HOME, str(tmp_path / "home"))
    monkeypatch.delenv(hub.ENV_MIRROR, raising=False)
    monkeypatch.delenv(hub.ENV_OFFLINE, raising=False)
    return tmp_path / "home"
