"""Progress bars and the results table, wherever training runs.

``ProgressCallback`` (installed in every Learner) shows a master bar over
the epochs, a bar over the batches of each training and validation pass,
and a results table with one row per epoch, as fast.ai does::

    epoch  train_loss  valid_loss  accuracy  time
    0      0.312045    0.151230    0.954300  00:21

It adapts to where it runs:

- in a Jupyter notebook: widget bars (``tqdm.notebook``) and an HTML table
  that grows in place;
- in a terminal: text bars on stderr, table rows printed above them;
- anywhere else (output piped to a log file, CI): no bars, only the table
  rows and, for a pass that runs longer than ``LOG_AFTER_S`` seconds, a
  plain line at every tenth of the way with its rate and the time left, so
  an 18-minute epoch does not leave the log silent until it ends.

The same display serves every step that can take long, through
:func:`progress_bar` and :func:`progress`: training and validation passes,
``get_preds``/``validate`` outside a fit, and feature extraction
(``features.compute_features``).

``ShowGraphCallback`` redraws the training and validation losses after every
epoch (in a notebook; elsewhere it draws once at the end of training).
"""

from __future__ import annotations

import html
import sys
import time
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

from .core import Callback

__all__ = ["ProgressCallback", "ShowGraphCallback"]

# In a log, a pass shorter than this many seconds prints no progress lines.
LOG_AFTER_S = 5.0


def display_mode() -> str:
    """Where output goes: ``"notebook"``, ``"terminal"`` or ``"log"``."""
    # A notebook kernel has imported IPython already; do not import it otherwise (slow).
    if "IPython" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
            return "notebook"
    stream = sys.stderr
    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        return "terminal"
    return "log"


def _bar_class(mode: str) -> Any:
    """tqdm's bar for ``mode``: widgets in a notebook (when ipywidgets is there), text otherwise."""
    if mode == "notebook":
        try:
            import ipywidgets  # noqa: F401 - tqdm.notebook needs it
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm
        except ImportError:  # text bars render in notebooks too, less prettily
            pass
    from tqdm import tqdm

    return tqdm


