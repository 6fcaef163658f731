"""What a catalogue entry says about a data set.

An entry is plain data: where each file comes from, what its checksums are,
how it lies on disk, and which function turns it into arrays or lists. The
code that acts on entries lives in :mod:`minitorch.hub.datasets.fetch`.

Three ways a file can reach the cache, tried in this order:

1. a *mirror*: ``$MINITORCH_MIRROR/<entry.mirror>/<file.path>`` (a folder
   or a URL), then any ``entry.system_mirrors`` (e.g. Debian's
   ``/usr/share/datasets``);
2. the file's own canonical ``urls``;
3. its ``origin``: a member of a published archive (SST-2's ``train.tsv``
   is only published inside ``SST-2.zip``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DataFile:
    """One file of a data set.

    Attributes:
        path: where it lives inside the data set's cache folder; also its path
            inside the entry's mirror folder.
        urls: canonical URLs, tried in order after the mirrors.
        md5: md5 of the published file (what most data sets publish).
        sha256: sha256 of the file's bytes.
        content_sha256: sha256 of the gunzipped bytes of a ``.gz`` file; lets
            a re-compressed copy with identical content through.
        size: size in bytes, when known (for ``info``; a download stops there).
        split: the split this file belongs to (``"train"``, ``"test"``...), so
            ``load(name, splits=...)`` can fetch only part of a data set.
        unpack: extract this archive into the data set folder once fetched.
        origin: the archive member this file is, when it is not published
            on its own.
    """

    path: str
    urls: tuple[str, ...] = ()
    md5: str | None = None
    sha256: str | None = None
    content_sha256: str | None = None
    size: int | None = None
    split: str | None = None
    unpack: bool = False
    origin: Member | None = None

    def checksums(self) -> dict[str, str | None]:
        """The keyword arguments :func:`minitorch.io.hub.check_file` takes."""
        return {"sha256": self.sha256, "md5": self.md5, "content_sha256": self.content_sha256}


@dataclass(frozen=True)
class Member:
    """A file that is published only inside an archive.

    Attributes:
        archive: the published archive (its ``path`` is its file name in
            ``$MINITORCH_HOME/downloads``).
        name: the member's path inside the archive.
        same_bytes: the member's bytes are known to equal the mirror copy's,
            so the file's own checksums apply to it too. When False only the
            archive's checksum vouches for it.
    """

    archive: DataFile
    name: str
    same_bytes: bool = False


@dataclass(frozen=True)
class Dataset:
    """A catalogue entry.

    Attributes:
        name: the key users type: ``datasets.load("mnist")``.
        title: a human name.
        description: what is in it, in a sentence or three.
        license: as stated by the publisher.
        citation: the paper or page to cite.
        homepage: where the data set is described.
        files: the files that make it up.
        layout: the on-disk layout inside the cache folder, for humans.
        loader: ``loader(root, **kwargs)`` turns the cache folder into
            arrays or lists.
        mirror: folder name under ``$MINITORCH_MIRROR``.
        manifest: a ``SHA256SUMS`` file (itself pinned) listing further files;
            used for trees of many files such as image folders.
        splits: split names, for the manifest's first path component.
        variant_of: the canonical entry this one is a variant of.
        system_mirrors: folders outside our control that may hold the files
            (same ``<mirror>/<path>`` layout).
        aliases: other names accepted for this entry.
        notes: anything a user should know (differences from the original).
    """

    name: str
    title: str
    description: str
    license: str
    citation: str
    homepage: str
    files: tuple[DataFile, ...]
    layout: str
    loader: Callable[..., Any]
    mirror: str | None = None
    manifest: DataFile | None = None
    splits: tuple[str, ...] = ()
    variant_of: str | None = None
    system_mirrors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())
    notes: str = ""

    @property
    def canonical(self) -> bool:
        """True when some file can be fetched from a canonical (non-mirror) URL."""
        return any(f.urls or f.origin for f in self.files)
