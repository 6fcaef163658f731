"""Code written for the MiniTorch course runs here unchanged.

The course's own test files read ``numba.cuda.is_available()`` right after
``import minitorch`` (the course's package imports numba.cuda); collecting
them must not fail with ``module 'numba' has no attribute 'cuda'``.
"""

import subprocess
import sys


def test_numba_cuda_is_loaded_by_import_minitorch() -> None:
    code = (
        "import numba, minitorch\n"
        "print(numba.cuda.is_available(), minitorch.gpu_available())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # Without a GPU numba.cuda is the simulator: available, yet never the default backend.
    available, gpu = done.stdout.split()
    assert gpu == "False" or available == "True"


def test_the_simulator_is_chosen_without_a_gpu_and_can_be_forced() -> None:
    code = "import minitorch\nfrom numba.core import config\nprint(config.ENABLE_CUDASIM)\n"
    for forced, expected in (("1", "1"), ("0", "0")):
        env = {"MINITORCH_CUDASIM": forced, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected
