"""The functions users call: ``load``, ``path``, ``list``, ``info``, ``download``, ``verify``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from minitorch.io import hub

from . import fetch
from .catalogue import CATALOGUE, get, variants
from .entry import Dataset

__all__ = ["list_datasets", "info", "path", "load", "download", "verify", "availability"]


def list_datasets() -> list[str]:
    """Names of every catalogued data set, in catalogue order."""
    return list(CATALOGUE)


def info(name: str) -> Dataset:
    """The catalogue entry of ``name``: description, license, citation, files, layout."""
    return get(name)


def path(
    name: str,
    splits: str | tuple[str, ...] | None = None,
    *,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Fetch ``name`` if needed and return its cache folder.

    Args:
        name: a catalogue name, e.g. ``"imagenette_224_subset"``.
        splits: fetch only these splits, e.g. ``"test"`` (default: all).
        force: download again even if cached.
        progress: show progress bars.

    Raises:
        DownloadError: the data is neither cached nor reachable; the message
            says what was tried and, where one exists, which variant the
            mirror does have.
        ChecksumError: a source served damaged data (nothing was cached).
    """
    entry = get(name)
    if isinstance(splits, str):
        splits = (splits,)
    try:
        return fetch.fetch(entry, splits, force=force, progress=progress)
    except hub.ChecksumError:
        raise
    except hub.DownloadError as error:
        raise hub.DownloadError(f"data set {entry.name!r}: {error}{_hint(entry)}") from error


def load(
    name: str,
    splits: str | tuple[str, ...] | None = None,
    *,
    progress: bool = True,
    **kwargs: Any,
) -> Any:
    """Fetch ``name`` if needed and read it with its loader.

    Args:
        name: a catalogue name.
        splits: fetch only these splits (image trees: the others come back empty).
        progress: show progress bars while fetching.
        **kwargs: passed to the loader, e.g. ``max_words=10000`` for GloVe.

    Returns:
        Whatever the entry's loader returns: :class:`ImageArrays` (MNIST,
        Fashion-MNIST, CIFAR-10), :class:`ImageFiles` (image trees),
        :class:`TextSplits` (SST-2, IMDB sample), :class:`WordVectors` (GloVe).
    """
    root = path(name, splits, progress=progress)
    return get(name).loader(root, **kwargs)


def download(
    name: str, splits: str | tuple[str, ...] | None = None, *, force: bool = False
) -> Path:
    """Fetch ``name`` into the cache (same as :func:`path`); returns the folder."""
    return path(name, splits, force=force)


def verify(name: str, splits: str | tuple[str, ...] | None = None) -> list[fetch.FileCheck]:
    """Re-hash the cached files of ``name``; downloads nothing. See :func:`download`."""
    if isinstance(splits, str):
        splits = (splits,)
    return fetch.verify(get(name), splits)


def availability(name: str) -> str:
    """Where ``name`` would come from now: ``cached``, ``mirror``, ``download`` or ``unavailable``.

    Looks only at the local disk (the cache and folder mirrors); never at the network.
    """
    entry = get(name)
    root = fetch.dataset_dir(entry)
    first = entry.manifest or entry.files[0]
    files = [first] if entry.manifest else list(entry.files)
    if all((root / f.path).exists() for f in files):
        return "cached"
    mirrors = [m for m in [hub.mirror(), *entry.system_mirrors] if m]
    for base in mirrors:
        if "://" in base and not base.startswith("file://"):
            return "mirror (URL)"
        for candidate in (first, first.origin.archive if first.origin else None):
            if candidate and (Path(base) / fetch.mirror_path(entry, candidate)).exists():
                return "mirror"
    if entry.canonical and not hub.offline():
        return "download"
    return "unavailable"


def _hint(entry: Dataset) -> str:
    """Point at variants that may be available when ``entry`` is not."""
    lines = []
    for variant in variants(entry.name):
        lines.append(
            f"A variant may be available from the mirror: {variant.name!r} ({variant.title}); "
            f"datasets.load({variant.name!r})."
        )
    if entry.variant_of and not entry.canonical:
        lines.append(
            f"{entry.name!r} is distributed only through mirrors "
            f"(MINITORCH_MIRROR={os.environ.get(hub.ENV_MIRROR) or 'unset'}); the canonical data "
            f"set is {entry.variant_of!r}."
        )
    return "\n" + "\n".join(lines) if lines else ""
