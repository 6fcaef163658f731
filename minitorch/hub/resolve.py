"""Find a resource's files: installed package, then cache, then mirrors and URLs.

The one resolver behind data sets, pretrained weights and text encoders (the
order is explained in :mod:`minitorch.hub.files`). It only decides *where* a
file comes from; :func:`minitorch.io.hub.download` moves the bytes (checked
before they land, atomic, resumable, ``MINITORCH_OFFLINE`` respected).

Two steps, so callers can word their own errors:

- :func:`find_local`: a verified copy already on this machine (package or
  cache), plus the damaged copies it saw;
- :func:`download_file`: the mirrors, the URLs, then the archive the file is
  published in.

:func:`fetch_file` does both.
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from functools import partial
from pathlib import Path

from minitorch.io import archive, hub

from .files import HubFile, Resource

# ------------------------------------------------------------------ where copies live


def cache_folder(resource: Resource) -> Path:
    """The resource's cache folder: ``$MINITORCH_HOME/<resource.cache_subdir>``."""
    return hub.cache_dir() / resource.cache_subdir


def cache_path(resource: Resource, file: HubFile) -> Path:
    """Where ``file`` is cached: ``$MINITORCH_HOME/<resource.cache_subdir>/<file.path>``."""
    return cache_folder(resource) / file.path


def mirror_path(resource: Resource, file: HubFile) -> str:
    """Where ``file`` sits under a mirror: ``<resource.mirror>/<file.path>``."""
    return f"{resource.mirror}/{file.path}" if resource.mirror else file.path


