"""Callbacks: what the training loop announces, and the standard listeners.

- ``core``: ``Callback``, the events, the cancel exceptions and general callbacks
  (``ParamScheduler``, ``EarlyStoppingCallback``, ``SaveModelCallback`` ...).
- ``schedule``: schedules (``sched_cos``, ``combined_cos`` ...) that ``ParamScheduler`` follows.
- ``progress``: progress bars and the results table.
- ``recorder``: ``Recorder``, the losses, rates and metrics of a fit, and their plots.
- ``guards``: checked arguments and ``NanGuardCallback``.

Each module declares ``__all__``; this package's is built from theirs.
"""

from . import core, guards, progress, recorder, schedule
from .core import *  # noqa: F403
from .guards import *  # noqa: F403
from .progress import *  # noqa: F403
from .recorder import *  # noqa: F403
from .schedule import *  # noqa: F403

__all__ = [*core.__all__, *schedule.__all__, *progress.__all__, *recorder.__all__, *guards.__all__]
