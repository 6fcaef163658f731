"""What a catalogue entry says about a data set.

An entry is plain data: a :class:`~minitorch.hub.files.Resource` (its files,
their checksums, where they come from: mirror, URLs, the archive a file is
published in; see :mod:`minitorch.hub.files`) plus what a reader needs: a
title, the on-disk layout, and the function that turns the files into
arrays or lists. The code that acts on entries lives in
:mod:`minitorch.hub.datasets.fetch`, on top of :mod:`minitorch.hub.resolve`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minitorch.hub.files import HubFile, Member, Resource

DataFile = HubFile
"""One file of a data set (the hub's file description, under the catalogue's name)."""


@dataclass(frozen=True, kw_only=True)
class Dataset(Resource):
    """A catalogue entry: a Resource with a title, a layout and a loader.

    Attributes (besides :class:`~minitorch.hub.files.Resource`'s name, files,
    mirror, system_mirrors, license, citation, homepage):
        title: a human name.
        description: what is in it, in a sentence or three.
        layout: the on-disk layout inside the cache folder, for humans.
        loader: ``loader(root, **kwargs)`` turns the cache folder into
            arrays or lists.
        manifest: a ``SHA256SUMS`` file (itself pinned) listing further files;
            used for trees of many files such as image folders.
        splits: split names, for the manifest's first path component.
        variant_of: the canonical entry this one is a variant of.
        aliases: other names accepted for this entry.
        notes: anything a user should know (differences from the original).

    The cache folder is ``datasets/<name>`` (:attr:`cache_subdir`).
    """

    title: str
    description: str
    layout: str
    loader: Callable[..., Any]
    manifest: DataFile | None = None
    splits: tuple[str, ...] = ()
    variant_of: str | None = None
    aliases: tuple[str, ...] = field(default=())
    notes: str = ""

    @property
    def cache_subdir(self) -> str:
        """Every data set's cache folder is ``datasets/<name>`` under ``$MINITORCH_HOME``."""
        return f"datasets/{self.name}"

    @property
    def canonical(self) -> bool:
        """True when some file can be fetched from a canonical (non-mirror) URL."""
        return any(f.urls or f.origin for f in self.files)


__all__ = ["DataFile", "Dataset", "Member"]