def package_dir(import_name: str) -> Path | None:
    """The folder of an installed package, or None. The package is located, never imported."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def package_copy(resource: Resource, file: HubFile) -> Path | None:
    """The installed package's copy of ``file``, or None (no package, or not in it).

    A file inside the package's zip is unpacked into the cache on first use
    (again when its size differs) and the cached copy is returned.
    """
    package = resource.package
    folder = package_dir(package.module) if package is not None else None
    if folder is None:
        return None
    path = folder / package.path_of(file)
    if not path.is_file():
        return None
    if package.archive:
        return unzip_members(path, [file.path], cache_folder(resource)).get(file.path)
    return path


def unzip_members(zip_path: Path, names: list[str], folder: Path) -> dict[str, Path]:
    """Extract the members ``names`` of a zip into ``folder``, skipping those already there.

    Args:
        zip_path: the zip file.
        names: member names; those the zip lacks are left out of the result.
        folder: where the members go (under their own names).

    Returns:
        ``{name: path}`` of the members now in ``folder``.
    """
    with zipfile.ZipFile(zip_path) as zf:
        sizes = {info.filename: info.file_size for info in zf.infolist()}
    placed = {}
    for name in names:
        if name not in sizes:
            continue
        dest = folder / name
        if not (dest.is_file() and dest.stat().st_size == sizes[name]):
            archive.extract_member(zip_path, name, dest)
        placed[name] = dest
    return placed


def local_copies(resource: Resource, file: HubFile) -> list[tuple[str, Path]]:
    """``(where, path)`` of every copy on this machine: package, cache, folder mirror. Nothing is hashed."""
    found = []
    if (pkg := package_copy(resource, file)) is not None:
        found.append(("package", pkg))
    if (cached := cache_path(resource, file)).is_file():
        found.append(("cache", cached))
    mirror = hub.mirror()
    if mirror and "://" not in mirror:
        if (mirrored := Path(mirror) / mirror_path(resource, file)).is_file():
            found.append(("mirror", mirrored))
    return found


# ------------------------------------------------------------------ checking

_DIGESTS: dict[tuple, str] = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, computed once per process for each (path, size, times)."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = hub.file_digest(path)
    return _DIGESTS[key]


def check(path: Path, file: HubFile, source: str | None = None) -> str:
    """Check a copy of ``file`` against its pinned checksums; returns how it was verified.

    A file pinned by sha256 alone is hashed once per process (weights are
    large and loaded often); other checks run :func:`minitorch.io.hub.check_file`.

    Raises:
        ChecksumError: the copy does not match.
    """
    if file.sha256 and not (file.md5 or file.content_sha256) and len(file.sha256) >= 8:
        expected, actual = file.sha256.lower(), file_sha256(path)
        if actual.startswith(expected):
            return "sha256"
        kind = "sha256" if len(expected) == 64 else "sha256 prefix"
        raise hub.ChecksumError(source or str(path), kind, expected, actual)
    return hub.check_file(path, source=source, **file.checksums())


# ------------------------------------------------------------------ resolving


def find_local(resource: Resource, file: HubFile) -> tuple[Path | None, list[hub.ChecksumError]]:
    """A verified copy of ``file`` from the installed package or the cache.

    Returns:
        ``(path or None, damaged)``: ``damaged`` holds the error of each copy
        that was found but did not match (package first, then cache).
    """
    damaged = []
    packaged = package_copy(resource, file)
    cached = cache_path(resource, file)
    for path in (packaged, None if cached == packaged else cached):  # a zip's member is cached
        if path is not None and path.is_file():
            try:
                check(path, file)
                return path, damaged
            except hub.ChecksumError as error:
                damaged.append(error)
    return None, damaged


def download_file(
    resource: Resource, file: HubFile, *, force: bool = False, progress: bool = True
) -> Path:
    """Fetch ``file`` into the cache: mirrors, then its URLs, then the archive it comes in.

    Raises:
        ChecksumError: a source served damaged bytes (nothing was cached).
        DownloadError: no source had it; the message lists what was tried.
    """
    dest = cache_path(resource, file)
    try:
        return hub.download(
            file.urls,
            dest=dest,
            mirror_path=mirror_path(resource, file),
            mirrors=resource.system_mirrors,
            force=force,
            progress=progress,
            size=file.size,
            **file.checksums(),
        )
    except hub.DownloadError as error:
        if file.origin is None:
            raise
        first = error
    try:
        return _from_archive(resource, file, dest, progress)
    except (hub.DownloadError, FileNotFoundError) as second:
        detail = f"{first}\nThen tried the archive it is published in:\n{second}"
        if isinstance(second, hub.ChecksumError):
            raise hub.ChecksumError(
                second.source, second.algorithm, second.expected, second.actual, detail
            ) from second
        raise hub.DownloadError(detail) from second


def archive_path(file: HubFile) -> Path | None:
    """Where the archive ``file`` is published in is kept: ``$MINITORCH_HOME/downloads/<name>``."""
    return hub.cache_dir() / "downloads" / file.origin.archive.path if file.origin else None


def _from_archive(resource: Resource, file: HubFile, dest: Path, progress: bool) -> Path:
    assert file.origin is not None
    published = file.origin.archive
    kept = hub.download(
        published.urls,
        dest=archive_path(file),
        mirror_path=mirror_path(resource, published),
        mirrors=resource.system_mirrors,
        progress=progress,
        size=published.size,
        **published.checksums(),
    )
    verify = None
    if file.origin.same_bytes:
        source = f"{kept}:{file.origin.name} (delete {kept} to download it again)"
        verify = partial(hub.check_file, source=source, **file.checksums())
    return archive.extract_member(kept, file.origin.name, dest, verify)


def fetch_file(
    resource: Resource, file: HubFile, *, force: bool = False, progress: bool = True
) -> Path:
    """A verified local copy of ``file``: the package's or the cache's, else downloaded.

    Args:
        resource: the resource ``file`` belongs to.
        file: the file.
        force: download again even when a good copy is cached.
        progress: show a progress bar while downloading.

    Raises:
        ChecksumError, DownloadError: see :func:`download_file`.
    """
    if not force:
        path, _ = find_local(resource, file)
        if path is not None:
            return path
    return download_file(resource, file, force=force, progress=progress)


__all__ = [
    "archive_path",
    "cache_folder",
    "cache_path",
    "check",
    "download_file",
    "fetch_file",
    "file_sha256",
    "find_local",
    "local_copies",
    "mirror_path",
    "package_copy",
    "package_dir",
    "unzip_members",
]
