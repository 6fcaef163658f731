"""Module 5: the fast.ai-style ``Learner`` and everything a fit needs.

- ``learner``: the ``Learner`` (fit, ``fit_one_cycle``, ``fine_tune``, predict, save/load).
- ``callback/``: the events of the loop and the standard callbacks (schedules,
  progress, recorder, NaN guard).
- ``data``: ``Dataset``, ``DataLoader``, ``DataLoaders``: arrays to batches of tensors.
- ``freeze``: parameter groups, freezing, discriminative learning rates.
- ``hypers``: an optimizer's hyper-parameters by fast.ai's names.
- ``metrics``: accuracy, error rate, F1 ...
- ``predictions``: from raw outputs to predictions.
- ``lr_finder``: ``lr_find`` and its suggestions.
- ``interpret``: ``ClassificationInterpretation`` (confusion matrix, top losses).
- ``features``: features computed once by a frozen body.
- ``arch``, ``export``, ``load``: a model's architecture as data; exporting a Learner
  and loading it back.

Each module declares ``__all__``; this package's is built from theirs.
"""

from . import arch, callback, data, interpret, learner, load, lr_finder, metrics
from .arch import *  # noqa: F403
from .callback import *  # noqa: F403
from .data import *  # noqa: F403
from .interpret import *  # noqa: F403
from .learner import *  # noqa: F403
from .load import *  # noqa: F403
from .lr_finder import *  # noqa: F403
from .metrics import *  # noqa: F403

__all__ = [
    *learner.__all__,
    *load.__all__,
    *callback.__all__,
    *data.__all__,
    *lr_finder.__all__,
    *interpret.__all__,
    *metrics.__all__,
    *arch.__all__,
]
