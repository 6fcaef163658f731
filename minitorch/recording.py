"""Who is watching the forward pass: the slot a tracer fills (``minitorch.trace``).

Every differentiable step goes through ``Function.apply``; a few library
functions (softmax, pooling, batch norm, embedding, fused attention) also
compute helper tensors outside any Function (a detached max, numpy running
statistics) and are therefore marked with :func:`recorded_as`, so a tracer
sees each of them as one node with its settings.

With nobody watching, each hook costs one ``ContextVar.get``. The watcher is
context-local (a ``ContextVar``), so a trace in one thread never records
another thread's work.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Dict, Iterator, Optional, Protocol, Tuple, TypeVar


class Watcher(Protocol):
    """What a tracer implements (see ``minitorch.graph.trace.Recorder``)."""

    def call(self, op: str, fn: Callable[..., Any], args: Tuple[Any, ...],
             kwargs: Dict[str, Any]) -> Any:
        """Run ``fn(*args, **kwargs)`` (an op called ``op``), recording it, and return its result."""

    def enter_module(self, module: Any) -> Any:
        """A module's forward starts; returns a token for :meth:`exit_module`."""

    def exit_module(self, token: Any) -> None:
        """The module's forward ended."""

    def leaving(self, tensor: Any, how: str) -> None:
        """``tensor``'s numbers are about to become a Python value (``how``: ``"bool()"``...)."""


_WATCHER: ContextVar[Optional[Watcher]] = ContextVar("minitorch_watcher", default=None)


def watcher() -> Optional[Watcher]:
    """The active watcher, or None (the usual case: nothing is being traced)."""
    return _WATCHER.get()


@contextmanager
def watching(w: Watcher) -> Iterator[Watcher]:
    """Let ``w`` watch every op run inside the ``with`` block (in this context only)."""
    token = _WATCHER.set(w)
    try:
        yield w
    finally:
        _WATCHER.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


def recorded_as(op: str) -> Callable[[F], F]:
    """Mark a library function as one traced op named ``op`` (its inner steps are not recorded).

    Args:
        op: the node's name in a traced graph, e.g. ``"Softmax"``.

    Returns:
        A decorator; the decorated function behaves exactly as before.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            w = _WATCHER.get()
            if w is None:
                return fn(*args, **kwargs)
            return w.call(op, fn, args, kwargs)

        run.recorded_op = op  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return decorate


__all__ = ["Watcher", "watcher", "watching", "recorded_as"]
