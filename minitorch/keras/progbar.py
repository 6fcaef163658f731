"""Keras' progress line, character for character.

::

    1875/1875 [==============================] - 2s 1ms/step - loss: 0.2982 - accuracy: 0.9145

In a terminal or a notebook the line is redrawn in place (``\\r``) as
batches finish, with an ``ETA``; when output goes to a file or a pipe only
the final line is printed, as Keras does.
"""

from __future__ import annotations

import sys
import time
from typing import Dict, Optional, TextIO

__all__ = ["format_bar", "format_time_per_step", "format_values", "Progbar"]

WIDTH = 30  # characters between the brackets


def _dynamic(stream: TextIO) -> bool:
    """True where ``\\r`` redraws a line: a terminal, or a Jupyter kernel's output."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


def format_bar(current: int, target: int) -> str:
    """``' 12/100 [==>...........................]'``: the count and a 30-character bar."""
    digits = len(str(target))
    done = int(WIDTH * current / target) if target else WIDTH
    bar = "=" * max(done - 1, 0)
    if done > 0:
        bar += ">" if current < target else "="
    bar += "." * (WIDTH - len(bar))
    return f"{current:{digits}d}/{target} [{bar}]"


def format_time_per_step(seconds: float) -> str:
    """Keras' ``1ms/step``: whole seconds, milliseconds or microseconds per step."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_values(values: Dict[str, float]) -> str:
    """`` - loss: 0.2982 - accuracy: 0.9145`` (tiny values in scientific notation)."""
    out = ""
    for name, value in values.items():
        out += f" - {name}: {value:.4f}" if abs(value) > 1e-3 else f" - {name}: {value:.4e}"
    return out


class Progbar:
    """A progress line for ``target`` steps.

    Args:
        target: the number of steps (batches).
        verbose: 1 for the bar, 2 for one final line without the bar, 0 for silence.
        stream: where to print (standard output by default).
        interval: the least time in seconds between two redraws.
    """

    def __init__(
        self, target: int, verbose: int = 1, stream: Optional[TextIO] = None, interval: float = 0.05
    ) -> None:
        self.target, self.verbose, self.interval = target, verbose, interval
        self.stream = stream if stream is not None else sys.stdout
        self.dynamic = _dynamic(self.stream)
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.width = 0

    def update(self, current: int, values: Optional[Dict[str, float]] = None, finalize: bool = False) -> None:
        """Show that ``current`` steps are done, with the running ``values`` (loss, metrics)."""
        if self.verbose == 0:
            return
        values = values or {}
        now = time.perf_counter()
        elapsed = now - self.start
        if finalize:
            per_step = elapsed / max(current, 1)
            if self.verbose == 1:
                line = f"{format_bar(current, self.target)} - {elapsed:.0f}s {format_time_per_step(per_step)}"
            else:  # Keras' one-line-per-epoch form
                line = f"{current}/{self.target} - {elapsed:.0f}s - {format_time_per_step(per_step)}"
            line += format_values(values)
            if self.dynamic and self.verbose == 1:
                self.stream.write("\r" + line.ljust(self.width) + "\n")
            else:
                self.stream.write(line + "\n")
            self.stream.flush()
            return
        if self.verbose != 1 or not self.dynamic or now - self.last_draw < self.interval:
            return
        if current >= self.target:  # the final line follows: no ETA line for the last step
            return
        self.last_draw = now
        eta = elapsed / max(current, 1) * (self.target - current)
        eta_text = f"{eta:.0f}s" if eta < 60 else f"{int(eta // 60)}:{int(eta % 60):02d}"
        line = f"{format_bar(current, self.target)} - ETA: {eta_text}{format_values(values)}"
        self.stream.write("\r" + line.ljust(self.width))
        self.width = len(line)
        self.stream.flush()
