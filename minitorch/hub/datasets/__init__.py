"""minitorch's data catalogue: real public data sets, fetched and checked for you.

    from minitorch.hub import datasets
    datasets.list()                                  # ['mnist', 'fashion_mnist', ...]
    x_train, y_train, x_test, y_test, classes = datasets.load("mnist")
    datasets.path("imagenette_224_subset")           # the cache folder, fetched if needed
    datasets.info("sst2").license                    # catalogue metadata

From a shell: ``python -m minitorch.hub.datasets list | info | download | verify | path NAME``.

Each entry (:mod:`minitorch.hub.datasets.catalogue`) names canonical URLs and pinned
checksums; files are fetched by :func:`minitorch.io.hub.download` into
``$MINITORCH_HOME/datasets/<name>`` (default ``~/.cache/minitorch``), from
``$MINITORCH_MIRROR`` first when it is set. Loaders
(:mod:`minitorch.hub.datasets.loaders`) return numpy arrays and Python lists.
"""

from .api import availability, download, info, list_datasets, load, path, verify
from .catalogue import CATALOGUE, get
from .entry import DataFile, Dataset, Member
from .loaders import ImageArrays, ImageFiles, TextSplits, WordVectors

list = list_datasets  # `datasets.list()` reads naturally; nothing below needs the builtin

__all__ = [
    "CATALOGUE",
    "DataFile",
    "Dataset",
    "ImageArrays",
    "ImageFiles",
    "Member",
    "TextSplits",
    "WordVectors",
    "availability",
    "download",
    "get",
    "info",
    "list",
    "list_datasets",
    "load",
    "path",
    "verify",
]