class LogProgress:
    """Progress for a log file: one plain line at each tenth of the way, with rate and time left.

    Prints nothing until ``LOG_AFTER_S`` seconds have passed, so quick passes
    leave the log as it was. Has the methods of a tqdm bar the project uses
    (``update``, ``set_postfix_str``, ``close``).

    Args:
        total: steps in the whole pass (None: unknown, nothing is printed).
        desc: what is running (``"train"``, ``"features"``).
        clock: seconds since some fixed time (``time.monotonic``; tests pass their own).
    """

    def __init__(self, total: Optional[int], desc: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.desc, self.clock = total, desc, clock
        self.n, self.postfix, self.next_tenth = 0, "", 1
        self.start = clock()

    def update(self, n: int = 1) -> None:
        self.n += n
        if not self.total or self.n * 10 < self.next_tenth * self.total:
            return
        self.next_tenth = self.n * 10 // self.total + 1
        elapsed = self.clock() - self.start
        if elapsed < LOG_AFTER_S:
            return
        from tqdm import tqdm

        rate = self.n / elapsed
        left = tqdm.format_interval((self.total - self.n) / rate)
        print(f"{self.desc}: {100 * self.n // self.total:3d}% {self.n}/{self.total} "
              f"[{tqdm.format_interval(elapsed)} elapsed, {left} left, {rate:.3g} it/s]{self.postfix}",
              flush=True)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix = f" {s}" if s else ""

    def close(self) -> None:
        """Nothing to clear: the lines stay in the log."""


def progress_bar(total: Optional[int], desc: str, mode: Optional[str] = None) -> Any:
    """A progress display for a step of ``total`` parts: a bar, or lines in a log.

    Args:
        total: the number of parts (batches), or None if unknown.
        desc: the label.
        mode: ``"notebook"``, ``"terminal"`` or ``"log"``; detected when None.

    Returns:
        A tqdm bar (notebook, terminal) or a :class:`LogProgress`; call
        ``update(1)`` per part and ``close()`` at the end.
    """
    mode = mode or display_mode()
    if mode == "log":
        return LogProgress(total, desc)
    return _bar_class(mode)(total=total, desc=desc, leave=False, dynamic_ncols=True)


def progress(iterable: Iterable[Any], desc: str, mode: Optional[str] = None) -> Iterator[Any]:
    """Iterate over ``iterable`` (a DataLoader, a list) while showing a :func:`progress_bar`."""
    total = len(iterable) if hasattr(iterable, "__len__") else None  # type: ignore[arg-type]
    bar = progress_bar(total, desc, mode)
    try:
        for item in iterable:
            yield item
            bar.update(1)
    finally:
        bar.close()


def _cells(row: Sequence[Any]) -> List[str]:
    """Format a results row: floats with 6 decimals, the rest as text."""
    return ["" if v is None else f"{v:.6f}" if isinstance(v, float) else str(v) for v in row]


def _text_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        '<table border="1" class="dataframe"><thead><tr style="text-align: left;">'
        f"{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _noop(*args: Any, **kwargs: Any) -> None:
    """The logger while logging is switched off (``learn.no_logging()``)."""


class ProgressCallback(Callback):
    """Progress bars over epochs and batches, and the results table.

    Args:
        mode: ``"notebook"``, ``"terminal"`` or ``"log"``; detected when None.
    """

    order = 60
    _in_fit = False  # validate() and get_preds() run passes outside any fit
    pbar: Any = None

    def __init__(self, mode: Optional[str] = None) -> None:
        self.mode = mode

    def before_fit(self) -> None:
        self._mode = self.mode or display_mode()
        self._in_fit = True
        self.mbar = None
        if self._mode != "log":  # in a log, an epoch's row is its progress
            self.mbar = progress_bar(self.learn.n_epoch, "epochs", self._mode)
        self.pbar = None
        self.rows: List[List[str]] = []
        self.handle = None
        # The Recorder hands every epoch's row to learn.logger; show it as a table row.
        self.old_logger = self.learn.logger
        if self.old_logger is not _noop:
            self.header = list(self.learn.recorder.metric_names)
            self.widths = [max(len(n), 8) for n in self.header]
            self.learn.logger = self._write_row
            self._write_header()

    def _write_header(self) -> None:
        if self._mode == "notebook":
            from IPython.display import HTML, display

            self.handle = display(HTML(_html_table(self.header, [])), display_id=True)
        else:
            self._print(_text_row(self.header, self.widths))

    def _write_row(self, row: Sequence[Any]) -> None:
        cells = _cells(row)
        self.rows.append(cells)
        if self._mode == "notebook" and self.handle is not None:
            from IPython.display import HTML

            self.handle.update(HTML(_html_table(self.header, self.rows)))
        else:
            self._print(_text_row(cells, self.widths))

    def _print(self, line: str) -> None:
        if self._mode == "terminal":
            from tqdm import tqdm

            tqdm.write(line)  # printed above the bars, which are redrawn below
        else:
            print(line, flush=True)

    def _launch(self, desc: str) -> None:
        # Outside a fit too: get_preds and validate over a large set take long.
        self._close_pbar()  # one left open by an error that ended the last pass
        mode = self._mode if self._in_fit else (self.mode or display_mode())
        total = len(self.learn.dl) if hasattr(self.learn.dl, "__len__") else None
        self.pbar = progress_bar(total, desc, mode)

    def before_train(self) -> None:
        self._launch("train")

    def before_validate(self) -> None:
        self._launch("valid")

    def after_batch(self) -> None:
        if self.pbar is None:
            return
        self.pbar.update(1)
        smooth = getattr(self.learn, "smooth_loss", None)
        if self.learn.training and smooth is not None:
            self.pbar.set_postfix_str(f"{smooth:.4f}", refresh=False)

    def _close_pbar(self) -> None:
        if self.pbar is not None:
            self.pbar.close()
            self.pbar = None

    def after_train(self) -> None:
        self._close_pbar()

    def after_validate(self) -> None:
        self._close_pbar()

    def after_epoch(self) -> None:
        if self.mbar is not None:
            self.mbar.update(1)

    def after_fit(self) -> None:
        self._close_pbar()
        self._in_fit = False
        if self.mbar is not None:
            self.mbar.close()
            self.mbar = None
        self.learn.logger = self.old_logger


class ShowGraphCallback(Callback):
    """Plot the training and validation losses as training goes.

    In a notebook the figure is redrawn after every epoch; elsewhere it is
    drawn once, at the end of training (``self.fig`` holds it).
    """

    order = 65  # after the Recorder has the epoch's values

    def before_fit(self) -> None:
        self.fig = None
        self.handle = None
        self.live = display_mode() == "notebook"

    def _draw(self) -> Any:
        import matplotlib.pyplot as plt

        if self.fig is None:
            self.fig, self.ax = plt.subplots(figsize=(6, 4))
        self.ax.clear()
        self.learn.recorder.plot_loss(skip_start=0, ax=self.ax)
        self.ax.set_xlim(0, len(self.learn.dls.train) * self.learn.n_epoch)  # the whole fit
        return self.fig

    def after_epoch(self) -> None:
        if not self.live or not self.learn.recorder.values:
            return
        from IPython.display import display

        fig = self._draw()
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)

    def after_fit(self) -> None:
        import matplotlib.pyplot as plt

        if self.learn.recorder.losses:
            self._draw()
        if self.live and self.fig is not None:
            plt.close(self.fig)  # already shown through the display handle
