"""Everything minitorch can download, described once and found one way.

Subpackages and modules:

- :mod:`minitorch.hub.datasets`: the data catalogue (``datasets.load("mnist")``,
  the ``minitorch-datasets`` command).

The bytes themselves move through :mod:`minitorch.io.hub` (mirror first,
checksummed, atomic, resumable). Importing this package imports nothing heavy.
"""

__all__: list = []
