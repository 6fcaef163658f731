"""Loaders: turn a data set's files into numpy arrays or Python lists.

One file per on-disk format:

- :mod:`.idx`: MNIST's IDX files (gzipped or not);
- :mod:`.cifar`: CIFAR-10's pickled python batches (safe unpickler);
- :mod:`.image_folder`: ``<split>/<class>/<image>`` trees (Imagenette, CIFAR JPEGs);
- :mod:`.text`: TSV/CSV text classification sets (SST-2, IMDB sample);
- :mod:`.glove`: GloVe word vectors in text form.
"""

from .cifar import CIFAR10_CLASSES, UnsafePickleError, load_cifar_batches, read_batch
from .glove import load_glove
from .idx import load_idx_set, read_idx
from .image_folder import list_images, load_image_folder
from .text import load_labelled_csv, load_sst2, read_tsv
from .types import ImageArrays, ImageFiles, TextSplits, WordVectors

__all__ = [
    "CIFAR10_CLASSES",
    "ImageArrays",
    "ImageFiles",
    "TextSplits",
    "UnsafePickleError",
    "WordVectors",
    "list_images",
    "load_cifar_batches",
    "load_glove",
    "load_idx_set",
    "load_image_folder",
    "load_labelled_csv",
    "load_sst2",
    "read_batch",
    "read_idx",
    "read_tsv",
]
