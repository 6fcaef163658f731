"""``python -m minitorch.hub.datasets ...``: see :mod:`minitorch.hub.datasets.cli`."""

import sys

from .cli import main

sys.exit(main())
