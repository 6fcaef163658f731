"""Everything minitorch can download, described once and found one way.

- :mod:`minitorch.hub.files`: the description of a downloadable thing
  (:class:`Resource`: its :class:`HubFile` s with sha256/md5 and size, the
  :class:`Package` that may ship them, mirror and cache folders, license,
  citation);
- :mod:`minitorch.hub.resolve`: the one resolver: installed package, then
  cache, then ``$MINITORCH_MIRROR``, then the canonical URLs;
- :mod:`minitorch.hub.models`: pretrained models (:class:`ModelEntry`, the
  registry, catalogues declared as ``minitorch.hub`` entry points);
- :mod:`minitorch.hub.datasets`: the data catalogue (``datasets.load("mnist")``,
  the ``minitorch-datasets`` command), one TOML file per data set in
  ``minitorch/hub/datasets/entries/``.

The bytes themselves move through :mod:`minitorch.io.hub` (checksummed,
atomic, resumable). Importing this package loads only the descriptions.
"""

from .files import HubFile, Member, Package, Resource
from .models import ModelEntry, get_entry, list_models, register

__all__ = ["HubFile", "Member", "ModelEntry", "Package", "Resource", "get_entry", "list_models",
           "register"]
