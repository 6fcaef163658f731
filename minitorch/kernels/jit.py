"""Compile a kernel once per machine, and again whenever its sources change.

Numba turns a Python function into machine code the first time it is called.
For a parallel kernel that takes one to two seconds, in *every* process,
unless the function is compiled with ``cache=True``: then the machine code is
saved beside the source (``__pycache__/*.nbi, *.nbc``) and later processes
load it in a fraction of a second.

Numba decides whether a saved kernel is still valid by looking at the file
that defines the kernel only. Our kernels also compile in functions from
other files: the scalar operators of Module 0 and the index helpers of
Module 2, which are exactly the files a student edits. Without care, a fixed
``to_index`` would keep running its old, cached, compiled self. ``kernel``
therefore adds a fingerprint of those files' text to the cache key, so
editing them recompiles the kernels that use them.

It also makes the cache safe for processes that compile at the same time
(``pytest -n 2`` on a cold cache): see ``_LockedCacheFile``.

The cache must only ever hold kernels defined at module level: numba cannot
cache a closure over another compiled function (it recompiles it in every
process), which is why the kernels of ``fast_ops`` are plain module-level
functions specialised by an *op code* argument rather than built per
operator.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator, Sequence, Tuple

import numba

__all__ = ["fingerprint", "kernel", "inline", "helper"]

try:  # numba's cache classes; the hooks below are used only where they fit
    from numba.core.caching import FunctionCache, IndexDataCacheFile
except ImportError:  # pragma: no cover - a numba without them still caches by file
    FunctionCache = IndexDataCacheFile = None  # type: ignore[assignment,misc]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the key check still guards
    fcntl = None  # type: ignore[assignment]


def fingerprint(modules: Sequence[ModuleType]) -> str:
    """A short hash of the source text of ``modules`` (changes when any file does).

    Args:
        modules: imported Python modules whose files a kernel depends on.

    Returns:
        16 hex digits.
    """
    digest = hashlib.sha256()
    for module in modules:
        path = getattr(module, "__file__", None)
        digest.update(str(getattr(module, "__name__", "")).encode())
        if path and Path(path).exists():
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


if FunctionCache is not None and IndexDataCacheFile is not None:

    class _LockedCacheFile(IndexDataCacheFile):  # type: ignore[misc,valid-type]
        """numba's index + data files, safe when several processes compile at once.

        numba numbers a kernel's data files 1, 2, ... in the order signatures
        are compiled. Two processes compiling different signatures at the
        same time (``pytest -n 2`` on a cold cache) can both take number 1:
        the index then sends one signature to the other's machine code, and
        calling it crashes the process. Here the number is taken and the
        index written under a file lock, and each data file also stores the
        key it belongs to, which ``load`` checks.
        """

        @contextlib.contextmanager
        def _locked(self) -> Iterator[None]:
            if fcntl is None:
                yield
                return
            with open(self._index_path + ".lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

        def save(self, key: Any, data: Any) -> None:
            with self._locked():
                overloads = self._load_index()  # re-read: another process may have added entries
                name = overloads.get(key)
                if name is None:
                    taken = set(overloads.values())
                    name = next(self._data_name(i) for i in itertools.count(1) if self._data_name(i) not in taken)
                    overloads[key] = name
                self._save_data(name, (key, data))  # the data first: the index must never point ahead of it
                self._save_index(overloads)

        def load(self, key: Any) -> Any:
            name = self._load_index().get(key)
            if name is None:
                return None
            try:
                stored_key, data = self._load_data(name)
            except Exception:  # noqa: BLE001 - missing, partial or foreign file: a cache miss
                return None
            return data if stored_key == key else None

    class _WatchingCache(FunctionCache):  # type: ignore[misc,valid-type]
        """numba's on-disk cache whose key also holds the dependencies' fingerprint."""

        def __init__(self, py_func: Callable[..., Any], stamp: str) -> None:
            super().__init__(py_func)
            self._stamp = stamp
            self._cache_file = _LockedCacheFile(
                cache_path=self._cache_path,
                filename_base=self._impl.filename_base,
                source_stamp=self._impl.locator.get_source_stamp(),
            )

        def _index_key(self, sig: Any, codegen: Any) -> Tuple[Any, ...]:
            return (*super()._index_key(sig, codegen), self._stamp)


def _enable_cache(dispatcher: Any, stamp: str) -> None:
    """Give ``dispatcher`` an on-disk cache keyed on ``stamp`` too (plain caching if numba changed)."""
    try:
        if FunctionCache is None or not hasattr(FunctionCache, "_index_key"):
            raise AttributeError("numba's cache has no _index_key")
        for name in ("_load_index", "_save_index", "_load_data", "_save_data", "_data_name"):
            if not hasattr(IndexDataCacheFile, name):
                raise AttributeError(f"numba's cache file has no {name}")
        dispatcher._cache = _WatchingCache(dispatcher.py_func, stamp)
    except Exception:  # noqa: BLE001 - any change in numba's internals: fall back, never fail
        try:
            dispatcher.enable_caching()
        except RuntimeError:  # no place to cache (code typed at a prompt): compile every time
            pass


# numba's ``fastmath=True`` turns on every LLVM fast-math flag, including
# "nnan" and "ninf": a promise that no NaN or infinity ever occurs, which lets
# the compiler fold ``x != x`` to False and ``min(max(x, 0), 6)`` to a result
# that drops a NaN (measured: clamp(NaN) gave 0.0). Real data breaks that
# promise, so kernels get the flags that make loops fast (reassociating sums
# into SIMD lanes, fused multiply-add, reciprocals) and keep IEEE NaN and inf.
FAST_MATH = frozenset({"reassoc", "contract", "arcp", "nsz", "afn"})


def _options_key(options: dict) -> str:
    """Compile options as stable text (sets sorted: their order changes between processes)."""
    return ";".join(f"{k}={sorted(v) if isinstance(v, (set, frozenset)) else v!r}"
                    for k, v in sorted(options.items()))


def kernel(
    watch: Sequence[ModuleType] = (),
    **options: Any,
) -> Callable[[Callable[..., Any]], Any]:
    """Decorator: ``numba.njit(**options)`` with an on-disk cache that watches ``watch``.

    Args:
        watch: modules whose functions the kernel compiles in; editing any of
            their files invalidates the saved machine code.
        options: passed to ``numba.njit`` (``parallel=True``, ``fastmath=True``, ...).
            ``error_model`` defaults to ``"numpy"``: ``1 / 0`` gives ``inf``
            like numpy instead of raising, which also lets loops vectorize.
            ``fastmath=True`` means :data:`FAST_MATH`: numba's own ``True``
            would also let the compiler assume there are no NaNs or infinities.

    Returns:
        The decorator.
    """
    options.setdefault("error_model", "numpy")
    if options.get("fastmath") is True:
        options["fastmath"] = set(FAST_MATH)
    options.pop("cache", None)
    # numba's cache key leaves out compile flags: without them in the stamp, a
    # kernel whose flags changed (fastmath) would keep loading its old machine code.
    stamp = f"{fingerprint(watch)}|{_options_key(options)}"

    def decorate(fn: Callable[..., Any]) -> Any:
        dispatcher = numba.njit(**options)(fn)
        _enable_cache(dispatcher, stamp)
        return dispatcher

    return decorate


def inline(fn: Callable[..., Any]) -> Any:
    """Compile a small helper (a scalar operator, an index helper) for use inside kernels.

    It is not cached itself: it is compiled into each kernel that calls it,
    and that kernel's cache holds it. ``inline="always"`` pastes its body
    into the caller before optimisation: measured 5x faster strided kernels
    than calling it (the compiler then sees through the index arithmetic),
    and quicker to compile.
    """
    return numba.njit(inline="always", error_model="numpy")(fn)


def helper(fn: Callable[..., Any]) -> Any:
    """Compile a larger helper (the op-code dispatch) as its own function.

    Unlike :func:`inline`, its body is compiled once per argument type rather
    than pasted into every kernel: measured 30-40% less compile time per
    kernel, and no slower, since the optimiser still inlines it where it pays.
    """
    return numba.njit(error_model="numpy")(fn)
