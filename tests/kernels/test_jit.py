"""The kernel cache of ``minitorch.kernels.jit``: it follows the sources kernels depend on,
and stays correct when several processes compile into it at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import numba
import pytest

from minitorch.kernels import jit

ROOT = Path(__file__).resolve().parents[2]

KERNEL = """
from minitorch.kernels.jit import kernel
import helper

@kernel(watch=(helper,))
def f(x):
    return helper.SCALE * x + 1
"""


def run(code: str, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])}
    env.pop("NUMBA_CACHE_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def outputs(processes: List[subprocess.Popen]) -> List[str]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        results.append(out.strip())
    return results


def test_fingerprint_follows_file_contents(tmp_path: Path) -> None:
    (tmp_path / "watched_a.py").write_text("X = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import watched_a

        before = jit.fingerprint([watched_a])
        (tmp_path / "watched_a.py").write_text("X = 2\n")
        assert jit.fingerprint([watched_a]) != before
    finally:
        sys.path.remove(str(tmp_path))


def test_kernels_get_the_watching_cache() -> None:
    @jit.kernel()
    def add_one(x: float) -> float:
        return x + 1

    assert type(add_one._cache).__name__ == "_WatchingCache"
    assert add_one(1.5) == 2.5


def test_compile_flags_are_part_of_the_cache_key() -> None:
    """numba's key leaves flags out: a kernel whose fastmath changed must not load its old code."""

    def one(x: float) -> float:
        return x

    plain, fast = jit.kernel()(one), jit.kernel(fastmath=True)(one)
    assert type(plain._cache).__name__ == "_WatchingCache"
    assert plain._cache._stamp != fast._cache._stamp
    # fastmath=True means the IEEE-keeping flags, spelled in a fixed order.
    assert "fastmath=['afn', 'arcp', 'contract', 'nsz', 'reassoc']" in fast._cache._stamp


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(numba.core.caching, "IndexDataCacheFile"), reason="numba internals changed")
def test_concurrent_compiles_and_edits_keep_the_cache_right(tmp_path: Path) -> None:
    """Processes compiling different signatures at once, then an edit to a watched file.

    Each signature must come back from the cache with its own machine code:
    a mix-up returns wrong numbers or crashes the loading process.
    """
    (tmp_path / "kern.py").write_text(textwrap.dedent(KERNEL))
    values = ["3", "2.5", "1j"]
    for scale in (2, 5):
        (tmp_path / "helper.py").write_text(f"SCALE = {scale}\n")
        compilers = [run(f"import kern; print(repr(kern.f({v})))", tmp_path) for v in values]
        first = outputs(compilers)
        loaded = outputs([run(f"import kern; print(repr(kern.f({v}))); print(sum(kern.f.stats.cache_hits.values()))", tmp_path) for v in values])
        for value, fresh, again in zip(values, first, loaded):
            expected = repr(scale * eval(value) + 1)
            assert fresh == expected, (value, fresh)
            result, hits = again.splitlines()
            assert result == expected and hits == "1", (value, again)
